package db

import (
	"context"
	"sync/atomic"

	"entgo.io/ent/dialect"
)

// CountingDriver counts every statement sent to the database through it (and through the
// transactions it begins): the statement-count tests and the benchmark read it.
type CountingDriver struct {
	dialect.Driver
	n atomic.Int64
	// Trace, when set, is called with every statement's text (never its arguments).
	Trace func(query string)
}

// Statements is how many statements went through d so far.
func (d *CountingDriver) Statements() int64 { return d.n.Load() }

// Exec implements dialect.Driver.
func (d *CountingDriver) Exec(ctx context.Context, q string, args, v any) error {
	d.count(q)
	return d.Driver.Exec(ctx, q, args, v)
}

// Query implements dialect.Driver.
func (d *CountingDriver) Query(ctx context.Context, q string, args, v any) error {
	d.count(q)
	return d.Driver.Query(ctx, q, args, v)
}

// Tx implements dialect.Driver.
func (d *CountingDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return &countingTx{Tx: tx, d: d}, nil
}

func (d *CountingDriver) count(q string) {
	d.n.Add(1)
	if d.Trace != nil {
		d.Trace(q)
	}
}

type countingTx struct {
	dialect.Tx
	d *CountingDriver
}

func (t *countingTx) Exec(ctx context.Context, q string, args, v any) error {
	t.d.count(q)
	return t.Tx.Exec(ctx, q, args, v)
}

func (t *countingTx) Query(ctx context.Context, q string, args, v any) error {
	t.d.count(q)
	return t.Tx.Query(ctx, q, args, v)
}
