package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// TestMain runs the servers the benchmark starts: it starts them by running its own binary
// (here, this test binary) with childEnv set.
func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		os.Exit(serveChild(mode))
	}
	os.Exit(m.Run())
}

// TestTinyRun runs the whole benchmark in its -tiny mode, seeding included, on SQLite and
// (with TEST_POSTGRES_URL) PostgreSQL, and checks that the table has a row for every
// operation (and, on PostgreSQL, the reference's rows). It asserts no number: the machines
// are shared and noisy. The run itself fails on any answer that is not a 200 with data and
// no errors, and on PostgreSQL on any read the reference answers otherwise than the API.
func TestTinyRun(t *testing.T) {
	dbs := map[string]string{"sqlite": "sqlite:" + t.TempDir() + "/bench.db"}
	if pg := os.Getenv("TEST_POSTGRES_URL"); pg != "" {
		dbs["postgres"] = pg
	}
	for name, db := range dbs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			o, err := parseFlags([]string{"-tiny", "-db", db, "-duration", "100ms", "-requests", "12"}, os.Stderr)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			var out, log bytes.Buffer
			if err := run(ctx, o, &out, &log); err != nil {
				t.Fatalf("run: %v\n%s", err, log.String())
			}
			table := out.String()
			for _, row := range []string{
				"GroupFeed · member · first 20", "GroupFeed · therapist · first 20", "GroupFeed · therapist · first 50",
				"MyReflections · member", "EncouragementReceived · member", "UpcomingSessions · member",
				"GroupDigest · therapist", "CreateReflection · member", "SendEncouragement · member",
			} {
				if !strings.Contains(table, "| "+row+" | API |") {
					t.Errorf("no API row for %s in:\n%s", row, table)
				}
			}
			if want := 9; name == "postgres" && strings.Count(table, "| reference |") != want {
				t.Errorf("%d reference rows, want %d:\n%s", strings.Count(table, "| reference |"), want, table)
			}
			if !strings.Contains(table, "**Size tiny**") {
				t.Errorf("no header line in:\n%s", table)
			}
		})
	}
}
