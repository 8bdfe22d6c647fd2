package loader

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/attendance"
	"github.com/processgroup/api/ent/groupsession"
	attendances "github.com/processgroup/api/internal/service/attendance"
)

// newRsvp is the loader of the viewer's own answers, by session id.
func newRsvp(client func(context.Context) *ent.Client) *Loader[attendance.Rsvp] {
	return New(func(ctx context.Context, ids []int) (map[int]attendance.Rsvp, error) {
		return attendances.ViewerRsvps(ctx, client(ctx), ids)
	})
}

// newAttendance is the loader of the sessions' attendance lists, by session id, of the
// sessions l has seen (hinted or asked for).
func newAttendance(client func(context.Context) *ent.Client, l *Reflections) *Loader[[]attendances.Row] {
	return New(func(ctx context.Context, ids []int) (map[int][]attendances.Row, error) {
		ss := make([]*ent.GroupSession, 0, len(ids))
		for _, id := range ids {
			if s, ok := l.sessions.Load(id); ok {
				ss = append(ss, s.(*ent.GroupSession))
			}
		}
		return attendances.Lists(ctx, client(ctx), ss)
	})
}

// hintSessions says that the sessions of a list are likely to be asked about.
func (l *Reflections) hintSessions(ss []*ent.GroupSession) {
	ids := make([]int, len(ss))
	for i, s := range ss {
		ids[i] = s.ID
		l.sessions.Store(s.ID, s)
	}
	l.Rsvp.Hint(ids...)
	l.Attendance.Hint(ids...)
}

// inMutation forgets what loader has loaded when ctx is a mutation's: an earlier mutation of
// the same request may have changed it, so each is read again (one statement each).
func inMutation[V any](ctx context.Context, loader *Loader[V]) {
	if graphql.HasOperationContext(ctx) {
		if op := graphql.GetOperationContext(ctx).Operation; op != nil && op.Operation == ast.Mutation {
			loader.Forget()
		}
	}
}

// ViewerRsvp is the viewer's own answer to the session id, or nil: with those of every
// session of the lists loaded so far, in one statement. In a mutation each is read again.
func (l *Reflections) ViewerRsvp(ctx context.Context, id int) (*attendance.Rsvp, error) {
	inMutation(ctx, l.Rsvp)
	a, err := l.Rsvp.Load(ctx, id)
	if a == "" || err != nil {
		return nil, err
	}
	return &a, nil
}

// SessionAttendance is attendances.List of sess: with the lists of every session of the
// lists loaded so far, in the same statements. In a mutation each is read again.
func (l *Reflections) SessionAttendance(ctx context.Context, sess *ent.GroupSession) ([]attendances.Row, error) {
	inMutation(ctx, l.Attendance)
	l.sessions.Store(sess.ID, sess)
	rows, err := l.Attendance.Load(ctx, sess.ID)
	if rows == nil && err == nil {
		rows = []attendances.Row{}
	}
	return rows, err
}

// newSession is the loader of sessions by id, as the viewer may read them (none: not there
// for them).
func newSession(client func(context.Context) *ent.Client) *Loader[*ent.GroupSession] {
	return New(func(ctx context.Context, ids []int) (map[int]*ent.GroupSession, error) {
		ss, err := client(ctx).GroupSession.Query().Where(groupsession.IDIn(ids...)).All(ctx)
		if err != nil {
			return nil, err
		}
		out := make(map[int]*ent.GroupSession, len(ss))
		for _, s := range ss {
			out[s.ID] = s
		}
		return out, nil
	})
}

// TopicSession is the session of t as the viewer may read it, or nil: with the sessions of
// every list of topics loaded so far, in one statement. In a mutation each is read again.
func (l *Reflections) TopicSession(ctx context.Context, t *ent.Topic) (*ent.GroupSession, error) {
	inMutation(ctx, l.Session)
	return l.Session.Load(ctx, t.SessionID)
}
