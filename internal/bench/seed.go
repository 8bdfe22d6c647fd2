package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/encouragement"
	"github.com/processgroup/api/ent/membership"
	"github.com/processgroup/api/ent/reflection"
	"github.com/processgroup/api/internal/firebase/authemu"
	"github.com/processgroup/api/internal/notify/schedule"
	"github.com/processgroup/api/internal/platform/clock"
	"github.com/processgroup/api/internal/platform/crypt"
	"github.com/processgroup/api/internal/rule"
	"github.com/processgroup/api/internal/server"
	"github.com/processgroup/api/internal/server/config"
	"github.com/processgroup/api/internal/service/consent"
	"github.com/processgroup/api/internal/service/crisis"
)

// size is a dataset's shape.
type size struct {
	name string
	// groups, each with one therapist (its facilitator) and members.
	groups, members int
	// reflections and encouragements in all.
	reflections, encouragements int
}

// sizeTiny is the dataset of -tiny.
const sizeTiny = "TINY"

var sizes = map[string]size{
	"S":      {name: "S", groups: 20, members: 15, reflections: 5000, encouragements: 10000},
	"M":      {name: "M", groups: 500, members: 12, reflections: 100000, encouragements: 300000},
	sizeTiny: {name: "tiny", groups: 3, members: 6, reflections: 150, encouragements: 250},
}

// batchSize is how many rows one bulk insert (one transaction) writes.
const batchSize = 1000

// person is a seeded user with their one membership.
type person struct {
	uid       string
	token     string
	userID    int
	therapist bool
	group     *group
	// membershipID is their membership of group.
	membershipID int
	// current: they have not left the group.
	current bool
	// sharing: current, with a consent to share in force (their GROUP reflections reach
	// their peers).
	sharing bool
}

// group is a seeded group.
type group struct {
	id        int
	therapist *person
	// members are its members (role MEMBER), current and former.
	members []*person
}

// pair is an encouragement the run may send: sender can read the reflection and has sent
// nothing on it yet.
type pair struct {
	sender       *person
	reflectionID int
}

// dataset is what the seed wrote, as far as the measurements need it.
type dataset struct {
	size     size
	groups   []*group
	people   []*person
	pairs    []pair
	seedTime time.Duration
	// counts of what was written, by kind, for the report.
	users, memberships, consents, sessions, encouragements int
	byVisibility                                           map[reflection.Visibility]int
}

func (d *dataset) summary() string {
	n := 0
	for _, c := range d.byVisibility {
		n += c
	}
	return fmt.Sprintf("%d groups, %d users (%d therapists), %d memberships, %d consents, %d sessions, %d reflections (%d GROUP, %d FACILITATORS, %d PRIVATE), %d encouragements",
		len(d.groups), d.users, len(d.groups), d.memberships, d.consents, d.sessions, n,
		d.byVisibility[reflection.VisibilityGROUP], d.byVisibility[reflection.VisibilityFACILITATORS],
		d.byVisibility[reflection.VisibilityPRIVATE], d.encouragements)
}

// seeder writes one dataset through the application's ent client.
type seeder struct {
	// ctx carries the seed's reason to write as the system (rule.ForDemoSeed) and the clock.
	ctx      context.Context
	client   *ent.Client
	keys     *crypt.Keyring
	emu      *authemu.Emulator
	detector *crisis.Detector
	rng      *rand.Rand
	now      time.Time
	d        *dataset
	logf     func(string, ...any)
}

// seed builds the application on the target database (which migrates it) and writes a
// dataset of size sz, through the application's own ent client, so that the application's
// driver encrypts the sealed columns. The users are added to the emulator, with tokens.
func seed(ctx context.Context, t *target, fx *fixture, sz size, seedN int64, logf func(string, ...any)) (*dataset, error) {
	cfg, err := config.FromEnv(getenv(fx.settings(t.urlFor(appSeed))))
	if err != nil {
		return nil, err
	}
	app, err := server.New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return nil, err
	}
	defer app.Close()
	keys, err := crypt.ParseKeys(fx.keys)
	if err != nil {
		return nil, err
	}
	s := &seeder{
		// SECURITY: the seed writes every group's rows before anyone signs in, as the demo
		// seed does; nothing it reads is returned to anyone.
		ctx:      rule.ForDemoSeed(clock.NewContext(ctx, clock.Real{})),
		client:   app.Client(),
		keys:     keys,
		emu:      fx.emu,
		detector: crisis.Default(),
		rng:      rand.New(rand.NewPCG(uint64(seedN), 0x5eed)),
		now:      time.Now().UTC().Truncate(time.Microsecond),
		d:        &dataset{size: sz, byVisibility: map[reflection.Visibility]int{}},
		logf:     logf,
	}
	for _, step := range []func(sz size) error{s.people, s.groupsAndSessions, s.memberships, s.consents} {
		if err := step(sz); err != nil {
			return nil, err
		}
	}
	shared, err := s.reflections(sz)
	if err != nil {
		return nil, err
	}
	if err := s.encouragements(sz, shared); err != nil {
		return nil, err
	}
	return s.d, nil
}

// inTx runs f in a transaction of its own.
func (s *seeder) inTx(f func(c *ent.Client) error) error {
	tx, err := s.client.Tx(s.ctx)
	if err != nil {
		return err
	}
	if err := f(tx.Client()); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// inBatches calls f for each batch [from, to) of n rows, each in a transaction of its own.
func (s *seeder) inBatches(n int, f func(c *ent.Client, from, to int) error) error {
	for from := 0; from < n; from += batchSize {
		to := min(n, from+batchSize)
		if err := s.inTx(func(c *ent.Client) error { return f(c, from, to) }); err != nil {
			return err
		}
		if n >= 50000 && to%50000 == 0 {
			s.logf("  … %d of %d", to, n)
		}
	}
	return nil
}

// build makes the builders of a batch with the transaction's client c.
func build[T any](c *ent.Client, makers []func(*ent.Client) T) []T {
	out := make([]T, len(makers))
	for i, m := range makers {
		out[i] = m(c)
	}
	return out
}

// groupStart is when every group was founded, before everything else it holds.
func (s *seeder) groupStart() time.Time { return s.now.Add(-120 * 24 * time.Hour) }

// people creates the users (a therapist and sz.members members per group), adds them to the
// emulator and mints their tokens.
func (s *seeder) people(sz size) error {
	for gi := range sz.groups {
		g := &group{}
		s.d.groups = append(s.d.groups, g)
		g.therapist = &person{uid: fmt.Sprintf("bench-t%d", gi), therapist: true, group: g, current: true}
		s.d.people = append(s.d.people, g.therapist)
		for mi := range sz.members {
			p := &person{uid: fmt.Sprintf("bench-m%d-%d", gi, mi), group: g, current: true}
			g.members = append(g.members, p)
			s.d.people = append(s.d.people, p)
		}
	}
	for _, p := range s.d.people {
		claims := map[string]any{}
		if p.therapist {
			claims["role"] = "therapist"
		}
		s.emu.AddUser(authemu.User{UID: p.uid, Email: p.uid + "@example.invalid", Claims: claims})
		tok, err := s.emu.Token(p.uid, 12*time.Hour)
		if err != nil {
			return err
		}
		p.token = tok
	}
	s.d.users = len(s.d.people)
	return s.inBatches(len(s.d.people), func(c *ent.Client, from, to int) error {
		bs := make([]*ent.UserCreate, 0, to-from)
		for _, p := range s.d.people[from:to] {
			// As sign-in would write them, so that the first request changes nothing.
			bs = append(bs, c.User.Create().SetFirebaseUID(p.uid).SetEmail(p.uid+"@example.invalid").
				SetTherapist(p.therapist).SetCreatedAt(s.groupStart()).SetUpdatedAt(s.groupStart()))
		}
		us, err := c.User.CreateBulk(bs...).Save(s.ctx)
		for i, u := range us {
			s.d.people[from+i].userID = u.ID
		}
		return err
	})
}

var zones = []string{"America/Chicago", "America/New_York", "America/Denver", "America/Los_Angeles", "Europe/Berlin", "Europe/Madrid"}

// horizon is how far ahead the weekly schedules have produced sessions (the default
// SESSION_HORIZON).
const horizon = 28 * 24 * time.Hour

// groupsAndSessions creates the groups, each with a weekly schedule and the sessions it
// produced since the group began, up to the horizon ahead (as the hourly upkeep leaves them).
func (s *seeder) groupsAndSessions(sz size) error {
	starts := []string{"18:00", "17:30", "19:00", "12:00"}
	type slot struct {
		weekday int
		start   string
		zone    string
	}
	slots := make([]slot, len(s.d.groups))
	err := s.inBatches(len(s.d.groups), func(c *ent.Client, from, to int) error {
		bs := make([]*ent.GroupCreate, 0, to-from)
		for gi := from; gi < to; gi++ {
			slots[gi] = slot{weekday: gi % 7, start: starts[gi%len(starts)], zone: zones[gi%len(zones)]}
			bs = append(bs, c.Group.Create().
				SetName(fmt.Sprintf("%s Group %d", weekdayNames[gi%7], gi+1)).
				SetTimeZone(slots[gi].zone).
				SetScheduleWeekday(slots[gi].weekday).SetScheduleStart(slots[gi].start).SetScheduleMinutes(90).
				SetScheduleLocation(fmt.Sprintf("Room %d", gi%9+1)).
				SetSessionsUntil(s.now.Add(horizon)).
				SetCreatedAt(s.groupStart()).SetUpdatedAt(s.groupStart()))
		}
		gs, err := c.Group.CreateBulk(bs...).Save(s.ctx)
		for i, g := range gs {
			s.d.groups[from+i].id = g.ID
		}
		return err
	})
	if err != nil {
		return err
	}
	var sessions []func(c *ent.Client) *ent.GroupSessionCreate
	for gi, g := range s.d.groups {
		loc, err := time.LoadLocation(slots[gi].zone)
		if err != nil {
			return err
		}
		clk, err := schedule.ParseClock(slots[gi].start)
		if err != nil {
			return err
		}
		w := schedule.Weekly{Weekday: time.Weekday(slots[gi].weekday), Start: clk, Duration: 90 * time.Minute}
		room := fmt.Sprintf("Room %d", gi%9+1)
		for _, o := range schedule.Occurrences(w, loc, s.groupStart(), s.now.Add(horizon)) {
			sessions = append(sessions, func(c *ent.Client) *ent.GroupSessionCreate {
				return c.GroupSession.Create().SetGroupID(g.id).
					SetStartsAt(o.Start).SetEndsAt(o.End).SetOccurrence(o.Key).SetLocation(room).
					SetCreatedAt(s.groupStart()).SetUpdatedAt(s.groupStart())
			})
		}
	}
	s.d.sessions = len(sessions)
	return s.inBatches(len(sessions), func(c *ent.Client, from, to int) error {
		return c.GroupSession.CreateBulk(build(c, sessions[from:to])...).Exec(s.ctx)
	})
}

var weekdayNames = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}

// leaver is the member of group gi who left it, if any: the last one, in every other group.
func leaver(gi int, g *group) *person {
	if gi%2 == 1 && len(g.members) > 2 {
		return g.members[len(g.members)-1]
	}
	return nil
}

// memberships puts each therapist in their group as its facilitator and the members as
// members; in every other group the last member has left.
func (s *seeder) memberships(sz size) error {
	type row struct {
		p      *person
		role   membership.Role
		name   string
		joined time.Time
		left   *time.Time
	}
	var rows []row
	left := s.now.Add(-10 * 24 * time.Hour)
	for gi, g := range s.d.groups {
		rows = append(rows, row{p: g.therapist, role: membership.RoleFACILITATOR, name: "Dr. " + surnames[gi%len(surnames)], joined: s.groupStart().Add(time.Hour)})
		for mi, p := range g.members {
			r := row{p: p, role: membership.RoleMEMBER, name: fmt.Sprintf("%s %c.", firstNames[(gi+mi)%len(firstNames)], 'A'+rune(mi%26)),
				joined: s.groupStart().Add(time.Duration(2+mi) * time.Hour)}
			if p == leaver(gi, g) {
				r.left = &left
				p.current = false
			}
			rows = append(rows, r)
		}
	}
	s.d.memberships = len(rows)
	return s.inBatches(len(rows), func(c *ent.Client, from, to int) error {
		bs := make([]*ent.MembershipCreate, 0, to-from)
		for _, r := range rows[from:to] {
			bs = append(bs, c.Membership.Create().SetUserID(r.p.userID).SetGroupID(r.p.group.id).
				SetDisplayName(r.name).SetRole(r.role).SetJoinedAt(r.joined).SetNillableLeftAt(r.left))
		}
		ms, err := c.Membership.CreateBulk(bs...).Save(s.ctx)
		for i, m := range ms {
			rows[from+i].p.membershipID = m.ID
		}
		return err
	})
}

// consents records every member's consent to share with their group, for the current text.
// In every other group the first member has revoked it since, in every third the second
// member's has expired, and the member who left had theirs ended on leaving; a quarter of
// the others chose an end date half a year ahead.
func (s *seeder) consents(sz size) error {
	var bs []func(c *ent.Client) *ent.GroupSharingConsentCreate
	for gi, g := range s.d.groups {
		for mi, p := range g.members {
			granted := s.groupStart().Add(time.Duration(2+mi)*time.Hour + 30*time.Minute)
			var expires, revoked *time.Time
			switch {
			case !p.current:
				t := s.now.Add(-10 * 24 * time.Hour)
				revoked = &t
			case mi == 0 && gi%2 == 0:
				t := s.now.Add(-5 * 24 * time.Hour)
				revoked = &t
			case mi == 1 && gi%3 == 0:
				t := s.now.Add(-2 * 24 * time.Hour)
				expires = &t
			case s.rng.IntN(4) == 0:
				t := s.now.Add(180 * 24 * time.Hour)
				expires = &t
			}
			p.sharing = p.current && revoked == nil && (expires == nil || expires.After(s.now))
			bs = append(bs, func(c *ent.Client) *ent.GroupSharingConsentCreate {
				return c.GroupSharingConsent.Create().SetUserID(p.userID).SetGroupID(g.id).
					SetMembershipID(p.membershipID).SetTextVersion(consent.TextVersion).SetGrantedAt(granted).
					SetNillableExpiresAt(expires).SetNillableRevokedAt(revoked)
			})
		}
	}
	s.d.consents = len(bs)
	return s.inBatches(len(bs), func(c *ent.Client, from, to int) error {
		return c.GroupSharingConsent.CreateBulk(build(c, bs[from:to])...).Exec(s.ctx)
	})
}

// written is what the encouragement step needs to know of a GROUP reflection.
type written struct {
	id      int
	author  *person
	created time.Time
}

// reflections writes sz.reflections reflections over the last 90 days, by random members of
// random groups (the member who left wrote before leaving): 80% GROUP, 10% FACILITATORS, 10%
// PRIVATE, a few with crisis language. It returns the GROUP ones.
func (s *seeder) reflections(sz size) ([]written, error) {
	window := 90 * 24 * time.Hour
	leftAt := s.now.Add(-10 * 24 * time.Hour)
	var shared []written
	err := s.inBatches(sz.reflections, func(c *ent.Client, from, to int) error {
		bs := make([]*ent.ReflectionCreate, 0, to-from)
		meta := make([]written, 0, to-from)
		vis := make([]reflection.Visibility, 0, to-from)
		for range to - from {
			g := s.d.groups[s.rng.IntN(len(s.d.groups))]
			p := g.members[s.rng.IntN(len(g.members))]
			end := s.now.Add(-time.Minute)
			if !p.current {
				end = leftAt
			}
			span := end.Sub(s.now.Add(-window))
			created := s.now.Add(-window).Add(time.Duration(s.rng.Int64N(int64(span)))).Truncate(time.Microsecond)
			v := reflection.VisibilityGROUP
			switch n := s.rng.IntN(10); {
			case n == 8:
				v = reflection.VisibilityFACILITATORS
			case n == 9:
				v = reflection.VisibilityPRIVATE
			}
			body := s.text(s.rng.IntN(250) == 0)
			var prompt *string
			if s.rng.IntN(10) < 3 {
				pr := prompts[s.rng.IntN(len(prompts))]
				prompt = &pr
			}
			mood, craving := 1+s.rng.IntN(10), s.rng.IntN(11)
			clientID := uuid.New()
			bs = append(bs, c.Reflection.Create().
				SetClientID(clientID).SetUserID(p.userID).SetGroupID(g.id).SetAuthorID(p.membershipID).
				SetBody(body).SetMood(mood).SetCraving(craving).SetNillablePrompt(prompt).
				SetVisibility(v).SetNeedsAttention(s.detector.Detect(body)).
				SetCreateDigest(createDigest(s.keys, clientID, g.id, body, mood, craving, prompt, v)).
				SetCreatedAt(created).SetUpdatedAt(created))
			meta = append(meta, written{author: p, created: created})
			vis = append(vis, v)
			s.d.byVisibility[v]++
		}
		rs, err := c.Reflection.CreateBulk(bs...).Save(s.ctx)
		if err != nil {
			return err
		}
		for i, r := range rs {
			if vis[i] == reflection.VisibilityGROUP {
				meta[i].id = r.ID
				shared = append(shared, meta[i])
			}
		}
		return nil
	})
	return shared, err
}

// maxPairs bounds the encouragements kept for the run to send.
const maxPairs = 100000

// encouragements sends about sz.encouragements encouragements from groupmates (current
// members) on the GROUP reflections, within two days of each; some with a message, a few
// reported by their recipient or hidden by a facilitator. The encouragements not sent from
// peers who could send them become the run's SendEncouragement requests.
func (s *seeder) encouragements(sz size, shared []written) error {
	if len(shared) == 0 {
		return nil
	}
	perReflection := float64(sz.encouragements) / float64(len(shared))
	// Builders are made by the transaction's client, so they are kept as functions until then.
	var bs []func(c *ent.Client) *ent.EncouragementCreate
	flush := func() error {
		if len(bs) == 0 {
			return nil
		}
		err := s.inTx(func(c *ent.Client) error {
			return c.Encouragement.CreateBulk(build(c, bs)...).Exec(s.ctx)
		})
		s.d.encouragements += len(bs)
		if s.d.encouragements/50000 != (s.d.encouragements-len(bs))/50000 {
			s.logf("  … %d encouragements", s.d.encouragements)
		}
		bs = bs[:0]
		return err
	}
	seen := 0
	for _, r := range shared {
		var peers []*person
		for _, p := range r.author.group.members {
			if p != r.author && p.current {
				peers = append(peers, p)
			}
		}
		n := int(perReflection)
		if s.rng.Float64() < perReflection-float64(n) {
			n++
		}
		n = min(n, len(peers))
		s.rng.Shuffle(len(peers), func(i, j int) { peers[i], peers[j] = peers[j], peers[i] })
		for _, p := range peers[:n] {
			created := r.created.Add(5*time.Minute + time.Duration(s.rng.Int64N(int64(48*time.Hour))))
			if created.After(s.now) {
				created = s.now.Add(-time.Second)
			}
			created = created.Truncate(time.Microsecond)
			kind := encouragementKinds[s.rng.IntN(len(encouragementKinds))]
			var message *string
			if s.rng.IntN(10) < 4 {
				message = &messages[s.rng.IntN(len(messages))]
			}
			moderation := s.rng.IntN(200)
			sender, on := p.membershipID, r.id
			bs = append(bs, func(c *ent.Client) *ent.EncouragementCreate {
				b := c.Encouragement.Create().SetClientID(uuid.New()).SetReflectionID(on).SetSenderID(sender).
					SetKind(kind).SetNillableMessage(message).SetCreatedAt(created).SetUpdatedAt(created)
				switch moderation {
				case 0, 1:
					b.SetReportedAt(created.Add(time.Hour)).SetReportReason("It felt dismissive.")
				case 2:
					b.SetHiddenAt(created.Add(2 * time.Hour)).SetHideReason("Off topic for the group.")
				}
				return b
			})
			if len(bs) == batchSize {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if !r.author.sharing {
			continue
		}
		// Those who could still send one: reservoir-sampled, so that any dataset size keeps
		// an even spread of them.
		for _, p := range peers[n:] {
			seen++
			if len(s.d.pairs) < maxPairs {
				s.d.pairs = append(s.d.pairs, pair{sender: p, reflectionID: r.id})
			} else if j := s.rng.IntN(seen); j < maxPairs {
				s.d.pairs[j] = pair{sender: p, reflectionID: r.id}
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	s.rng.Shuffle(len(s.d.pairs), func(i, j int) { s.d.pairs[i], s.d.pairs[j] = s.d.pairs[j], s.d.pairs[i] })
	return nil
}

var encouragementKinds = []encouragement.Kind{
	encouragement.KindHEART, encouragement.KindHUG, encouragement.KindSTRENGTH, encouragement.KindRELATE, encouragement.KindPROUD,
}

// createDigest is the keyed fingerprint the journal stores with a reflection it creates
// (internal/service/journal's digest of a create request), so that a seeded reflection looks
// as one made through the API, and a retry of a create recognises it.
func createDigest(keys *crypt.Keyring, clientID uuid.UUID, groupID int, body string, mood, craving int, prompt *string, v reflection.Visibility) string {
	p := "\x00nil"
	if prompt != nil {
		p = "=" + *prompt
	}
	return keys.MAC(clientID.String(), fmt.Sprint(groupID), body, fmt.Sprint(mood), fmt.Sprint(craving), p, string(v))
}

// text is a journal entry of one to four sentences; with crisis, one of them is crisis
// language.
func (s *seeder) text(crisis bool) string {
	var b strings.Builder
	n := 1 + s.rng.IntN(4)
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(openers[s.rng.IntN(len(openers))])
		b.WriteByte(' ')
		b.WriteString(middles[s.rng.IntN(len(middles))])
		b.WriteByte(' ')
		b.WriteString(endings[s.rng.IntN(len(endings))])
	}
	if crisis {
		b.WriteString(" Some nights I want to kill myself.")
	}
	return b.String()
}

var (
	openers = []string{"Today", "This morning", "After work", "Last night", "On the bus", "At my sister's place", "During lunch", "Before the meeting", "Over the weekend", "Around midnight"}
	middles = []string{
		"I felt the urge come back", "I called my sponsor", "I went for a long walk", "I wrote down what I was grateful for",
		"I had a hard conversation with my father", "I skipped the bar on the way home", "I cooked a real dinner",
		"I noticed I was getting restless", "I sat with the feeling instead of running", "I went to a meeting",
		"I argued with my partner about money", "I slept through the night for once", "I thought about the old crowd",
	}
	endings = []string{
		"and it passed after a while.", "and I am proud of that.", "and I want to talk about it in group.",
		"but I am tired of fighting it.", "which helped more than I expected.", "and my hands were shaking.",
		"and I remembered why I started.", "so I am counting this as a good day.", "and I still feel uneasy.",
	}
	prompts = []string{
		"What helped you most this week?", "What do you want the group to know?", "When did you feel the strongest urge, and what did you do?",
		"Name one thing you did for yourself today.",
	}
	messages = []string{
		"Proud of you for making that call.", "Thank you for sharing this.", "I have been there too. You are not alone.",
		"That walk sounds like a great idea.", "One day at a time.", "See you Tuesday!",
	}
	firstNames = []string{"Sam", "Alex", "Jordan", "Taylor", "Casey", "Riley", "Morgan", "Jamie", "Avery", "Quinn", "Parker", "Drew", "Rowan", "Emerson", "Hayden", "Kendall"}
	surnames   = []string{"Rivera", "Okafor", "Lindqvist", "Tanaka", "Moreau", "Silva", "Kowalski", "Haddad"}
)
