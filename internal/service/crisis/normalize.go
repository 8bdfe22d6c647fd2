package crisis

import (
	"unicode"
	"unicode/utf8"
)

// maxTokenLen is the longest word, in bytes, that can be part of a phrase.
// Longer words in the text are still read, but can never match.
const maxTokenLen = 48

// charClass says what a character does during tokenising.
type charClass uint8

const (
	// classSpace separates words.
	classSpace charClass = iota
	// classBreak separates words and ends a sentence.
	classBreak
	// classWord is part of a word.
	classWord
	// classIgnore is dropped: it neither separates nor joins.
	classIgnore
)

// asciiClass and asciiLower cache classify for ASCII, the common case.
var asciiClass, asciiLower = func() (c [utf8.RuneSelf]charClass, l [utf8.RuneSelf]byte) {
	for r := rune(0); r < utf8.RuneSelf; r++ {
		class, lower := classify(r)
		c[r], l[r] = class, byte(lower)
	}
	return c, l
}()

// latinEnd is the end of the Latin blocks (Latin-1 Supplement, Extended-A and -B) whose
// classification is cached: accented letters are most of the non-ASCII characters of
// Spanish (and French, Portuguese…) text, and classify is slow for them.
const latinEnd = 0x250

// latinClass and latinLower cache classify below latinEnd.
var latinClass, latinLower = func() (c [latinEnd]charClass, l [latinEnd]rune) {
	for r := rune(0); r < latinEnd; r++ {
		c[r], l[r] = classify(r)
	}
	return c, l
}()

// classify returns what r does and, for word characters, its lower-case form.
func classify(r rune) (charClass, rune) {
	if r < utf8.RuneSelf {
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
			return classWord, r
		case 'A' <= r && r <= 'Z':
			return classWord, r + ('a' - 'A')
		case r == '\'' || r == '`':
			return classIgnore, r
		case r == '.' || r == '!' || r == '?' || r == ';' || r == '\n':
			return classBreak, r
		default:
			return classSpace, r
		}
	}
	switch r {
	case '\u2018', '\u2019', '\u201B', '\u02BC', '\u00B4', '\u2032':
		// Curly and other apostrophes, treated like '.
		return classIgnore, r
	case '\u2026', '\u2028', '\u2029', '\u0085', '\u3002', '\uFF61':
		// Ellipsis, line and paragraph separators, ideographic full stops.
		return classBreak, r
	}
	if r >= 0xFF01 && r <= 0xFF5E {
		// Full-width forms of ASCII characters.
		return classify(r - 0xFEE0)
	}
	if unicode.In(r, unicode.Cf, unicode.Mn, unicode.Me) {
		// Zero-width characters, soft hyphens and combining marks.
		return classIgnore, r
	}
	if unicode.IsLetter(r) || unicode.IsDigit(r) {
		return classWord, foldAccent(unicode.ToLower(r))
	}
	return classSpace, r
}

// foldAccent drops the accent of a lower-case Latin letter ("é" is read as
// "e", "ñ" as "n", "ü" as "u"), so that text typed without accents, as much
// Spanish is on phones, matches phrases written with them. A decomposed
// accent (a combining mark) was already dropped as classIgnore; this makes
// precomposed letters read the same.
func foldAccent(r rune) rune {
	if r < 0xE0 || r > 0xFF {
		return r
	}
	return rune(latin1Fold[r-0xE0])
}

// latin1Fold maps the lower-case letters U+00E0 to U+00FF to their letters
// without accents; æ, ð, ø, þ and ÷ stay as they are.
var latin1Fold = [32]rune{
	'a', 'a', 'a', 'a', 'a', 'a', 'æ', 'c', // à á â ã ä å æ ç
	'e', 'e', 'e', 'e', 'i', 'i', 'i', 'i', // è é ê ë ì í î ï
	'ð', 'n', 'o', 'o', 'o', 'o', 'o', '÷', // ð ñ ò ó ô õ ö ÷
	'ø', 'u', 'u', 'u', 'u', 'y', 'þ', 'y', // ø ù ú û ü ý þ ÿ
}

// tokenizer splits text into normalised words in one pass. The zero value
// with s set is ready to use.
type tokenizer struct {
	s   string
	pos int
	// brk records a sentence break seen since the last word.
	brk bool
	buf [maxTokenLen]byte
	// hash is the wordHash of the word next returned last.
	hash uint64
}

// next returns the next word, lower-cased and without apostrophes. The slice
// is only valid until the next call. tok is nil for a word longer than
// maxTokenLen. brk reports a sentence break between the previous word and
// this one. ok is false once the text is used up.
func (t *tokenizer) next() (tok []byte, brk bool, ok bool) {
	n := 0
	in, long := false, false
	h := uint64(fnvOffset)
	for t.pos < len(t.s) {
		c := t.s[t.pos]
		var class charClass
		var lower rune
		size := 1
		if c < utf8.RuneSelf {
			class, lower = asciiClass[c], rune(asciiLower[c])
		} else {
			var r rune
			r, size = utf8.DecodeRuneInString(t.s[t.pos:])
			if r < latinEnd {
				class, lower = latinClass[r], latinLower[r]
			} else {
				class, lower = classify(r)
			}
		}
		switch class {
		case classWord:
			if !in {
				in = true
				brk, t.brk = t.brk, false
			}
			if lower < utf8.RuneSelf {
				if n < len(t.buf) {
					t.buf[n] = byte(lower)
					h = (h ^ uint64(lower)) * fnvPrime
					n++
				} else {
					long = true
				}
			} else if n+utf8.RuneLen(lower) <= len(t.buf) {
				k := utf8.EncodeRune(t.buf[n:], lower)
				for _, b := range t.buf[n : n+k] {
					h = (h ^ uint64(b)) * fnvPrime
				}
				n += k
			} else {
				long = true
			}
		case classIgnore:
		default:
			if in {
				// Leave the separator for the next call, so that a
				// sentence break is recorded before the next word.
				t.hash = h
				return t.word(n, long), brk, true
			}
			if class == classBreak {
				t.brk = true
			}
		}
		t.pos += size
	}
	if in {
		t.hash = h
		return t.word(n, long), brk, true
	}
	return nil, false, false
}

// word returns the first n bytes of the buffer, or nil for an overlong word.
func (t *tokenizer) word(n int, long bool) []byte {
	if long {
		return nil
	}
	return t.buf[:n]
}
