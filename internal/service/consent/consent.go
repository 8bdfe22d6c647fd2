// Package consent holds the member's consent to share reflections with a group: the text
// the member is shown (versioned, so that what was agreed to is on record) and granting
// and revoking it. Sharing a reflection with the group is a disclosure of substance-use
// treatment information (42 CFR Part 2): it needs this consent first.
package consent

import (
	"context"
	"fmt"
	"time"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/groupsharingconsent"
	"github.com/processgroup/api/ent/membership"
	"github.com/processgroup/api/internal/notify/bus"
	"github.com/processgroup/api/internal/platform/apperr"
	"github.com/processgroup/api/internal/platform/clock"
	"github.com/processgroup/api/internal/platform/lang"
	"github.com/processgroup/api/internal/rule"
	"github.com/processgroup/api/internal/service/audit"
	"github.com/processgroup/api/internal/viewer"
)

// TextVersion is the version of the English consent text members are shown now.
const TextVersion = 1

// currentVersions are the versions shown now, per language. Versions are counted per
// language: change a language's version, and keep its old text in texts, whenever its
// wording changes. A consent records the language and the version it was given to.
var currentVersions = map[string]int{
	lang.English: TextVersion,
	lang.Spanish: 1,
}

// texts are every consent text ever shown, by language and version. Placeholders: %[1]s the
// member's display name, %[2]s the program, %[3]s the group, %[4]s the date.
var texts = map[string]map[int]string{
	lang.English: {
		1: `Consent to share my reflections with my group

I, %[1]s, allow %[2]s to share with the group "%[3]s" the reflections I mark "Group" in this app: what I write, my mood and craving scores, and the prompt I answered.

Who will see them: the people who are members or facilitators of this group at the time they read them.

Why: for peer support in my treatment.

I can revoke this consent at any time in the app. Revoking stops further sharing at once; it cannot undo what people have already read. This consent ends by itself when I leave the group, or on the end date I choose. I do not have to consent to take part in the group or to receive treatment; without it, my reflections are shared with the facilitators only, or with no one, as I choose.

Date: %[4]s`,
	},
	lang.Spanish: {
		1: `Consentimiento para compartir mis reflexiones con mi grupo

Yo, %[1]s, autorizo a %[2]s a compartir con el grupo "%[3]s" las reflexiones que marque como "Grupo" en esta aplicación: lo que escribo, mis puntuaciones de estado de ánimo y de ganas de consumir, y la pregunta que respondí.

Quiénes las verán: las personas que sean miembros o facilitadores de este grupo en el momento en que las lean.

Para qué: para recibir apoyo de mis compañeros en mi tratamiento.

Puedo revocar este consentimiento en cualquier momento desde la aplicación. Al revocarlo se deja de compartir de inmediato; no se puede deshacer lo que otras personas ya hayan leído. Este consentimiento termina por sí solo cuando deje el grupo, o en la fecha de término que yo elija. No tengo que dar este consentimiento para participar en el grupo ni para recibir tratamiento; sin él, mis reflexiones se comparten solo con los facilitadores, o con nadie, según yo elija.

Fecha: %[4]s`,
	},
}

// DefaultProgram is the program's name when none is configured (PROGRAM_NAME); the texts
// in other languages name it in their own words.
const DefaultProgram = "your treatment program"

// defaultProgram is DefaultProgram in each language other than English, as the first-person
// consent text names it.
var defaultProgram = map[string]string{
	lang.Spanish: "mi programa de tratamiento",
}

// spanishMonths are the month names of the Spanish date.
var spanishMonths = [12]string{"enero", "febrero", "marzo", "abril", "mayo", "junio",
	"julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"}

// Text is the consent text as a member sees it.
type Text struct {
	// Language is the language of the text ("en", "es").
	Language string
	Version  int
	Text     string
}

// Render returns the current consent text in language (English for an unsupported one) for
// a member of a group, dated now in loc.
func Render(language, displayName, program, groupName string, now time.Time, loc *time.Location) Text {
	if !lang.Supported(language) {
		language = lang.Default
	}
	if p, ok := defaultProgram[language]; ok && program == DefaultProgram {
		program = p
	}
	day := now.In(loc)
	date := day.Format("January 2, 2006")
	if language == lang.Spanish {
		date = fmt.Sprintf("%d de %s de %d", day.Day(), spanishMonths[day.Month()-1], day.Year())
	}
	version := currentVersions[language]
	return Text{
		Language: language,
		Version:  version,
		Text:     fmt.Sprintf(texts[language][version], displayName, program, groupName, date),
	}
}

// Request is a member's consent to share with a group, as they give it.
type Request struct {
	GroupID int
	// TextVersion is the version of the consent text the member was shown.
	TextVersion int
	// TextLanguage is the language of the text the member was shown; empty means the
	// member's own language, the one Group.sharingConsentText shows them.
	TextLanguage string
	// ExpiresAt is when the consent ends by itself, if the member chose a date.
	ExpiresAt *time.Time
}

// Consents grants and revokes consent.
type Consents struct {
	clock clock.Clock
}

// New returns Consents that tell the time by c.
func New(c clock.Clock) *Consents { return &Consents{clock: c} }

func (c *Consents) now() time.Time { return c.clock.Now() }

// Grant records the viewer's consent to share with a group, for the text version they saw.
// A consent already in force is replaced by the new one (a new end date, a newer text).
func (c *Consents) Grant(ctx context.Context, client *ent.Client, in Request) (*ent.GroupSharingConsent, error) {
	v := viewer.FromContext(ctx)
	now := c.now()
	language := in.TextLanguage
	if language == "" {
		language = lang.Or(v.Language)
	}
	if !lang.Supported(language) {
		return nil, apperr.Input("textLanguage", lang.Validate(language).Error())
	}
	// The version is checked against the text of the language shown: a version of one
	// language never stands for another's.
	if current := currentVersions[language]; in.TextVersion != current {
		return nil, &apperr.Error{
			Code:       apperr.Conflict,
			Message:    "the consent text has changed: show the current text and ask again",
			Extensions: map[string]any{"currentVersion": current, "textLanguage": language},
		}
	}
	if in.ExpiresAt != nil && !in.ExpiresAt.After(now) {
		return nil, apperr.Input("expiresAt", "expiresAt must be in the future")
	}
	// The membership row is locked until commit, so that two grants, or a grant and leaving,
	// happen one after the other: at most one consent is ever in force.
	m, err := rule.ViewerMembership(ctx, client, in.GroupID, rule.ForUpdate())
	if err != nil {
		return nil, err
	}
	if err := revokeActive(ctx, client, m.ID, now); err != nil {
		return nil, err
	}
	create := client.GroupSharingConsent.Create().
		SetUserID(v.UserID).
		SetGroupID(in.GroupID).
		SetMembershipID(m.ID).
		SetTextVersion(in.TextVersion).
		SetTextLanguage(language).
		SetGrantedAt(now)
	if in.ExpiresAt != nil {
		create.SetExpiresAt(in.ExpiresAt.UTC())
	}
	granted, err := create.Save(ctx)
	if err != nil {
		return nil, err
	}
	// What the member shared with the group becomes readable to it again.
	bus.Announce(ctx, bus.Event{Kind: bus.Member, Group: in.GroupID, ID: m.ID, User: v.UserID})
	return granted, audit.Record(ctx, client, audit.Event{Action: audit.ConsentGranted, GroupID: in.GroupID, SubjectID: granted.ID})
}

// Revoke ends the viewer's consent for a group at once and returns it. Revoking again
// returns the consent already revoked.
func (c *Consents) Revoke(ctx context.Context, client *ent.Client, groupID int) (*ent.GroupSharingConsent, error) {
	v := viewer.FromContext(ctx)
	now := c.now()
	// As Grant does: one after the other, so that a grant under way cannot slip past.
	ms, err := client.Membership.Query().
		Where(membership.UserID(v.UserID), membership.GroupID(groupID), rule.ForUpdate()).
		IDs(ctx)
	if err != nil {
		return nil, err
	}
	n, err := client.GroupSharingConsent.Update().
		Where(groupsharingconsent.UserID(v.UserID), groupsharingconsent.GroupID(groupID), rule.ConsentActive(now)).
		SetRevokedAt(now).
		Save(ctx)
	if err != nil {
		return nil, err
	}
	latest, err := Latest(ctx, client, groupID)
	if err != nil {
		return nil, err
	}
	if latest == nil {
		return nil, apperr.NotFoundf("no consent to revoke for this group")
	}
	if n > 0 {
		if err := audit.Record(ctx, client, audit.Event{Action: audit.ConsentRevoked, GroupID: groupID, SubjectID: latest.ID}); err != nil {
			return nil, err
		}
		for _, id := range ms {
			bus.Announce(ctx, bus.Event{Kind: bus.Member, Group: groupID, ID: id, User: v.UserID})
		}
	}
	return latest, nil
}

// Latest returns the viewer's most recent consent for a group, or nil.
func Latest(ctx context.Context, client *ent.Client, groupID int) (*ent.GroupSharingConsent, error) {
	v := viewer.FromContext(ctx)
	latest, err := client.GroupSharingConsent.Query().
		Where(groupsharingconsent.UserID(v.UserID), groupsharingconsent.GroupID(groupID)).
		Order(ent.Desc(groupsharingconsent.FieldGrantedAt), ent.Desc(groupsharingconsent.FieldID)).
		First(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	return latest, err
}

// Active reports whether a consent is in force at now.
func Active(c *ent.GroupSharingConsent, now time.Time) bool {
	return c.RevokedAt == nil && (c.ExpiresAt == nil || c.ExpiresAt.After(now))
}

// EndForMembership revokes the consents in force of a membership that ends (leaving or
// removal): consent ends with membership.
func EndForMembership(ctx context.Context, client *ent.Client, membershipID int, now time.Time) error {
	// SECURITY: runs as the system so that a facilitator's removal ends the removed
	// member's consent; it only ever ends consents, never grants one.
	return revokeActive(rule.ForEndingConsent(ctx), client, membershipID, now)
}

func revokeActive(ctx context.Context, client *ent.Client, membershipID int, now time.Time) error {
	return client.GroupSharingConsent.Update().
		Where(groupsharingconsent.MembershipID(membershipID), rule.ConsentActive(now)).
		SetRevokedAt(now).
		Exec(ctx)
}

// disclosureNotices go with every reflection shown to someone other than its author
// (42 CFR Part 2 §2.32), in the reader's language.
var disclosureNotices = map[string]string{
	lang.English: "42 CFR part 2 prohibits unauthorized use or disclosure of these records. " +
		"This reflection was shared with you with its author's consent, for peer support in this group only. " +
		"Do not copy it, share it or repeat it outside the group.",
	lang.Spanish: "42 CFR parte 2 prohíbe el uso o la divulgación no autorizados de estos registros. " +
		"Esta reflexión se compartió contigo con el consentimiento de quien la escribió, solo para el apoyo entre compañeros en este grupo. " +
		"No la copies, no la compartas ni la repitas fuera del grupo.",
}

// DisclosureNotice is the notice in language; English for an empty or unsupported one.
func DisclosureNotice(language string) string {
	if n, ok := disclosureNotices[language]; ok {
		return n
	}
	return disclosureNotices[lang.Default]
}
