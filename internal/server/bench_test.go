package server_test

import (
	"fmt"
	"testing"
)

// BenchmarkGroupFeed measures the app's busiest query, a group's feed of 20 reflections with
// authors and encouragement numbers, through the real handler and sign-in, on SQLite and
// (with TEST_POSTGRES_URL) PostgreSQL.
//
//	go test ./internal/server -run '^$' -bench GroupFeed -benchmem
func BenchmarkGroupFeed(b *testing.B) {
	dbs := map[string]string{"sqlite": "sqlite:" + b.TempDir() + "/bench.db"}
	if pg := postgresURL(); pg != "" {
		dbs["postgres"] = freshSchema(b, pg)
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
