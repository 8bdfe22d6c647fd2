package crisis

// language is one language's curated phrase table. Each language lives in
// its own file (phrases_en.go, phrases_es.go, ...) and registers itself from
// an init function, so adding a language means adding one file.
//
// Phrases are written as plain text. Words are separated by spaces, and
// {a|b|c} lists alternatives (an empty alternative is allowed, braces do not
// nest). Phrases go through the same normalisation as the text, so "don't"
// and "self-harm" can be written naturally.
type language struct {
	// code is the language's ISO 639-1 code, for readers and tests.
	code string
	// fillers are single words skipped in both text and phrases.
	fillers []string
	// equivalents lists groups of wordings that mean the same. Every phrase
	// is also added with each wording of a group swapped for the others.
	equivalents [][]string
	// categories holds the trigger phrases.
	categories []category
	// safe holds harmless wordings that contain a trigger; see the package
	// documentation.
	safe []string
}

// category is a named group of trigger phrases. The name is for readers and
// tests only; Detect does not report it.
type category struct {
	name    string
	phrases []string
}

// languages holds every registered phrase table.
var languages []language

// registerLanguage adds a phrase table. It is called from init functions
// only, before any Detector is built.
func registerLanguage(l language) {
	languages = append(languages, l)
}
