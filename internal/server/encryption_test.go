package server_test

// Encryption at rest: no plaintext of sealed columns in the database, key rotation,
// sealed values bound to their place, no filtering on encrypted fields.

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/processgroup/api/internal/platform/crypt"
	"github.com/processgroup/api/internal/platform/sealed"
)

const (
	markBody    = "MARKER-ATREST-body-5f1e"
	markPrompt  = "MARKER-ATREST-prompt-77aa"
	markMessage = "MARKER-ATREST-message-0c3b"
	markEdit    = "MARKER-ATREST-edit-91d0"
)

// writeMarkers writes a reflection (created, then edited) with a prompt and an
// encouragement, each carrying a marker; it returns the reflection id.
func writeMarkers(t *testing.T, h *H) (*Group, string) {
	g := h.NewGroup()
	in := reflectionInput(g.ID, "GROUP", markBody)
	in["prompt"] = markPrompt
	id := g.A.MustOp("CreateReflection", map[string]any{"input": in}).Str("createReflection.reflection.id")
	if r := Encourage(g.B, id, markMessage); len(r.Errors) > 0 {
		t.Fatal(r.Raw)
	}
	other := g.Reflect(g.A, "PRIVATE", "first "+markBody)
	g.A.MustOp("UpdateReflection", map[string]any{"id": other, "expectedVersion": 1, "input": map[string]any{"body": markEdit}})
	return g, id
}

// TestEncryptionNoPlaintextAtRest: the database holds no plaintext of any reflection, prompt or
// message, while the API reads them back as written.
func TestEncryptionNoPlaintextAtRest(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g, id := writeMarkers(t, h)
		r := g.B.MustOp("Reflection", map[string]any{"id": id})
		if r.Str("node.body") != markBody || r.Str("node.prompt") != markPrompt || r.Str("node.encouragements.edges.0.node.message") != markMessage {
			t.Fatalf("the API must read what was written: %s", r.Raw)
		}
		var stored []byte
		if strings.Contains(h.dbURL, "sqlite:") {
			// Every file SQLite writes: the database, its WAL and shared memory.
			if _, err := rawDB(t, h).Exec("PRAGMA wal_checkpoint(FULL)"); err != nil {
				t.Fatal(err)
			}
			files, _ := filepath.Glob(strings.TrimPrefix(h.dbURL, "sqlite:") + "*")
			if len(files) == 0 {
				t.Fatal("no database files found")
			}
			for _, f := range files {
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				stored = append(stored, b...)
			}
		} else {
			for _, table := range []string{"reflections", "encouragements"} {
				rows, err := rawDB(t, h).Query("SELECT CAST(t AS text) FROM " + table + " t")
				if err != nil {
					t.Fatal(err)
				}
				for rows.Next() {
					var s string
					if err := rows.Scan(&s); err != nil {
						t.Fatal(err)
					}
					stored = append(stored, s...)
				}
				rows.Close()
			}
		}
		if len(stored) == 0 {
			t.Fatal("read nothing")
		}
		for _, m := range []string{markBody, markPrompt, markMessage, markEdit, "MARKER-ATREST"} {
			if bytes.Contains(stored, []byte(m)) {
				t.Fatalf("plaintext %q is stored", m)
			}
		}
		var body string
		if err := rawDB(t, h).QueryRow("SELECT body FROM reflections WHERE id = $1", id).Scan(&body); err != nil || !crypt.IsEncrypted(body) {
			t.Fatalf("stored body is not a sealed value: %v", err)
		}
	})
}

// TestEncryptionKeyRotation: after a new key is put first and the re-encryption runs, every value is
// under the new key and reads back, also once the old key is gone.
func TestEncryptionKeyRotation(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g, id := writeMarkers(t, h)
		newKey, err := crypt.NewKey()
		if err != nil {
			t.Fatal(err)
		}
		both := mustKeys(t, newKey+","+testKeys)
		h.Restart(map[string]string{"ENCRYPTION_KEYS": newKey + "," + testKeys})
		n, err := sealed.Reencrypt(context.Background(), rawDB(t, h), both)
		if err != nil || n < 4 {
			t.Fatalf("re-encrypted %d values: %v", n, err)
		}
		if again, err := sealed.Reencrypt(context.Background(), rawDB(t, h), both); err != nil || again != 0 {
			t.Fatalf("a second run rewrote %d values: %v", again, err)
		}
		h.Restart(map[string]string{"ENCRYPTION_KEYS": newKey})
		r := g.B.MustOp("Reflection", map[string]any{"id": id})
		if r.Str("node.body") != markBody || r.Str("node.encouragements.edges.0.node.message") != markMessage {
			t.Fatalf("reads after rotation: %s", r.Raw)
		}
		// Without the key a value was written with, reads fail rather than show garbage.
		h.Restart(map[string]string{"ENCRYPTION_KEYS": testKeys})
		if r := g.B.Op("Reflection", map[string]any{"id": id}); r.Code() != "INTERNAL" || strings.Contains(r.Raw, "MARKER") {
			t.Fatalf("a read with the wrong key: %s", r.Raw)
		}
	})
}

// TestEncryptionNoFilterOnEncryptedFields: no where: input offers a predicate on sealed fields.
func TestEncryptionNoFilterOnEncryptedFields(t *testing.T) {
	t.Parallel()
	h := sqliteH(t)
	r := h.Member("m").Raw(`{ __type(name: "ReflectionWhereInput") { inputFields { name } } }`, "", nil)
	for _, banned := range []string{"body", "prompt", "message"} {
		if strings.Contains(strings.ToLower(r.Raw), `"`+banned) {
			t.Fatalf("ReflectionWhereInput filters on %s: %s", banned, r.Raw)
		}
	}
}

// TestEncryptionSealedValuesStayInTheirPlace: someone who can write the database but has no
// key moves sealed values around: a body into an encouragement's message, a prompt into a
// body. The API must fail closed (an error, no content) and never show the moved value as
// the content of its new place. (A value moved to another row of the same column is
// TestEncryptionSealedValueMovedToAnotherRow.)
func TestEncryptionSealedValuesStayInTheirPlace(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		const secret = "MARKER-SWAP-ann-private"
		in := reflectionInput(g.ID, "PRIVATE", secret)
		in["prompt"] = "MARKER-SWAP-ann-prompt"
		annPriv := g.A.MustOp("CreateReflection", map[string]any{"input": in}).Str("createReflection.reflection.id")
		annShared := g.Reflect(g.A, "GROUP", "ann shared")
		encID := Encourage(g.B, annShared, "ben's message").Str("sendEncouragement.id")
		annOther := g.Reflect(g.A, "PRIVATE", "ann other")
		exec := sqlExec(t, h)

		// Another column: Ann's private body into the message Ben sent her.
		exec("UPDATE encouragements SET message = (SELECT body FROM reflections WHERE id = $1) WHERE id = $2", annPriv, encID)
		for what, r := range map[string]*Resp{
			"Ann's encouragement received": g.A.Op("EncouragementReceived", nil),
			"the facilitator's view":       g.Therapist.Op("Reflection", map[string]any{"id": annShared}),
		} {
			noLeak(t, "column swap: "+what, r, secret)
			if r.Code() == "" {
				t.Errorf("column swap: %s answers without an error: %.300s", what, r.Raw)
			}
		}
		// Another column of the same author: a prompt into a body.
		exec("UPDATE reflections SET body = (SELECT prompt FROM reflections WHERE id = $1) WHERE id = $2", annPriv, annOther)
		if r := g.A.Op("Reflection", map[string]any{"id": annOther}); r.Code() == "" || strings.Contains(r.Raw, "MARKER-SWAP-ann-prompt") {
			t.Errorf("prompt moved into a body: %.300s", r.Raw)
		}
		// Ann's own untouched reflection still reads.
		if r := g.A.MustOp("Reflection", map[string]any{"id": annPriv}); r.Str("node.body") != secret {
			t.Errorf("the untouched original: %.300s", r.Raw)
		}
	})
}

// TestEncryptionSealedValueMovedToAnotherRow: someone who can write the database but has no
// key copies Ann's private body into Ben's own reflection (the same column, another row).
// The API should fail closed there too; it cannot yet, since a sealed value is bound to its
// column and not to its row, so this stays skipped until it is.
func TestEncryptionSealedValueMovedToAnotherRow(t *testing.T) {
	t.Parallel()
	t.Skip("known limitation: a sealed value is bound to its column, not to its row, so someone " +
		"who can write the database can copy one member's ciphertext into another row of the same column")
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		const secret = "MARKER-SWAP-ann-private"
		annPriv := g.Reflect(g.A, "PRIVATE", secret)
		benOwn := g.Reflect(g.B, "PRIVATE", "ben own")
		sqlExec(t, h)("UPDATE reflections SET body = (SELECT body FROM reflections WHERE id = $1) WHERE id = $2", annPriv, benOwn)
		for what, r := range map[string]*Resp{
			"Ben's reflection by node": g.B.Op("Reflection", map[string]any{"id": benOwn}),
			"Ben's journal":            g.B.Op("MyReflections", nil),
			"Ben's export":             g.B.Op("ExportMyData", nil),
		} {
			noLeak(t, "row swap: "+what, r, secret)
			if r.Code() == "" {
				t.Errorf("row swap: %s answers without an error: %.300s", what, r.Raw)
			}
		}
	})
}

// sqlExec runs statements on the API's database, below the API, failing the test on error.
func sqlExec(t *testing.T, h *H) func(q string, args ...any) {
	return func(q string, args ...any) {
		t.Helper()
		if _, err := rawDB(t, h).ExecContext(context.Background(), q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}
