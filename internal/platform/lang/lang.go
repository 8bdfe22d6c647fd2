// Package lang names the languages the app speaks to members in, and reads a device's
// locale as one of them. A member's language chooses the consent text, the disclosure
// notice, the push texts and the order of the crisis resources.
package lang

import (
	"fmt"
	"strings"
)

// The supported languages, as ISO 639-1 codes.
const (
	English = "en"
	Spanish = "es"
)

// Default is the language of a member who has none yet.
const Default = English

// supported lists every language the texts exist in.
var supported = []string{English, Spanish}

// Supported reports whether code is one of the supported languages, exactly as written
// ("es", not "ES" or "es-MX").
func Supported(code string) bool {
	for _, s := range supported {
		if s == code {
			return true
		}
	}
	return false
}

// Validate returns an error naming the supported languages unless code is one of them.
func Validate(code string) error {
	if !Supported(code) {
		return fmt.Errorf("language must be one of %s", strings.Join(supported, ", "))
	}
	return nil
}

// FromLocale returns the supported language of a BCP 47 or POSIX locale ("es-MX",
// "es_US.UTF-8"), or Default for any other.
func FromLocale(locale string) string {
	s := strings.ToLower(strings.TrimSpace(locale))
	if i := strings.IndexAny(s, "-_.@"); i >= 0 {
		s = s[:i]
	}
	if Supported(s) {
		return s
	}
	return Default
}

// Or returns code, or Default when code is empty.
func Or(code string) string {
	if code == "" {
		return Default
	}
	return code
}
