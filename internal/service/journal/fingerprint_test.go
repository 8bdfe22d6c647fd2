package journal

import (
	"strings"
	"testing"

	"github.com/processgroup/api/internal/dbtest"
	"github.com/processgroup/api/internal/platform/clock"
	"github.com/processgroup/api/internal/platform/crypt"
)

// TestCreateFingerprint pins the fingerprint that tells a retry from a reused client id:
// the same for the same request, different when any part differs (also a missing prompt
// against an empty one, and parts that only move a boundary), keyed (another key gives
// another fingerprint), and not the text.
func TestCreateFingerprint(t *testing.T) {
	t.Parallel()
	keys, err := crypt.ParseKeys(dbtest.Keys)
	if err != nil {
		t.Fatal(err)
	}
	j := New(detector(), nil, keys, clock.Real{})
	prompt, empty := "What helped today?", ""
	base := []any{"0b6f2a56-3f4e-4a43-9a5e-7b1c7a6f0f01", 7, "MARKER secret text", 6, 3, &prompt, "GROUP"}
	sum := j.digest(base...)
	if sum != j.digest(base...) {
		t.Fatal("the same request gives two fingerprints")
	}
	if len(sum) != 64 || strings.Contains(sum, "MARKER") || strings.Contains(sum, "secret") {
		t.Fatalf("fingerprint %q: want 64 hex digits, not the text", sum)
	}
	with := func(i int, v any) []any {
		parts := append([]any(nil), base...)
		parts[i] = v
		return parts
	}
	others := map[string][]any{
		"client id":         with(0, "0b6f2a56-3f4e-4a43-9a5e-7b1c7a6f0f02"),
		"group":             with(1, 8),
		"body":              with(2, "MARKER secret text."),
		"mood":              with(3, 7),
		"craving":           with(4, 4),
		"no prompt":         with(5, (*string)(nil)),
		"empty prompt":      with(5, &empty),
		"visibility":        with(6, "FACILITATORS"),
		"boundary of parts": {"0b6f2a56-3f4e-4a43-9a5e-7b1c7a6f0f01", 7, "MARKER secret tex", "t6", 3, &prompt, "GROUP"},
	}
	seen := map[string]string{sum: "base"}
	for name, parts := range others {
		s := j.digest(parts...)
		if prev, ok := seen[s]; ok {
			t.Errorf("%s: same fingerprint as %s", name, prev)
		}
		seen[s] = name
	}
	if j.digest((*string)(nil)) == j.digest(&empty) {
		t.Error("no prompt and an empty prompt give the same fingerprint")
	}

	other, err := crypt.ParseKeys("test2:ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=")
	if err != nil {
		t.Fatal(err)
	}
	if New(detector(), nil, other, clock.Real{}).digest(base...) == sum {
		t.Error("another key gives the same fingerprint: it is not keyed")
	}
}
