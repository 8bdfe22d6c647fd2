package graph_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"

	"github.com/processgroup/api/graph/generated"
)

// pending lists the app's operation files that later issues will serve. The test fails
// when one of them starts to validate, so that it is taken off this list.
var pending = map[string]string{}

// TestAppOperationsValidate checks every GraphQL document the app sends against the
// server's schema: a schema change that would break the app fails here.
func TestAppOperationsValidate(t *testing.T) {
	schema := generated.NewExecutableSchema(generated.Config{}).Schema()
	files, err := filepath.Glob("../schema/app-operations/*.graphql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no app operations found: %v", err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			_, errs := gqlparser.LoadQueryWithRules(schema, string(src), nil)
			if why, ok := pending[name]; ok {
				if len(errs) == 0 {
					t.Fatalf("%s now validates: remove it from pending (%s)", name, why)
				}
				t.Skipf("served by %s; %d validation errors for now", why, len(errs))
			}
			for _, e := range errs {
				t.Errorf("%s: %s", name, e.Error())
			}
		})
	}
}

// TestAppOperationsCopy checks that schema/app-operations is the same as the contract in
// ../shared/app-operations, when that folder is there (it is in CI).
func TestAppOperationsCopy(t *testing.T) {
	shared := "../../shared/app-operations"
	if _, err := os.Stat(shared); err != nil {
		t.Skip("no ../shared/app-operations beside the checkout")
	}
	want, _ := filepath.Glob(filepath.Join(shared, "*"))
	got, _ := filepath.Glob("../schema/app-operations/*")
	if len(want) != len(got) {
		t.Fatalf("schema/app-operations has %d files, the shared contract %d", len(got), len(want))
	}
	for _, w := range want {
		a, _ := os.ReadFile(w)
		b, err := os.ReadFile(filepath.Join("../schema/app-operations", filepath.Base(w)))
		if err != nil {
			t.Errorf("missing copy of %s", filepath.Base(w))
			continue
		}
		if strings.TrimSpace(string(a)) != strings.TrimSpace(string(b)) {
			t.Errorf("%s differs from the shared contract: copy it again", filepath.Base(w))
		}
	}
}
