package sealed_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/processgroup/api/internal/platform/sealed"
)

// TestEverySealedColumnIsReencrypted: every field of ent/schema stored through a
// sealed.Column is listed in sealed.Columns, so that key rotation re-encrypts it. A column
// left out becomes unreadable, with INTERNAL for everyone, once its old key is retired.
func TestEverySealedColumnIsReencrypted(t *testing.T) {
	files, err := filepath.Glob("../../../ent/schema/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no schema files: %v", err)
	}
	used := regexp.MustCompile(`sealed\.Column\{Name:\s*"([^"]+)"\}`)
	var inSchema []string
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range used.FindAllStringSubmatch(string(src), -1) {
			inSchema = append(inSchema, m[1])
		}
	}
	if len(inSchema) < 5 {
		t.Fatalf("found only %v in ent/schema: has the way sealed columns are declared changed?", inSchema)
	}
	var listed []string
	for _, c := range sealed.Columns {
		listed = append(listed, c.Name)
	}
	for _, name := range inSchema {
		if !slices.Contains(listed, name) {
			t.Errorf("%s is sealed in ent/schema but not in sealed.Columns: key rotation would skip it", name)
		}
	}
	for _, name := range listed {
		if !slices.Contains(inSchema, name) {
			t.Errorf("sealed.Columns lists %s, which no field of ent/schema seals", name)
		}
	}
}
