// Package persisted holds the trusted documents of the API: the app's operations
// (schema/app-operations), each as the app sends it, named by the SHA-256 of its text; the
// manifest that lists them (Apollo's persisted query manifest format); and the gate that,
// before gqlgen parses anything, turns a request naming a document by hash (documentId
// "sha256:<hex>", or Apollo's extensions.persistedQuery) into that document, and refuses
// what may not run (see Gate).
package persisted

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"sort"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
	"github.com/vektah/gqlparser/v2/parser"
)

// Operation is one trusted document: an operation with the fragments it uses.
type Operation struct {
	// ID is the SHA-256 of Body, in lowercase hex.
	ID string `json:"id"`
	// Name is the operation's name.
	Name string `json:"name"`
	// Type is query, mutation or subscription.
	Type string `json:"type"`
	// Body is the document, exactly as the app sends it and as it is hashed.
	Body string `json:"body"`
}

// Hash is the SHA-256 of a document's text in lowercase hex, as IDs are written.
func Hash(body string) string {
	sum := sha256.Sum256([]byte(body))
	return hex.EncodeToString(sum[:])
}

// Document prints op of doc as a document of its own: the operation and every fragment
// it uses, directly or through another fragment, each once, in the order first met.
func Document(doc *ast.QueryDocument, op *ast.OperationDefinition) string {
	out := &ast.QueryDocument{Operations: ast.OperationList{op}}
	seen := map[string]bool{}
	var walk func(ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch sel := sel.(type) {
			case *ast.Field:
				walk(sel.SelectionSet)
			case *ast.InlineFragment:
				walk(sel.SelectionSet)
			case *ast.FragmentSpread:
				if seen[sel.Name] {
					continue
				}
				seen[sel.Name] = true
				if f := doc.Fragments.ForName(sel.Name); f != nil {
					out.Fragments = append(out.Fragments, f)
					walk(f.SelectionSet)
				}
			}
		}
	}
	walk(op.SelectionSet)
	var buf bytes.Buffer
	formatter.NewFormatter(&buf).FormatQueryDocument(out)
	return buf.String()
}

// Load reads the *.graphql files of fsys's folder dir (the app's operations) and returns
// each operation as a trusted document, sorted by name. Operation names must be unique.
func Load(fsys fs.FS, dir string) ([]Operation, error) {
	files, err := fs.Glob(fsys, path.Join(dir, "*.graphql"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no *.graphql files in %s", dir)
	}
	var ops []Operation
	seen := map[string]string{}
	for _, f := range files {
		src, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		doc, perr := parser.ParseQuery(&ast.Source{Name: f, Input: string(src)})
		if perr != nil {
			return nil, perr
		}
		for _, op := range doc.Operations {
			if op.Name == "" {
				return nil, fmt.Errorf("%s: an operation without a name", f)
			}
			if other, dup := seen[op.Name]; dup {
				return nil, fmt.Errorf("operation %s is in %s and %s", op.Name, other, f)
			}
			seen[op.Name] = f
			body := Document(doc, op)
			ops = append(ops, Operation{ID: Hash(body), Name: op.Name, Type: string(op.Operation), Body: body})
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].Name < ops[j].Name })
	return ops, nil
}
