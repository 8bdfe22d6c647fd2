package server_test

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkLiveFanOut measures one reflection shared with a group of 14 (12 members, a
// facilitator and its author): from createReflection's answer to the 13 subscribers of
// GroupFeedLive, each on a live connection of its own, having received it (re-read as each
// subscriber, author and encouragement resolved, the read accounted for before it is sent).
// It reports the time from sending createReflection to the last subscriber's event
// (ms-to-last), and the SQL statements of the mutation and its fan-out together.
//
//	go test ./internal/server -run '^$' -bench LiveFanOut -benchmem
func BenchmarkLiveFanOut(b *testing.B) {
	dbs := map[string]string{"sqlite": "sqlite:" + b.TempDir() + "/bench.db"}
	if pg := postgresURL(); pg != "" {
		dbs["postgres"] = postgresDB(b)
	}
	for name, url := range dbs {
		b.Run(name, func(b *testing.B) {
			h := newH(b, url)
			g := h.NewGroup()
			subscribers := []*Client{g.Therapist, g.B}
			for i := 0; i < 11; i++ {
				c := h.Member(fmt.Sprint("m", i))
				g.Join(c, fmt.Sprint("M", i))
				subscribers = append(subscribers, c)
			}
			lives := make([]*Live, len(subscribers))
			for i, c := range subscribers {
				lives[i] = c.Live()
				lives[i].Subscribe("feed", "GroupFeedLive", map[string]any{"groupID": g.ID})
			}
			var statements, events int
			var latency time.Duration
			b.ResetTimer()
			for b.Loop() {
				in := reflectionInput(g.ID, "GROUP", "a day like any other")
				start := time.Now()
				statements += h.Statements(func() {
					g.A.MustOp("CreateReflection", map[string]any{"input": in})
					for _, l := range lives {
						l.Data("feed")
					}
				})
				latency += time.Since(start)
				events++
			}
			b.ReportMetric(float64(statements)/float64(events), "statements/reflection")
			b.ReportMetric(float64(latency.Microseconds())/float64(events)/1000, "ms-to-last")
		})
	}
}
