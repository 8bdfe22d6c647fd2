// Command bench measures the API on a realistic dataset, next to a hand-written reference of
// the same reads, and prints a Markdown table.
//
// It creates a fresh database (a new PostgreSQL database, or a new SQLite file), seeds it
// through the application's own ent client (so reflection text and encouragement messages
// are encrypted by the application's driver, and consents, memberships and sessions are the
// rows the domain code reads), then starts the API and, on PostgreSQL, the reference handler,
// each in a child process of its own, and drives both with the app's operations from
// schema/app-operations over HTTP, signed in with Firebase ID tokens that the real Admin SDK
// verifies against the in-repo fake Auth Emulator.
//
//	go run ./internal/bench -db 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable' -size S
//	go run ./internal/bench -db sqlite:/tmp/bench.db -size S
//	go run ./internal/bench -tiny -db "$TEST_POSTGRES_URL"
//
// go run ./internal/bench -help lists the flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// options are the command's flags.
type options struct {
	db          string
	size        string
	tiny        bool
	duration    time.Duration
	requests    int
	rounds      int
	concurrency []int
	analyze     bool
	keep        bool
	out         string
	seed        int64
	only        string
	opsDir      string
	cpuprofile  string
}

func main() {
	if mode := os.Getenv(childEnv); mode != "" {
		os.Exit(serveChild(mode))
	}
	o, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// parseFlags reads the command line.
func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: go run ./internal/bench [flags]")
		fmt.Fprintln(stderr, "\nSeeds a fresh database, measures the API (and, on PostgreSQL, a hand-written reference of the same reads) and prints a Markdown table.")
		fmt.Fprintln(stderr)
		fs.PrintDefaults()
	}
	fs.StringVar(&o.db, "db", "sqlite:", "where to create the fresh database: postgres://… (a new database bench_<size>_<random> is created on that server, and dropped at the end), or sqlite:PATH (a new file; sqlite: alone is a temporary one)")
	fs.StringVar(&o.size, "size", "S", "dataset: S (20 groups of 15 members and a therapist, 5k reflections, 10k encouragements) or M (500 groups of 12 and a therapist, 100k reflections, 300k encouragements)")
	fs.BoolVar(&o.tiny, "tiny", false, "a run of a few seconds, seeding included, on a tiny dataset (for CI: it checks everything works, its numbers mean little)")
	fs.DurationVar(&o.duration, "duration", 3*time.Second, "how long each cell (operation × implementation × concurrency) runs")
	fs.IntVar(&o.requests, "requests", 0, "at most this many requests per cell (0: no limit, -duration decides)")
	fs.IntVar(&o.rounds, "rounds", 1, "how many times each cell runs; the table shows medians")
	conc := fs.String("concurrency", "4,16", "the concurrencies measured, comma-separated")
	fs.BoolVar(&o.analyze, "analyze", true, "PostgreSQL: VACUUM ANALYZE after seeding, as production has statistics; false measures without them (autovacuum is then turned off on the bench database's tables)")
	fs.BoolVar(&o.keep, "keep", false, "keep the database at the end (its URL is printed)")
	fs.StringVar(&o.out, "out", "", "also write the table to this file")
	fs.Int64Var(&o.seed, "seed", 1, "seed of the dataset's random numbers")
	fs.StringVar(&o.only, "only", "", "measure only these operations: comma-separated row names or GraphQL operation names (e.g. GroupFeed,CreateReflection)")
	fs.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of each server during each operation's cells into this folder (<server>-<operation>.pprof, for go tool pprof); profiling costs the servers a little CPU")
	fs.StringVar(&o.opsDir, "ops", "", "folder of the app's operations (default: schema/app-operations of the module)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	for _, s := range strings.Split(*conc, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return o, fmt.Errorf("-concurrency: %q is not a positive number", s)
		}
		o.concurrency = append(o.concurrency, n)
	}
	if o.tiny {
		o.size = sizeTiny
		if !flagSet(fs, "duration") {
			o.duration = 150 * time.Millisecond
		}
		if !flagSet(fs, "requests") {
			o.requests = 25
		}
	}
	o.size = strings.ToUpper(o.size)
	if _, ok := sizes[o.size]; !ok {
		return o, fmt.Errorf("-size must be S or M, not %q", o.size)
	}
	if o.cpuprofile != "" {
		abs, err := filepath.Abs(o.cpuprofile)
		if err == nil {
			err = os.MkdirAll(abs, 0o755)
		}
		if err != nil {
			return o, fmt.Errorf("-cpuprofile: %w", err)
		}
		o.cpuprofile = abs
	}
	if o.rounds < 1 || o.duration <= 0 || o.requests < 0 {
		return o, errors.New("-rounds and -duration must be positive, -requests 0 or more")
	}
	return o, nil
}

func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// run is the whole benchmark: database, seed, servers, measurements, report.
func run(ctx context.Context, o options, stdout, stderr io.Writer) (err error) {
	logf := func(format string, args ...any) { fmt.Fprintf(stderr, format+"\n", args...) }
	docs, err := loadOperations(o.opsDir)
	if err != nil {
		return err
	}
	target, err := createDatabase(ctx, o.db, o.size)
	if err != nil {
		return err
	}
	defer func() {
		if o.keep {
			logf("kept the database: %s", target.display)
			return
		}
		if derr := target.drop(context.WithoutCancel(ctx)); derr != nil && err == nil {
			err = derr
		}
	}()
	logf("database: %s", target.display)

	fx, err := newFixture()
	if err != nil {
		return err
	}
	defer fx.stop() //nolint:errcheck // at exit

	started := time.Now()
	data, err := seed(ctx, target, fx, sizes[o.size], o.seed, logf)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	data.seedTime = time.Since(started)
	logf("seeded in %s: %s", data.seedTime.Round(10*time.Millisecond), data.summary())
	stats := "n/a (SQLite)"
	if target.postgres() {
		if stats, err = target.prepareStatistics(ctx, o.analyze); err != nil {
			return err
		}
		logf("statistics: %s", stats)
	}

	api, err := startChild(ctx, "api", fx.childEnv(target.urlFor(appAPI)), stderr)
	if err != nil {
		return err
	}
	defer api.stop()
	var ref *child
	if target.postgres() {
		if ref, err = startChild(ctx, "ref", fx.childEnv(target.urlFor(appRef)), stderr); err != nil {
			return err
		}
		defer ref.stop()
	}

	ops, err := operations(docs, data, o.only)
	if err != nil {
		return err
	}
	m := &measurer{o: o, target: target, api: api, ref: ref, logf: logf, warmDoc: docs["UpcomingSessions"]}
	results, err := m.measure(ctx, ops)
	if err != nil {
		return err
	}
	rep := report{
		database: target.describe(ctx),
		stats:    stats,
		data:     data,
		o:        o,
		results:  results,
		ops:      ops,
	}
	table := rep.markdown()
	fmt.Fprint(stdout, table)
	if o.out != "" {
		if err := os.WriteFile(o.out, []byte(table), 0o644); err != nil {
			return err
		}
	}
	return nil
}
