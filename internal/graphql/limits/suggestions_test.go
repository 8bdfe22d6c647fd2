package limits

import (
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql/handler"
)

// suggesting are documents whose validation errors, with gqlparser's default rules,
// suggest a schema name; one per rule that does.
var suggesting = map[string]string{
	"FieldsOnCorrectType":               `query Q { viewr { id } }`,
	"ScalarLeafs":                       `query Q { viewer }`,
	"KnownArgumentNames":                `query Q { viewer { reflections(frist: 5) { totalCount } } }`,
	"KnownTypeNames":                    `query Q { viewer { ...F } } fragment F on Usr { id }`,
	"ValuesOfCorrectType":               `query Q { viewer { reflections(orderBy: {direction: DES, field: CREATED_AT}) { totalCount } } }`,
	"ValuesOfCorrectType (input field)": `query Q { viewer { reflections(orderBy: {direktion: DESC, field: CREATED_AT}) { totalCount } } }`,
}

func TestRulesWithoutSuggestions(t *testing.T) {
	with := newTestServer(t, DefaultConfig(), false)
	without := newTestServer(t, DefaultConfig(), true)
	withoutAndDisabled := newTestServer(t, DefaultConfig(), true)
	withoutAndDisabled.SetDisableSuggestion(true) // gqlgen then swaps two rules itself
	for rule, q := range suggesting {
		t.Run(rule, func(t *testing.T) {
			_, _, body := post(t, with, q, "Q", nil)
			if !strings.Contains(body, "Did you mean") {
				t.Fatalf("default rules do not suggest here, the case tests nothing: %s", body)
			}
			for _, srv := range []*handler.Server{without, withoutAndDisabled} {
				_, resp, body := post(t, srv, q, "Q", nil)
				if len(resp.Errors) == 0 {
					t.Fatalf("no error: %s", body)
				}
				if strings.Contains(body, "Did you mean") {
					t.Errorf("suggests with RulesWithoutSuggestions: %s", body)
				}
			}
		})
	}
}

func TestRulesWithoutSuggestionsKeepsRuleNames(t *testing.T) {
	got := RulesWithoutSuggestions().GetInner()
	if len(got) != 27 {
		t.Errorf("%d rules, want the 27 defaults", len(got))
	}
	for _, name := range []string{"FieldsOnCorrectType", "ScalarLeafs", "KnownArgumentNames", "KnownTypeNames", "ValuesOfCorrectType"} {
		if got[name] == nil {
			t.Errorf("rule %s missing", name)
		}
	}
	// A fresh set each call: gqlgen changes the one it gets.
	a, b := RulesWithoutSuggestions(), RulesWithoutSuggestions()
	a.RemoveRule("ScalarLeafs")
	if b.GetInner()["ScalarLeafs"] == nil {
		t.Error("sets are shared")
	}
}

func TestStripSuggestions(t *testing.T) {
	cases := map[string]string{
		`Cannot query field "viewr" on type "Query". Did you mean "viewer"?`:                                `Cannot query field "viewr" on type "Query".`,
		`Value "DES" does not exist in "OrderDirection!" enum. Did you mean the enum value "DESC"?`:         `Value "DES" does not exist in "OrderDirection!" enum.`,
		`Cannot query field "x" on type "Node". Did you mean to use an inline fragment on "Group"?`:         `Cannot query field "x" on type "Node".`,
		`Field "viewer" of type "User!" must have a selection of subfields. Did you mean "viewer { ... }"?`: `Field "viewer" of type "User!" must have a selection of subfields.`,
		`Unknown type "Curser".`: `Unknown type "Curser".`,
		``:                       ``,
	}
	for in, want := range cases {
		if got := StripSuggestions(in); got != want {
			t.Errorf("StripSuggestions(%q) = %q, want %q", in, got, want)
		}
	}
	// Every suggestion the default rules make is stripped.
	with := newTestServer(t, DefaultConfig(), false)
	for rule, q := range suggesting {
		_, resp, _ := post(t, with, q, "Q", nil)
		for _, e := range resp.Errors {
			if s := StripSuggestions(e.Message); strings.Contains(s, "Did you mean") {
				t.Errorf("%s: %q", rule, s)
			}
		}
	}
}
