// Package digest builds a therapist's digest before a session: what each member shared since
// the previous session, how their mood and craving moved, and who needs attention first.
//
// A digest reads a fixed number of SQL statements whatever the size of the group or of the
// period: the members, the reflections of the period and of the period before it (one
// statement), the latest reflection of members who wrote in neither (one statement), the
// records of attendance of its recorded sessions (one statement) and the open topics (one). Everything it reads goes
// through the privacy policies as the viewer, so it holds only what the facilitator may read.
package digest

import (
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"time"

	"entgo.io/ent/dialect/sql"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/groupsession"
	"github.com/processgroup/api/ent/membership"
	"github.com/processgroup/api/ent/predicate"
	"github.com/processgroup/api/ent/reflection"
	"github.com/processgroup/api/ent/topic"
	"github.com/processgroup/api/internal/platform/apperr"
	"github.com/processgroup/api/internal/platform/clock"
	"github.com/processgroup/api/internal/rule"
	"github.com/processgroup/api/internal/service/attendance"
	"github.com/processgroup/api/internal/service/disclosure"
)

// The rules of attention.
const (
	// HighCraving is the average craving from which a member needs attention.
	HighCraving = 7.0
	// MoodDrop is the fall of the average mood from which a member needs attention.
	MoodDrop = 3.0
	// QuietDays is how many calendar days without sharing make a member need attention.
	QuietDays = 14
)

// Reason is why a member needs attention.
type Reason string

// The reasons, in the order they are listed.
const (
	Crisis      Reason = "CRISIS"
	Missed      Reason = "MISSED_SESSIONS"
	HighCrave   Reason = "HIGH_CRAVING"
	MoodFell    Reason = "MOOD_DROP"
	Quiet       Reason = "QUIET"
	reasonCount        = 5
)

// MissedSessions is how many unexcused absences in a row make a member need attention.
const MissedSessions = 2

// MarshalGQL writes the reason as its GraphQL enum value.
func (r Reason) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(r))) }

// UnmarshalGQL reads a GraphQL enum value.
func (r *Reason) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	switch Reason(s) {
	case Crisis, Missed, HighCrave, MoodFell, Quiet:
	default:
		ok = false
	}
	if !ok {
		return fmt.Errorf("%v is not an AttentionReason", v)
	}
	*r = Reason(s)
	return nil
}

// Digest is a group's digest before one session.
type Digest struct {
	PeriodStart     time.Time
	PeriodEnd       time.Time
	Session         *ent.GroupSession
	ReflectionCount int
	AttentionCount  int
	// OpenTopicCount is the number of topics proposed for the session that are still open.
	OpenTopicCount int
	Members        []*Member
}

// Member is one member's part of a digest.
type Member struct {
	Membership              *ent.Membership
	ReflectionCount         int
	AverageMood             *float64
	AverageCraving          *float64
	MoodChange              *float64
	CravingChange           *float64
	LastReflectionAt        *time.Time
	DaysSinceLastReflection *int
	NeedsAttention          bool
	AttentionReasons        []Reason
	// Reflections are the member's reflections in the period, oldest first.
	Reflections []*ent.Reflection
}

// Digests builds digests.
type Digests struct {
	clock clock.Clock
}

// New returns Digests that take "now" from clk.
func New(clk clock.Clock) *Digests {
	return &Digests{clock: clk}
}

// For builds the digest of group g before session sessionID, or, when sessionID is nil,
// before its session under way or else its next one. Only the group's current facilitators get one.
func (d *Digests) For(ctx context.Context, c *ent.Client, g *ent.Group, sessionID *int) (*Digest, error) {
	if err := rule.MayFacilitate(ctx, c, g.ID); err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(g.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("digest: group time zone: %w", err)
	}
	now := d.clock.Now()
	sess, err := session(ctx, c, g.ID, sessionID, now)
	if err != nil {
		return nil, err
	}
	end := now
	if sess != nil && sess.StartsAt.Before(now) {
		end = sess.StartsAt
	}
	start, err := periodStart(ctx, c, g, sess, end)
	if err != nil {
		return nil, err
	}
	before := start.Add(-end.Sub(start)) // the period of equal length just before

	members, err := c.Membership.Query().
		Where(
			membership.GroupID(g.ID),
			rule.Current(),
			membership.RoleEQ(membership.RoleMEMBER),
		).
		Order(membership.ByID()).
		All(ctx)
	if err != nil {
		return nil, err
	}
	users := make([]int, len(members))
	for i, m := range members {
		users[i] = m.UserID
	}
	shared := func(more ...predicate.Reflection) []predicate.Reflection {
		return append([]predicate.Reflection{
			reflection.GroupID(g.ID),
			// SECURITY: the policy already keeps PRIVATE reflections from facilitators; the
			// digest states it too.
			reflection.VisibilityNEQ(reflection.VisibilityPRIVATE),
			reflection.DeletedAtIsNil(),
		}, more...)
	}
	rs, err := c.Reflection.Query().
		Where(shared(reflection.UserIDIn(users...), reflection.CreatedAtGTE(start), reflection.CreatedAtLT(end))...).
		Order(reflection.ByCreatedAt(), reflection.ByID()).
		All(ctx)
	if err != nil {
		return nil, err
	}
	// Of the period before, only the numbers are needed (scanned, not loaded as
	// reflections: nothing of them is shown).
	var prev []numbers
	err = c.Reflection.Query().
		Where(shared(reflection.UserIDIn(users...), reflection.CreatedAtGTE(before), reflection.CreatedAtLT(start))...).
		Order(reflection.ByCreatedAt(), reflection.ByID()).
		Select(reflection.FieldUserID, reflection.FieldMood, reflection.FieldCraving, reflection.FieldCreatedAt).
		Scan(ctx, &prev)
	if err != nil {
		return nil, err
	}
	// The latest reflection of each member is in rs or prev when they wrote in either
	// period; only the others' history is looked up.
	last := make(map[int]time.Time, len(members))
	for _, r := range prev {
		last[r.UserID] = r.CreatedAt
	}
	for _, r := range rs { // after prev, oldest first
		last[r.UserID] = r.CreatedAt
	}
	var quiet []int
	for _, u := range users {
		if _, ok := last[u]; !ok {
			quiet = append(quiet, u)
		}
	}
	if len(quiet) > 0 {
		latest, err := c.Reflection.Query().
			Where(shared(reflection.UserIDIn(quiet...), reflection.CreatedAtLT(before), latestOfAuthor(before))...).
			Select(reflection.FieldUserID, reflection.FieldCreatedAt).
			All(ctx)
		if err != nil {
			return nil, err
		}
		for _, r := range latest {
			last[r.UserID] = r.CreatedAt
		}
	}
	// Unexcused absences in a row as of the latest recorded session before the period's end.
	mids := make([]int, len(members))
	for i, m := range members {
		mids[i] = m.ID
	}
	missed, err := attendance.Absences(ctx, c, g.ID, mids, now, groupsession.StartsAtLT(end))
	if err != nil {
		return nil, err
	}
	out := build(members, rs, prev, last, missed, start, end, loc)
	out.Session = sess
	if sess != nil {
		// Read as the facilitator: the Topic policy shows them every topic not withdrawn.
		if out.OpenTopicCount, err = c.Topic.Query().Where(
			topic.SessionID(sess.ID), topic.StatusEQ(topic.StatusOPEN), topic.DeletedAtIsNil(),
		).Count(ctx); err != nil {
			return nil, err
		}
	}
	for _, m := range out.Members {
		for _, r := range m.Reflections {
			// Shown in the digest (and in its averages): a read in the author's accounting.
			disclosure.Read(ctx, r)
		}
	}
	return out, nil
}

// session is the session named by id in group groupID, or else the group's session in
// progress or its next one.
func session(ctx context.Context, c *ent.Client, groupID int, id *int, now time.Time) (*ent.GroupSession, error) {
	if id == nil {
		// A therapist who opens the digest during the session gets that session's.
		s, err := c.GroupSession.Query().
			Where(
				groupsession.GroupID(groupID),
				groupsession.StatusEQ(groupsession.StatusSCHEDULED),
				groupsession.EndsAtGT(now),
			).
			Order(groupsession.ByStartsAt(), groupsession.ByID()).
			First(ctx)
		if ent.IsNotFound(err) {
			return nil, nil
		}
		return s, err
	}
	s, err := c.GroupSession.Query().
		Where(groupsession.ID(*id), groupsession.GroupID(groupID)).
		Only(ctx)
	if ent.IsNotFound(err) {
		return nil, &apperr.Error{Code: apperr.NotFound, Field: "sessionID", Message: "no such session in this group"}
	}
	return s, err
}

// periodStart is the start of the last session before sess (or before end, without one)
// that was not cancelled, or the group's creation; never after end.
func periodStart(ctx context.Context, c *ent.Client, g *ent.Group, sess *ent.GroupSession, end time.Time) (time.Time, error) {
	before := end
	q := c.GroupSession.Query().Where(
		groupsession.GroupID(g.ID),
		groupsession.StatusEQ(groupsession.StatusSCHEDULED),
	)
	if sess != nil {
		before = sess.StartsAt
		q.Where(groupsession.IDNEQ(sess.ID))
	}
	prev, err := q.Where(groupsession.StartsAtLT(before)).
		Order(groupsession.ByStartsAt(sql.OrderDesc()), groupsession.ByID(sql.OrderDesc())).
		First(ctx)
	start := g.CreatedAt
	switch {
	case ent.IsNotFound(err):
	case err != nil:
		return time.Time{}, err
	default:
		start = prev.StartsAt
	}
	if start.After(end) {
		// A session further ahead than the next one: nothing has been shared for it yet.
		start = end
	}
	return start, nil
}

// latestOfAuthor keeps, per author, the reflections written last before end that
// facilitators may read (a correlated subquery, served by the index on user_id, created_at).
func latestOfAuthor(end time.Time) predicate.Reflection {
	return func(s *sql.Selector) {
		t := sql.Table(reflection.Table).As("latest")
		sub := sql.Select(sql.Max(t.C(reflection.FieldCreatedAt))).From(t).Where(sql.And(
			sql.ColumnsEQ(t.C(reflection.FieldUserID), s.C(reflection.FieldUserID)),
			sql.ColumnsEQ(t.C(reflection.FieldGroupID), s.C(reflection.FieldGroupID)),
			sql.NEQ(t.C(reflection.FieldVisibility), reflection.VisibilityPRIVATE),
			sql.IsNull(t.C(reflection.FieldDeletedAt)),
			sql.LT(t.C(reflection.FieldCreatedAt), end),
		))
		s.Where(sql.In(s.C(reflection.FieldCreatedAt), sub))
	}
}

// numbers are what the digest needs of a reflection of the period before.
type numbers struct {
	UserID    int       `json:"user_id"`
	Mood      int       `json:"mood"`
	Craving   int       `json:"craving"`
	CreatedAt time.Time `json:"created_at"`
}

// build computes the digest of members from rs, their reflections in the period [start,
// end), prev, those of the period before, and last, the time of each author's latest
// reflection before end.
func build(members []*ent.Membership, rs []*ent.Reflection, prev []numbers, last map[int]time.Time, missed map[int]int, start, end time.Time, loc *time.Location) *Digest {
	type sums struct{ n, mood, craving int }
	add := func(into map[int]*sums, r numbers) {
		s := into[r.UserID]
		if s == nil {
			s = &sums{}
			into[r.UserID] = s
		}
		s.n++
		s.mood += r.Mood
		s.craving += r.Craving
	}
	cur, before := map[int]*sums{}, map[int]*sums{}
	byUser := map[int][]*ent.Reflection{}
	crisis := map[int]bool{}
	for _, r := range rs {
		add(cur, numbers{UserID: r.UserID, Mood: r.Mood, Craving: r.Craving})
		byUser[r.UserID] = append(byUser[r.UserID], r)
		crisis[r.UserID] = crisis[r.UserID] || r.NeedsAttention
	}
	for _, r := range prev {
		add(before, r)
	}
	d := &Digest{PeriodStart: start, PeriodEnd: end, Members: make([]*Member, 0, len(members))}
	for _, ms := range members {
		m := &Member{Membership: ms, Reflections: byUser[ms.UserID], AttentionReasons: []Reason{}}
		if m.Reflections == nil {
			m.Reflections = []*ent.Reflection{}
		}
		if c := cur[ms.UserID]; c != nil {
			m.ReflectionCount = c.n
			m.AverageMood = avg(c.mood, c.n)
			m.AverageCraving = avg(c.craving, c.n)
			if p := before[ms.UserID]; p != nil {
				m.MoodChange = change(c.mood, c.n, p.mood, p.n)
				m.CravingChange = change(c.craving, c.n, p.craving, p.n)
			}
		}
		quietSince := ms.JoinedAt
		if t, ok := last[ms.UserID]; ok {
			t := t
			m.LastReflectionAt = &t
			days := calendarDays(t, end, loc)
			m.DaysSinceLastReflection = &days
			quietSince = t
		}
		if crisis[ms.UserID] {
			m.AttentionReasons = append(m.AttentionReasons, Crisis)
		}
		if missed[ms.ID] >= MissedSessions {
			m.AttentionReasons = append(m.AttentionReasons, Missed)
		}
		if m.AverageCraving != nil && *m.AverageCraving >= HighCraving {
			m.AttentionReasons = append(m.AttentionReasons, HighCrave)
		}
		if m.MoodChange != nil && *m.MoodChange <= -MoodDrop {
			m.AttentionReasons = append(m.AttentionReasons, MoodFell)
		}
		if calendarDays(quietSince, end, loc) >= QuietDays {
			m.AttentionReasons = append(m.AttentionReasons, Quiet)
		}
		m.NeedsAttention = len(m.AttentionReasons) > 0
		d.ReflectionCount += m.ReflectionCount
		if m.NeedsAttention {
			d.AttentionCount++
		}
		d.Members = append(d.Members, m)
	}
	slices.SortStableFunc(d.Members, order)
	return d
}

// order lists members who need attention first (crisis language, then missed sessions,
// before other reasons), then the quietest first: fewest reflections in the period, then the longest since their
// last one (never first), then the earliest to join.
func order(a, b *Member) int {
	rank := func(m *Member) int {
		switch {
		case slices.Contains(m.AttentionReasons, Crisis):
			return 0
		case slices.Contains(m.AttentionReasons, Missed):
			return 1
		case m.NeedsAttention:
			return 2
		}
		return 3
	}
	if c := rank(a) - rank(b); c != 0 {
		return c
	}
	if c := a.ReflectionCount - b.ReflectionCount; c != 0 {
		return c
	}
	switch {
	case a.LastReflectionAt == nil && b.LastReflectionAt != nil:
		return -1
	case a.LastReflectionAt != nil && b.LastReflectionAt == nil:
		return 1
	case a.LastReflectionAt != nil:
		if c := a.LastReflectionAt.Compare(*b.LastReflectionAt); c != 0 {
			return c
		}
	}
	return a.Membership.ID - b.Membership.ID
}

// tenths is num/den rounded to one decimal, half away from zero. num and den are integers,
// so a value halfway between two tenths is exactly representable and rounds the same way
// whatever the floating point of the division.
func tenths(num, den int) float64 {
	v := math.Round(float64(10*num)/float64(den)) / 10
	if v == 0 {
		return 0 // never -0
	}
	return v
}

// avg is the average sum/n, as the digest shows it.
func avg(sum, n int) *float64 {
	v := tenths(sum, n)
	return &v
}

// change is the exact difference of the averages sum/n and prevSum/prevN, as the digest
// shows it.
func change(sum, n, prevSum, prevN int) *float64 {
	v := tenths(sum*prevN-prevSum*n, n*prevN)
	return &v
}

// calendarDays is the number of calendar days from the date of a to the date of b, both in
// loc (a daylight-saving change does not shift it).
func calendarDays(a, b time.Time, loc *time.Location) int {
	day := func(t time.Time) time.Time {
		y, m, d := t.In(loc).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	return int(day(b).Sub(day(a)).Hours() / 24)
}
