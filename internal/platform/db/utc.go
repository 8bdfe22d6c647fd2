package db

import (
	"context"
	"time"

	"entgo.io/ent/dialect"
)

// utcDriver puts every time argument in UTC before it reaches SQLite. SQLite stores times
// as text and compares them as text, so a cursor or a bound decoded in the server's local
// zone would otherwise compare wrongly with the UTC times stored (PostgreSQL compares
// instants and needs none of this).
type utcDriver struct {
	dialect.Driver
}

func (d utcDriver) Exec(ctx context.Context, query string, args, v any) error {
	return d.Driver.Exec(ctx, query, utcArgs(args), v)
}

func (d utcDriver) Query(ctx context.Context, query string, args, v any) error {
	return d.Driver.Query(ctx, query, utcArgs(args), v)
}

func (d utcDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return utcTx{tx}, nil
}

type utcTx struct {
	dialect.Tx
}

func (t utcTx) Exec(ctx context.Context, query string, args, v any) error {
	return t.Tx.Exec(ctx, query, utcArgs(args), v)
}

func (t utcTx) Query(ctx context.Context, query string, args, v any) error {
	return t.Tx.Query(ctx, query, utcArgs(args), v)
}

func utcArgs(args any) any {
	list, ok := args.([]any)
	if !ok {
		return args
	}
	for i, a := range list {
		switch t := a.(type) {
		case time.Time:
			list[i] = t.UTC()
		case *time.Time:
			if t != nil {
				u := t.UTC()
				list[i] = &u
			}
		}
	}
	return list
}
