package db

import (
	"context"
	"database/sql"
	"errors"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"github.com/processgroup/api/ent"
)

// A transaction begun by ent is also the transaction durable jobs are inserted in (River
// takes a *sql.Tx), so that a change and the notifications it causes commit or roll back
// together. BeginTx opens such a transaction; SQLTx finds its *sql.Tx again.

type slotKey struct{}

type slot struct{ tx *sql.Tx }

type sqlTxKey struct{}

// BeginTx begins a transaction on client and returns a context that carries it (for
// ent.FromContext and ent.TxFromContext) and its *sql.Tx (for SQLTx). The client must run
// on this package's Driver (possibly wrapped).
func BeginTx(ctx context.Context, client *ent.Client) (context.Context, *ent.Tx, error) {
	s := &slot{}
	tx, err := client.Tx(context.WithValue(ctx, slotKey{}, s))
	if err != nil {
		return ctx, nil, err
	}
	if s.tx == nil {
		_ = tx.Rollback()
		return ctx, nil, errors.New("db: the ent client does not run on db.Driver")
	}
	ctx = ent.NewTxContext(ctx, tx)
	ctx = ent.NewContext(ctx, tx.Client())
	return context.WithValue(ctx, sqlTxKey{}, s.tx), tx, nil
}

// SQLTx is the *sql.Tx of the transaction BeginTx put in ctx, if any.
func SQLTx(ctx context.Context) (*sql.Tx, bool) {
	tx, ok := ctx.Value(sqlTxKey{}).(*sql.Tx)
	return tx, ok && tx != nil
}

// captureDriver hands the *sql.Tx of every transaction it begins to the slot BeginTx put
// in the context.
type captureDriver struct {
	*entsql.Driver
}

func (d captureDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	if s, ok := ctx.Value(slotKey{}).(*slot); ok {
		if t, ok := tx.(*entsql.Tx); ok {
			s.tx, _ = t.Tx.(*sql.Tx)
		}
	}
	return tx, nil
}
