package groups

import (
	"strings"
	"testing"
)

// TestNormalizeCode pins how a typed invite code is read: case, spaces, tabs and dashes do
// not matter.
func TestNormalizeCode(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"ABCD2345", "ABCD2345"},
		{"abcd2345", "ABCD2345"},
		{"abcd-2345", "ABCD2345"},
		{" ab cd-23 45 ", "ABCD2345"},
		{"\tAbCd--2345\t", "ABCD2345"},
		{"", ""},
	}
	for _, c := range cases {
		if got := NormalizeCode(c.in); got != c.want {
			t.Errorf("NormalizeCode(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestNewCode pins the invite codes made: 8 characters of the alphabet people can type
// without confusion (no 0/O, 1/I/L), already in their stored form, drawn from the whole
// alphabet, and not repeating.
func TestNewCode(t *testing.T) {
	t.Parallel()
	if len(codeAlphabet) != 31 || strings.ContainsAny(codeAlphabet, "01OIL") {
		t.Fatalf("alphabet %q", codeAlphabet)
	}
	used := map[rune]int{}
	seen := map[string]bool{}
	for range 2000 {
		code, err := newCode()
		if err != nil {
			t.Fatal(err)
		}
		if len(code) != 8 || NormalizeCode(code) != code {
			t.Fatalf("code %q: want 8 characters in stored form", code)
		}
		for _, r := range code {
			if !strings.ContainsRune(codeAlphabet, r) {
				t.Fatalf("code %q has %q, outside the alphabet", code, r)
			}
			used[r]++
		}
		if seen[code] {
			t.Fatalf("code %q made twice in 2000", code)
		}
		seen[code] = true
	}
	// 16,000 characters: about 516 of each; a character never drawn, or drawn far too
	// often, would show a broken draw.
	for _, r := range codeAlphabet {
		if n := used[r]; n < 350 || n > 700 {
			t.Errorf("%q drawn %d times in 16000, want about 516", r, n)
		}
	}
}
