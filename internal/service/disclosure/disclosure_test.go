package disclosure

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/membership"
	"github.com/processgroup/api/ent/reflection"
	"github.com/processgroup/api/ent/reflectionread"
	"github.com/processgroup/api/internal/dbtest"
)

// TestReadNotesOthersReadsOnce pins what the recorder notes: a read of someone else's
// reflection, once per reflection however often it is read in the request; not one's own;
// nothing without a recorder or without a viewer.
func TestReadNotesOthersReadsOnce(t *testing.T) {
	t.Parallel()
	mine := &ent.Reflection{ID: 1, UserID: 10, GroupID: 1}
	theirs := &ent.Reflection{ID: 2, UserID: 20, GroupID: 1}
	another := &ent.Reflection{ID: 3, UserID: 30, GroupID: 2}
	e := dbtest.New(t)
	me := &dbtest.User{User: &ent.User{ID: 10, FirebaseUID: "uid-10"}}

	ctx, rec := NewContext(e.As(me))
	for range 3 {
		Read(ctx, mine)
		Read(ctx, theirs)
	}
	Read(ctx, another)
	if rec.Len() != 2 {
		t.Fatalf("%d reads noted, want 2 (theirs and another, once each)", rec.Len())
	}

	Read(e.As(me), theirs) // no recorder: nothing happens
	anonymous, rec2 := NewContext(context.Background())
	Read(anonymous, theirs)
	if rec2.Len() != 0 {
		t.Fatalf("a read without a viewer was noted")
	}
}

// TestFlushWritesReadsWithReadersMembership pins the accounting written at the end of a
// request: one row per reflection read, naming its author, the reader's membership of the
// reflection's group (in each group they read in) and the time; in two statements whatever
// the number of reads; the recorder is empty afterwards.
func TestFlushWritesReadsWithReadersMembership(t *testing.T) {
	t.Parallel()
	e := dbtest.New(t)
	g1, g2 := e.NewGroup("America/Chicago"), e.NewGroup("Europe/Berlin")
	reader := e.AddMember(g1, "Reader")
	other := e.Enrol(g2.Group, reader.User, membership.RoleMEMBER, "Reader too")
	a, b := e.AddMember(g1, "Ann"), e.AddMember(g2, "Ben")
	var read []*ent.Reflection
	for range 4 {
		read = append(read, e.Reflect(a, reflection.VisibilityGROUP), e.Reflect(b, reflection.VisibilityGROUP))
	}
	own := e.Reflect(reader, reflection.VisibilityGROUP)

	ctx, rec := NewContext(e.As(reader.User))
	for _, r := range append(read, own, read[0]) {
		Read(ctx, r)
	}
	at := e.Clock.Now().Truncate(time.Second)
	n := e.Statements(func() {
		if err := rec.Flush(ctx, e.Client, at); err != nil {
			t.Fatal(err)
		}
	})
	if n != 2 {
		t.Errorf("flush took %d statements, want 2", n)
	}
	if rec.Len() != 0 {
		t.Errorf("%d reads left after the flush", rec.Len())
	}
	rows, err := e.Client.ReflectionRead.Query().Order(reflectionread.ByReflectionID()).All(e.Operator())
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(read) {
		t.Fatalf("%d rows written, want %d", len(rows), len(read))
	}
	byID := map[int]*ent.Reflection{}
	for _, r := range read {
		byID[r.ID] = r
	}
	var ids []int
	for _, row := range rows {
		ids = append(ids, row.ReflectionID)
		wantAuthor, wantReader := a.ID, reader.Membership.ID
		if byID[row.ReflectionID].UserID == b.ID {
			wantAuthor, wantReader = b.ID, other.Membership.ID
		}
		if row.AuthorUserID != wantAuthor || row.ReaderID != wantReader || !row.ReadAt.Equal(at) {
			t.Errorf("row %+v: want author %d, reader %d, read at %v", row, wantAuthor, wantReader, at)
		}
	}
	if slices.Contains(ids, own.ID) {
		t.Error("the reader's own reflection was recorded")
	}

	// A second flush in the same request writes nothing again.
	if err := rec.Flush(ctx, e.Client, at); err != nil {
		t.Fatal(err)
	}
	if n, _ := e.Client.ReflectionRead.Query().Count(e.Operator()); n != len(read) {
		t.Errorf("%d rows after a second flush, want %d", n, len(read))
	}
}

// TestFlushWritesTopicReads pins the accounting of topics: a read of someone else's topic is
// one row naming the topic (and no reflection), its author and the reader's membership,
// written with the reflections' reads in the same two statements; the reader's own topic is
// not recorded.
func TestFlushWritesTopicReads(t *testing.T) {
	t.Parallel()
	e := dbtest.New(t)
	g := e.NewGroup("America/Chicago")
	a := e.AddMember(g, "Ann")
	fac := g.Facilitator
	s := e.Session(g.Group, e.Clock.Now().Add(48*time.Hour), 90)
	topicOf := func(m *dbtest.Member) *ent.Topic {
		return e.Client.Topic.Create().
			SetClientID(uuid.New()).SetUserID(m.ID).SetGroupID(g.ID).SetSessionID(s.ID).
			SetAuthorID(m.Membership.ID).SetText("MARKER-topic").SetCreateDigest("d").
			SaveX(e.Operator())
	}
	theirs, own := topicOf(a), topicOf(fac)
	refl := e.Reflect(a, reflection.VisibilityFACILITATORS)

	ctx, rec := NewContext(e.As(fac.User))
	for range 2 {
		ReadTopic(ctx, theirs)
		ReadTopic(ctx, own)
		Read(ctx, refl)
	}
	if rec.Len() != 2 {
		t.Fatalf("%d reads noted, want 2 (the topic and the reflection, once each)", rec.Len())
	}
	at := e.Clock.Now().Truncate(time.Second)
	if n := e.Statements(func() {
		if err := rec.Flush(ctx, e.Client, at); err != nil {
			t.Fatal(err)
		}
	}); n != 2 {
		t.Errorf("flush took %d statements, want 2", n)
	}
	rows, err := e.Client.ReflectionRead.Query().Where(reflectionread.TopicIDNotNil()).All(e.Operator())
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || *rows[0].TopicID != theirs.ID || rows[0].ReflectionID != 0 ||
		rows[0].AuthorUserID != a.ID || rows[0].ReaderID != fac.Membership.ID || !rows[0].ReadAt.Equal(at) {
		t.Fatalf("topic reads: %+v", rows)
	}
	if n, _ := e.Client.ReflectionRead.Query().Count(e.Operator()); n != 2 {
		t.Errorf("%d rows, want 2", n)
	}
}
