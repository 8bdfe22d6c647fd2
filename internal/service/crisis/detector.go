package crisis

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// fillerID is the vocabulary id of words that are skipped.
const fillerID = -1

// Detector finds crisis language in free text. Build it once with
// NewDetector and share it: it never changes after it is built, so it is
// safe for concurrent use. The zero value is not usable.
type Detector struct {
	// vocab maps each phrase word to an id above zero, and each filler word
	// to fillerID. Words not in it get 0 and can never match.
	vocab map[string]int32
	// words is vocab as the detector reads it: an open-addressing table keyed by
	// the hash the tokenizer computes while it reads each word, so that a word
	// costs one multiplication per byte and, mostly, one probe.
	words wordTable
	// root holds the start state's moves, indexed by word id.
	root []int32
	// nodes is an Aho-Corasick automaton over word ids. Node 0 is the start.
	nodes []acNode
	// patterns holds every phrase variant, trigger or safe.
	patterns []pattern
	// maxSafeLen is the length in words of the longest safe phrase.
	maxSafeLen int
}

// acNode is one state of the automaton.
type acNode struct {
	edges []edge  // sorted by word id
	fail  int32   // state to fall back to when no edge matches
	out   []int32 // patterns that end here, including via fail links
}

// edge is one move of the automaton.
type edge struct {
	tok int32
	to  int32
}

// pattern is one expanded phrase, as a sequence of words.
type pattern struct {
	length   int
	safe     bool
	category string // trigger category; empty for safe phrases
	source   string // the phrase table entry it came from
	lang     string // the code of the language whose table it came from
}

// span is a trigger match of pattern pat that starts at word start.
type span struct {
	start int
	pat   int32
}

// NewDetector builds a Detector from the built-in phrase tables of every
// language. Building expands thousands of phrase variants and takes about a
// tenth of a second, so build it once at start-up and share it.
// It panics if a built-in table is malformed, which the package tests catch,
// and if no table is loaded, so that a Detector can never silently detect
// nothing.
func NewDetector() *Detector {
	b := newBuilder(languages)
	for _, l := range languages {
		b.addLanguage(l)
	}
	if len(b.patterns) == 0 {
		panic("crisis: no phrase tables loaded; NewDetector was called before package initialisation finished")
	}
	return b.build()
}

// Default is the detector of every phrase table, built once per process and shared: a
// Detector keeps nothing between calls, and building one costs milliseconds.
var Default = sync.OnceValue(NewDetector)

// Detect reports whether text shows crisis language, that is whether it
// contains a trigger phrase that is not part of a safe phrase in the same
// sentence. It reads the text once and keeps nothing.
func (d *Detector) Detect(text string) bool {
	_, ok := d.firstMatch(text)
	return ok
}

// Match is Detect that also says in which language the crisis language was
// found: the code ("en", "es") of the phrase table of the first trigger in
// the text that no safe phrase covers. A phrase in one table is found in any
// text, so Spanish text with an English trigger ("ya no puedo, I want to
// die") gives "en". The language is empty when found is false.
func (d *Detector) Match(text string) (lang string, found bool) {
	p, ok := d.firstMatch(text)
	if !ok {
		return "", false
	}
	return p.lang, true
}

// firstMatch returns the first trigger pattern found in text that no safe
// phrase covers.
//
// It works in one pass. A trigger found at some word is held as pending. A
// safe phrase found later that contains it clears it; once the text has
// moved on further than any safe phrase is long, nothing can clear it any
// more and it is the answer.
func (d *Detector) firstMatch(text string) (*pattern, bool) {
	t := tokenizer{s: text}
	var buf [16]span
	pending := buf[:0]
	state := int32(0)
	idx := -1      // index of the current (non-filler) word
	lastBreak := 0 // index of the last word that starts a sentence
	carry := false // a sentence break seen before skipped filler words
	for {
		tok, brk, ok := t.next()
		if !ok {
			break
		}
		id := d.words.lookup(t.hash, tok)
		if id == fillerID {
			carry = carry || brk
			continue
		}
		idx++
		if brk || carry {
			lastBreak, carry = idx, false
		}
		state = d.step(state, id)
		out := d.nodes[state].out
		for _, p := range out {
			if pat := &d.patterns[p]; !pat.safe {
				pending = append(pending, span{idx - pat.length + 1, p})
			}
		}
		for _, p := range out {
			pat := &d.patterns[p]
			start := idx - pat.length + 1
			// A safe phrase counts only within one sentence.
			if !pat.safe || lastBreak > start {
				continue
			}
			kept := pending[:0]
			for _, tr := range pending {
				if tr.start < start { // every pending trigger ends by idx
					kept = append(kept, tr)
				}
			}
			pending = kept
		}
		for _, tr := range pending {
			if idx-tr.start+1 >= d.maxSafeLen {
				return &d.patterns[tr.pat], true
			}
		}
	}
	if len(pending) > 0 {
		return &d.patterns[pending[0].pat], true
	}
	return nil, false
}

// step moves the automaton from state on word id.
func (d *Detector) step(state, id int32) int32 {
	if id <= 0 {
		return 0
	}
	for state != 0 {
		n := &d.nodes[state]
		if to, ok := findEdge(n.edges, id); ok {
			return to
		}
		state = n.fail
	}
	return d.root[id]
}

// findEdge looks up the move on word id in edges sorted by id.
func findEdge(edges []edge, id int32) (int32, bool) {
	if len(edges) <= 8 {
		for _, e := range edges {
			if e.tok == id {
				return e.to, true
			}
		}
		return 0, false
	}
	i := sort.Search(len(edges), func(i int) bool { return edges[i].tok >= id })
	if i < len(edges) && edges[i].tok == id {
		return edges[i].to, true
	}
	return 0, false
}

// builder turns phrase tables into a Detector.
type builder struct {
	vocab    map[string]int32
	fillers  map[string]bool
	children []map[int32]int32 // trie edges while building
	ends     [][]int32         // patterns ending at each trie node
	patterns []pattern
	seen     map[string]int32 // word sequence -> pattern index
}

// newBuilder starts a builder that knows the filler words of all languages.
// Fillers are skipped in every text, so phrases must skip them too.
func newBuilder(langs []language) *builder {
	b := &builder{
		vocab:    map[string]int32{},
		fillers:  map[string]bool{},
		children: []map[int32]int32{{}},
		ends:     [][]int32{nil},
		seen:     map[string]int32{},
	}
	for _, l := range langs {
		for _, f := range l.fillers {
			words := rawWords(f)
			if len(words) != 1 {
				panic(fmt.Sprintf("crisis: %s filler %q must be one word", l.code, f))
			}
			b.fillers[words[0]] = true
			b.vocab[words[0]] = fillerID
		}
	}
	return b
}

// addLanguage adds every trigger and safe phrase of l, in all their variants.
func (b *builder) addLanguage(l language) {
	var groups [][][]string
	for _, g := range l.equivalents {
		var group [][]string
		for _, w := range g {
			words := b.words(l.code, w)
			group = append(group, words)
		}
		if len(group) < 2 {
			panic(fmt.Sprintf("crisis: %s equivalent group %q needs two wordings", l.code, g))
		}
		groups = append(groups, group)
	}
	for _, c := range l.categories {
		for _, p := range c.phrases {
			b.addPhrase(l.code, p, groups, pattern{category: c.name, source: p, lang: l.code})
		}
	}
	for _, p := range l.safe {
		b.addPhrase(l.code, p, groups, pattern{safe: true, source: p, lang: l.code})
	}
}

// addPhrase expands braces and equivalents in phrase and adds each variant.
func (b *builder) addPhrase(code, phrase string, groups [][][]string, p pattern) {
	for _, text := range expandBraces(phrase) {
		words := b.words(code, text)
		for _, variant := range expandEquivalents(words, groups) {
			b.add(variant, p)
		}
	}
}

// words returns the normalised, filler-free words of a phrase.
func (b *builder) words(code, phrase string) []string {
	var out []string
	for _, w := range rawWords(phrase) {
		if !b.fillers[w] {
			out = append(out, w)
		}
	}
	if len(out) == 0 {
		panic(fmt.Sprintf("crisis: %s phrase %q has no words", code, phrase))
	}
	return out
}

// add inserts one word sequence into the trie.
func (b *builder) add(words []string, p pattern) {
	key := strings.Join(words, " ")
	if i, ok := b.seen[key]; ok {
		if b.patterns[i].safe != p.safe {
			panic(fmt.Sprintf("crisis: %q is both a trigger and a safe phrase", key))
		}
		return
	}
	p.length = len(words)
	idx := int32(len(b.patterns))
	b.patterns = append(b.patterns, p)
	b.seen[key] = idx
	node := int32(0)
	for _, w := range words {
		id, ok := b.vocab[w]
		if !ok {
			id = int32(len(b.vocab) + 1)
			b.vocab[w] = id
		}
		next, ok := b.children[node][id]
		if !ok {
			next = int32(len(b.children))
			b.children = append(b.children, map[int32]int32{})
			b.ends = append(b.ends, nil)
			b.children[node][id] = next
		}
		node = next
	}
	b.ends[node] = append(b.ends[node], idx)
}

// build computes the automaton's fail links and packs it into a Detector.
func (b *builder) build() *Detector {
	maxID := int32(0)
	for _, id := range b.vocab {
		maxID = max(maxID, id)
	}
	d := &Detector{
		vocab:    b.vocab,
		words:    newWordTable(b.vocab),
		root:     make([]int32, maxID+1),
		nodes:    make([]acNode, len(b.children)),
		patterns: b.patterns,
	}
	for i, ch := range b.children {
		n := &d.nodes[i]
		for tok, to := range ch {
			n.edges = append(n.edges, edge{tok, to})
		}
		sort.Slice(n.edges, func(x, y int) bool { return n.edges[x].tok < n.edges[y].tok })
	}
	for _, e := range d.nodes[0].edges {
		d.root[e.tok] = e.to
	}
	for _, p := range b.patterns {
		if p.safe {
			d.maxSafeLen = max(d.maxSafeLen, p.length)
		}
	}
	// Breadth-first, so a node's fail target is finished before the node.
	queue := []int32{0}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		for _, e := range d.nodes[u].edges {
			v := e.to
			if u != 0 {
				f := d.nodes[u].fail
				for {
					if f == 0 {
						d.nodes[v].fail = d.root[e.tok]
						break
					}
					if to, ok := findEdge(d.nodes[f].edges, e.tok); ok {
						d.nodes[v].fail = to
						break
					}
					f = d.nodes[f].fail
				}
			}
			out := append([]int32(nil), b.ends[v]...)
			d.nodes[v].out = append(out, d.nodes[d.nodes[v].fail].out...)
			queue = append(queue, v)
		}
	}
	return d
}

// rawWords splits s into normalised words, fillers included. It panics on a
// word too long to match.
func rawWords(s string) []string {
	t := tokenizer{s: s}
	var out []string
	for {
		tok, _, ok := t.next()
		if !ok {
			return out
		}
		if tok == nil {
			panic(fmt.Sprintf("crisis: word in %q is longer than %d bytes", s, maxTokenLen))
		}
		out = append(out, string(tok))
	}
}

// expandBraces expands every {a|b|c} group in s into all combinations.
func expandBraces(s string) []string {
	i := strings.IndexByte(s, '{')
	if i < 0 {
		if strings.ContainsAny(s, "|}") {
			panic(fmt.Sprintf("crisis: stray | or } in phrase %q", s))
		}
		return []string{s}
	}
	if strings.ContainsAny(s[:i], "|}") {
		panic(fmt.Sprintf("crisis: stray | or } in phrase %q", s))
	}
	j := strings.IndexByte(s[i:], '}')
	if j < 0 {
		panic(fmt.Sprintf("crisis: unclosed { in phrase %q", s))
	}
	j += i
	inner := s[i+1 : j]
	if strings.ContainsRune(inner, '{') {
		panic(fmt.Sprintf("crisis: nested { in phrase %q", s))
	}
	rest := expandBraces(s[j+1:])
	var out []string
	for _, alt := range strings.Split(inner, "|") {
		for _, r := range rest {
			out = append(out, s[:i]+alt+r)
		}
	}
	return out
}

// expandEquivalents returns words in every combination of equivalent
// wordings, including the original.
func expandEquivalents(words []string, groups [][][]string) [][]string {
	var out [][]string
	var walk func(pos int, acc []string)
	walk = func(pos int, acc []string) {
		if pos == len(words) {
			out = append(out, append([]string(nil), acc...))
			return
		}
		for _, g := range groups {
			for _, member := range g {
				if !hasWordsAt(words, pos, member) {
					continue
				}
				for _, alt := range g {
					walk(pos+len(member), append(acc[:len(acc):len(acc)], alt...))
				}
				return
			}
		}
		walk(pos+1, append(acc[:len(acc):len(acc)], words[pos]))
	}
	walk(0, nil)
	return out
}

// hasWordsAt reports whether words[pos:] starts with prefix.
func hasWordsAt(words []string, pos int, prefix []string) bool {
	if len(words)-pos < len(prefix) {
		return false
	}
	for i, w := range prefix {
		if words[pos+i] != w {
			return false
		}
	}
	return true
}

// wordTable is an open-addressing hash table of the vocabulary, keyed by
// wordHash. It is at most a quarter full, so a word not in it (most words of
// a text) is mostly answered by its first slot.
type wordTable struct {
	mask  uint64
	slots []wordSlot
}

type wordSlot struct {
	hash uint64
	id   int32
	word string
}

func newWordTable(vocab map[string]int32) wordTable {
	size := 16
	for size < 4*len(vocab) {
		size <<= 1
	}
	t := wordTable{mask: uint64(size - 1), slots: make([]wordSlot, size)}
	for w, id := range vocab {
		h := wordHash(w)
		i := slotOf(h) & t.mask
		for t.slots[i].word != "" {
			i = (i + 1) & t.mask
		}
		t.slots[i] = wordSlot{hash: h, id: id, word: w}
	}
	return t
}

// lookup returns the id of the word tok whose wordHash is h, or 0.
func (t *wordTable) lookup(h uint64, tok []byte) int32 {
	if tok == nil {
		return 0
	}
	for i := slotOf(h) & t.mask; ; i = (i + 1) & t.mask {
		s := &t.slots[i]
		if s.word == "" {
			return 0
		}
		if s.hash == h && s.word == string(tok) {
			return s.id
		}
	}
}

// slotOf mixes the high bits of a hash into the low ones that pick a slot.
func slotOf(h uint64) uint64 { return h ^ h>>29 }

// FNV-1a, 64 bits: what the tokenizer computes byte by byte as it writes a
// word.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// wordHash is the hash of a normalised word, as the tokenizer computes it.
func wordHash(w string) uint64 {
	h := uint64(fnvOffset)
	for i := 0; i < len(w); i++ {
		h = (h ^ uint64(w[i])) * fnvPrime
	}
	return h
}
