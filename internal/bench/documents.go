package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
	"github.com/vektah/gqlparser/v2/parser"
)

// loadOperations reads the app's operations from dir (default: schema/app-operations of the
// module this command runs in) and returns, by operation name, each operation's document as
// the app sends it: the operation and every fragment it uses, directly or through another
// fragment.
func loadOperations(dir string) (map[string]string, error) {
	if dir == "" {
		root, err := moduleRoot()
		if err != nil {
			return nil, err
		}
		dir = filepath.Join(root, "schema", "app-operations")
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.graphql"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no operations in %s (see -ops)", dir)
	}
	docs := map[string]string{}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		doc, perr := parser.ParseQuery(&ast.Source{Name: f, Input: string(src)})
		if perr != nil {
			return nil, perr
		}
		for _, op := range doc.Operations {
			one := &ast.QueryDocument{Operations: ast.OperationList{op}}
			for _, name := range fragmentsOf(doc, op.SelectionSet) {
				one.Fragments = append(one.Fragments, doc.Fragments.ForName(name))
			}
			var buf bytes.Buffer
			formatter.NewFormatter(&buf).FormatQueryDocument(one)
			docs[op.Name] = buf.String()
		}
	}
	return docs, nil
}

// fragmentsOf lists the fragments a selection uses, each once, in the order first met.
func fragmentsOf(doc *ast.QueryDocument, set ast.SelectionSet) []string {
	var names []string
	seen := map[string]bool{}
	var visit func(ast.SelectionSet)
	visit = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				visit(s.SelectionSet)
			case *ast.InlineFragment:
				visit(s.SelectionSet)
			case *ast.FragmentSpread:
				if seen[s.Name] {
					continue
				}
				seen[s.Name] = true
				names = append(names, s.Name)
				if f := doc.Fragments.ForName(s.Name); f != nil {
					visit(f.SelectionSet)
				}
			}
		}
	}
	visit(set)
	return names
}

// moduleRoot is the folder of the go.mod above the working directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", errors.New("no go.mod above the working directory: run from the repository, or give -ops")
		}
		dir = up
	}
}
