// Package demo seeds local demo mode: a group with a therapist and three members,
// reflections of each visibility and some encouragement, and a sign-in token for each demo
// user from the built-in Firebase Auth emulator. Everything is written through the same
// domain code and privacy rules as the API, as each demo user.
package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/encouragement"
	"github.com/processgroup/api/ent/reflection"
	"github.com/processgroup/api/ent/user"
	"github.com/processgroup/api/internal/firebase/authemu"
	"github.com/processgroup/api/internal/platform/db"
	"github.com/processgroup/api/internal/rule"
	"github.com/processgroup/api/internal/service/consent"
	"github.com/processgroup/api/internal/service/groups"
	"github.com/processgroup/api/internal/service/journal"
	"github.com/processgroup/api/internal/service/sessions"
	"github.com/processgroup/api/internal/viewer"
)

// User is a demo user and a ready-to-use sign-in token.
type User struct {
	UID         string
	DisplayName string
	Therapist   bool
	Token       string
}

var people = []User{
	{UID: "demo-therapist", DisplayName: "Dr. Rivera", Therapist: true},
	{UID: "demo-sam", DisplayName: "Sam"},
	{UID: "demo-alex", DisplayName: "Alex"},
	{UID: "demo-jordan", DisplayName: "Jordan"},
}

// ns derives the demo's stable client ids, so that seeding twice writes nothing twice.
var ns = uuid.MustParse("6f1c1d9e-1d0a-4a53-9d7e-2f0c6c9e8a11")

// Seed adds the demo users to emu and, on the first start, writes the demo group. It
// returns the users with fresh tokens valid for ttl.
func Seed(ctx context.Context, c *ent.Client, emu *authemu.Emulator, j *journal.Journal, g *groups.Groups, cs *consent.Consents, ss *sessions.Sessions, ttl time.Duration) ([]User, error) {
	out := make([]User, len(people))
	ids := map[string]*viewer.Viewer{}
	sys := rule.ForDemoSeed(ctx)
	for i, p := range people {
		claims := map[string]any{}
		if p.Therapist {
			claims["role"] = "therapist"
		}
		emu.AddUser(authemu.User{UID: p.UID, Email: p.UID + "@example.invalid", Claims: claims})
		tok, err := emu.Token(p.UID, ttl)
		if err != nil {
			return nil, err
		}
		p.Token = tok
		out[i] = p
		// As sign-in would: find or create the member record.
		u, err := c.User.Query().Where(user.FirebaseUID(p.UID)).Only(sys)
		if ent.IsNotFound(err) {
			u, err = c.User.Create().SetFirebaseUID(p.UID).SetEmail(p.UID + "@example.invalid").Save(sys)
		}
		if err != nil {
			return nil, err
		}
		ids[p.UID] = &viewer.Viewer{UserID: u.ID, Therapist: p.Therapist}
	}
	as := func(uid string) context.Context { return viewer.NewContext(ctx, ids[uid]) }

	// Seeded already? The therapist then has a group.
	n, err := c.User.Query().Where(user.ID(ids["demo-therapist"].UserID)).QueryMemberships().Count(as("demo-therapist"))
	if err != nil || n > 0 {
		return out, err
	}
	// One transaction, as a request's: the reminders the seed plans are inserted in it.
	ctx, tx, err := db.BeginTx(ctx, c)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it does nothing
	c = tx.Client()
	if err := seed(ctx, c, ids, j, g, cs, ss); err != nil {
		return nil, err
	}
	return out, tx.Commit()
}

func seed(ctx context.Context, c *ent.Client, ids map[string]*viewer.Viewer, j *journal.Journal, g *groups.Groups, cs *consent.Consents, ss *sessions.Sessions) error {
	as := func(uid string) context.Context { return viewer.NewContext(ctx, ids[uid]) }
	grp, err := g.Create(as("demo-therapist"), c, groups.NewGroup{
		Name: "Tuesday Evening Group", TimeZone: "America/Chicago", DisplayName: "Dr. Rivera",
	})
	if err != nil {
		return fmt.Errorf("group: %w", err)
	}
	inv, err := g.CreateInvite(as("demo-therapist"), c, groups.NewInvite{GroupID: grp.ID})
	if err != nil {
		return fmt.Errorf("invite: %w", err)
	}
	for _, p := range people[1:] {
		if _, err := g.Join(as(p.UID), c, groups.JoinRequest{Code: inv.Code, DisplayName: p.DisplayName}); err != nil {
			return fmt.Errorf("join: %w", err)
		}
		in := consent.Request{GroupID: grp.ID, TextVersion: consent.TextVersion}
		if _, err := cs.Grant(as(p.UID), c, in); err != nil {
			return fmt.Errorf("consent: %w", err)
		}
	}
	type entry struct {
		uid, body  string
		mood, crav int
		vis        reflection.Visibility
	}
	entries := []entry{
		{"demo-sam", "Day 41. Hard evening, but I called my sponsor instead of going out.", 6, 5, reflection.VisibilityGROUP},
		{"demo-sam", "Wrote down three things I am grateful for. Only managed two.", 5, 3, reflection.VisibilityPRIVATE},
		{"demo-alex", "Family dinner on Sunday made me anxious. I want to talk about it in group.", 4, 6, reflection.VisibilityFACILITATORS},
		{"demo-alex", "Went for a long walk after work and it helped.", 7, 2, reflection.VisibilityGROUP},
		{"demo-jordan", "First week back at work. Tired but proud.", 7, 3, reflection.VisibilityGROUP},
	}
	var shared []*ent.Reflection
	for i, e := range entries {
		vis := e.vis
		r, _, err := j.CreateReflection(as(e.uid), c, journal.NewReflection{
			ClientID: uuid.NewSHA1(ns, []byte(fmt.Sprint("reflection", i))),
			GroupID:  grp.ID, Body: e.body, Mood: e.mood, Craving: e.crav, Visibility: &vis,
		})
		if err != nil {
			return fmt.Errorf("reflection: %w", err)
		}
		if vis == reflection.VisibilityGROUP {
			shared = append(shared, r)
		}
	}
	msg := "Proud of you for making that call."
	sends := []struct {
		uid  string
		on   int
		kind encouragement.Kind
		msg  *string
	}{
		{"demo-alex", 0, encouragement.KindSTRENGTH, &msg},
		{"demo-jordan", 0, encouragement.KindHEART, nil},
		{"demo-sam", 2, encouragement.KindPROUD, nil},
	}
	for i, s := range sends {
		_, err := j.SendEncouragement(as(s.uid), c, journal.NewEncouragement{
			ClientID:     uuid.NewSHA1(ns, []byte(fmt.Sprint("encouragement", i))),
			ReflectionID: shared[s.on].ID, Kind: s.kind, Message: s.msg,
		})
		if err != nil {
			return fmt.Errorf("encouragement: %w", err)
		}
	}
	_, err = ss.SetWeekly(as("demo-therapist"), c, grp.ID, &sessions.Weekly{
		Weekday: time.Tuesday, Start: "18:00", Minutes: 90, Location: "Room 2",
	})
	if err != nil {
		return fmt.Errorf("schedule: %w", err)
	}
	return nil
}
