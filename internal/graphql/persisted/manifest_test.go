package persisted_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/processgroup/api/internal/graphql/persisted"
)

// TestManifestCurrent fails when the committed manifest is not the one the app's
// operations give (run go generate ./...): production would refuse a document the app
// sends, or run one it no longer sends.
func TestManifestCurrent(t *testing.T) {
	ops, err := persisted.Load(os.DirFS("../../../schema/app-operations"), ".")
	if err != nil {
		t.Fatal(err)
	}
	m, err := persisted.NewManifest(ops)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m.Apollo(), persisted.ManifestFile) {
		t.Fatal("internal/graphql/persisted/manifest.json is stale: run go generate ./... (or go run . trusted-documents -o internal/graphql/persisted/manifest.json)")
	}
	embedded, err := persisted.Trusted()
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range ops {
		got, ok := embedded.Lookup(persisted.Hash(op.Body))
		if !ok || got.Body != op.Body || got.Name != op.Name {
			t.Errorf("%s: not in the embedded manifest by its hash", op.Name)
		}
	}
}

// TestParseManifestRefusesWrongIDs: a manifest whose id is not its body's hash is refused
// (the server would otherwise run a document under another's name).
func TestParseManifestRefusesWrongIDs(t *testing.T) {
	for name, src := range map[string]string{
		"wrong id":     `{"format":"apollo-persisted-query-manifest","version":1,"operations":[{"id":"00","name":"A","type":"query","body":"{ a }"}]}`,
		"wrong format": `{"format":"other","version":1,"operations":[]}`,
		"not JSON":     `{`,
	} {
		if _, err := persisted.ParseManifest([]byte(src)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
