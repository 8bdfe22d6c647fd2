// Command migrategen writes a new versioned migration for each database (SQLite and
// PostgreSQL) from the difference between ent/schema and the migrations already written.
//
//	go run ./internal/platform/db/migrategen NAME
//
// It needs a PostgreSQL server to compute the PostgreSQL diff on a scratch database
// (MIGRATE_DEV_POSTGRES, default postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable).
// Review the files it writes, then commit them.
package main

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"os"
	"strings"

	atlas "ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/sqltool"
	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/schema"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/processgroup/api/ent/migrate"
)

func main() {
	if len(os.Args) != 2 {
		log.Fatal("usage: go run ./internal/platform/db/migrategen NAME")
	}
	name := os.Args[1]
	ctx := context.Background()

	lite, err := sql.Open("sqlite", "file:dev?mode=memory&_pragma=foreign_keys(1)")
	if err != nil {
		log.Fatal(err)
	}
	lite.SetMaxOpenConns(1)
	if err := diff(ctx, lite, dialect.SQLite, "internal/platform/db/migrations/sqlite", name); err != nil {
		log.Fatalf("sqlite: %v", err)
	}

	base := os.Getenv("MIGRATE_DEV_POSTGRES")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		log.Fatal(err)
	}
	scratch := fmt.Sprintf("migrategen_%d", os.Getpid())
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+scratch); err != nil {
		log.Fatalf("postgres: %v", err)
	}
	defer admin.ExecContext(ctx, "DROP DATABASE "+scratch)
	pg, err := sql.Open("pgx", strings.Replace(base, "/postgres?", "/"+scratch+"?", 1))
	if err != nil {
		log.Fatal(err)
	}
	err = diff(ctx, pg, dialect.Postgres, "internal/platform/db/migrations/postgres", name)
	pg.Close()
	if err != nil {
		log.Fatalf("postgres: %v", err)
	}
}

func diff(ctx context.Context, db *sql.DB, d, path, name string) error {
	dir, err := sqltool.NewGooseDir(path)
	if err != nil {
		return err
	}
	return migrate.NewSchema(entsql.OpenDB(d, db)).NamedDiff(ctx, name,
		schema.WithDir(dir),
		schema.WithDialect(d),
		schema.WithMigrationMode(schema.ModeReplay),
		schema.WithFormatter(sqltool.GooseFormatter),
		schema.WithDropColumn(true),
		schema.WithDropIndex(true),
	)
}

var _ atlas.Dir = (*sqltool.GooseDir)(nil)
