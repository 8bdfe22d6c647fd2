package server_test

// Arguments the API refuses wherever they are: a malformed cursor on any connection and a
// NUL character in any string argument or input field. The tests walk the executable schema,
// so that a connection or a string argument added later is covered without anyone thinking
// of it (and a type this file cannot reach yet fails the test until it can).

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"entgo.io/contrib/entgql"
	"github.com/google/uuid"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/processgroup/api/graph/generated"
)

// apiSchema is the schema the server executes.
func apiSchema() *ast.Schema {
	return generated.NewExecutableSchema(generated.Config{}).Schema()
}

// schemaField is a field of an object type that takes arguments.
type schemaField struct {
	owner string
	def   *ast.FieldDefinition
}

func (f schemaField) String() string { return f.owner + "." + f.def.Name }

// fieldsWithArguments lists, in a stable order, the fields of the schema's object types
// (introspection's own types aside) that take arguments.
func fieldsWithArguments(s *ast.Schema) []schemaField {
	var out []schemaField
	for name, def := range s.Types {
		if def.Kind != ast.Object || strings.HasPrefix(name, "__") {
			continue
		}
		for _, f := range def.Fields {
			if len(f.Arguments) > 0 && !strings.HasPrefix(f.Name, "__") {
				out = append(out, schemaField{owner: name, def: f})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// reach is how a test gets to an object of a type that has fields with arguments: who asks,
// and the selection around the field ("%s" stands for it), with the variables it needs.
type reach struct {
	who  *Client
	wrap string
	vars map[string]any // declared as ID variables
}

// reaches is how the tests below reach each type of a group g made by NewGroup, with a
// reflection rid of g.A and a session sid ("" for none), as the app reaches them.
func reaches(g *Group, rid, sid string) map[string]reach {
	ways := map[string]reach{
		"Query":      {g.Therapist, "%s", nil},
		"Mutation":   {g.Therapist, "%s", nil},
		"User":       {g.A, "viewer { %s }", nil},
		"Group":      {g.Therapist, "node(id: $owner) { ... on Group { %s } }", map[string]any{"owner": g.ID}},
		"Reflection": {g.A, "node(id: $owner) { ... on Reflection { %s } }", map[string]any{"owner": rid}},
	}
	if sid != "" {
		ways["GroupSession"] = reach{g.Therapist, "node(id: $owner) { ... on GroupSession { %s } }", map[string]any{"owner": sid}}
	}
	return ways
}

// document is an operation that selects field (with args, already written) the way r
// reaches its owner; extra declares more variables ("$x: T").
func (r reach) document(owner string, field string, extra ...string) string {
	op := "query"
	if owner == "Mutation" {
		op = "mutation"
	}
	var decls []string
	for name := range r.vars {
		decls = append(decls, "$"+name+": ID!")
	}
	decls = append(decls, extra...)
	sort.Strings(decls)
	head := op + " Walk"
	if len(decls) > 0 {
		head += "(" + strings.Join(decls, ", ") + ")"
	}
	return head + " { " + fmt.Sprintf(r.wrap, field) + " }"
}

// cursorOf is a cursor in entgql's form with any id and value, for cursors this API would
// never give out.
func cursorOf(id any, value any) string {
	var b bytes.Buffer
	entgql.Cursor[any]{ID: id, Value: value}.MarshalGQL(&b)
	return strings.Trim(b.String(), `"`)
}

// TestEveryConnectionRefusesMalformedCursors: on every field that takes a Cursor, reached as
// the app reaches it (viewer, node), a cursor this API did not give out is BAD_USER_INPUT
// naming after or before, for after and for before, never an internal error; the cursors it
// did give out work.
func TestEveryConnectionRefusesMalformedCursors(t *testing.T) {
	t.Parallel()
	var conns []schemaField
	for _, f := range fieldsWithArguments(apiSchema()) {
		if a := f.def.Arguments.ForName("after"); a != nil && a.Type.Name() == "Cursor" {
			conns = append(conns, f)
		}
	}
	if len(conns) < 6 {
		t.Fatalf("found %d connections in the schema: %v", len(conns), conns)
	}
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		sid := schedule(g, h.Clock.Now().Add(48*time.Hour))
		// A reflection written to the session's prompt (GroupSession.reflections).
		rid := g.A.MustOp("CreateReflection", map[string]any{"input": answerInput(g.ID, sid, "GROUP", "cursors")}).Str("createReflection.reflection.id")
		mustEncourage(t, g.B, rid, "")
		g.B.MustOp("Reflection", map[string]any{"id": rid}) // a read of A's reflection
		proposeTopic(g.A, sid, "cursors", "")
		ways := reaches(g, rid, sid)
		malformed := map[string]string{
			"not base64":          "!!!",
			"AAAA":                "AAAA",
			"empty":               "",
			"marker":              logMarker,
			"a msgpack number":    "BQ",
			"a string id":         cursorOf("x", nil),
			"id 0":                cursorOf(0, nil),
			"negative id":         cursorOf(-7, nil),
			"a string value":      cursorOf(17179869185, "yesterday"),
			"a map value":         cursorOf(17179869185, map[string]any{"a": 1}),
			"a list value":        cursorOf(17179869185, []any{1, 2}),
			"a number value":      cursorOf(17179869185, 12.5),
			"NUL":                 "AA\x00AA",
			"base64 of JSON":      "eyJpZCI6MX0",
			"a very long cursor":  strings.Repeat("A", 4000),
			"the id of an object": g.ID,
		}
		snap, counts := dbSnapshot(t, h), tableCounts(t, h)
		var goodCursors []string
		for _, c := range conns {
			way, ok := ways[c.owner]
			if !ok {
				t.Errorf("%s: no way to reach a %s in this test: add one to reaches", c, c.owner)
				continue
			}
			read := func(args string, cursor any) *Resp {
				field := fmt.Sprintf("%s(%s) { edges { cursor } pageInfo { startCursor endCursor } }", c.def.Name, args)
				vars := map[string]any{"c": cursor}
				for k, v := range way.vars {
					vars[k] = v
				}
				return way.who.Raw(way.document(c.owner, field, "$c: Cursor"), "Walk", vars)
			}
			// The first page's cursors are accepted back.
			first := read("first: 1, after: $c", nil)
			if len(first.Errors) > 0 {
				t.Errorf("%s: first page: %s", c, first.Raw)
				continue
			}
			end := firstString(first.Data, "endCursor")
			if end == "" {
				t.Errorf("%s: the fixture has nothing in this list, so no cursor to try: %s", c, first.Raw)
				continue
			}
			goodCursors = append(goodCursors, end)
			for _, args := range []string{"first: 1, after: $c", "last: 1, before: $c"} {
				if r := read(args, end); len(r.Errors) > 0 {
					t.Errorf("%s(%s) with its own cursor: %s", c, args, r.Raw)
				}
			}
			for name, bad := range malformed {
				for _, arg := range []string{"after", "before"} {
					args := "first: 1, after: $c"
					if arg == "before" {
						args = "last: 1, before: $c"
					}
					r := read(args, bad)
					what := fmt.Sprintf("%s(%s) with %s", c, arg, name)
					checkErrors(t, r)
					if r.Code() != "BAD_USER_INPUT" {
						t.Errorf("%s: want BAD_USER_INPUT, got %.400s", what, r.Raw)
						continue
					}
					if f, _ := r.Errors[0].Extensions["field"].(string); f != arg {
						t.Errorf("%s: the error names %q, want %q: %.300s", what, f, arg, r.Raw)
					}
					if firstString(r.Data, "endCursor") != "" || firstString(r.Data, "cursor") != "" {
						t.Errorf("%s: answered with data: %.300s", what, r.Raw)
					}
				}
			}
		}
		// A cursor of one list given to another is well formed: never an internal error.
		for _, c := range conns {
			way := ways[c.owner]
			for _, cur := range goodCursors {
				field := fmt.Sprintf("%s(first: 1, after: $c) { pageInfo { endCursor } }", c.def.Name)
				vars := map[string]any{"c": cur}
				for k, v := range way.vars {
					vars[k] = v
				}
				r := way.who.Raw(way.document(c.owner, field, "$c: Cursor"), "Walk", vars)
				checkErrors(t, r)
				if r.Code() == "INTERNAL" {
					t.Errorf("%s with a cursor of another list: %s", c, r.Raw)
				}
			}
		}
		dbUnchanged(t, h, snap)
		tablesUnchanged(t, h, counts)
		checkLogLines(t, h, tokensOf(g.Therapist, g.A, g.B, g.Stranger)...)
		if strings.Contains(h.Logs.String(), "panic") {
			t.Errorf("a resolver panicked")
		}
	})
}

// firstString is the first string value under key anywhere in v.
func firstString(v any, key string) string {
	switch x := v.(type) {
	case map[string]any:
		if s, ok := x[key].(string); ok && s != "" {
			return s
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if s := firstString(x[k], key); s != "" {
				return s
			}
		}
	case []any:
		for _, e := range x {
			if s := firstString(e, key); s != "" {
				return s
			}
		}
	}
	return ""
}

// stringPath is where a String sits in an argument: the argument, then input fields.
type stringPath []string

// stringPaths lists the String positions of a value of type t (through input objects and
// lists), each starting with name.
func stringPaths(s *ast.Schema, name string, t *ast.Type, seen map[string]bool) []stringPath {
	if t.Elem != nil {
		return stringPaths(s, name, t.Elem, seen)
	}
	if t.NamedType == "String" {
		return []stringPath{{name}}
	}
	def := s.Types[t.NamedType]
	if def == nil || def.Kind != ast.InputObject || seen[def.Name] {
		return nil
	}
	seen = withName(seen, def.Name)
	var out []stringPath
	for _, f := range def.Fields {
		for _, p := range stringPaths(s, f.Name, f.Type, seen) {
			out = append(out, append(stringPath{name}, p...))
		}
	}
	return out
}

// withName is a copy of the set m with k added.
func withName(m map[string]bool, k string) map[string]bool {
	out := map[string]bool{k: true}
	for x := range m {
		out[x] = true
	}
	return out
}

// valueOf is a value of type t that the server can read (not necessarily one it accepts),
// with NUL in the String at path (relative to t): an empty path is that String itself, a
// nil one means none.
func valueOf(t *testing.T, s *ast.Schema, typ *ast.Type, path stringPath, now time.Time) any {
	t.Helper()
	if typ.Elem != nil {
		return []any{valueOf(t, s, typ.Elem, path, now)}
	}
	def := s.Types[typ.NamedType]
	switch {
	case typ.NamedType == "String":
		if path != nil && len(path) == 0 {
			return logMarker + "\x00after"
		}
		return "fine"
	case typ.NamedType == "ID":
		return "17179869185"
	case typ.NamedType == "Int":
		return 1
	case typ.NamedType == "Float":
		return 1.5
	case typ.NamedType == "Boolean":
		return true
	case typ.NamedType == "UUID":
		return uuid.NewString()
	case typ.NamedType == "Time":
		return now.Add(72 * time.Hour).UTC().Format(time.RFC3339)
	case typ.NamedType == "Cursor":
		return nil
	case def != nil && def.Kind == ast.Enum:
		return def.EnumValues[0].Name
	case def != nil && def.Kind == ast.InputObject:
		obj := map[string]any{}
		for _, f := range def.Fields {
			switch {
			case len(path) > 0 && path[0] == f.Name:
				obj[f.Name] = valueOf(t, s, f.Type, path[1:], now)
			case f.Type.NonNull && f.DefaultValue == nil:
				obj[f.Name] = valueOf(t, s, f.Type, nil, now)
			}
		}
		return obj
	}
	t.Fatalf("no test value for type %s: teach valueOf", typ.NamedType)
	return nil
}

// selectionOf is the least selection a field of type typ needs.
func selectionOf(s *ast.Schema, typ *ast.Type) string {
	switch s.Types[typ.Name()].Kind {
	case ast.Object, ast.Interface, ast.Union:
		return " { __typename }"
	}
	return ""
}

// TestEveryStringArgumentRefusesNUL: a NUL character in any String argument or input field
// of the schema, sent as a variable, is BAD_USER_INPUT naming that field, and changes
// nothing; so is one written into the document (the unregisterDevice case).
func TestEveryStringArgumentRefusesNUL(t *testing.T) {
	t.Parallel()
	s := apiSchema()
	type target struct {
		field schemaField
		arg   *ast.ArgumentDefinition
		path  stringPath
	}
	var targets []target
	for _, f := range fieldsWithArguments(s) {
		for _, a := range f.def.Arguments {
			for _, p := range stringPaths(s, a.Name, a.Type, nil) {
				targets = append(targets, target{f, a, p})
			}
		}
	}
	if len(targets) < 20 {
		t.Fatalf("found %d String arguments in the schema", len(targets))
	}
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		rid := g.Reflect(g.A, "GROUP", "strings")
		ways := reaches(g, rid, "")
		snap, counts := dbSnapshot(t, h), tableCounts(t, h)
		covered := map[string]bool{}
		for _, tg := range targets {
			what := fmt.Sprintf("%s(%s)", tg.field, strings.Join(tg.path, "."))
			way, ok := ways[tg.field.owner]
			if !ok {
				t.Errorf("%s: no way to reach a %s in this test: add one to reaches", what, tg.field.owner)
				continue
			}
			vars := map[string]any{}
			for k, v := range way.vars {
				vars[k] = v
			}
			var args, decls []string
			for _, a := range tg.field.def.Arguments {
				if a != tg.arg && !(a.Type.NonNull && a.DefaultValue == nil) {
					continue
				}
				var path stringPath // nil: no NUL in this argument
				if a == tg.arg {
					path = slices.Clip(tg.path[1:]) // empty (not nil) when the argument is the String
				}
				vars["a_"+a.Name] = valueOf(t, s, a.Type, path, h.Clock.Now())
				args = append(args, a.Name+": $a_"+a.Name)
				decls = append(decls, "$a_"+a.Name+": "+a.Type.String())
			}
			field := tg.field.def.Name + "(" + strings.Join(args, ", ") + ")" + selectionOf(s, tg.field.def.Type)
			r := way.who.Raw(way.document(tg.field.owner, field, decls...), "Walk", vars)
			checkErrors(t, r)
			want := tg.path[len(tg.path)-1]
			if r.Code() != "BAD_USER_INPUT" {
				t.Errorf("%s: want BAD_USER_INPUT, got %.400s", what, r.Raw)
			} else if f, _ := r.Errors[0].Extensions["field"].(string); f != want {
				t.Errorf("%s: the error names %q, want %q: %.300s", what, f, want, r.Raw)
			}
			for k, v := range r.Data {
				if v != nil {
					t.Errorf("%s: answered with data at %s: %.300s", what, k, r.Raw)
				}
			}
			covered[tg.field.String()] = true
		}
		// Written into the document rather than sent as a variable.
		r := g.A.Raw(`mutation M { unregisterDevice(token: "x\u0000y") }`, "M", nil)
		rejectedNaming(t, r, "token")
		dbUnchanged(t, h, snap)
		tablesUnchanged(t, h, counts)
		for _, must := range []string{"Mutation.unregisterDevice", "Mutation.registerDevice", "Mutation.createReflection", "Mutation.sendEncouragement"} {
			if !covered[must] {
				t.Errorf("%s was not walked", must)
			}
		}
		checkLogLines(t, h, tokensOf(g.Therapist, g.A, g.B, g.Stranger)...)
		if strings.Contains(h.Logs.String(), `"level":"ERROR"`) {
			t.Errorf("a refused NUL left an error in the log")
		}
	})
}

// tableCounts is the number of rows of every table of the API's database.
func tableCounts(t *testing.T, h *H) map[string]int {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if strings.HasPrefix(h.dbURL, "postgres") {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	rows, err := rawDB(t, h).Query(q)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	rows.Close()
	out := map[string]int{}
	for _, n := range names {
		out[n] = countRows(t, h, `SELECT COUNT(*) FROM "`+n+`"`)
	}
	if len(out) < 10 {
		t.Fatalf("only %d tables: %v", len(out), slices.Sorted(maps.Keys(out)))
	}
	return out
}

// tablesUnchanged fails if a table has more or fewer rows than before.
func tablesUnchanged(t *testing.T, h *H, before map[string]int) {
	t.Helper()
	after := tableCounts(t, h)
	for name, n := range before {
		if after[name] != n {
			t.Errorf("table %s: %d rows, %d before", name, after[name], n)
		}
	}
}
