package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// measurer drives the servers: it verifies their answers, then measures each operation.
type measurer struct {
	o        options
	target   *target
	api, ref *child
	logf     func(string, ...any)
	// warmDoc is the document of the request that signs viewers in before a cell
	// (UpcomingSessions).
	warmDoc string
}

// impls are the servers that serve o: the API, and the reference where it implements o.
func (m *measurer) impls(o *op) []*child {
	if m.ref != nil && o.ref {
		return []*child{m.api, m.ref}
	}
	return []*child{m.api}
}

// send posts one request to c and returns the answer's body and how long it took; anything
// but 200 is an error.
func (m *measurer) send(ctx context.Context, c *child, r *request) ([]byte, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url+"/graphql", bytes.NewReader(r.body))
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+r.token)
	start := time.Now()
	res, err := c.http.Do(req)
	if err != nil {
		return nil, 0, err
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	took := time.Since(start)
	if err != nil {
		return nil, 0, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, 0, fmt.Errorf("%s answered %d: %.300s", c.name, res.StatusCode, b)
	}
	return b, took, nil
}

// decode reads a GraphQL answer that must have data and no errors.
func decode(b []byte) (map[string]any, error) {
	var res struct {
		Data   map[string]any    `json:"data"`
		Errors []json.RawMessage `json:"errors"`
	}
	if err := json.Unmarshal(b, &res); err != nil {
		return nil, fmt.Errorf("not JSON: %.200s", b)
	}
	if len(res.Errors) > 0 {
		return nil, fmt.Errorf("errors in the answer: %.300s", b)
	}
	if res.Data == nil {
		return nil, fmt.Errorf("no data in the answer: %.300s", b)
	}
	return res.Data, nil
}

// check checks one answer of o to r: 200, data and no errors, and for a read the same
// summary (totals, edges, …) as the verified answer to the same request.
func (o *op) checkAnswer(r *request, b []byte) error {
	data, err := decode(b)
	if err != nil {
		return err
	}
	if o.write {
		return o.check(r, data)
	}
	s, err := o.summary(data)
	if err != nil {
		return err
	}
	if s != o.expect[r.viewer] {
		return fmt.Errorf("answer for viewer %d: %s, verified: %s", r.viewer, s, o.expect[r.viewer])
	}
	return nil
}

// verify sends a read once per viewer to each server and requires the reference's answer
// to equal the API's (the same JSON data, cursors and counts included), records what the
// answers hold (the measured answers are checked against it), and requires the dataset to
// give each read something to show. Each write is sent once to each server, and the
// answers must have the same shape.
func (m *measurer) verify(ctx context.Context, o *op) error {
	{
		impls := m.impls(o)
		if o.write {
			var shapes []any
			for _, c := range impls {
				r, ok := o.next(0)
				if !ok {
					return fmt.Errorf("%s: nothing to send", o.name)
				}
				b, _, err := m.send(ctx, c, r)
				if err == nil {
					err = o.checkAnswer(r, b)
				}
				if err != nil {
					return fmt.Errorf("verify %s on %s: %w", o.name, c.name, err)
				}
				data, _ := decode(b)
				shapes = append(shapes, shape(data))
			}
			if len(shapes) == 2 && !reflect.DeepEqual(shapes[0], shapes[1]) {
				return fmt.Errorf("verify %s: the reference's answer has another shape than the API's: %s", o.name, difference(shapes[0], shapes[1], ""))
			}
			m.logf("verified %s", o.name)
			return nil
		}
		nonEmpty := 0
		for j := range o.viewers {
			r, _ := o.next(j)
			var first map[string]any
			for _, c := range impls {
				b, _, err := m.send(ctx, c, r)
				if err != nil {
					return fmt.Errorf("verify %s: %w", o.name, err)
				}
				data, err := decode(b)
				if err != nil {
					return fmt.Errorf("verify %s on %s as viewer %d: %w", o.name, c.name, j, err)
				}
				if first == nil {
					first = data
					if o.expect[j], err = o.summary(data); err != nil {
						return fmt.Errorf("verify %s on %s: %w", o.name, c.name, err)
					}
					continue
				}
				if !reflect.DeepEqual(first, data) {
					return fmt.Errorf("verify %s as viewer %d: the reference answers otherwise than the API: %s", o.name, j, difference(first, data, ""))
				}
			}
			if !empty(o.expect[j]) {
				nonEmpty++
			} else if o.nonEmpty == "every" {
				return fmt.Errorf("verify %s: viewer %d gets an empty answer (%s): the dataset does not exercise it", o.name, j, o.expect[j])
			}
		}
		if nonEmpty == 0 {
			return fmt.Errorf("verify %s: every answer is empty: the dataset does not exercise it", o.name)
		}
		m.logf("verified %s: %d viewers, e.g. %s%s", o.name, len(o.viewers), o.expect[0], map[bool]string{true: ", reference identical", false: ""}[len(impls) == 2])
	}
	return nil
}

// shape is v with every value replaced by its JSON type (arrays by the shape of their first
// element).
func shape(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = shape(e)
		}
		return out
	case []any:
		if len(x) == 0 {
			return []any{}
		}
		return []any{shape(x[0])}
	case nil:
		return "null"
	default:
		return fmt.Sprintf("%T", x)
	}
}

// difference describes the first place where a and b differ.
func difference(a, b any, path string) string {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: %T vs %T", path, a, b)
		}
		keys := make([]string, 0, len(x)+len(y))
		for k := range x {
			keys = append(keys, k)
		}
		for k := range y {
			if _, ok := x[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			if !reflect.DeepEqual(x[k], y[k]) {
				return difference(x[k], y[k], path+"."+k)
			}
		}
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return fmt.Sprintf("%s: %d items vs %v", path, len(x), describeLen(b))
		}
		for i := range x {
			if !reflect.DeepEqual(x[i], y[i]) {
				return difference(x[i], y[i], path+"."+strconv.Itoa(i))
			}
		}
	}
	return fmt.Sprintf("%s: API %.120v, reference %.120v", path, a, b)
}

func describeLen(v any) string {
	if l, ok := v.([]any); ok {
		return fmt.Sprintf("%d items", len(l))
	}
	return fmt.Sprintf("%T", v)
}

// cell is one measurement: one operation on one server at one concurrency.
type cell struct {
	requests int
	wall     time.Duration
	// latencies, sorted.
	latencies []time.Duration
	// proc is the server process's CPU time; pg its PostgreSQL backends' (pgKnown: read).
	proc, pg time.Duration
	pgKnown  bool
	// pgLost counts backends that ended during the cell (their last CPU time is missing).
	pgLost     int
	statements int64
	mallocs    uint64
}

func (c cell) perSecond() float64 { return float64(c.requests) / c.wall.Seconds() }

func (c cell) percentile(p float64) time.Duration {
	if len(c.latencies) == 0 {
		return 0
	}
	return c.latencies[min(len(c.latencies)-1, int(p*float64(len(c.latencies))))]
}

// errExhausted is a cell that had no request to send.
var errExhausted = errors.New("no request to send")

// results are the cells of each op and server: results[op name][server][concurrency] holds
// one cell per round.
type results map[string]map[string]map[int][]cell

// measure verifies and measures each operation in turn: for each concurrency and round, the
// API's cell and the reference's, right after one another on the same data (which goes first
// alternates by round).
func (m *measurer) measure(ctx context.Context, ops []*op) (results, error) {
	res := results{}
	for _, o := range ops {
		if err := m.warm(ctx, o); err != nil {
			return nil, err
		}
		if err := m.verify(ctx, o); err != nil {
			return nil, err
		}
		if err := m.profile(ctx, o, true); err != nil {
			return nil, err
		}
		res[o.name] = map[string]map[int][]cell{}
		for _, conc := range m.o.concurrency {
			for round := range m.o.rounds {
				impls := m.impls(o)
				if round%2 == 1 {
					slices.Reverse(impls)
				}
				for _, c := range impls {
					got, err := m.run(ctx, o, c, conc)
					if errors.Is(err, errExhausted) {
						m.logf("%s on %s at concurrency %d: ran out of requests to send (each encouragement is sent once); the cell is left out", o.name, c.name, conc)
						o.exhausted = true
						continue
					}
					if err != nil {
						return nil, fmt.Errorf("%s on %s at concurrency %d: %w", o.name, c.name, conc, err)
					}
					if res[o.name][c.name] == nil {
						res[o.name][c.name] = map[int][]cell{}
					}
					res[o.name][c.name][conc] = append(res[o.name][c.name][conc], got)
				}
			}
		}
		if err := m.profile(ctx, o, false); err != nil {
			return nil, err
		}
		m.logf("measured %s", o.name)
	}
	return res, nil
}

// profile starts (or stops) the CPU profiles of o's cells on each server, with -cpuprofile.
func (m *measurer) profile(ctx context.Context, o *op, start bool) error {
	if m.o.cpuprofile == "" {
		return nil
	}
	for _, c := range m.impls(o) {
		to := ""
		if start {
			name := strings.NewReplacer(" · ", "-", " ", "-").Replace(o.name)
			to = filepath.Join(m.o.cpuprofile, c.name+"-"+name+".pprof")
		}
		if err := c.profile(ctx, to); err != nil {
			return err
		}
	}
	return nil
}

// warm signs every viewer of o in on each server (UpcomingSessions, which both serve),
// so that the cells find their tokens verified and cached, as a server in use would.
func (m *measurer) warm(ctx context.Context, o *op) error {
	for _, c := range m.impls(o) {
		var next atomic.Int64
		errs := make(chan error, 16)
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				for {
					i := int(next.Add(1) - 1)
					if i >= len(o.viewers) || ctx.Err() != nil {
						return
					}
					r := &request{token: o.viewers[i].token, body: body(m.warmDoc, "UpcomingSessions", map[string]any{"first": 1})}
					if _, _, err := m.send(ctx, c, r); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			return fmt.Errorf("warm %s: %w", c.name, err)
		}
	}
	return ctx.Err()
}

// run measures one cell: conc workers send o's requests to c, one after another each, until
// the duration is over (or the requests allowed, or o's requests, run out); every answer is
// checked. Around it, it reads the server's counters and CPU time and its backends'.
func (m *measurer) run(ctx context.Context, o *op, c *child, conc int) (cell, error) {
	var out cell
	before, err := c.stats(ctx)
	if err != nil {
		return out, err
	}
	procBefore, err := processCPU(c.pid())
	if err != nil {
		return out, err
	}
	pgBefore := m.backendsCPU(ctx, c.app)

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var issued atomic.Int64
	lat := make([][]time.Duration, conc)
	start := time.Now()
	deadline := start.Add(m.o.duration)
	var wg sync.WaitGroup
	for w := range conc {
		wg.Go(func() {
			for ctx.Err() == nil && time.Now().Before(deadline) {
				i := int(issued.Add(1) - 1)
				if m.o.requests > 0 && i >= m.o.requests {
					return
				}
				r, ok := o.next(i)
				if !ok {
					return
				}
				b, took, err := m.send(ctx, c, r)
				if err == nil {
					err = o.checkAnswer(r, b)
				}
				if err != nil {
					cancel(err)
					return
				}
				lat[w] = append(lat[w], took)
			}
		})
	}
	wg.Wait()
	out.wall = time.Since(start)
	if err := context.Cause(ctx); err != nil {
		return out, err
	}
	after, err := c.stats(ctx)
	if err != nil {
		return out, err
	}
	procAfter, err := processCPU(c.pid())
	if err != nil {
		return out, err
	}
	pgAfter := m.backendsCPU(ctx, c.app)

	for _, l := range lat {
		out.latencies = append(out.latencies, l...)
	}
	slices.Sort(out.latencies)
	out.requests = len(out.latencies)
	if out.requests == 0 {
		return out, errExhausted
	}
	out.proc = procAfter - procBefore
	out.statements = after.Statements - before.Statements
	out.mallocs = after.Mallocs - before.Mallocs
	if pgBefore != nil && pgAfter != nil {
		out.pgKnown = true
		for pid, t := range pgAfter {
			out.pg += t - pgBefore[pid] // a backend started during the cell counts from zero
		}
		for pid := range pgBefore {
			if _, ok := pgAfter[pid]; !ok {
				out.pgLost++
			}
		}
	}
	return out, nil
}

// backendsCPU reads the CPU time of each PostgreSQL backend serving the connections named
// app, by pid; nil when it cannot (SQLite, a server on another machine, /proc unreadable).
func (m *measurer) backendsCPU(ctx context.Context, app string) map[int]time.Duration {
	if !m.target.postgres() || !m.target.local {
		return nil
	}
	pids, err := m.target.backends(ctx, app)
	if err != nil {
		return nil
	}
	out := make(map[int]time.Duration, len(pids))
	for _, pid := range pids {
		if comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); err != nil || !strings.HasPrefix(string(comm), "postgres") {
			return nil // not a PostgreSQL process of this machine
		}
		t, err := processCPU(pid)
		if err != nil {
			return nil
		}
		out[pid] = t
	}
	return out
}

// clockTick is the unit of the CPU times in /proc/PID/stat (USER_HZ, 100 on Linux).
const clockTick = 10 * time.Millisecond

// processCPU is the CPU time (user and system, all threads) a process has used, from
// /proc/PID/stat.
func processCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name, in parentheses, may hold spaces: the fields start after its end.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	// After the name: state (field 3) … utime (14), stime (15).
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(utime+stime) * clockTick, nil
}
