package bus

import (
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"math/rand/v2"
	"sync"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/internal/platform/db"
)

// channel is the PostgreSQL notification channel of the announcements.
const channel = "processgroup_live"

// Publisher announces changes: through PostgreSQL's NOTIFY (every server's listener then
// hands them to its hub), or straight to this server's hub on SQLite.
type Publisher struct {
	hub *Hub
	// pool is the PostgreSQL pool for announcements made outside a transaction; nil on
	// SQLite.
	pool *sql.DB
	log  *slog.Logger

	mu      sync.Mutex
	pending map[*ent.Tx][]pendingEvent
}

type pendingEvent struct {
	ev Event
	tx *sql.Tx
}

// NewPublisher returns the publisher of hub: through NOTIFY when postgres is a PostgreSQL
// pool, else straight to hub.
func NewPublisher(hub *Hub, postgres *sql.DB, log *slog.Logger) *Publisher {
	return &Publisher{hub: hub, pool: postgres, log: log, pending: map[*ent.Tx][]pendingEvent{}}
}

type ctxKey struct{}

// NewContext returns a copy of ctx whose changes are announced by p.
func NewContext(ctx context.Context, p *Publisher) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// Announce announces evs, once the transaction of ctx (if any) commits; a rolled-back
// change announces nothing. Without a Publisher in ctx (tools, unit tests) it does nothing.
// An announcement is best effort: a failure is logged (ids only), never the change's.
func Announce(ctx context.Context, evs ...Event) {
	p, _ := ctx.Value(ctxKey{}).(*Publisher)
	if p == nil || len(evs) == 0 {
		return
	}
	if tx := ent.TxFromContext(ctx); tx != nil {
		sqlTx, _ := db.SQLTx(ctx)
		p.mu.Lock()
		first := p.pending[tx] == nil
		for _, ev := range evs {
			p.pending[tx] = append(p.pending[tx], pendingEvent{ev: ev, tx: sqlTx})
		}
		p.mu.Unlock()
		if first {
			p.hook(tx)
		}
		return
	}
	if p.pool != nil {
		for _, ev := range evs {
			if err := notify(ctx, p.pool.ExecContext, ev); err != nil {
				p.log.WarnContext(ctx, "live announcement failed", "kind", string(ev.Kind), "error", err.Error())
			}
		}
		return
	}
	for _, ev := range evs {
		p.hub.Deliver(ev)
	}
}

// hook sends the announcements pending on tx with its commit: on PostgreSQL as NOTIFYs in
// the transaction itself (delivered by PostgreSQL at the commit, and only if it commits), on
// SQLite to the hub once the commit succeeded.
func (p *Publisher) hook(tx *ent.Tx) {
	take := func() []pendingEvent {
		p.mu.Lock()
		defer p.mu.Unlock()
		evs := p.pending[tx]
		delete(p.pending, tx)
		return evs
	}
	tx.OnCommit(func(next ent.Committer) ent.Committer {
		return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
			evs := take()
			if p.pool != nil {
				for _, pe := range evs {
					exec := p.pool.ExecContext
					if pe.tx != nil {
						exec = pe.tx.ExecContext
					}
					if err := notify(ctx, exec, pe.ev); err != nil {
						// A failed statement aborts a PostgreSQL transaction: the change
						// cannot commit without its announcement.
						return err
					}
				}
				return next.Commit(ctx, tx)
			}
			if err := next.Commit(ctx, tx); err != nil {
				return err
			}
			for _, pe := range evs {
				p.hub.Deliver(pe.ev)
			}
			return nil
		})
	})
	tx.OnRollback(func(next ent.Rollbacker) ent.Rollbacker {
		return ent.RollbackFunc(func(ctx context.Context, tx *ent.Tx) error {
			take()
			return next.Rollback(ctx, tx)
		})
	})
}

// Settle returns once every announcement committed before it has reached this server's hub
// (the subscriptions started after it see none of them), or ctx ends. On PostgreSQL it
// sends a mark and waits for it, since NOTIFYs arrive in commit order; on SQLite the hub has
// them already.
func (p *Publisher) Settle(ctx context.Context) error {
	if p.pool == nil {
		return nil
	}
	id := int(rand.Int64N(1 << 53))
	if err := notify(ctx, p.pool.ExecContext, Event{Kind: Mark, ID: id}); err != nil {
		return err
	}
	return p.hub.AwaitMark(ctx, id)
}

type execFunc func(ctx context.Context, query string, args ...any) (sql.Result, error)

func notify(ctx context.Context, exec execFunc, ev Event) error {
	payload, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	_, err = exec(ctx, "SELECT pg_notify($1, $2)", channel, string(payload))
	return err
}
