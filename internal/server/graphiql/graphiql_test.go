package graphiql

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"strings"
	"testing"
)

// TestPinnedFiles: every embedded file of a package is the one manifest.json pins (its
// SHA-256 and SRI), every pinned file is embedded, and each package comes with its licence.
func TestPinnedFiles(t *testing.T) {
	raw, err := files.ReadFile("assets/manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Files []struct {
			Path, Package, Version, Tarball, TarballIntegrity, SHA256, SRI string
		}
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("manifest.json: %v", err)
	}
	pinned := map[string]bool{}
	licensed := map[string]bool{}
	for _, f := range m.Files {
		pinned[f.Path] = true
		if f.Package == "" || f.Version == "" || f.Tarball != f.Package+"-"+f.Version+".tgz" || !strings.HasPrefix(f.TarballIntegrity, "sha512-") {
			t.Errorf("%s: incomplete entry %+v", f.Path, f)
		}
		data, err := files.ReadFile("assets/" + f.Path)
		if err != nil {
			t.Errorf("%s: pinned but not embedded: %v", f.Path, err)
			continue
		}
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); got != f.SHA256 {
			t.Errorf("%s: sha256 %s, manifest.json pins %s", f.Path, got, f.SHA256)
		}
		s384 := sha512.Sum384(data)
		if got := "sha384-" + base64.StdEncoding.EncodeToString(s384[:]); got != f.SRI {
			t.Errorf("%s: %s, manifest.json pins %s", f.Path, got, f.SRI)
		}
		if served[f.Path].sri != f.SRI {
			t.Errorf("%s: the page would ask for integrity %q, manifest.json pins %q", f.Path, served[f.Path].sri, f.SRI)
		}
		if strings.HasSuffix(f.Path, "/LICENSE") {
			licensed[f.Package] = true
		}
	}
	for _, f := range m.Files {
		if !licensed[f.Package] {
			t.Errorf("%s %s: no LICENSE pinned", f.Package, f.Version)
		}
	}
	err = fs.WalkDir(files, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || p == "assets/manifest.json" {
			return err
		}
		if !pinned[strings.TrimPrefix(p, "assets/")] {
			t.Errorf("%s: embedded but not in manifest.json", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range append(append([]string{}, scripts...), styles...) {
		if _, ok := served[strings.TrimPrefix(p, "assets/")]; !ok {
			t.Errorf("the page links %s, which is not embedded", p)
		}
	}
}
