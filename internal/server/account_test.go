package server_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestExportMyData: the export holds everything about the viewer and nothing of others'.
func TestExportMyData(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		mine := g.Reflect(g.A, "PRIVATE", "MARKER-EXPORT-mine")
		theirs := g.Reflect(g.B, "GROUP", "MARKER-EXPORT-theirs")
		g.Reflect(g.B, "PRIVATE", "MARKER-EXPORT-their-private")
		Encourage(g.A, theirs, "MARKER-EXPORT-sent")
		shared := g.Reflect(g.A, "GROUP", "MARKER-EXPORT-shared")
		Encourage(g.B, shared, "MARKER-EXPORT-received")
		g.B.MustOp("Reflection", map[string]any{"id": shared}) // a read to account for

		r := g.A.MustOp("ExportMyData", nil)
		if r.Str("exportMyData.contentType") != "application/json" {
			t.Fatal(r.Raw)
		}
		data := r.Str("exportMyData.data")
		var doc map[string]any
		if err := json.Unmarshal([]byte(data), &doc); err != nil {
			t.Fatalf("export is not JSON: %v", err)
		}
		for _, want := range []string{"MARKER-EXPORT-mine", "MARKER-EXPORT-shared", "MARKER-EXPORT-sent", "MARKER-EXPORT-received", `"displayName":"Ann"`, g.A.UID + "@example.invalid", `"textVersion":1`, `"readsOfMyReflections":[{`} {
			if !strings.Contains(data, want) {
				t.Errorf("the export lacks %s", want)
			}
		}
		for _, never := range []string{"MARKER-EXPORT-theirs", "MARKER-EXPORT-their-private", g.B.UID} {
			if strings.Contains(data, never) {
				t.Errorf("the export holds someone else's %s", never)
			}
		}
		_ = mine
	})
}

// TestDeleteAccount: in-app deletion removes the member's content and place, keeps the
// accounting and audit without content, deletes the Firebase user, and the old token stops
// working; confirm: false changes nothing.
func TestDeleteAccount(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		own := g.Reflect(g.A, "GROUP", "MARKER-DELACC-own")
		theirs := g.Reflect(g.B, "GROUP", "theirs")
		Encourage(g.A, theirs, "MARKER-DELACC-sent")
		g.B.MustOp("Reflection", map[string]any{"id": own}) // a read to keep accounting for

		if r := g.A.Op("DeleteAccount", map[string]any{"confirm": false}); r.Code() != "BAD_USER_INPUT" {
			t.Fatalf("confirm false: %s", r.Raw)
		}
		if r := g.B.MustOp("Reflection", map[string]any{"id": own}); r.Get("node") == nil {
			t.Fatal("confirm false must change nothing")
		}
		if r := g.A.MustOp("DeleteAccount", map[string]any{"confirm": true}); r.Get("deleteAccount") != true {
			t.Fatal(r.Raw)
		}
		if r := g.A.Op("Viewer", nil); r.Code() != "UNAUTHENTICATED" {
			t.Fatalf("the old token still works: %s", r.Raw)
		}
		if _, ok := emu.User(g.A.UID); ok {
			t.Fatal("the Firebase user was not deleted")
		}
		if r := g.B.MustOp("Reflection", map[string]any{"id": own}); r.Get("node") != nil {
			t.Fatalf("peers still read the deleted member's reflection: %s", r.Raw)
		}
		r := g.B.MustOp("Reflection", map[string]any{"id": theirs})
		if r.Num("node.encouragementCount") != 0 || strings.Contains(r.Raw, "MARKER-DELACC") {
			t.Fatalf("encouragement the deleted member sent is still there: %s", r.Raw)
		}
		feed := g.Therapist.MustOp("GroupFeed", map[string]any{"groupID": g.ID})
		if strings.Contains(feed.Raw, `"Ann"`) || len(feed.Get("node.memberships").([]any)) != 2 {
			t.Fatalf("the deleted member is still in the group: %s", feed.Raw)
		}
		db := rawDB(t, h)
		var n int
		if err := db.QueryRow("SELECT COUNT(*) FROM reflection_reads WHERE reflection_id = $1", own).Scan(&n); err != nil || n != 2 {
			t.Fatalf("the accounting of reads must be kept: %d %v", n, err)
		}
		if err := db.QueryRow("SELECT COUNT(*) FROM audit_events WHERE action = 'account.deleted'").Scan(&n); err != nil || n != 1 {
			t.Fatalf("the deletion is audited: %d %v", n, err)
		}
		if err := db.QueryRow("SELECT COUNT(*) FROM users WHERE email LIKE $1 OR firebase_uid = $2", "%"+g.A.UID+"%", g.A.UID).Scan(&n); err != nil || n != 0 {
			t.Fatalf("the account's email or uid is still stored: %d %v", n, err)
		}
		if err := db.QueryRow("SELECT COUNT(*) FROM group_sharing_consents gsc JOIN users u ON u.id = gsc.user_id WHERE u.firebase_uid LIKE 'deleted:%'").Scan(&n); err != nil || n != 0 {
			t.Fatalf("consents of the deleted account are kept: %d %v", n, err)
		}
	})
}
