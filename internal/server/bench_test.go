package server_test

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkGroupFeed measures the app's busiest query, a group's feed of 20 reflections with
// authors and encouragement numbers, through the real handler and sign-in, on SQLite and
// (with TEST_POSTGRES_URL) PostgreSQL.
//
//	go test ./internal/server -run '^$' -bench GroupFeed -benchmem
func BenchmarkGroupFeed(b *testing.B) {
	dbs := map[string]string{"sqlite": "sqlite:" + b.TempDir() + "/bench.db"}
	if pg := postgresURL(); pg != "" {
		dbs["postgres"] = postgresDB(b)
	}
	for name, url := range dbs {
		b.Run(name, func(b *testing.B) {
			h := newH(b, url)
			g := h.NewGroup()
			for i := 0; i < 60; i++ {
				id := g.Reflect(g.A, "GROUP", fmt.Sprint("entry ", i))
				Encourage(g.B, id, "")
			}
			vars := map[string]any{"groupID": g.ID, "first": 20}
			g.B.MustOp("GroupFeed", vars)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				g.B.MustOp("GroupFeed", vars)
			}
		})
	}
}

// BenchmarkGroupDigest measures the facilitator's digest of a 15-member group with 300
// reflections in the period (the whole GroupDigest operation, through the real handler and
// sign-in, reads accounted), on SQLite and (with TEST_POSTGRES_URL) PostgreSQL.
//
//	go test ./internal/server -run '^$' -bench GroupDigest -benchmem
func BenchmarkGroupDigest(b *testing.B) {
	dbs := map[string]string{"sqlite": "sqlite:" + b.TempDir() + "/bench.db"}
	if pg := postgresURL(); pg != "" {
		dbs["postgres"] = postgresDB(b)
	}
	for name, url := range dbs {
		b.Run(name, func(b *testing.B) {
			h := newH(b, url)
			g := h.NewGroup()
			fillGroup(b, h, g, 15, 20)
			vars := map[string]any{"groupID": g.ID}
			if n := g.Therapist.MustOp("GroupDigest", vars).Num("node.digest.reflectionCount"); n != 300 {
				b.Fatalf("digest of %d reflections, want 300", n)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				g.Therapist.MustOp("GroupDigest", vars)
			}
		})
	}
}

// BenchmarkScheduleChange measures a change of the weekly schedule of a group of 60 members
// with a one-year horizon (every member's reminders replanned in the request's
// transaction), and a member's read made meanwhile, on SQLite, where that transaction holds
// the only connection.
//
//	go test ./internal/server -run '^$' -bench ScheduleChange
func BenchmarkScheduleChange(b *testing.B) {
	h := sqliteH(b, withSettings(map[string]string{"SESSION_HORIZON": "8784h"}))
	g := bigScheduledGroup(b, h, 60)
	starts := []string{"19:00", "18:00"}
	var read time.Duration
	i := 0
	for b.Loop() {
		done := make(chan time.Duration)
		go func() {
			t0 := time.Now()
			g.A.Op("UpcomingSessions", map[string]any{"first": 1})
			done <- time.Since(t0)
		}()
		setWeekly(g, starts[i%2], "")
		read += <-done
		i++
	}
	b.ReportMetric(read.Seconds()/float64(i), "s-read")
}
