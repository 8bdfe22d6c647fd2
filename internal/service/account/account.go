// Package account is the member's own account as a whole: exporting everything the service
// holds about them, and deleting it from inside the app (as app stores require).
package account

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/attendance"
	"github.com/processgroup/api/ent/delivery"
	"github.com/processgroup/api/ent/device"
	"github.com/processgroup/api/ent/encouragement"
	"github.com/processgroup/api/ent/groupinvite"
	"github.com/processgroup/api/ent/groupsharingconsent"
	"github.com/processgroup/api/ent/membership"
	"github.com/processgroup/api/ent/reflection"
	"github.com/processgroup/api/ent/reflectionread"
	"github.com/processgroup/api/ent/topic"
	"github.com/processgroup/api/ent/user"
	"github.com/processgroup/api/internal/notify/bus"
	"github.com/processgroup/api/internal/notify/remind"
	"github.com/processgroup/api/internal/platform/apperr"
	"github.com/processgroup/api/internal/platform/clock"
	"github.com/processgroup/api/internal/rule"
	"github.com/processgroup/api/internal/service/audit"
	"github.com/processgroup/api/internal/viewer"
)

// Accounts exports and deletes accounts.
type Accounts struct {
	jobs  Jobs
	clock clock.Clock
}

// Jobs are the jobs a deletion leaves behind, in its own transaction (remind.Jobs): the
// member's reminders are replanned (none are left), and their Firebase user is deleted
// after the commit, retried until Firebase confirms.
type Jobs interface {
	MemberChanged(ctx context.Context, userID int) error
	DeleteFirebaseUser(ctx context.Context, uid string) error
}

// New returns Accounts that leave their jobs to j and tell the time by c.
func New(j Jobs, c clock.Clock) *Accounts {
	return &Accounts{jobs: j, clock: c}
}

func (a *Accounts) now() time.Time { return a.clock.Now() }

// Tombstone is what a deleted account keeps of its Firebase uid: a hash, so that the old
// token can be refused without keeping the uid.
func Tombstone(uid string) string {
	sum := sha256.Sum256([]byte("deleted-account:" + uid))
	return "deleted:" + hex.EncodeToString(sum[:])
}

// Export is everything the service holds about the viewer, as one JSON document.
type Export struct {
	GeneratedAt time.Time `json:"generatedAt"`
	Account     struct {
		ID        int       `json:"id"`
		CreatedAt time.Time `json:"createdAt"`
		Email     string    `json:"email,omitempty"`
		Phone     string    `json:"phone,omitempty"`
		Therapist bool      `json:"therapist"`
	} `json:"account"`
	Memberships           []exportMembership    `json:"memberships"`
	Reflections           []exportReflection    `json:"reflections"`
	EncouragementSent     []exportEncouragement `json:"encouragementSent"`
	EncouragementReceived []exportEncouragement `json:"encouragementReceived"`
	Consents              []exportConsent       `json:"consents"`
	Topics                []exportTopic         `json:"topics"`
	ReadsOfMyReflections  []exportRead          `json:"readsOfMyReflections"`
	Attendance            []exportAttendance    `json:"attendance"`
	Devices               []exportDevice        `json:"devices"`
	NotificationSettings  exportSettings        `json:"notificationSettings"`
}

// exportDevice is a device without its push token (a credential, not information).
type exportDevice struct {
	ID         int       `json:"id"`
	Platform   string    `json:"platform"`
	Locale     string    `json:"locale"`
	CreatedAt  time.Time `json:"createdAt"`
	LastSeenAt time.Time `json:"lastSeenAt"`
}

type exportSettings struct {
	ReminderLeadMinutes []int  `json:"reminderLeadMinutes"`
	QuietHoursStart     string `json:"quietHoursStart,omitempty"`
	QuietHoursEnd       string `json:"quietHoursEnd,omitempty"`
	TimeZone            string `json:"timeZone,omitempty"`
	EncouragementPushes bool   `json:"encouragementPushes"`
}

type exportMembership struct {
	ID          int        `json:"id"`
	GroupID     int        `json:"groupID"`
	GroupName   string     `json:"groupName,omitempty"`
	DisplayName string     `json:"displayName"`
	Role        string     `json:"role"`
	JoinedAt    time.Time  `json:"joinedAt"`
	LeftAt      *time.Time `json:"leftAt,omitempty"`
}

type exportReflection struct {
	ID         int    `json:"id"`
	ClientID   string `json:"clientID"`
	GroupID    int    `json:"groupID"`
	Body       string `json:"body"`
	Mood       int    `json:"mood"`
	Craving    int    `json:"craving"`
	Prompt     string `json:"prompt,omitempty"`
	Visibility string `json:"visibility"`
	Version    int    `json:"version"`
	// SessionID is the session whose prompt the reflection answers, if any.
	SessionID *int      `json:"sessionID,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// exportTopic is a topic the member proposed, withdrawn ones too.
type exportTopic struct {
	ID         int       `json:"id"`
	ClientID   string    `json:"clientID"`
	GroupID    int       `json:"groupID"`
	SessionID  int       `json:"sessionID"`
	Text       string    `json:"text"`
	Visibility string    `json:"visibility"`
	Status     string    `json:"status"`
	CreatedAt  time.Time `json:"createdAt"`
}

type exportEncouragement struct {
	ID           int       `json:"id"`
	ReflectionID int       `json:"reflectionID"`
	Kind         string    `json:"kind"`
	Message      string    `json:"message,omitempty"`
	CreatedAt    time.Time `json:"createdAt"`
}

type exportConsent struct {
	ID          int `json:"id"`
	GroupID     int `json:"groupID"`
	TextVersion int `json:"textVersion"`
	// TextLanguage is the language of the text agreed to ("en", "es").
	TextLanguage string     `json:"textLanguage"`
	GrantedAt    time.Time  `json:"grantedAt"`
	ExpiresAt    *time.Time `json:"expiresAt,omitempty"`
	RevokedAt    *time.Time `json:"revokedAt,omitempty"`
}

// exportAttendance is the member's answer to a session (with their note) and whether they
// came, as a facilitator recorded it.
type exportAttendance struct {
	SessionID    int        `json:"sessionID"`
	MembershipID int        `json:"membershipID"`
	Rsvp         string     `json:"rsvp,omitempty"`
	RsvpNote     string     `json:"rsvpNote,omitempty"`
	RsvpAt       *time.Time `json:"rsvpAt,omitempty"`
	Status       string     `json:"status,omitempty"`
	RecordedAt   *time.Time `json:"recordedAt,omitempty"`
}

// exportRead is one read of a reflection (ReflectionID) or of a topic (TopicID).
type exportRead struct {
	ReflectionID int       `json:"reflectionID,omitempty"`
	TopicID      int       `json:"topicID,omitempty"`
	ReaderID     int       `json:"readerMembershipID,omitempty"`
	ReadAt       time.Time `json:"readAt"`
}

// Export gathers the viewer's data. It reads as the system, always limited to rows that are
// the viewer's own (their record, memberships, reflections, topics, what they sent or
// received, their consents, the reads of their reflections and topics, their answers to
// sessions and attendance).
func (a *Accounts) Export(ctx context.Context, c *ent.Client) (*Export, []byte, error) {
	v := viewer.FromContext(ctx)
	// SECURITY: every query below is restricted to the viewer's own rows.
	sys := rule.ForOwnRows(ctx)
	// Every list is a list, also when empty.
	out := &Export{
		GeneratedAt: a.now(), Memberships: []exportMembership{}, Reflections: []exportReflection{},
		EncouragementSent: []exportEncouragement{}, EncouragementReceived: []exportEncouragement{},
		Consents: []exportConsent{}, Topics: []exportTopic{}, ReadsOfMyReflections: []exportRead{},
		Attendance: []exportAttendance{}, Devices: []exportDevice{},
	}
	u, err := c.User.Get(sys, v.UserID)
	if err != nil {
		return nil, nil, err
	}
	out.NotificationSettings = exportSettings{
		ReminderLeadMinutes: remind.LeadMinutes(u), QuietHoursStart: u.QuietHoursStart,
		QuietHoursEnd: u.QuietHoursEnd, TimeZone: u.TimeZone, EncouragementPushes: u.EncouragementPushes,
	}
	devs, err := c.Device.Query().Where(device.UserID(v.UserID)).All(sys)
	if err != nil {
		return nil, nil, err
	}
	for _, d := range devs {
		out.Devices = append(out.Devices, exportDevice{ID: d.ID, Platform: string(d.Platform), Locale: d.Locale, CreatedAt: d.CreatedAt, LastSeenAt: d.LastSeenAt})
	}
	out.Account.ID, out.Account.CreatedAt, out.Account.Email, out.Account.Phone, out.Account.Therapist = u.ID, u.CreatedAt, u.Email, u.Phone, u.Therapist

	ms, err := c.Membership.Query().Where(membership.UserID(v.UserID)).WithGroup().All(sys)
	if err != nil {
		return nil, nil, err
	}
	mine := make([]int, 0, len(ms))
	for _, m := range ms {
		mine = append(mine, m.ID)
		em := exportMembership{ID: m.ID, GroupID: m.GroupID, DisplayName: m.DisplayName, Role: string(m.Role), JoinedAt: m.JoinedAt, LeftAt: m.LeftAt}
		if m.Edges.Group != nil {
			em.GroupName = m.Edges.Group.Name
		}
		out.Memberships = append(out.Memberships, em)
	}
	rs, err := c.Reflection.Query().Where(reflection.UserID(v.UserID), reflection.DeletedAtIsNil()).Order(ent.Asc(reflection.FieldCreatedAt)).All(sys)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range rs {
		out.Reflections = append(out.Reflections, exportReflection{
			ID: r.ID, ClientID: r.ClientID.String(), GroupID: r.GroupID, Body: r.Body, Mood: r.Mood, Craving: r.Craving,
			Prompt: r.Prompt, Visibility: string(r.Visibility), Version: r.Version, SessionID: r.SessionID,
			CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		})
	}
	ts, err := c.Topic.Query().Where(topic.UserID(v.UserID), topic.DeletedAtIsNil()).Order(ent.Asc(topic.FieldCreatedAt), ent.Asc(topic.FieldID)).All(sys)
	if err != nil {
		return nil, nil, err
	}
	for _, t := range ts {
		out.Topics = append(out.Topics, exportTopic{
			ID: t.ID, ClientID: t.ClientID.String(), GroupID: t.GroupID, SessionID: t.SessionID, Text: t.Text,
			Visibility: string(t.Visibility), Status: string(t.Status), CreatedAt: t.CreatedAt,
		})
	}
	sent, err := c.Encouragement.Query().Where(encouragement.SenderIDIn(mine...)).All(sys)
	if err != nil {
		return nil, nil, err
	}
	// What they received, as its recipient sees it (read as the viewer, not the system):
	// what was reported or hidden is no longer the member's to see, in the app or here.
	received, err := c.Encouragement.Query().Where(
		encouragement.HasReflectionWith(reflection.UserID(v.UserID)),
		rule.RecipientSees(),
	).All(ctx)
	if err != nil {
		return nil, nil, err
	}
	conv := func(es []*ent.Encouragement) []exportEncouragement {
		out := []exportEncouragement{}
		for _, e := range es {
			out = append(out, exportEncouragement{ID: e.ID, ReflectionID: e.ReflectionID, Kind: string(e.Kind), Message: e.Message, CreatedAt: e.CreatedAt})
		}
		return out
	}
	out.EncouragementSent, out.EncouragementReceived = conv(sent), conv(received)
	cs, err := c.GroupSharingConsent.Query().Where(groupsharingconsent.UserID(v.UserID)).All(sys)
	if err != nil {
		return nil, nil, err
	}
	for _, x := range cs {
		out.Consents = append(out.Consents, exportConsent{ID: x.ID, GroupID: x.GroupID, TextVersion: x.TextVersion, TextLanguage: x.TextLanguage, GrantedAt: x.GrantedAt, ExpiresAt: x.ExpiresAt, RevokedAt: x.RevokedAt})
	}
	reads, err := c.ReflectionRead.Query().Where(reflectionread.AuthorUserID(v.UserID)).All(sys)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range reads {
		e := exportRead{ReflectionID: r.ReflectionID, ReaderID: r.ReaderID, ReadAt: r.ReadAt}
		if r.TopicID != nil {
			e.TopicID = *r.TopicID
		}
		out.ReadsOfMyReflections = append(out.ReadsOfMyReflections, e)
	}
	att, err := c.Attendance.Query().Where(attendance.MembershipIDIn(mine...)).Order(ent.Asc(attendance.FieldID)).All(sys)
	if err != nil {
		return nil, nil, err
	}
	for _, a := range att {
		ea := exportAttendance{SessionID: a.SessionID, MembershipID: a.MembershipID, RsvpNote: a.RsvpNote, RsvpAt: a.RsvpAt, RecordedAt: a.RecordedAt}
		if a.Rsvp != nil {
			ea.Rsvp = string(*a.Rsvp)
		}
		if a.Status != nil {
			ea.Status = string(*a.Status)
		}
		out.Attendance = append(out.Attendance, ea)
	}
	data, err := json.Marshal(out)
	if err != nil {
		return nil, nil, err
	}
	if err := audit.Record(ctx, c, audit.Event{Action: audit.AccountExported, SubjectID: v.UserID}); err != nil {
		return nil, nil, err
	}
	return out, data, nil
}

// Delete deletes the viewer's account, unless they are the last facilitator of a group
// (rule.ErrLastFacilitator: another therapist takes over first): the content of their
// reflections and topics, the encouragement they sent and received, their consents and their
// place in every group go; their
// memberships are anonymised so that the accounting of reads and the audit trail, which
// are kept without content, still hold together. Their old token stops working at once
// (their uid is replaced by its Tombstone); their Firebase user is deleted by a job queued
// in the same transaction, after the commit, and not at all if the deletion fails.
func (a *Accounts) Delete(ctx context.Context, c *ent.Client, confirm bool) error {
	if !confirm {
		return apperr.Input("confirm", "confirm must be true to delete the account; nothing was changed")
	}
	v := viewer.FromContext(ctx)
	now := a.now()
	// SECURITY: as the system, limited throughout to the viewer's own rows.
	sys := rule.ForOwnRows(ctx)
	// A group they lead keeps a leader: not if they are its last facilitator. Each group's
	// facilitator memberships are held (group by group, in the order of the groups' ids) and
	// counted before their places end, as leaving and removal do (rule.MayEndMembership).
	led, err := c.Membership.Query().
		Where(membership.UserID(v.UserID), rule.Current(), membership.RoleEQ(membership.RoleFACILITATOR)).
		Order(membership.ByGroupID()).
		All(ctx)
	if err != nil {
		return err
	}
	for _, m := range led {
		if err := rule.MayEndMembership(ctx, c, m); err != nil {
			return err
		}
	}
	// Lock the member's places first: their own writes still under way (which hold them
	// ForShare) finish before, and any that come after find them gone.
	ms, err := c.Membership.Query().Where(membership.UserID(v.UserID), rule.ForUpdate()).IDs(sys)
	if err != nil {
		return err
	}
	if err := c.Membership.Update().Where(membership.IDIn(ms...), rule.Current()).SetLeftAt(now).Exec(sys); err != nil {
		return err
	}
	// Their invite codes stop working: nobody may join through a deleted account.
	if err := c.GroupInvite.Update().
		Where(groupinvite.CreatedByIDIn(ms...), groupinvite.RevokedAtIsNil()).
		SetRevokedAt(now).
		Exec(sys); err != nil {
		return err
	}
	if _, err := c.Encouragement.Delete().Where(encouragement.Or(
		encouragement.SenderIDIn(ms...),
		encouragement.HasReflectionWith(reflection.UserID(v.UserID)),
	)).Exec(sys); err != nil {
		return err
	}
	if err := c.Reflection.Update().
		Where(reflection.UserID(v.UserID)).
		SetBody("").ClearPrompt().SetMood(0).SetCraving(0).SetNeedsAttention(false).SetCreateDigest("").
		SetDeletedAt(now).
		Exec(sys); err != nil {
		return err
	}
	// Their topics' text goes; the rows stay (without content) for the accounting of reads.
	if err := c.Topic.Update().
		Where(topic.UserID(v.UserID)).
		SetText("").SetCreateDigest("").
		SetDeletedAt(now).
		Exec(sys); err != nil {
		return err
	}
	if _, err := c.GroupSharingConsent.Delete().Where(groupsharingconsent.UserID(v.UserID)).Exec(sys); err != nil {
		return err
	}
	// The notes they gave with their answers go; the answers and the attendance recorded
	// stay, without content, with the anonymised memberships.
	if err := c.Attendance.Update().
		Where(attendance.MembershipIDIn(ms...), attendance.RsvpNoteNotNil()).
		ClearRsvpNote().
		Exec(sys); err != nil {
		return err
	}
	if err := c.Membership.Update().
		Where(membership.UserID(v.UserID)).
		SetDisplayName("Deleted account").
		Exec(sys); err != nil {
		return err
	}
	places, err := c.Membership.Query().Where(membership.IDIn(ms...)).All(sys)
	if err != nil {
		return err
	}
	for _, m := range places {
		bus.Announce(ctx, bus.Event{Kind: bus.Member, Group: m.GroupID, ID: m.ID, User: m.UserID})
	}
	// No more notifications: devices, delivery records and settings go, and the pending
	// reminders are cancelled (the member is in no group any more).
	if _, err := c.Device.Delete().Where(device.UserID(v.UserID)).Exec(sys); err != nil {
		return err
	}
	if _, err := c.Delivery.Delete().Where(delivery.UserID(v.UserID)).Exec(sys); err != nil {
		return err
	}
	if err := c.User.Update().
		Where(user.ID(v.UserID)).
		SetFirebaseUID(Tombstone(v.UID)).
		SetEmail("").SetPhone("").SetTherapist(false).
		ClearReminderLeadMinutes().ClearQuietHoursStart().ClearQuietHoursEnd().ClearTimeZone().
		Exec(sys); err != nil {
		return err
	}
	if err := a.jobs.MemberChanged(ctx, v.UserID); err != nil {
		return err
	}
	if err := a.jobs.DeleteFirebaseUser(ctx, v.UID); err != nil {
		return err
	}
	return audit.Record(ctx, c, audit.Event{Action: audit.AccountDeleted, SubjectID: v.UserID})
}
