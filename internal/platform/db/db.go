// Package db opens the database named by DATABASE_URL (an embedded SQLite file, or
// PostgreSQL in production) and brings its schema up to date with the versioned migrations
// in migrations/.
package db

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver (pure Go)
)

//go:embed migrations
var migrations embed.FS

// DB is an open database.
type DB struct {
	// SQL is the connection pool.
	SQL *sql.DB
	// Dialect is dialect.SQLite or dialect.Postgres.
	Dialect string
}

// Open connects to url: "sqlite:PATH" (the file and its folder are created) or
// "postgres://…" / "postgresql://…". It does not migrate; call Migrate.
func Open(ctx context.Context, url string) (*DB, error) {
	switch {
	case strings.HasPrefix(url, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(url, "sqlite:"), "//")
		if path == "" {
			return nil, errors.New("db: sqlite URL needs a path, e.g. sqlite:./data/app.db")
		}
		if dir := filepath.Dir(path); dir != "" {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, fmt.Errorf("db: create data folder: %w", err)
			}
		}
		dsn := "file:" + path + "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)" +
			"&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_txlock=immediate"
		pool, err := sql.Open("sqlite", dsn)
		if err != nil {
			return nil, fmt.Errorf("db: open sqlite: %w", err)
		}
		// One connection: SQLite has one writer anyway, and this rules out SQLITE_BUSY.
		// Everything in a request's transaction must therefore use that transaction.
		pool.SetMaxOpenConns(1)
		if err := pool.PingContext(ctx); err != nil {
			pool.Close()
			return nil, fmt.Errorf("db: open sqlite: %w", err)
		}
		if err := os.Chmod(path, 0o600); err != nil {
			pool.Close()
			return nil, fmt.Errorf("db: restrict sqlite file: %w", err)
		}
		return &DB{SQL: pool, Dialect: dialect.SQLite}, nil
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		cfg, err := pgx.ParseConfig(url)
		if err != nil {
			return nil, fmt.Errorf("db: open postgres: %w", errors.Unwrap(err))
		}
		// No JIT compilation for the app's statements, unless the URL asks for it (jit=on):
		// they are short OLTP reads whose planner estimates can cross jit_above_cost on tables
		// without statistics, and then each one spends tens of milliseconds compiling code
		// for a query that runs in under one.
		if _, set := cfg.RuntimeParams["jit"]; !set {
			cfg.RuntimeParams["jit"] = "off"
		}
		if _, set := cfg.RuntimeParams["plan_cache_mode"]; !set {
			cfg.RuntimeParams["plan_cache_mode"] = "force_generic_plan"
		}
		pool := stdlib.OpenDB(*cfg)
		// As many idle as open: a busy pool that closes what it cannot keep idle opens a
		// new PostgreSQL connection (a process) for the next query.
		pool.SetMaxOpenConns(20)
		pool.SetMaxIdleConns(20)
		pool.SetConnMaxIdleTime(5 * time.Minute)
		if err := pool.PingContext(ctx); err != nil {
			pool.Close()
			return nil, fmt.Errorf("db: open postgres: %w", errors.Unwrap(err))
		}
		return &DB{SQL: pool, Dialect: dialect.Postgres}, nil
	}
	return nil, errors.New(`db: DATABASE_URL must start with "sqlite:" or "postgres://"`)
}

// Driver is the ent driver over the pool.
func (d *DB) Driver() dialect.Driver {
	drv := captureDriver{entsql.OpenDB(d.Dialect, d.SQL)}
	if d.Dialect == dialect.SQLite {
		return utcDriver{drv}
	}
	return drv
}

// Close closes the pool.
func (d *DB) Close() error { return d.SQL.Close() }

// Ping checks that the database answers.
func (d *DB) Ping(ctx context.Context) error { return d.SQL.PingContext(ctx) }

// Migrate applies the migrations not yet applied. On PostgreSQL it holds an advisory lock
// meanwhile, so that several servers starting at once migrate once.
func (d *DB) Migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations/"+d.folder())
	if err != nil {
		return err
	}
	var opts []goose.ProviderOption
	gd := goose.DialectSQLite3
	if d.Dialect == dialect.Postgres {
		gd = goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(gd, d.SQL, sub, opts...)
	if err != nil {
		return fmt.Errorf("db: migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("db: migrate: %w", err)
	}
	return nil
}

func (d *DB) folder() string {
	if d.Dialect == dialect.Postgres {
		return "postgres"
	}
	return "sqlite"
}

// SetMaxConns caps the connections of a PostgreSQL pool at n, all of them kept when idle
// (SQLite keeps its one).
func (d *DB) SetMaxConns(n int) {
	if d.Dialect == dialect.Postgres {
		d.SQL.SetMaxOpenConns(n)
		d.SQL.SetMaxIdleConns(n)
	}
}
