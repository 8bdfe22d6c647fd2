package server_test

// Export and deletion of an account from inside the app (exportMyData, deleteAccount): what
// the export holds, what deletion removes everywhere, and deletion racing other requests.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/processgroup/api/internal/firebase/authemu"
	"github.com/processgroup/api/internal/service/account"
)

// TestAccountExport: the export holds everything about the viewer and nothing of others'.
func TestAccountExport(t *testing.T) {
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

// TestAccountDelete: in-app deletion removes the member's content and place, keeps the
// accounting and audit without content, and the old token stops working at once; the
// Firebase user is deleted after the commit, by a job (here run by a server started later:
// this one runs no jobs); confirm: false changes nothing.
func TestAccountDelete(t *testing.T) {
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
		if _, ok := emu.User(g.A.UID); !ok {
			t.Fatal("the Firebase user was deleted before any job ran")
		}
		if jobs := firebaseJobs(t, h); len(jobs) != 1 || jobs[0].state != "available" {
			t.Fatalf("want one Firebase deletion queued, got %+v", jobs)
		}
		startWorkers(h)
		h.RunDue()
		if _, ok := emu.User(g.A.UID); ok {
			t.Fatal("the Firebase user was not deleted")
		}
		if jobs := firebaseJobs(t, h); len(jobs) != 1 || jobs[0].state != "completed" || jobs[0].attempt != 1 {
			t.Fatalf("want the Firebase deletion completed at its first attempt, got %+v", jobs)
		}
		if r := g.A.Op("Viewer", nil); r.Code() != "UNAUTHENTICATED" {
			t.Fatalf("the old token works once Firebase forgot the user: %s", r.Raw)
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

// TestAccountDeleteRacesWrites: a member deletes her account while her other device
// flushes its offline queue of reflections. Whatever the order, no reflection of hers may
// survive the deletion with its content, for the facilitator or anyone else to read.
func TestAccountDeleteRacesWrites(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		const createDoc = `mutation Create($input: CreateReflectionInput!) { createReflection(input: $input) { reflection { id } } }`
		const deleteDoc = `mutation Delete { deleteAccount(confirm: true) }`
		for round := 0; round < 6; round++ {
			m := h.Member(fmt.Sprint("racer", round))
			g.Join(m, fmt.Sprint("Racer ", round))
			uid := m.MustOp("Viewer", nil).Str("viewer.id")
			var mu sync.Mutex
			deleted := false
			atOnce(13, func(i int) {
				if i == 6 {
					r, err := m.Try(deleteDoc, "Delete", nil)
					mu.Lock()
					deleted = err == nil && r.Get("deleteAccount") == true
					mu.Unlock()
					return
				}
				m.Try(createDoc, "Create", map[string]any{"input": reflectionInput(g.ID, "FACILITATORS", fmt.Sprintf("MARKER-DELRACE-%d-%d", round, i))})
			})
			if !deleted {
				t.Fatalf("round %d: the deletion failed", round)
			}
			live := countRows(t, h, "SELECT COUNT(*) FROM reflections WHERE user_id = $1 AND deleted_at IS NULL", uid)
			feed := g.Therapist.MustOp("GroupFeed", map[string]any{"groupID": g.ID, "first": 100})
			if live != 0 || strings.Contains(feed.Raw, "MARKER-DELRACE") {
				t.Fatalf("round %d: %d reflections of the deleted account kept their content; the facilitator's feed shows them: %v",
					round, live, strings.Contains(feed.Raw, "MARKER-DELRACE"))
			}
		}
	})
}

// TestAccountExportHoldsOnlyTheViewers: the export of a member with 200 reflections holds
// all 200 and nothing of anyone else: no other member's text (private, shared, or sent to
// someone else), email, Firebase uid, display name or token; its size and the work it
// costs stay proportionate.
func TestAccountExportHoldsOnlyTheViewers(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		var mine []string
		for i := 0; i < 200; i++ {
			vis := []string{"PRIVATE", "FACILITATORS", "GROUP"}[i%3]
			mine = append(mine, g.Reflect(g.A, vis, fmt.Sprintf("MARKER-EXP200-mine-%03d %s", i, strings.Repeat("x", 100))))
		}
		theirs := g.Reflect(g.B, "GROUP", "MARKER-EXPO-ben-shared")
		g.Reflect(g.B, "PRIVATE", "MARKER-EXPO-ben-private")
		g.Reflect(g.Therapist, "PRIVATE", "MARKER-EXPO-therapist-private")
		c := h.Member("c")
		g.Join(c, "MARKER-EXPO-Cy")
		Encourage(c, theirs, "MARKER-EXPO-cy-to-ben")     // between others
		Encourage(g.B, mine[2], "MARKER-EXPO-ben-to-ann") // received: Ann's to keep
		Encourage(g.A, theirs, "MARKER-EXPO-ann-to-ben")  // sent: Ann's to keep
		for _, reader := range []*Client{g.B, g.Therapist, c} {
			reader.MustOp("GroupFeed", map[string]any{"groupID": g.ID, "first": 100})
		}

		var r *Resp
		n := h.Statements(func() { r = g.A.MustOp("ExportMyData", nil) })
		data := r.Str("exportMyData.data")
		var doc struct {
			Reflections []struct {
				ID   int    `json:"id"`
				Body string `json:"body"`
			} `json:"reflections"`
			EncouragementSent     []map[string]any `json:"encouragementSent"`
			EncouragementReceived []map[string]any `json:"encouragementReceived"`
			ReadsOfMyReflections  []map[string]any `json:"readsOfMyReflections"`
			Memberships           []map[string]any `json:"memberships"`
		}
		if err := json.Unmarshal([]byte(data), &doc); err != nil {
			t.Fatalf("not JSON: %v", err)
		}
		if len(doc.Reflections) != 200 || len(doc.EncouragementSent) != 1 || len(doc.EncouragementReceived) != 1 || len(doc.Memberships) != 1 {
			t.Errorf("export: %d reflections (want 200), %d sent (1), %d received (1), %d memberships (1)",
				len(doc.Reflections), len(doc.EncouragementSent), len(doc.EncouragementReceived), len(doc.Memberships))
		}
		for i, x := range doc.Reflections {
			if !strings.HasPrefix(x.Body, fmt.Sprintf("MARKER-EXP200-mine-%03d", i)) {
				t.Errorf("reflection %d of the export: %.40q", i, x.Body)
				break
			}
		}
		if !strings.Contains(data, "MARKER-EXPO-ben-to-ann") || !strings.Contains(data, "MARKER-EXPO-ann-to-ben") {
			t.Error("the export lacks the encouragement Ann sent or received")
		}
		for _, never := range []string{
			"MARKER-EXPO-ben-shared", "MARKER-EXPO-ben-private", "MARKER-EXPO-therapist-private", "MARKER-EXPO-cy-to-ben", "MARKER-EXPO-Cy",
			g.B.UID, g.Therapist.UID, c.UID, `"Ben"`, "firebase", "uid\"", "deleted:", "Dr. T", g.A.Token[:40], g.B.Token[:40],
		} {
			if strings.Contains(data, never) {
				t.Errorf("the export holds %q", never)
			}
		}
		// 200 reflections of ~130 characters: the document stays within a few times that.
		if len(data) > 200*700 {
			t.Errorf("the export of 200 short reflections is %d bytes", len(data))
		}
		if n > 20 {
			t.Errorf("the export ran %d SQL statements: it grows with the data", n)
		}
		t.Logf("export of 200 reflections: %d bytes, %d statements, %d reads accounted", len(data), n, len(doc.ReadsOfMyReflections))
	})
}

// TestAccountDeleteEverywhere: deletion twice, twice at once, and signing in again
// with a fresh token for the same Firebase uid; the deleted member's reflections are gone
// from every path for everyone, facilitator included, the numbers on others' reflections
// follow, and the group goes on for the others.
func TestAccountDeleteEverywhere(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		grp := g.Reflect(g.A, "GROUP", "MARKER-DEL-group")
		fac := g.Reflect(g.A, "FACILITATORS", "MARKER-DEL-fac")
		benR := g.Reflect(g.B, "GROUP", "ben shares")
		Encourage(g.A, benR, "MARKER-DEL-sent")
		Encourage(g.Therapist, benR, "")
		encOnAnn := Encourage(g.B, grp, "to ann").Str("sendEncouragement.id")
		if n := g.B.MustOp("Reflection", map[string]any{"id": benR}).Num("node.encouragementCount"); n != 2 {
			t.Fatalf("before: %d encouragements on Ben's", n)
		}
		uid := g.A.MustOp("Viewer", nil).Str("viewer.id")

		// Twice at once, from two devices.
		const deleteDoc = `mutation Delete { deleteAccount(confirm: true) }`
		var mu sync.Mutex
		var answers []*Resp
		atOnce(2, func(int) {
			r, err := g.A.Try(deleteDoc, "Delete", nil)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Errorf("delete: %v", err)
				return
			}
			answers = append(answers, r)
		})
		ok := 0
		for _, r := range answers {
			switch {
			case r.Get("deleteAccount") == true:
				ok++
			case r.Code() == "INTERNAL":
				t.Errorf("a second deletion at once answers INTERNAL: %s", r.Raw)
			}
		}
		if ok == 0 {
			t.Fatalf("neither deletion succeeded: %v", answers)
		}
		t.Logf("two deletions at once: %d true; answers %s | %s", ok, answers[0].Raw, answers[1].Raw)
		// Once more, later: the token no longer works.
		if r := g.A.Op("DeleteAccount", map[string]any{"confirm": true}); r.Code() != "UNAUTHENTICATED" {
			t.Errorf("deleting again: %s", r.Raw)
		}
		if n := countRows(t, h, "SELECT COUNT(*) FROM audit_events WHERE action = 'account.deleted' AND subject_id = $1", uid); n < 1 {
			t.Errorf("%d deletion events", n)
		}

		// Gone from every path, for everyone.
		for name, c := range map[string]*Client{"peer": g.B, "facilitator": g.Therapist} {
			r := c.Raw(nodeAndNodesDoc, "Node", map[string]any{"id": grp, "ids": []string{grp, fac, encOnAnn}})
			noLeak(t, name+" (node, nodes)", r, "MARKER-DEL")
			if r.Get("node") != nil || r.Get("nodes.0") != nil || r.Get("nodes.1") != nil || r.Get("nodes.2") != nil {
				t.Errorf("%s still reaches the deleted member's reflections: %s", name, r.Raw)
			}
			r = c.Raw(feedDoc, "Feed", map[string]any{"groupID": g.ID, "first": 100})
			noLeak(t, name+" (feed)", r, "MARKER-DEL")
			if n := r.Num("node.reflections.totalCount"); n != 1 {
				t.Errorf("%s: the feed counts %d, want 1 (Ben's)", name, n)
			}
			r = c.MustOp("Reflection", map[string]any{"id": benR})
			noLeak(t, name+" (Ben's reflection)", r, "MARKER-DEL")
			if r.Num("node.encouragementCount") != 1 || r.Num("node.encouragements.totalCount") != 1 {
				t.Errorf("%s: the numbers on Ben's reflection do not follow: %s", name, r.Raw)
			}
		}
		if n := g.B.MustOp("EncouragementReceived", nil).Num("viewer.encouragementReceived.totalCount"); n != 1 {
			t.Errorf("Ben's encouragement received: %d, want 1", n)
		}
		if n := countRows(t, h, "SELECT COUNT(*) FROM reflections WHERE user_id = $1 AND deleted_at IS NULL", uid); n != 0 {
			t.Errorf("%d reflections of the deleted account are live", n)
		}
		// The group goes on.
		newR := g.Reflect(g.B, "GROUP", "after ann")
		if r := g.Therapist.MustOp("Reflection", map[string]any{"id": newR}); r.Str("node.body") != "after ann" {
			t.Errorf("the group after a deletion: %s", r.Raw)
		}
		if r := Encourage(g.Therapist, newR, ""); len(r.Errors) > 0 {
			t.Errorf("encouragement after a deletion: %s", r.Raw)
		}
		names := membershipNames(g.B.MustOp("GroupFeed", map[string]any{"groupID": g.ID}), "node.memberships")
		if strings.Join(names, ",") != "Ben,Dr. T" {
			t.Errorf("members after the deletion: %v", names)
		}

		// Signing in again: the Firebase user is recreated with the same uid (a provider
		// that derives uids, or an admin restoring it) and a fresh token is issued.
		emu.AddUser(authemu.User{UID: g.A.UID, Email: g.A.UID + "@example.invalid"})
		tok, err := emu.Token(g.A.UID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		again := &Client{h: h, UID: g.A.UID, Token: tok}
		r := again.Op("Viewer", nil)
		t.Logf("signing in again with a fresh token for the deleted uid: %s", r.Raw)
		if r.Code() == "" {
			// If it is let in, it is as a new, empty account.
			if r.Str("viewer.id") == uid || len(viewerGroups(again)) != 0 {
				t.Errorf("the new sign-in is the old account: %s", r.Raw)
			}
			if n := again.MustOp("MyReflections", nil).Num("viewer.reflections.totalCount"); n != 0 {
				t.Errorf("the new sign-in sees %d old reflections", n)
			}
		} else if r.Code() != "UNAUTHENTICATED" {
			t.Errorf("signing in again: %s", r.Raw)
		}
	})
}

// TestAccountDeletedTherapistsGroup: a facilitator deletes their account, which the only one
// cannot (CONFLICT: see facilitators_test.go), once a co-facilitator leads the group with
// them. What they read stays accounted for, without their name for members; their own
// reflections go; the members carry on with the other facilitator; the codes they handed
// out stop working.
func TestAccountDeletedTherapistsGroup(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		fac := g.Reflect(g.A, "FACILITATORS", "MARKER-DT-fac")
		grp := g.Reflect(g.A, "GROUP", "MARKER-DT-grp")
		tr := g.Reflect(g.Therapist, "GROUP", "MARKER-DT-therapist")
		g.Therapist.MustOp("GroupFeed", map[string]any{"groupID": g.ID})
		if r := g.Therapist.Op("DeleteAccount", map[string]any{"confirm": true}); r.Code() != "CONFLICT" {
			t.Fatalf("the only facilitator deletes their account: %s", r.Raw)
		}
		co := h.Therapist("co")
		joinWith(co, facilitatorCode(t, g.Therapist, g.ID), "Dr. C")
		if r := g.Therapist.MustOp("DeleteAccount", map[string]any{"confirm": true}); r.Get("deleteAccount") != true {
			t.Fatalf("a therapist deletes their account: %s", r.Raw)
		}
		r := g.A.MustOp("MyReflectionReads", nil)
		if r.Num("viewer.reflectionReads.totalCount") != 2 {
			t.Errorf("the facilitator's reads are kept: %s", r.Raw)
		}
		noLeak(t, "Ann's accounting", r, "Dr. T", "Deleted account")
		r = g.B.MustOp("GroupFeed", map[string]any{"groupID": g.ID})
		noLeak(t, "Ben's feed", r, "MARKER-DT-therapist", "MARKER-DT-fac", "Dr. T")
		if !strings.Contains(r.Raw, "MARKER-DT-grp") {
			t.Errorf("members no longer share: %s", r.Raw)
		}
		if r := g.B.MustOp("Reflection", map[string]any{"id": tr}); r.Get("node") != nil {
			t.Errorf("the deleted therapist's reflection: %s", r.Raw)
		}
		if r := g.A.MustOp("Reflection", map[string]any{"id": fac}); r.Str("node.body") != "MARKER-DT-fac" {
			t.Errorf("the author's own FACILITATORS reflection: %s", r.Raw)
		}
		if r := Encourage(g.B, grp, ""); len(r.Errors) > 0 {
			t.Errorf("encouragement after the facilitator's deletion: %s", r.Raw)
		}
		if r := co.MustOp("Reflection", map[string]any{"id": fac}); r.Str("node.body") != "MARKER-DT-fac" {
			t.Errorf("the remaining facilitator reads FACILITATORS reflections: %s", r.Raw)
		}
		// The invite the deleted therapist handed out ends with them: a newcomer with the
		// code does not get in.
		c := h.Member("c")
		j := c.Op("JoinGroup", map[string]any{"input": map[string]any{"code": g.Code, "displayName": "Cy"}})
		if j.Code() != "BAD_USER_INPUT" || j.Errors[0].Extensions["field"] != "code" {
			t.Errorf("joining with the deleted facilitator's invite code: %.300s", j.Raw)
		}
		if groups := viewerGroups(c); len(groups) != 0 {
			t.Errorf("the newcomer is a member of %v", groups)
		}
	})
}

// TestAccountDeleteFailedCommit: the deletion's transaction fails at its commit. Nothing of
// it happened: the account, its content and its token are as before, no deletion of its
// Firebase user was queued, and the workers (running here) delete nothing.
func TestAccountDeleteFailedCommit(t *testing.T) {
	t.Parallel()
	fail := &failCommit{}
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		own := g.Reflect(g.A, "GROUP", "MARKER-DELFAIL-own")
		fail.arm(g.A.UID)
		if r := g.A.Op("DeleteAccount", map[string]any{"confirm": true}); r.Code() == "" {
			t.Fatalf("the deletion succeeded although its commit failed: %s", r.Raw)
		}
		if fail.isArmed(g.A.UID) {
			t.Fatal("the commit of the deletion was not reached")
		}
		h.RunDue()
		if _, ok := emu.User(g.A.UID); !ok {
			t.Fatal("the Firebase user was deleted although the deletion was rolled back")
		}
		if jobs := firebaseJobs(t, h); len(jobs) != 0 {
			t.Fatalf("a rolled-back deletion queued %+v", jobs)
		}
		g.A.MustOp("Viewer", nil)
		if r := g.B.MustOp("Reflection", map[string]any{"id": own}); !strings.Contains(r.Raw, "MARKER-DELFAIL-own") {
			t.Fatalf("the reflection changed: %s", r.Raw)
		}
		// Asked again, the deletion goes through.
		if r := g.A.MustOp("DeleteAccount", map[string]any{"confirm": true}); r.Get("deleteAccount") != true {
			t.Fatal(r.Raw)
		}
		h.RunDue()
		if _, ok := emu.User(g.A.UID); ok {
			t.Fatal("the Firebase user was not deleted")
		}
	}, withPush(), withDriver(fail.wrap))
}

// TestAccountDeleteFirebaseUnavailable: Firebase answers 503 (which the Admin SDK retries
// within the attempt until JOB_TIMEOUT). The member is refused at once all the same; the job
// fails, waits River's backoff and is tried again until Firebase is back and confirms. The
// log names the job, never the uid.
func TestAccountDeleteFirebaseUnavailable(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		emu.SetFault(g.A.UID, authemu.Fail503)
		defer emu.SetFault(g.A.UID, authemu.NoFault)
		if r := g.A.MustOp("DeleteAccount", map[string]any{"confirm": true}); r.Get("deleteAccount") != true {
			t.Fatal(r.Raw)
		}
		if r := g.A.Op("Viewer", nil); r.Code() != "UNAUTHENTICATED" {
			t.Fatalf("the deleted account works while Firebase is down: %s", r.Raw)
		}
		h.RunDue()
		if _, ok := emu.User(g.A.UID); !ok {
			t.Fatal("the emulator deleted a user while failing")
		}
		jobs := firebaseJobs(t, h)
		if len(jobs) != 1 || !waiting(jobs[0]) || jobs[0].attempt < 1 {
			t.Fatalf("want the Firebase deletion waiting for a retry, got %+v", jobs)
		}
		failed := jobs[0].attempt
		// Still down at the next attempt.
		h.Clock.Advance(10 * time.Minute)
		h.RunDue()
		if jobs := firebaseJobs(t, h); len(jobs) != 1 || !waiting(jobs[0]) || jobs[0].attempt <= failed {
			t.Fatalf("want the Firebase deletion tried again and waiting, got %+v", jobs)
		}
		emu.SetFault(g.A.UID, authemu.NoFault)
		h.Clock.Advance(time.Hour)
		h.RunDue()
		if _, ok := emu.User(g.A.UID); ok {
			t.Fatal("the Firebase user was not deleted once Firebase was back")
		}
		if jobs := firebaseJobs(t, h); len(jobs) != 1 || jobs[0].state != "completed" {
			t.Fatalf("want the Firebase deletion completed, got %+v", jobs)
		}
		logs := h.Logs.String()
		if !strings.Contains(logs, "will retry") {
			t.Error("the failed attempts were not logged")
		}
		if strings.Contains(logs, g.A.UID) {
			t.Error("the log names the deleted account's Firebase uid")
		}
	}, withPush(), withSettings(map[string]string{"JOB_TIMEOUT": "2s"}))
}

// TestAccountDeleteFirebaseUserGone: Firebase no longer knows the user when the job runs
// (deleted from the console meanwhile): that counts as done, at the first attempt.
func TestAccountDeleteFirebaseUserGone(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		if r := g.A.MustOp("DeleteAccount", map[string]any{"confirm": true}); r.Get("deleteAccount") != true {
			t.Fatal(r.Raw)
		}
		emu.DeleteUser(g.A.UID)
		startWorkers(h)
		h.RunDue()
		if jobs := firebaseJobs(t, h); len(jobs) != 1 || jobs[0].state != "completed" || jobs[0].attempt != 1 {
			t.Fatalf("want the Firebase deletion completed at its first attempt, got %+v", jobs)
		}
	})
}

// firebaseJob is the state of a queued deletion of a Firebase user.
type firebaseJob struct {
	state   string
	attempt int
}

// waiting reports whether j failed and waits for its next attempt (River makes a retry due
// within seconds available at once, scheduled for later).
func waiting(j firebaseJob) bool { return j.state == "retryable" || j.state == "available" }

// firebaseJobs are the deletions of Firebase users in h's job queue.
func firebaseJobs(t *testing.T, h *H) []firebaseJob {
	t.Helper()
	rows, err := rawDB(t, h).Query("SELECT state, attempt FROM river_job WHERE kind = 'firebase_user_delete' ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []firebaseJob
	for rows.Next() {
		var j firebaseJob
		if err := rows.Scan(&j.state, &j.attempt); err != nil {
			t.Fatal(err)
		}
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// startWorkers restarts h's API (which runs no jobs) as one that does, so that a test can
// look at what was queued before anything ran it.
func startWorkers(h *H) {
	h.t.Helper()
	h.Restart(map[string]string{"JOB_WORKERS": "4", "JOB_POLL_INTERVAL": pushPoll})
}

// failCommit fails the commit of the transaction that deletes an armed account (the one
// that writes that account's tombstone over its Firebase uid): it is rolled back instead.
// Armed by tombstone, so that the tests on each database arm their own.
type failCommit struct {
	armed sync.Map // tombstone → struct{}
}

// arm fails the commit of the next deletion of the account of uid.
func (f *failCommit) arm(uid string) { f.armed.Store(account.Tombstone(uid), struct{}{}) }

// isArmed reports whether the deletion of the account of uid is still to fail.
func (f *failCommit) isArmed(uid string) bool {
	_, ok := f.armed.Load(account.Tombstone(uid))
	return ok
}

func (f *failCommit) wrap(d dialect.Driver) dialect.Driver { return failCommitDriver{d, f} }

type failCommitDriver struct {
	dialect.Driver
	f *failCommit
}

func (d failCommitDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return &failCommitTx{Tx: tx, f: d.f}, nil
}

type failCommitTx struct {
	dialect.Tx
	f *failCommit
	// tombstone is the armed tombstone this transaction wrote, if any.
	tombstone atomic.Value
}

func (t *failCommitTx) note(q string, args any) {
	if !strings.HasPrefix(q, "UPDATE") || !strings.Contains(q, "users") {
		return
	}
	written := fmt.Sprint(args)
	t.f.armed.Range(func(k, _ any) bool {
		if strings.Contains(written, k.(string)) {
			t.tombstone.Store(k)
			return false
		}
		return true
	})
}

func (t *failCommitTx) Exec(ctx context.Context, q string, args, v any) error {
	t.note(q, args)
	return t.Tx.Exec(ctx, q, args, v)
}

func (t *failCommitTx) Query(ctx context.Context, q string, args, v any) error {
	t.note(q, args)
	return t.Tx.Query(ctx, q, args, v)
}

func (t *failCommitTx) Commit() error {
	if k := t.tombstone.Load(); k != nil {
		if _, armed := t.f.armed.LoadAndDelete(k); armed {
			if err := t.Tx.Rollback(); err != nil {
				return err
			}
			return errors.New("injected: commit failed")
		}
	}
	return t.Tx.Commit()
}

// TestAccountExportEmptyLists: a member who has written nothing exports every list as [],
// never null, so that an app reading the document needs no special case.
func TestAccountExportEmptyLists(t *testing.T) {
	t.Parallel()
	h := sqliteH(t)
	m := h.Member("new")
	var doc map[string]any
	if err := json.Unmarshal([]byte(m.MustOp("ExportMyData", nil).Str("exportMyData.data")), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"memberships", "reflections", "encouragementSent", "encouragementReceived", "consents", "topics", "readsOfMyReflections", "attendance", "devices"} {
		if l, ok := doc[k].([]any); !ok || len(l) != 0 {
			t.Errorf("%s: %v, want []", k, doc[k])
		}
	}
}
