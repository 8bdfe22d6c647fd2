package rule_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// privacyPackages are ent's privacy packages: whoever imports one can allow or skip a
// decision, or lift the policies altogether (DecisionContext).
var privacyPackages = []string{
	"github.com/processgroup/api/ent/privacy",
	"entgo.io/ent/privacy",
}

// lifting are the names of the privacy packages that allow: the policies of ent/schema may
// deny and name rules of internal/rule, never allow by themselves.
var lifting = []string{"DecisionContext", "Allow", "Allowf", "AlwaysAllowRule", "Skip", "Skipf"}

// TestNoBypassOutsideRule: who may do what is decided in internal/rule only. Outside it, no
// Go file of the module (tests included) imports ent's privacy package, but ent/schema, which
// attaches the rules to the entities and may only deny there; no code writes a rule.Grant
// (the capability to join a group: FounderGrant and JoinGrant make them); and only tests and
// internal/dbtest use rule.ForOperator. The generated code of ent/ is left out: it is where
// the privacy package lives.
func TestNoBypassOutsideRule(t *testing.T) {
	root := filepath.Join("..", "..")
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			switch {
			case strings.HasPrefix(d.Name(), ".") && rel != ".",
				rel == "internal/rule",
				rel == "graph/generated",
				strings.HasPrefix(rel, "ent") && rel != "ent" && rel != "ent/schema":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") || (strings.HasPrefix(rel, "ent/") && !strings.HasPrefix(rel, "ent/schema/")) {
			return nil
		}
		checked++
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), rel, src, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CompositeLit:
				if sel, ok := n.Type.(*ast.SelectorExpr); ok && isRule(sel, "Grant") {
					t.Errorf("%s writes a rule.Grant: grants are made by rule.FounderGrant and rule.JoinGrant", rel)
				}
			case *ast.SelectorExpr:
				if isRule(n, "ForOperator") && !strings.HasSuffix(rel, "_test.go") && !strings.HasPrefix(rel, "internal/dbtest/") {
					t.Errorf("%s uses rule.ForOperator, which is for tests only", rel)
				}
			}
			return true
		})
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if !isPrivacy(p) {
				continue
			}
			if !strings.HasPrefix(rel, "ent/schema/") {
				t.Errorf("%s imports %s: decisions belong in internal/rule (system work: one of its For… functions)", rel, p)
				continue
			}
			name := "privacy"
			if imp.Name != nil {
				name = imp.Name.Name
			}
			ast.Inspect(f, func(n ast.Node) bool {
				if sel, ok := n.(*ast.SelectorExpr); ok {
					if x, ok := sel.X.(*ast.Ident); ok && x.Name == name && contains(lifting, sel.Sel.Name) {
						t.Errorf("%s uses %s.%s: a policy of ent/schema names rules of internal/rule and denies, it does not allow", rel, name, sel.Sel.Name)
					}
				}
				return true
			})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("checked only %d files: has the layout moved?", checked)
	}
}

func isPrivacy(p string) bool { return contains(privacyPackages, p) }

// isRule reports whether sel is rule.<name> (the package imported under its own name).
func isRule(sel *ast.SelectorExpr, name string) bool {
	x, ok := sel.X.(*ast.Ident)
	return ok && x.Name == "rule" && sel.Sel.Name == name
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
