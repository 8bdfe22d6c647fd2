package persisted

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// Cache is gqlgen's query cache (srv.SetQueryCache) with the manifest's documents parsed
// and validated once, when the server starts, and never evicted: a trusted document costs
// no parsing, no validation and nothing of a member's budget of new documents
// (limits.Gate lets what is in the cache through), however many other documents pass
// through Next.
type Cache struct {
	trusted map[string]*ast.QueryDocument
	// Next holds every other document gqlgen validated.
	Next graphql.Cache[*ast.QueryDocument]
}

var _ graphql.Cache[*ast.QueryDocument] = (*Cache)(nil)

// NewCache parses and validates every document of m against schema with the rules of
// ruleSet. A document that does not validate (one the app will send once a later version
// of the server serves it) is left to gqlgen, which answers it with its validation errors;
// its name is returned in invalid. A document that does not parse is an error.
func NewCache(m *Manifest, schema *ast.Schema, ruleSet func() *rules.Rules, next graphql.Cache[*ast.QueryDocument]) (_ *Cache, invalid []string, _ error) {
	c := &Cache{trusted: make(map[string]*ast.QueryDocument, len(m.ops)), Next: next}
	for _, op := range m.ops {
		doc, err := parser.ParseQuery(&ast.Source{Name: op.Name, Input: op.Body})
		if err != nil {
			return nil, nil, fmt.Errorf("trusted document %s: %w", op.Name, err)
		}
		if errs := validator.ValidateWithRules(schema, doc, ruleSet()); len(errs) > 0 {
			invalid = append(invalid, op.Name)
			continue
		}
		c.trusted[op.Body] = doc
	}
	return c, invalid, nil
}

// Get implements graphql.Cache.
func (c *Cache) Get(ctx context.Context, query string) (*ast.QueryDocument, bool) {
	if doc, ok := c.trusted[query]; ok {
		return doc, true
	}
	return c.Next.Get(ctx, query)
}

// Add implements graphql.Cache.
func (c *Cache) Add(ctx context.Context, query string, doc *ast.QueryDocument) {
	if _, ok := c.trusted[query]; !ok {
		c.Next.Add(ctx, query, doc)
	}
}
