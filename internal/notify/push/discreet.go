package push

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// bannedStems are words that give away what a group is about. They match
// any word that starts with them ("addict" catches "addiction", "addicts").
// They are written lowercase and without accents; text is compared the
// same way.
var bannedStems = []string{
	// English
	"addict", "recover", "rehab", "sober", "sobriety", "therap", "alcohol",
	"narcotic", "drug", "relaps", "detox", "clinic", "anonymous",
	"12-step", "twelve-step", "twelve step", "meeting of",
	// Spanish
	"adicc", "adicto", "adicta", "recuperac", "rehabilit", "sobrio", "sobria",
	"sobriedad", "terap", "alcoh", "narcot", "droga", "recaida", "desintox",
	"clinica", "anonimo", "reunion de",
}

// bannedWords are short words that only count as whole words ("NA" but not
// "name"). Words are runs of letters and digits, so "al-anon" also matches
// "Al Anon".
var bannedWords = []string{"aa", "na", "ca", "a.a.", "n.a.", "al-anon", "nar-anon"}

// allowedDataKeys are the only keys a message's Data may have.
var allowedDataKeys = []string{"type", "sessionId", "groupId", "encouragementId"}

// opaqueID is what a Data value other than "type" must look like.
var opaqueID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// words splits s into lowercase, accent-free words: runs of letters and
// digits. Everything else separates words.
func words(s string) []string {
	return strings.FieldsFunc(fold(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r)
	})
}

// phrase is a banned word or forbidden text split into words.
type phrase struct {
	text   string   // as given, for error messages
	words  []string // see words
	prefix bool     // the last word may be followed by more letters
}

// find reports whether the word sequence p occurs in ws.
func (p phrase) find(ws []string) bool {
	n := len(p.words)
	if n == 0 {
		return false
	}
	for i := 0; i+n <= len(ws); i++ {
		if !slices.Equal(ws[i:i+n-1], p.words[:n-1]) {
			continue
		}
		last := ws[i+n-1]
		if last == p.words[n-1] || p.prefix && strings.HasPrefix(last, p.words[n-1]) {
			return true
		}
	}
	return false
}

// bannedPhrases are bannedStems and bannedWords ready for matching.
var bannedPhrases = func() []phrase {
	var out []phrase
	for _, s := range bannedStems {
		out = append(out, phrase{text: s, words: words(s), prefix: true})
	}
	for _, w := range bannedWords {
		out = append(out, phrase{text: w, words: words(w)})
	}
	return out
}()

// fold lowercases s and removes the accents of Spanish letters, so that
// "Adicción" and "adiccion" compare equal.
var fold = func() func(string) string {
	r := strings.NewReplacer("á", "a", "é", "e", "í", "i", "ó", "o", "ú", "u", "ü", "u", "ñ", "n")
	return func(s string) string { return r.Replace(strings.ToLower(s)) }
}()

// CheckDiscreet reports whether m is safe to show on a lock screen. It
// returns an error naming every problem it finds:
//   - Token is empty;
//   - Title, Body, a Data value or CollapseID contains one of the banned
//     words (addiction, recovery, rehab, sober, therapy, therapist, AA,
//     NA, "meeting of", their Spanish counterparts and a few more; the
//     two-letter ones only in Title and Body), or one of forbidden (e.g.
//     group names, display names, reflection text). Words are compared
//     ignoring case and Spanish accents; banned words match at the start
//     of a word ("addict" catches "addiction"), forbidden texts match as
//     whole words ("Ana" does not match "mañana");
//   - a Data key is not one of "type", "sessionId", "groupId",
//     "encouragementId", Data["type"] is not a known Kind or disagrees with
//     Kind, or another Data value is not an opaque id (1 to 64 characters
//     from A-Z, a-z, 0-9, "_" and "-");
//   - Title and Body are not a pair this package produces (for m.Kind, or
//     for Data["type"] when Kind is empty).
func CheckDiscreet(m Message, forbidden ...string) error {
	return checkDiscreet(m, true, forbidden)
}

// checkDiscreet does the work of CheckDiscreet. Unless reveal is set, the
// errors do not quote the message's texts, so that they can be logged.
func checkDiscreet(m Message, reveal bool, forbidden []string) error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("push: "+format, args...))
	}

	if m.Token == "" {
		bad("no device token")
	}

	kind := m.Kind
	keys := make([]string, 0, len(m.Data))
	for k := range m.Data {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := m.Data[k]
		switch {
		case !slices.Contains(allowedDataKeys, k):
			bad("data key %q is not allowed", k)
		case k == "type":
			if !knownKind(Kind(v)) {
				bad("data type %s is not a known kind", quoteIf(reveal, v))
			} else if kind == "" {
				kind = Kind(v)
			} else if Kind(v) != kind {
				bad("data type %q differs from kind %s", v, quoteIf(reveal, string(m.Kind)))
			}
		case !opaqueID.MatchString(v):
			bad("data %q is not an opaque id", k)
		}
	}
	if m.Kind != "" && !knownKind(m.Kind) {
		bad("kind %s is not known", quoteIf(reveal, string(m.Kind)))
	}

	type field struct {
		name, text string
		id         bool // an opaque id rather than text for people
	}
	fields := []field{
		{"title", m.Title, false},
		{"body", m.Body, false},
		{"collapse id", m.CollapseID, true},
	}
	for _, k := range keys {
		fields = append(fields, field{"data " + k, m.Data[k], true})
	}
	var names []phrase
	for _, f := range forbidden {
		names = append(names, phrase{text: abbreviate(f), words: words(f)})
	}
	for _, f := range fields {
		ws := words(f.text)
		for _, p := range bannedPhrases {
			// Two-letter words are only looked for in texts: random ids
			// such as "x-na_3" would contain them by chance.
			if (p.prefix || !f.id) && p.find(ws) {
				bad("%s contains the banned word %q", f.name, p.text)
				break
			}
		}
		for _, p := range names {
			if p.find(ws) {
				bad("%s contains forbidden text %q", f.name, p.text)
			}
		}
	}

	if !knownText(kind, m.Title, m.Body) {
		what := fmt.Sprintf("title %s and body %s", quoteIf(reveal, m.Title), quoteIf(reveal, m.Body))
		if kind == "" {
			bad("%s are not texts this package produces", what)
		} else {
			bad("%s are not texts this package produces for %s", what, kind)
		}
	}
	return errors.Join(errs...)
}

// knownKind reports whether k is one of the package's kinds.
func knownKind(k Kind) bool {
	return k == KindReminder || k == KindCancelled || k == KindEncouragement || k == KindPrompt
}

// abbreviate shortens s for an error message.
func abbreviate(s string) string {
	const limit = 40
	if r := []rune(s); len(r) > limit {
		return string(r[:limit]) + "…"
	}
	return s
}

// quoteIf quotes s when reveal is set and otherwise gives a placeholder.
func quoteIf(reveal bool, s string) string {
	if reveal {
		return fmt.Sprintf("%q", s)
	}
	return "(hidden)"
}
