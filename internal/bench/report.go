package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// report is the Markdown table of a run.
type report struct {
	database string
	stats    string
	data     *dataset
	o        options
	results  results
	ops      []*op
}

// row is what the table shows of one operation on one server: medians over the rounds.
type row struct {
	requests int
	// proc, pg: CPU time per request, in microseconds, of the server process and of its
	// PostgreSQL backends.
	proc, pg float64
	pgKnown  bool
	pgLost   int
	// p50, p99 (milliseconds) and requests per second, by concurrency.
	p50, p99, rps map[int]float64
	sql, allocs   float64
}

func (r row) total() float64 { return r.proc + r.pg }

// summarize reduces the cells of one operation on one server: per round, the CPU time,
// statements and allocations per request over all its concurrencies, and the latencies and
// throughput of each; then the median of each over the rounds.
func summarize(cells map[int][]cell, concs []int, rounds int) row {
	r := row{p50: map[int]float64{}, p99: map[int]float64{}, rps: map[int]float64{}, pgKnown: true}
	var proc, pg, sql, allocs []float64
	for round := range rounds {
		var n int
		var p, g time.Duration
		var st int64
		var al uint64
		for _, c := range concs {
			if round >= len(cells[c]) {
				continue
			}
			x := cells[c][round]
			n += x.requests
			p += x.proc
			g += x.pg
			st += x.statements
			al += x.mallocs
			r.pgKnown = r.pgKnown && x.pgKnown
			r.pgLost += x.pgLost
		}
		if n == 0 {
			continue
		}
		r.requests += n
		proc = append(proc, float64(p.Microseconds())/float64(n))
		pg = append(pg, float64(g.Microseconds())/float64(n))
		sql = append(sql, float64(st)/float64(n))
		allocs = append(allocs, float64(al)/float64(n))
	}
	r.proc, r.pg, r.sql, r.allocs = median(proc), median(pg), median(sql), median(allocs)
	for _, c := range concs {
		var p50, p99, rps []float64
		for _, x := range cells[c] {
			p50 = append(p50, ms(x.percentile(0.50)))
			p99 = append(p99, ms(x.percentile(0.99)))
			rps = append(rps, x.perSecond())
		}
		r.p50[c], r.p99[c], r.rps[c] = median(p50), median(p99), median(rps)
	}
	return r
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// markdown is the report: a header line, the table, and what the columns mean.
func (rep report) markdown() string {
	var b strings.Builder
	d := rep.data
	sz := d.size
	fmt.Fprintf(&b, "**Size %s** (%d groups × %d members and a therapist) · %s · statistics: %s · %s · %s\n\n",
		sz.name, sz.groups, sz.members, rep.database, rep.stats, machine(), time.Now().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "Dataset: %s; seeded in %s. Each cell ran %s", d.summary(), d.seedTime.Round(10*time.Millisecond), rep.o.duration)
	if rep.o.requests > 0 {
		fmt.Fprintf(&b, " or %d requests, whichever came first", rep.o.requests)
	}
	fmt.Fprintf(&b, "; %d round(s), medians; %s.\n\n", rep.o.rounds, runtime.Version())

	concs := rep.o.concurrency
	head := []string{"operation", "server", "CPU/req server", "CPU/req PostgreSQL", "CPU/req total", "API ÷ ref"}
	for _, c := range concs {
		head = append(head, fmt.Sprintf("p50 c=%d", c), fmt.Sprintf("p99 c=%d", c), fmt.Sprintf("req/s c=%d", c))
	}
	head = append(head, "SQL/req", "allocs/req", "requests")
	b.WriteString("| " + strings.Join(head, " | ") + " |\n")
	b.WriteString("|" + strings.Repeat(" --- |", len(head)) + "\n")
	lost := false
	for _, o := range rep.ops {
		byServer := rep.results[o.name]
		api := summarize(byServer["api"], concs, rep.o.rounds)
		var ref *row
		if cells, ok := byServer["ref"]; ok {
			r := summarize(cells, concs, rep.o.rounds)
			ref = &r
		}
		lost = lost || api.pgLost > 0 || (ref != nil && ref.pgLost > 0)
		ratio := "–"
		switch {
		case ref == nil:
		case api.pgKnown && ref.pgKnown && ref.total() > 0:
			ratio = fmt.Sprintf("%.1f×", api.total()/ref.total())
		case ref.proc > 0:
			ratio = fmt.Sprintf("%.1f× (process only)", api.proc/ref.proc)
		}
		name := o.name
		if o.exhausted {
			name += " (ran out of encouragements to send: some cells left out)"
		}
		b.WriteString(rep.line(name, "API", api, ratio))
		switch {
		case !rep.postgres():
			// No reference on SQLite: the API alone.
		case ref != nil:
			b.WriteString(rep.line("", "reference", *ref, ""))
		default:
			cols := []string{"", "reference"}
			for range len(head) - 2 {
				cols = append(cols, "–")
			}
			b.WriteString("| " + strings.Join(cols, " | ") + " |\n")
		}
	}
	b.WriteString("\n")
	b.WriteString("CPU/req: CPU time (user + system, from /proc/PID/stat) of the server's own process over its cells at every concurrency, divided by its requests; " +
		"PostgreSQL: the same for the backends of that process's connections (found by application_name in pg_stat_activity); total: both. " +
		"API ÷ ref: the API's total over the reference's. p50/p99: latency seen by the load generator (on the same machine). " +
		"SQL/req: statements sent through the API's ent driver (transaction BEGIN/COMMIT not counted, nor River's job insert of SendEncouragement, which goes through the transaction's *sql.Tx), " +
		"or by the reference (its reads are one pipelined round trip). allocs/req: heap allocations of the server process (runtime.MemStats.Mallocs). " +
		"Every answer was checked: HTTP 200, data and no errors, the same totals and edges as the verified answer; the reference's read answers were verified identical to the API's. " +
		"–: no reference (GroupDigest; none on SQLite).\n")
	if !rep.postgres() {
		b.WriteString("SQLite: the database runs inside the server process, so its CPU is in the server's.\n")
	}
	if lost {
		b.WriteString("Some PostgreSQL backends ended during a cell: their last CPU time is missing from the PostgreSQL column.\n")
	}
	return b.String()
}

func (rep report) postgres() bool { return strings.HasPrefix(rep.database, "PostgreSQL") }

// line is one row of the table.
func (rep report) line(name, server string, r row, ratio string) string {
	pg := "n/a"
	total := "n/a"
	switch {
	case !rep.postgres():
		pg, total = "–", cpu(r.proc)
	case r.pgKnown:
		pg, total = cpu(r.pg), cpu(r.total())
	}
	cols := []string{name, server, cpu(r.proc), pg, total, ratio}
	for _, c := range rep.o.concurrency {
		cols = append(cols, fmt.Sprintf("%.2f ms", r.p50[c]), fmt.Sprintf("%.2f ms", r.p99[c]), fmt.Sprintf("%.0f", r.rps[c]))
	}
	cols = append(cols, fmt.Sprintf("%.1f", r.sql), fmt.Sprintf("%.0f", r.allocs), fmt.Sprint(r.requests))
	return "| " + strings.Join(cols, " | ") + " |\n"
}

// cpu writes a CPU time per request given in microseconds.
func cpu(us float64) string {
	if us >= 1000 {
		return fmt.Sprintf("%.2f ms", us/1000)
	}
	return fmt.Sprintf("%.0f µs", us)
}

// machine describes the machine: cores and processor model.
func machine() string {
	model := runtime.GOARCH
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	return fmt.Sprintf("%d cores, %s", runtime.NumCPU(), model)
}
