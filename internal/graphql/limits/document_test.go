package limits

import (
	"fmt"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"github.com/processgroup/api/internal/platform/apperr"
)

// repeated is n copies of s.
func repeated(s string, n int) string { return strings.Repeat(s, n) }

// spreads is a selection of the fragments prefix0 … prefix(n-1), and their definitions on
// User, each with the selection body (%d stands for the fragment's number).
func spreads(prefix string, n int, body string) (selection, definitions string) {
	var sel, defs strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&sel, "...%s%d ", prefix, i)
		fmt.Fprintf(&defs, "fragment %s%d on User { %s }\n", prefix, i, strings.ReplaceAll(body, "%d", fmt.Sprint(i)))
	}
	return sel.String(), defs.String()
}

// issueDocument is the anonymous request of the issue: 4,900 ids in one selection set,
// about 15 KB, under the token limit.
var issueDocument = "query Q1{viewer{" + repeated("id ", 4900) + "}}"

func TestMeasureDocument(t *testing.T) {
	fragSel, fragDefs := spreads("F", 3, "id name%d")
	for _, c := range []struct {
		name string
		doc  string
		want DocumentMeasure
	}{
		{"plain", "{ viewer { id memberships { id group { id } } } }",
			DocumentMeasure{Fields: 6, Selections: 2, Depth: 4}},
		{"repeats", "{ viewer { id id a: id b: id } }",
			DocumentMeasure{Fields: 5, Selections: 4, RepeatedFields: 1, Depth: 2, Aliases: 2}},
		{"fragments merge into the set that spreads them",
			"{ viewer { id " + fragSel + "} }\n" + fragDefs,
			// viewer's set: id + 3×(id, name_i) = 7 fields, id 4 times (3 repeats); the
			// fragments' own sets, as written, 2 fields each.
			DocumentMeasure{Fields: 8 + 6, Selections: 7, RepeatedFields: 3, Depth: 2}},
		{"inline fragments merge too", "{ viewer { id ... on User { id ... { id } } } }",
			DocumentMeasure{Fields: 4, Selections: 3, RepeatedFields: 2, Depth: 2}},
		{"a fragment counts at each use", "{ a: viewer { ...F } b: viewer { ...F } }\nfragment F on User { id memberships { id } }",
			DocumentMeasure{Fields: 2 + 2*3 + 3, Selections: 2, Depth: 3, Aliases: 2}},
		{"every operation", "query A { viewer { id } } query B { viewer { id id } }",
			DocumentMeasure{Fields: 5, Selections: 2, RepeatedFields: 1, Depth: 2}},
		{"the issue's document", issueDocument,
			DocumentMeasure{Fields: 4901, Selections: 4900, RepeatedFields: 4899, Depth: 2}},
	} {
		t.Run(c.name, func(t *testing.T) {
			doc, err := parser.ParseQuery(&ast.Source{Input: c.doc})
			if err != nil {
				t.Fatal(err)
			}
			got, merr := MeasureDocument(doc)
			if merr != nil || got != c.want {
				t.Errorf("got %+v (%v), want %+v", got, merr, c.want)
			}
		})
	}
}

// TestParseDocumentRefuses: each limit refuses a document that breaks it, with its own
// extensions.limit, before anything validates it, and lets one at the limit through.
func TestParseDocumentRefuses(t *testing.T) {
	cfg := DefaultConfig()
	wideSel, wideDefs := spreads("W", 3, repeated("x%d_ ", 1)+fieldsNamed("f%d_", 34))
	expandSel, expandDefs := spreads("E", 1, fieldsNamed("e", 90))
	var chain strings.Builder
	chain.WriteString("{ viewer { ...C0 } }\n")
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&chain, "fragment C%d on User { id ...C%d ...C%d }\n", i, i+1, i+1)
	}
	chain.WriteString("fragment C20 on User { id }\n")
	for _, c := range []struct {
		name, doc, limit string
	}{
		{"the issue's document", issueDocument, "fields"},
		{"51 repeats", "{ viewer { " + repeated("id ", 52) + "} }", "repeated fields"},
		{"repeats spread over the document", "{ viewer { " + repeated("memberships { id id } ", 26) + "} }", "repeated fields"},
		{"repeats through fragments", "{ viewer { " + repeated("...R ", 52) + "} }\nfragment R on User { id }", "repeated fields"},
		{"a wide selection set", "{ viewer { " + fieldsNamed("f", 101) + "} }", "selections"},
		{"a selection set widened by fragments", "{ viewer { " + wideSel + "} }\n" + wideDefs, "selections"},
		{"fragments expanded at each use", "{ " + aliasedViewers(12, expandSel) + " }\n" + expandDefs, "fields"},
		{"fragments doubling down a chain", chain.String(), "fields"},
		{"deep", "{ viewer" + repeated(" { memberships { group", 4) + " { id }" + repeated(" } }", 4) + " }", "depth"},
		{"aliases", "{ viewer { " + aliasesOf(31) + "} }", "aliases"},
		{"directives", "{ viewer { id" + repeated(" @skip(if: false)", 21) + " } }", "directives"},
		{"a fragment cycle", "{ viewer { ...A } }\nfragment A on User { ...B }\nfragment B on User { ...A }", "fragments"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseDocument(c.doc, cfg)
			checkRefusal(t, err, apperr.BadUserInput, c.limit, "viewer", "memberships", "F0")
		})
	}
	// At the limits: passes.
	for name, doc := range map[string]string{
		"50 repeats":     "{ viewer { " + repeated("id ", 51) + "} }",
		"100 selections": "{ viewer { " + fieldsNamed("f", 100) + "} }",
		"1000 fields":    "{ " + aliasedViewers(10, fieldsNamed("f", 99)) + " }",
	} {
		if _, err := ParseDocument(doc, cfg); err != nil {
			t.Errorf("%s: refused: %v", name, err)
		}
	}
	// Over the token limit: gqlparser's own error.
	if _, err := ParseDocument(repeated("{ viewer { id } } ", 1000), cfg); err == nil || !strings.Contains(err.Message, "token limit") {
		t.Errorf("over the token limit: %v", err)
	}
}

// fieldsNamed is n distinct field names, prefix0 … prefix(n-1).
func fieldsNamed(prefix string, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "%s%d ", prefix, i)
	}
	return b.String()
}

// variables is n declarations of Int variables.
func variables(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "$v%d: Int ", i)
	}
	return b.String()
}

// aliasesOf is n aliased id fields.
func aliasesOf(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "a%d: id ", i)
	}
	return b.String()
}

// aliasedViewers is n viewer fields, aliased v0 … v(n-1), each selecting sel.
func aliasedViewers(n int, sel string) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "v%d: viewer { %s} ", i, sel)
	}
	return b.String()
}

// worstDocuments are documents that pass the default limits and come close to them in the
// ways that make gqlparser's validation work hardest (repeated names compared pairwise,
// fragments compared with each other, many errors), to measure what validation can still
// be made to cost.
func worstDocuments() map[string]string {
	frag100Sel, frag100Defs := spreads("D", 100, "x%d")
	frag51Sel, frag51Defs := spreads("S", 51, "id")
	var ops strings.Builder
	for i := 0; i < 400; i++ {
		fmt.Fprintf(&ops, "query A%d { viewer { id } } ", i)
	}
	var tree func(d int) string
	tree = func(d int) string {
		if d == 0 {
			return "id"
		}
		s := tree(d - 1)
		return "memberships { group { " + s + " } } memberships { group { " + s + " } }"
	}
	return map[string]string{
		"50 repeated ids":                  "query Q { viewer { " + repeated("id ", 51) + "} }",
		"50 repeated subtrees":             "query Q { viewer { " + repeated("memberships { group { id name } } ", 51) + "} }",
		"a tree of repeated names":         "query Q { viewer { " + tree(3) + " } }",
		"51 fragments of one name":         "query Q { viewer { " + frag51Sel + "} }\n" + frag51Defs,
		"100 fragments of distinct names":  "query Q { viewer { " + frag100Sel + "} }\n" + frag100Defs,
		"900 unknown fields":               "query Q { " + aliasedViewers(9, fieldsNamed("x", 99)) + "}",
		"400 operations":                   ops.String(),
		"1600 arguments":                   "query Q { viewer { reflections(" + repeated("first: 1 ", 1600) + ") { totalCount } } }",
		"1600 input fields":                "query Q { viewer { reflections(where: {" + repeated("hasGroup: true ", 1600) + "}) { totalCount } } }",
		"a list of 4900 ids":               "query Q { nodes(ids: [" + repeated("1 ", 4900) + "]) { id } }",
		"1200 unused variables":            "query Q(" + variables(1200) + ") { viewer { id } }",
		"inline fragments on 3 types x 16": "query Q { node(id: 1) { " + repeated("... on Group { id } ... on Reflection { id } ... on User { id } ", 16) + "} }",
	}
}

// cpuMillis is the CPU time of the calling thread so far (lock the thread first).
func cpuMillis() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_THREAD, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e6
}

// BenchmarkValidationWorstCase measures gqlparser's parse and validation of the worst
// documents that pass the default limits, and of the issue's document (which the limits
// refuse, so that it never gets this far). cpu-ms/op is the calling thread's CPU time.
//
//	go test ./internal/graphql/limits -run '^$' -bench ValidationWorstCase
func BenchmarkValidationWorstCase(b *testing.B) {
	schema := appSchema(b)
	docs := worstDocuments()
	docs["the issue's document (refused by the limits)"] = issueDocument
	for name, src := range docs {
		b.Run(name, func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			start, n := cpuMillis(), 0
			for b.Loop() {
				doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: src}, DefaultConfig().MaxTokens)
				if err != nil {
					b.Fatal(err)
				}
				validator.ValidateWithRules(schema, doc, rules.NewDefaultRules())
				n++
			}
			b.ReportMetric((cpuMillis()-start)/float64(n), "cpu-ms/op")
		})
	}
}

// TestWorstDocumentsPassTheLimits: the documents BenchmarkValidationWorstCase measures are
// let through by the default limits (or the benchmark would measure nothing); their CPU
// time is logged, not judged (the machine is shared).
func TestWorstDocumentsPassTheLimits(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	schema := appSchema(t)
	for name, src := range worstDocuments() {
		if _, err := ParseDocument(src, DefaultConfig()); err != nil {
			t.Errorf("%s: refused by the limits: %v", name, err)
			continue
		}
		start := cpuMillis()
		doc, _ := parser.ParseQuery(&ast.Source{Input: src})
		errs := validator.ValidateWithRules(schema, doc, rules.NewDefaultRules())
		t.Logf("%-34s %6d bytes, validated in %.2f ms of CPU, %d errors", name, len(src), cpuMillis()-start, len(errs))
	}
}
