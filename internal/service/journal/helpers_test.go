package journal

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/reflection"
	"github.com/processgroup/api/internal/dbtest"
	"github.com/processgroup/api/internal/platform/apperr"
	"github.com/processgroup/api/internal/service/crisis"
)

// notes is a Notifier that keeps the encouragement pushes it was asked to queue.
type notes struct {
	mu    sync.Mutex
	calls [][2]int
}

func (n *notes) Encouraged(_ context.Context, encouragementID, recipientID int) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.calls = append(n.calls, [2]int{encouragementID, recipientID})
	return nil
}

func (n *notes) all() [][2]int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([][2]int(nil), n.calls...)
}

// detector is the crisis detector of every test (building one takes a while; it is safe
// for concurrent use).
var detector = sync.OnceValue(crisis.NewDetector)

// fixture is a journal on a test database, and a group with members A (who consented to
// share with it) and B (who did not).
type fixture struct {
	*dbtest.Env
	j     *Journal
	notes *notes
	g     *dbtest.Group
	a, b  *dbtest.Member
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	e := dbtest.New(t)
	f := &fixture{Env: e, notes: &notes{}, g: e.NewGroup("America/Chicago")}
	f.j = New(detector(), f.notes, e.Keys, e.Clock)
	f.a = e.AddMember(f.g, "Ann")
	f.b = e.AddMember(f.g, "Ben")
	e.Consent(f.a)
	return f
}

// input is a reflection for m's group with a fresh client id.
func input(m *dbtest.Member, vis reflection.Visibility) NewReflection {
	prompt := "What helped today?"
	return NewReflection{
		ClientID: uuid.New(), GroupID: m.Membership.GroupID,
		Body: "MARKER went to a meeting", Mood: 6, Craving: 3, Prompt: &prompt, Visibility: &vis,
	}
}

// create writes in as m and fails the test on an error.
func (f *fixture) create(t *testing.T, m *dbtest.Member, in NewReflection) *ent.Reflection {
	t.Helper()
	r, _, err := f.j.CreateReflection(f.As(m.User), f.Client, in)
	if err != nil {
		t.Fatalf("create reflection: %v", err)
	}
	return r
}

// stored is reflection id as stored, read as the operator.
func (f *fixture) stored(t *testing.T, id int) *ent.Reflection {
	t.Helper()
	r, err := f.Client.Reflection.Get(f.Operator(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// code is the client error code of err, or "" when it is not one.
func code(err error) apperr.Code {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return ae.Code
	}
	return ""
}

func ptr[T any](v T) *T { return &v }
