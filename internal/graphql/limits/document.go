package limits

import (
	"fmt"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// ParseDocument parses query with the token limit and measures the whole document before
// anything validates it: what gqlparser's validator could be made to do is bounded by
// what passes here. It refuses, with the same BAD_USER_INPUT errors as QueryLimits
// (extensions.limit names the limit):
//
//   - more than MaxTokens lexical tokens ("tokens", gqlgen's own limit, checked by the
//     parser as it reads);
//   - a selection set with more than MaxSelections fields once the fragments and inline
//     fragments it spreads are merged into it ("selections");
//   - more than MaxFields fields in all, every fragment counted at each of its uses
//     ("fields");
//   - more than MaxRepeatedFields fields that repeat the response name of another field of
//     their merged selection set, over the whole document ("repeated fields");
//   - an operation deeper than MaxDepth, or with more than MaxAliases aliases or
//     MaxDirectives directives ("depth", "aliases", "directives"), measured as QueryLimits
//     measures them;
//   - fragments that spread each other in a cycle ("fragments").
//
// Every operation and every fragment definition of the document is measured, not only the
// operation that will run: the validator visits them all. Repeated response names are what
// makes validation expensive: gqlparser's OverlappingFieldsCanBeMerged compares every pair
// of fields that share a response name (`{ viewer { id id id … } }`, 4,900 times, cost
// seconds of CPU), and fields with sub-selections recursively.
//
// The measurement is linear in the size of the document: fragments are measured once, and
// merging is bounded by MaxFields, which is checked before it. A parse error comes back
// as gqlparser reports it (gqlgen reports it the same way when it parses).
func ParseDocument(query string, c Config) (*ast.QueryDocument, *gqlerror.Error) {
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, c.MaxTokens)
	if err != nil {
		if gerr, ok := err.(*gqlerror.Error); ok {
			return nil, gerr
		}
		return nil, gqlerror.Wrap(err)
	}
	return doc, c.CheckDocument(doc)
}

// DocumentMeasure is what CheckDocument measures of a document.
type DocumentMeasure struct {
	// Fields is the number of fields of the document, fragments counted at each use.
	Fields int
	// Selections is the largest number of fields of one selection set, fragments merged.
	Selections int
	// RepeatedFields is how many fields repeat a response name of their merged selection
	// set, over the whole document.
	RepeatedFields int
	// Depth, Aliases and Directives are the largest of the document's operations.
	Depth, Aliases, Directives int
}

// CheckDocument measures a parsed (not necessarily valid) document and refuses it when it
// breaks a limit of c; see ParseDocument.
func (c Config) CheckDocument(doc *ast.QueryDocument) *gqlerror.Error {
	m, err := measureDocument(doc, c.MaxFields)
	if err != nil {
		return cycleError()
	}
	if c.MaxFields > 0 && m.Fields > c.MaxFields {
		return shapeError("fields", c.MaxFields, fmt.Sprintf(
			"too many fields: %s fields with fragments expanded, the field limit is %d", count(m.Fields), c.MaxFields))
	}
	if c.MaxSelections > 0 && m.Selections > c.MaxSelections {
		return shapeError("selections", c.MaxSelections, fmt.Sprintf(
			"too many fields in one selection set: %s, the selection limit is %d", count(m.Selections), c.MaxSelections))
	}
	if c.MaxRepeatedFields > 0 && m.RepeatedFields > c.MaxRepeatedFields {
		return shapeError("repeated fields", c.MaxRepeatedFields, fmt.Sprintf(
			"too many repeated fields: %s fields repeat a name of their selection set, the repeated-field limit is %d",
			count(m.RepeatedFields), c.MaxRepeatedFields))
	}
	return c.checkShape(m.Depth, m.Aliases, m.Directives)
}

// checkShape refuses a depth, a number of aliases or of directive uses over c's limits: of a
// document before validation, of an operation after.
func (c Config) checkShape(depth, aliases, directives int) *gqlerror.Error {
	if c.MaxDepth > 0 && depth > c.MaxDepth {
		return shapeError("depth", c.MaxDepth, fmt.Sprintf(
			"operation too deep: %d levels of nested fields, the depth limit is %d", depth, c.MaxDepth))
	}
	if c.MaxAliases > 0 && aliases > c.MaxAliases {
		return shapeError("aliases", c.MaxAliases, fmt.Sprintf(
			"too many aliases: %s aliased fields, the alias limit is %d", count(aliases), c.MaxAliases))
	}
	if c.MaxDirectives > 0 && directives > c.MaxDirectives {
		return shapeError("directives", c.MaxDirectives, fmt.Sprintf(
			"too many directives: %s directive uses, the directive limit is %d", count(directives), c.MaxDirectives))
	}
	return nil
}

// MeasureDocument returns what CheckDocument measures of doc (for tests and tools).
func MeasureDocument(doc *ast.QueryDocument) (DocumentMeasure, error) {
	return measureDocument(doc, 0)
}

// measureDocument measures doc. With maxFields above 0 it stops before merging selection
// sets when the document has more fields than that (Fields is then exact, the rest zero).
func measureDocument(doc *ast.QueryDocument, maxFields int) (DocumentMeasure, error) {
	var m DocumentMeasure
	fw := &fieldWalker{doc: doc, memo: map[string]int{}, visiting: map[string]bool{}}
	for _, op := range doc.Operations {
		m.Fields = satAdd(m.Fields, fw.selectionSet(op.SelectionSet))
	}
	for _, f := range doc.Fragments {
		m.Fields = satAdd(m.Fields, fw.selectionSet(f.SelectionSet))
	}
	if fw.err != nil {
		return m, fw.err
	}
	if maxFields > 0 && m.Fields > maxFields {
		return m, nil
	}
	sw := &shapeWalker{doc: doc, memo: map[string]shape{}, visiting: map[string]bool{}}
	for _, op := range doc.Operations {
		s := sw.selectionSet(op.SelectionSet)
		s.directives = satAdd(s.directives, len(op.Directives))
		for _, v := range op.VariableDefinitions {
			s.directives = satAdd(s.directives, len(v.Directives))
		}
		m.Depth = max(m.Depth, s.depth)
		m.Aliases = max(m.Aliases, s.aliases)
		m.Directives = max(m.Directives, s.directives)
	}
	if sw.err != nil {
		return m, sw.err
	}
	mw := &mergeWalker{doc: doc, memo: map[string]map[string]int{}, visiting: map[string]bool{}}
	for _, op := range doc.Operations {
		mw.set(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		mw.set(f.SelectionSet)
	}
	m.Selections, m.RepeatedFields = mw.largest, mw.repeated
	return m, mw.err
}

// fieldWalker counts the fields of selection sets, fragments expanded at each use (each
// fragment measured once, the counts saturating).
type fieldWalker struct {
	doc      *ast.QueryDocument
	memo     map[string]int
	visiting map[string]bool
	err      error
}

func (w *fieldWalker) selectionSet(set ast.SelectionSet) int {
	n := 0
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			n = satAdd(n, satAdd(1, w.selectionSet(sel.SelectionSet)))
		case *ast.InlineFragment:
			n = satAdd(n, w.selectionSet(sel.SelectionSet))
		case *ast.FragmentSpread:
			n = satAdd(n, w.fragment(sel.Name))
		}
	}
	return n
}

func (w *fieldWalker) fragment(name string) int {
	if n, ok := w.memo[name]; ok {
		return n
	}
	if w.visiting[name] {
		w.err = errCycle
		return 0
	}
	def := w.doc.Fragments.ForName(name)
	if def == nil {
		return 0 // the validator refuses the unknown fragment
	}
	w.visiting[name] = true
	n := w.selectionSet(def.SelectionSet)
	delete(w.visiting, name)
	w.memo[name] = n
	return n
}

// mergeWalker visits every selection set of a document as written and measures it with
// the fields its inline fragments and fragment spreads bring to the same level: how many
// fields, and how many of them repeat a response name. Each fragment's merged names are
// computed once.
type mergeWalker struct {
	doc      *ast.QueryDocument
	memo     map[string]map[string]int
	visiting map[string]bool
	err      error
	largest  int
	repeated int
}

// set measures one selection set and, below it, the selection sets of its fields and
// inline fragments.
func (w *mergeWalker) set(set ast.SelectionSet) {
	if len(set) == 0 {
		return
	}
	names := map[string]int{}
	w.merge(names, set)
	n := 0
	for _, c := range names {
		n = satAdd(n, c)
		w.repeated = satAdd(w.repeated, c-1)
	}
	w.largest = max(w.largest, n)
	w.below(set)
}

// below measures the selection sets under the fields of set, through its inline
// fragments (whose own fields were merged into set).
func (w *mergeWalker) below(set ast.SelectionSet) {
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			w.set(sel.SelectionSet)
		case *ast.InlineFragment:
			w.below(sel.SelectionSet)
		}
	}
}

// merge adds to names the response names of the fields of set, with those of its inline
// fragments and spread fragments.
func (w *mergeWalker) merge(names map[string]int, set ast.SelectionSet) {
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			name := sel.Alias
			if name == "" {
				name = sel.Name
			}
			names[name] = satAdd(names[name], 1)
		case *ast.InlineFragment:
			w.merge(names, sel.SelectionSet)
		case *ast.FragmentSpread:
			for name, c := range w.fragment(sel.Name) {
				names[name] = satAdd(names[name], c)
			}
		}
	}
}

// fragment is the merged response names of the fragment name's selection set.
func (w *mergeWalker) fragment(name string) map[string]int {
	if m, ok := w.memo[name]; ok {
		return m
	}
	if w.visiting[name] {
		w.err = errCycle
		return nil
	}
	def := w.doc.Fragments.ForName(name)
	if def == nil {
		return nil
	}
	w.visiting[name] = true
	m := map[string]int{}
	w.merge(m, def.SelectionSet)
	delete(w.visiting, name)
	w.memo[name] = m
	return m
}
