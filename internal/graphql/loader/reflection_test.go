package loader

import (
	"testing"

	"github.com/google/uuid"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/encouragement"
	"github.com/processgroup/api/ent/reflection"
	"github.com/processgroup/api/internal/dbtest"
)

// TestReflectionLoadersBatchAList pins the numbers of a list of reflections: after ent
// loads the list, each loader answers for every reflection of it in one SQL statement;
// the counts are what the viewer may see (an encouragement hidden by a facilitator is not
// counted for a peer); "viewer encouraged" is true exactly where the viewer sent some.
func TestReflectionLoadersBatchAList(t *testing.T) {
	t.Parallel()
	e := dbtest.New(t)
	e.Client.Intercept(HintInterceptor())
	g := e.NewGroup("America/Chicago")
	a, b, c := e.AddMember(g, "Ann"), e.AddMember(g, "Ben"), e.AddMember(g, "Cy")
	e.Consent(a)
	var rs []*ent.Reflection
	for range 12 {
		rs = append(rs, e.Reflect(a, reflection.VisibilityGROUP))
	}
	send := func(from *dbtest.Member, r *ent.Reflection) *ent.Encouragement {
		enc, err := e.Client.Encouragement.Create().SetClientID(uuid.New()).SetReflectionID(r.ID).
			SetSenderID(from.Membership.ID).SetKind(encouragement.KindHUG).Save(e.Operator())
		if err != nil {
			t.Fatal(err)
		}
		return enc
	}
	wantCount, wantMine := map[int]int{}, map[int]bool{}
	for i, r := range rs {
		if i%2 == 0 {
			send(b, r)
			wantCount[r.ID]++
			wantMine[r.ID] = true
		}
		if i%3 == 0 {
			enc := send(c, r)
			if i == 3 {
				// Hidden by the facilitator: no longer counted for B.
				if err := e.Client.Encouragement.UpdateOne(enc).SetHiddenAt(e.Clock.Now()).Exec(e.Operator()); err != nil {
					t.Fatal(err)
				}
				continue
			}
			wantCount[r.ID]++
		}
	}

	l := NewReflections(e.Client)
	ctx := NewContext(e.As(b.User), l)
	list, err := e.Client.Reflection.Query().Where(reflection.GroupID(g.ID)).All(ctx)
	if err != nil || len(list) != len(rs) {
		t.Fatalf("B reads %d reflections (%v), want %d", len(list), err, len(rs))
	}
	counts, mine := map[int]int{}, map[int]bool{}
	n := e.Statements(func() {
		for _, r := range list {
			got, err := l.Encouragement.Load(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			counts[r.ID], mine[r.ID] = got.Count, got.Mine
		}
	})
	if n != 1 {
		t.Errorf("statements for %d reflections: %d for counts and viewer encouraged; want 1", len(list), n)
	}
	for _, r := range rs {
		if counts[r.ID] != wantCount[r.ID] || mine[r.ID] != wantMine[r.ID] {
			t.Errorf("reflection %d: count %d, mine %v; want %d, %v", r.ID, counts[r.ID], mine[r.ID], wantCount[r.ID], wantMine[r.ID])
		}
	}
}

// TestReflectionLoadersWithoutHints pins that batching comes from the hints of a list: a
// single reflection read alone is not hinted, and each id loaded without hints costs a
// statement of its own.
func TestReflectionLoadersWithoutHints(t *testing.T) {
	t.Parallel()
	e := dbtest.New(t)
	e.Client.Intercept(HintInterceptor())
	g := e.NewGroup("America/Chicago")
	a := e.AddMember(g, "Ann")
	r1 := e.Reflect(a, reflection.VisibilityFACILITATORS)
	r2 := e.Reflect(a, reflection.VisibilityFACILITATORS)

	l := NewReflections(e.Client)
	ctx := NewContext(e.As(g.Facilitator.User), l)
	if _, err := e.Client.Reflection.Get(ctx, r1.ID); err != nil {
		t.Fatal(err)
	}
	n := e.Statements(func() {
		for _, id := range []int{r1.ID, r2.ID} {
			if v, err := l.Encouragement.Load(ctx, id); err != nil || v.Count != 0 || v.Mine {
				t.Fatalf("encouragement of %d: %+v, %v", id, v, err)
			}
		}
	})
	if n != 2 {
		t.Fatalf("%d statements for two reflections loaded without a list, want 2", n)
	}
}
