package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The application_name of each process's PostgreSQL connections: the CPU of the backends
// serving a child is found by it in pg_stat_activity.
const (
	appSeed  = "bench-seed"
	appAPI   = "bench-api"
	appRef   = "bench-ref"
	appAdmin = "bench-admin"
)

// target is the fresh database of one run.
type target struct {
	// url is the database as the application opens it (DATABASE_URL).
	url string
	// display is how the run names it to the operator.
	display string
	// PostgreSQL: the server's admin pool (on the database of the URL given), the new
	// database's name, and whether the server runs on this machine (its backends' CPU is
	// then readable under /proc).
	admin *pgxpool.Pool
	name  string
	local bool
	// SQLite: the file, and the temporary folder that holds it when the operator gave none.
	path    string
	tempDir string
}

func (t *target) postgres() bool { return t.admin != nil }

// createDatabase makes the run's fresh database from the -db flag: a new database on the
// PostgreSQL server of a postgres:// URL, or a new SQLite file.
func createDatabase(ctx context.Context, db, size string) (*target, error) {
	switch {
	case db == "sqlite" || strings.HasPrefix(db, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(db, "sqlite"), ":")
		t := &target{}
		if path == "" {
			dir, err := os.MkdirTemp("", "bench-")
			if err != nil {
				return nil, err
			}
			t.tempDir, path = dir, filepath.Join(dir, "bench.db")
		} else if _, err := os.Stat(path); err == nil {
			return nil, fmt.Errorf("-db %s: the file exists; the benchmark needs a fresh one (remove it or name another)", db)
		}
		t.path, t.url, t.display = path, "sqlite:"+path, "sqlite:"+path
		return t, nil
	case strings.HasPrefix(db, "postgres://"), strings.HasPrefix(db, "postgresql://"):
		u, err := url.Parse(db)
		if err != nil {
			return nil, fmt.Errorf("-db: %w", err)
		}
		cfg, err := pgxpool.ParseConfig(withAppName(db, appAdmin))
		if err != nil {
			return nil, fmt.Errorf("-db: %w", err)
		}
		cfg.MaxConns = 2
		admin, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			return nil, err
		}
		var suffix [3]byte
		_, _ = rand.Read(suffix[:])
		name := "bench_" + strings.ToLower(size) + "_" + hex.EncodeToString(suffix[:])
		if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
			admin.Close()
			return nil, fmt.Errorf("create database %s: %w", name, err)
		}
		u.Path = "/" + name
		shown := *u
		shown.User = url.User(u.User.Username()) // no password in the output
		return &target{url: u.String(), display: shown.String(), admin: admin, name: name, local: localHost(cfg.ConnConfig.Host)}, nil
	}
	return nil, fmt.Errorf(`-db must be postgres://… or sqlite:PATH, not %q`, db)
}

// localHost reports whether a PostgreSQL host is this machine (a loopback address or a
// Unix socket).
func localHost(h string) bool {
	if h == "" || strings.HasPrefix(h, "/") || h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// withAppName returns the PostgreSQL URL u with its connections named app.
func withAppName(u, app string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	q := p.Query()
	q.Set("application_name", app)
	p.RawQuery = q.Encode()
	return p.String()
}

// urlFor is the database's URL for the process named app.
func (t *target) urlFor(app string) string {
	if !t.postgres() {
		return t.url
	}
	return withAppName(t.url, app)
}

// drop removes the database (or the SQLite file).
func (t *target) drop(ctx context.Context) error {
	if t.postgres() {
		defer t.admin.Close()
		if _, err := t.admin.Exec(ctx, "DROP DATABASE IF EXISTS "+t.name+" WITH (FORCE)"); err != nil {
			return fmt.Errorf("drop database %s: %w", t.name, err)
		}
		return nil
	}
	var errs []error
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(t.path + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if t.tempDir != "" {
		errs = append(errs, os.RemoveAll(t.tempDir))
	}
	return errors.Join(errs...)
}

// prepareStatistics gives the planner statistics, as production has (VACUUM ANALYZE, which
// also spares the run an autovacuum of the freshly loaded tables), or, for the measurement
// without statistics, turns autovacuum off on the bench database's tables so that it does not
// analyze them during the run. It returns what it did, for the report.
func (t *target) prepareStatistics(ctx context.Context, analyze bool) (string, error) {
	conn, err := pgx.Connect(ctx, t.urlFor(appAdmin))
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	if analyze {
		if _, err := conn.Exec(ctx, "VACUUM ANALYZE"); err != nil {
			return "", fmt.Errorf("vacuum analyze: %w", err)
		}
		return "VACUUM ANALYZE after seeding", nil
	}
	rows, err := conn.Query(ctx, `SELECT quote_ident(schemaname) || '.' || quote_ident(relname) FROM pg_stat_user_tables`)
	if err != nil {
		return "", err
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return "", err
	}
	for _, tb := range tables {
		if _, err := conn.Exec(ctx, "ALTER TABLE "+tb+" SET (autovacuum_enabled = false)"); err != nil {
			return "", err
		}
	}
	return "none (no ANALYZE; autovacuum off on the bench tables)", nil
}

// describe names the database server for the report.
func (t *target) describe(ctx context.Context) string {
	if !t.postgres() {
		return "SQLite (modernc.org/sqlite, one connection)"
	}
	var v string
	if err := t.admin.QueryRow(ctx, "SHOW server_version").Scan(&v); err != nil {
		return "PostgreSQL"
	}
	if f := strings.Fields(v); len(f) > 0 {
		v = f[0]
	}
	where := "on this machine"
	if !t.local {
		where = "on another machine"
	}
	return "PostgreSQL " + v + " " + where
}

// backends are the process ids of the PostgreSQL backends serving the connections named app
// to the bench database.
func (t *target) backends(ctx context.Context, app string) ([]int, error) {
	rows, err := t.admin.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = $2`, t.name, app)
	if err != nil {
		return nil, err
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return nil, err
	}
	out := make([]int, len(pids))
	for i, p := range pids {
		out[i] = int(p)
	}
	return out, nil
}
