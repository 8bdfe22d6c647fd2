package bus

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// ApplicationName is the application_name of the listening connection (operators see it
// in pg_stat_activity).
const ApplicationName = "processgroup-live"

// Listener holds one PostgreSQL connection that LISTENs for the announcements of every
// server and hands them to a hub. When the connection is lost it drops every subscription
// as lost (Hub.Down: the subscribers refetch) and reconnects.
type Listener struct {
	url     string
	hub     *Hub
	log     *slog.Logger
	cancel  context.CancelFunc
	done    chan struct{}
	backend atomic.Uint32
}

// Listen connects to PostgreSQL at url, LISTENs, and keeps listening until Close. It
// returns once the first LISTEN is in place, so that the hub accepts subscriptions.
func Listen(ctx context.Context, url string, hub *Hub, log *slog.Logger) (*Listener, error) {
	hub.Down()
	l := &Listener{url: url, hub: hub, log: log, done: make(chan struct{})}
	conn, err := l.connect(ctx)
	if err != nil {
		return nil, fmt.Errorf("live updates: listen: %w", err)
	}
	lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	l.cancel = cancel
	go l.run(lctx, conn)
	return l, nil
}

// Backend is the process id of the listening connection's PostgreSQL backend (tests
// terminate it).
func (l *Listener) Backend() uint32 { return l.backend.Load() }

func (l *Listener) connect(ctx context.Context) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(l.url)
	if err != nil {
		return nil, err
	}
	cfg.RuntimeParams["application_name"] = ApplicationName
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(cctx, cfg)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(cctx, "LISTEN "+channel); err != nil {
		conn.Close(context.Background())
		return nil, err
	}
	l.backend.Store(conn.PgConn().PID())
	l.hub.Up()
	return conn, nil
}

func (l *Listener) run(ctx context.Context, conn *pgx.Conn) {
	defer close(l.done)
	backoff := 100 * time.Millisecond
	for {
		err := l.receive(ctx, conn)
		conn.Close(context.Background())
		if ctx.Err() != nil {
			return
		}
		// Announcements may be missed until the next LISTEN: every subscriber is told to
		// refetch, and new subscriptions wait.
		l.hub.Down()
		l.log.Warn("live updates: listening connection lost; subscribers told to refetch", "error", err.Error())
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			if conn, err = l.connect(ctx); err == nil {
				l.log.Info("live updates: listening again")
				backoff = 100 * time.Millisecond
				break
			}
			backoff = min(2*backoff, 5*time.Second)
		}
	}
}

func (l *Listener) receive(ctx context.Context, conn *pgx.Conn) error {
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		var ev Event
		if err := json.Unmarshal([]byte(n.Payload), &ev); err != nil || ev.Kind == "" {
			l.log.Warn("live updates: an announcement that is not one was ignored")
			continue
		}
		l.hub.Deliver(ev)
	}
}

// Close stops listening.
func (l *Listener) Close() error {
	l.cancel()
	<-l.done
	return nil
}
