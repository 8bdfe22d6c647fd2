package sealed_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/processgroup/api/ent"
	_ "github.com/processgroup/api/ent/runtime"
	"github.com/processgroup/api/internal/dbtest"
	"github.com/processgroup/api/internal/platform/sealed"
	"github.com/processgroup/api/internal/rule"
)

// TestWithoutTheDriverNothingIsStoredOrShown: an ent client on a driver that sealed.NewDriver
// did not wrap can neither store a sealed column (and the error names the column, never the
// text) nor read one (ErrNoKey, not the ciphertext).
func TestWithoutTheDriverNothingIsStoredOrShown(t *testing.T) {
	t.Parallel()
	e := dbtest.New(t)
	g := e.NewGroup("America/Chicago")
	r := e.Reflect(g.Facilitator, "PRIVATE")
	bare := ent.NewClient(ent.Driver(e.DB.Driver()))
	ctx := rule.ForOperator(e.Context())

	const secret = "MARKER I relapsed on Friday"
	_, err := bare.Reflection.Create().
		SetClientID(uuid.New()).SetUserID(g.Facilitator.User.ID).SetGroupID(g.ID).SetAuthorID(g.Facilitator.Membership.ID).
		SetBody(secret).SetMood(5).SetCraving(5).SetCreateDigest("x").
		Save(ctx)
	if err == nil {
		t.Fatal("a sealed column was stored without the sealing driver")
	}
	if strings.Contains(err.Error(), "MARKER") || strings.Contains(fmt.Sprintf("%+v %#v", err, err), "MARKER") {
		t.Fatalf("the refusal carries the text: %v", err)
	}
	if _, err := bare.Reflection.Get(ctx, r.ID); !errors.Is(err, sealed.ErrNoKey) {
		t.Fatalf("reading a sealed column without the sealing driver: %v, want ErrNoKey", err)
	}
	if got, err := e.Client.Reflection.Get(ctx, r.ID); err != nil || got.Body == "" {
		t.Fatalf("the sealing driver reads it back: %v", err)
	}
}

// TestNoUpsertOfSealedEntities: ent's upsert setters write their value as it is, past the
// sealed column's ValueScanner; no code outside ent/ uses the upsert of an entity with sealed
// columns, so that nothing can store plaintext that way.
func TestNoUpsertOfSealedEntities(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	upsert := regexp.MustCompile(`\b(Reflection|Encouragement|Attendance)Upsert(One|Bulk)?\b`)
	checked := 0
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if (strings.HasPrefix(d.Name(), ".") && rel != ".") || rel == "ent" || rel == "graph/generated" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") {
			return nil
		}
		checked++
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if loc := upsert.FindIndex(src); loc != nil {
			t.Errorf("%s uses %s: upsert setters store sealed columns unencrypted", rel, src[loc[0]:loc[1]])
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
