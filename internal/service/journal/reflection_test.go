package journal

import (
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/encouragement"
	"github.com/processgroup/api/ent/reflection"
	"github.com/processgroup/api/internal/dbtest"
	"github.com/processgroup/api/internal/platform/apperr"
)

// count is the number of reflections of m, deleted ones included.
func (f *fixture) count(t *testing.T, m *dbtest.Member) int {
	t.Helper()
	n, err := f.Client.Reflection.Query().Where(reflection.UserID(m.ID)).Count(f.Operator())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCreateReflectionRetryReturnsSame pins idempotent creates: the same request again
// returns the reflection the first one made, and writes nothing; also after the reflection
// was edited, and after its author left the group.
func TestCreateReflectionRetryReturnsSame(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	in := input(f.a, reflection.VisibilityGROUP)
	first := f.create(t, f.a, in)
	if again := f.create(t, f.a, in); again.ID != first.ID || again.Body != in.Body {
		t.Fatalf("retry made reflection %d (%q), want %d", again.ID, again.Body, first.ID)
	}

	if _, _, err := f.j.UpdateReflection(f.As(f.a.User), f.Client, first.ID, 1, ReflectionChange{Body: ptr("MARKER edited")}); err != nil {
		t.Fatal(err)
	}
	if again := f.create(t, f.a, in); again.ID != first.ID || again.Body != "MARKER edited" || again.Version != 2 {
		t.Fatalf("retry after an edit: %d v%d %q, want %d as edited", again.ID, again.Version, again.Body, first.ID)
	}

	if err := f.Client.Membership.UpdateOneID(f.a.Membership.ID).SetLeftAt(f.Clock.Now()).Exec(f.Operator()); err != nil {
		t.Fatal(err)
	}
	if again := f.create(t, f.a, in); again.ID != first.ID {
		t.Fatalf("retry after leaving made %d, want %d", again.ID, first.ID)
	}
	if n := f.count(t, f.a); n != 1 {
		t.Fatalf("%d reflections stored, want 1", n)
	}
}

// TestCreateReflectionSameClientIDOtherContentConflicts pins that a client id reused for a
// different reflection is a CONFLICT that changes nothing, whichever part differs; leaving
// the visibility out is the same as PRIVATE.
func TestCreateReflectionSameClientIDOtherContentConflicts(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		change func(in *NewReflection)
		want   apperr.Code
	}{
		{"same request", func(*NewReflection) {}, ""},
		{"visibility left out is PRIVATE", func(in *NewReflection) { in.Visibility = nil }, ""},
		{"body", func(in *NewReflection) { in.Body += "!" }, apperr.Conflict},
		{"mood", func(in *NewReflection) { in.Mood++ }, apperr.Conflict},
		{"craving", func(in *NewReflection) { in.Craving = 0 }, apperr.Conflict},
		{"no prompt", func(in *NewReflection) { in.Prompt = nil }, apperr.Conflict},
		{"empty prompt is not no prompt", func(in *NewReflection) { in.Prompt = ptr("") }, apperr.Conflict},
		{"other prompt", func(in *NewReflection) { in.Prompt = ptr("What was hard?") }, apperr.Conflict},
		{"visibility", func(in *NewReflection) { in.Visibility = ptr(reflection.VisibilityFACILITATORS) }, apperr.Conflict},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			in := input(f.a, reflection.VisibilityPRIVATE)
			first := f.create(t, f.a, in)
			c.change(&in)
			r, _, err := f.j.CreateReflection(f.As(f.a.User), f.Client, in)
			if code(err) != c.want || (c.want == "" && (err != nil || r.ID != first.ID)) {
				t.Fatalf("got %v, %v; want code %q", r, err, c.want)
			}
			if c.want != "" && r != nil {
				t.Errorf("a conflict returned a reflection")
			}
			s := f.stored(t, first.ID)
			if s.Body != first.Body || s.Mood != first.Mood || s.Version != 1 || f.count(t, f.a) != 1 {
				t.Errorf("the stored reflection changed: %q mood %d v%d", s.Body, s.Mood, s.Version)
			}
		})
	}
}

// TestCreateReflectionAfterDeleteConflicts pins that a deleted reflection cannot come back
// by a late retry of its create.
func TestCreateReflectionAfterDeleteConflicts(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	in := input(f.a, reflection.VisibilityPRIVATE)
	r := f.create(t, f.a, in)
	if err := f.j.DeleteReflection(f.As(f.a.User), f.Client, r.ID); err != nil {
		t.Fatal(err)
	}
	if got, _, err := f.j.CreateReflection(f.As(f.a.User), f.Client, in); code(err) != apperr.Conflict || got != nil {
		t.Fatalf("retry after delete: %v, %v; want CONFLICT", got, err)
	}
	if s := f.stored(t, r.ID); s.DeletedAt == nil || s.Body != "" {
		t.Fatalf("the deleted reflection came back: %+v", s)
	}
}

// TestCreateReflectionClientIDIsPerAuthor pins that client ids are the author's own: the
// same id from another member makes their own reflection, and reveals nothing of the first.
func TestCreateReflectionClientIDIsPerAuthor(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	in := input(f.a, reflection.VisibilityPRIVATE)
	mine := f.create(t, f.a, in)
	in.Body = "MARKER someone else's"
	theirs := f.create(t, f.b, in)
	if theirs.ID == mine.ID || theirs.UserID != f.b.ID || theirs.Body != in.Body {
		t.Fatalf("B's create with A's client id: %+v", theirs)
	}
}

// TestCreateReflectionCrisisLanguage pins the crisis mark and the resources in the answer:
// crisis language marks the reflection and answers with resources; ordinary text neither.
func TestCreateReflectionCrisisLanguage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cases := []struct {
		body   string
		crisis bool
	}{
		{"MARKER I want to kill myself", true},
		{"MARKER a good day at work", false},
	}
	for _, c := range cases {
		in := input(f.a, reflection.VisibilityFACILITATORS)
		in.Body = c.body
		r, res, err := f.j.CreateReflection(f.As(f.a.User), f.Client, in)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.stored(t, r.ID).NeedsAttention; got != c.crisis {
			t.Errorf("%q: needs attention %v, want %v", c.body, got, c.crisis)
		}
		if (len(res) > 0) != c.crisis || res == nil {
			t.Errorf("%q: resources %v, want some: %v", c.body, res, c.crisis)
		}
		// A retry answers with the same resources.
		if _, again, err := f.j.CreateReflection(f.As(f.a.User), f.Client, in); err != nil || len(again) != len(res) {
			t.Errorf("%q: retry answered %v, %v", c.body, again, err)
		}
	}
}

// TestUpdateReflectionStaleVersionConflicts pins optimistic concurrency: a change based on
// the current version applies and moves the version on; one based on an older version is a
// CONFLICT carrying the current version, and changes nothing.
func TestUpdateReflectionStaleVersionConflicts(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.create(t, f.a, input(f.a, reflection.VisibilityPRIVATE))
	ctx := f.As(f.a.User)
	got, _, err := f.j.UpdateReflection(ctx, f.Client, r.ID, 1, ReflectionChange{Mood: ptr(9)})
	if err != nil || got.Version != 2 || got.Mood != 9 {
		t.Fatalf("update at the current version: %+v, %v", got, err)
	}
	// The second device, still at version 1.
	_, _, err = f.j.UpdateReflection(ctx, f.Client, r.ID, 1, ReflectionChange{Body: ptr("MARKER stale")})
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != apperr.Conflict || ae.Extensions["currentVersion"] != 2 {
		t.Fatalf("stale update: %v (%+v), want CONFLICT with currentVersion 2", err, ae)
	}
	if s := f.stored(t, r.ID); s.Body == "MARKER stale" || s.Version != 2 {
		t.Fatalf("the stale update changed the reflection: %q v%d", s.Body, s.Version)
	}
}

// TestUpdateReflectionInput pins the checks of a change: something must change, and the
// prompt is cleared or set, not both; prompt changes apply.
func TestUpdateReflectionInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.create(t, f.a, input(f.a, reflection.VisibilityPRIVATE))
	ctx := f.As(f.a.User)
	cases := []struct {
		name   string
		change ReflectionChange
		field  string
	}{
		{"nothing", ReflectionChange{}, "input"},
		{"clear and set the prompt", ReflectionChange{ClearPrompt: true, Prompt: ptr("x")}, "clearPrompt"},
	}
	for _, c := range cases {
		_, _, err := f.j.UpdateReflection(ctx, f.Client, r.ID, 1, c.change)
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != apperr.BadUserInput || ae.Field != c.field {
			t.Errorf("%s: %v, want BAD_USER_INPUT on %s", c.name, err, c.field)
		}
	}
	got, _, err := f.j.UpdateReflection(ctx, f.Client, r.ID, 1, ReflectionChange{ClearPrompt: true})
	if err != nil || got.Prompt != "" || got.Version != 2 {
		t.Fatalf("clear the prompt: %+v, %v", got, err)
	}
}

// TestUpdateReflectionToGroupNeedsConsent pins the answer to sharing a reflection with the
// group without consent at the current version: CONSENT_REQUIRED, not a conflict; at a
// stale version it is the conflict.
func TestUpdateReflectionToGroupNeedsConsent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.create(t, f.b, input(f.b, reflection.VisibilityPRIVATE))
	ctx := f.As(f.b.User)
	share := ReflectionChange{Visibility: ptr(reflection.VisibilityGROUP)}
	if _, _, err := f.j.UpdateReflection(ctx, f.Client, r.ID, 1, share); code(err) != apperr.ConsentRequired {
		t.Fatalf("share without consent: %v, want CONSENT_REQUIRED", err)
	}
	if _, _, err := f.j.UpdateReflection(ctx, f.Client, r.ID, 7, share); code(err) != apperr.Conflict {
		t.Fatalf("share without consent at a stale version: %v, want CONFLICT", err)
	}
	if s := f.stored(t, r.ID); s.Visibility != reflection.VisibilityPRIVATE {
		t.Fatalf("visibility changed to %s", s.Visibility)
	}
}

// TestUpdateReflectionKeepsCrisisMark pins that the crisis mark stays once set: rewording
// the reflection does not hide from the facilitators that it was written.
func TestUpdateReflectionKeepsCrisisMark(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	in := input(f.a, reflection.VisibilityFACILITATORS)
	in.Body = "MARKER I want to die"
	r := f.create(t, f.a, in)
	_, res, err := f.j.UpdateReflection(f.As(f.a.User), f.Client, r.ID, 1, ReflectionChange{Body: ptr("MARKER all fine")})
	if err != nil {
		t.Fatal(err)
	}
	if !f.stored(t, r.ID).NeedsAttention || len(res) != 0 {
		t.Fatalf("after rewording: needs attention %v, resources %v; want the mark kept, no resources for the new text", f.stored(t, r.ID).NeedsAttention, res)
	}
}

// TestUpdateReflectionOfSomeoneElse pins that only the author changes a reflection: a peer
// who can read it is FORBIDDEN, one who cannot gets NOT_FOUND; nothing changes.
func TestUpdateReflectionOfSomeoneElse(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	shared := f.create(t, f.a, input(f.a, reflection.VisibilityGROUP))
	private := f.create(t, f.a, input(f.a, reflection.VisibilityPRIVATE))
	ctx := f.As(f.b.User)
	if _, _, err := f.j.UpdateReflection(ctx, f.Client, shared.ID, 1, ReflectionChange{Mood: ptr(1)}); code(err) != apperr.Forbidden {
		t.Errorf("peer changing a GROUP reflection: %v, want FORBIDDEN", err)
	}
	if _, _, err := f.j.UpdateReflection(ctx, f.Client, private.ID, 1, ReflectionChange{Mood: ptr(1)}); code(err) != apperr.NotFound {
		t.Errorf("peer changing a PRIVATE reflection: %v, want NOT_FOUND", err)
	}
	for _, id := range []int{shared.ID, private.ID} {
		if s := f.stored(t, id); s.Mood != 6 || s.Version != 1 {
			t.Errorf("reflection %d changed: mood %d v%d", id, s.Mood, s.Version)
		}
	}
}

// TestDeleteReflectionEmptiesContent pins deletion: the content goes at once (body,
// prompt, mood, craving, mark, fingerprint) with the encouragement on it; deleting again
// succeeds; someone else's is NOT_FOUND.
func TestDeleteReflectionEmptiesContent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	in := input(f.a, reflection.VisibilityGROUP)
	in.Body = "MARKER I want to die"
	r := f.create(t, f.a, in)
	if _, err := f.j.SendEncouragement(f.As(f.b.User), f.Client, NewEncouragement{ClientID: uuid.New(), ReflectionID: r.ID, Kind: encouragement.KindHUG}); err != nil {
		t.Fatal(err)
	}
	if err := f.j.DeleteReflection(f.As(f.b.User), f.Client, r.ID); code(err) != apperr.NotFound {
		t.Fatalf("a peer's delete: %v, want NOT_FOUND", err)
	}
	for range 2 {
		if err := f.j.DeleteReflection(f.As(f.a.User), f.Client, r.ID); err != nil {
			t.Fatalf("delete: %v", err)
		}
	}
	s := f.stored(t, r.ID)
	if s.DeletedAt == nil || s.Body != "" || s.Prompt != "" || s.Mood != 0 || s.Craving != 0 || s.NeedsAttention || s.CreateDigest != "" {
		t.Fatalf("deleted reflection keeps content: %+v", s)
	}
	if n, err := f.Client.Encouragement.Query().Where(encouragement.ReflectionID(r.ID)).Count(f.Operator()); err != nil || n != 0 {
		t.Fatalf("%d encouragements left on the deleted reflection (%v)", n, err)
	}
	if _, err := f.Client.Reflection.Get(f.As(f.a.User), r.ID); !ent.IsNotFound(err) {
		t.Fatalf("the author still reads the deleted reflection: %v", err)
	}
}
