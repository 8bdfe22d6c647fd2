package validate

import (
	"errors"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"

	"github.com/processgroup/api/internal/platform/apperr"
)

// plan is an input with omittable texts, as gqlgen makes SessionPlanInput.
type plan struct {
	Theme  graphql.Omittable[*string] `json:"theme,omitempty" validate:"omitnil,max=80"`
	Prompt graphql.Omittable[*string] `json:"prompt,omitempty" validate:"omitnil,max=500"`
}

// TestOmittableText pins the check of an omittable text: left out and null pass, a value is
// counted in characters (not bytes) and may not carry NUL.
func TestOmittableText(t *testing.T) {
	text := func(s string) graphql.Omittable[*string] { return graphql.OmittableOf(&s) }
	cases := []struct {
		name  string
		in    plan
		field string // "" for accepted
	}{
		{"left out", plan{}, ""},
		{"null", plan{Theme: graphql.OmittableOf[*string](nil)}, ""},
		{"80 two-byte characters", plan{Theme: text(strings.Repeat("é", 80))}, ""},
		{"81 characters", plan{Theme: text(strings.Repeat("é", 81))}, "theme"},
		{"500 characters of prompt", plan{Prompt: text(strings.Repeat("ñ", 500))}, ""},
		{"501 characters of prompt", plan{Prompt: text(strings.Repeat("a", 501))}, "prompt"},
		{"NUL", plan{Prompt: text("a\x00b")}, "prompt"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Struct(&c.in)
			var ae *apperr.Error
			switch {
			case c.field == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.field != "" && (!errors.As(err, &ae) || ae.Code != apperr.BadUserInput || ae.Field != c.field):
				t.Fatalf("got %v, want BAD_USER_INPUT on %s", err, c.field)
			}
		})
	}
}
