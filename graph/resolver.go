// Package graph holds the GraphQL resolvers. They are thin: each makes one call into ent or
// into a domain package (internal/service/journal, internal/service/groups). gqlgen rewrites
// *.resolvers.go on every `go generate`; helpers live in this file.
package graph

import (
	"context"
	"errors"
	"slices"
	"time"

	"entgo.io/ent/dialect/sql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/encouragement"
	"github.com/processgroup/api/ent/predicate"
	"github.com/processgroup/api/ent/reflection"
	"github.com/processgroup/api/graph/model"
	"github.com/processgroup/api/internal/graphql/loader"
	"github.com/processgroup/api/internal/platform/apperr"
	"github.com/processgroup/api/internal/platform/clock"
	"github.com/processgroup/api/internal/rule"
	"github.com/processgroup/api/internal/service/account"
	"github.com/processgroup/api/internal/service/consent"
	"github.com/processgroup/api/internal/service/crisis"
	"github.com/processgroup/api/internal/service/devices"
	"github.com/processgroup/api/internal/service/digest"
	"github.com/processgroup/api/internal/service/groups"
	"github.com/processgroup/api/internal/service/journal"
	"github.com/processgroup/api/internal/service/live"
	"github.com/processgroup/api/internal/service/sessions"
	"github.com/processgroup/api/internal/service/signout"
	"github.com/processgroup/api/internal/service/topics"
	"github.com/processgroup/api/internal/viewer"
)

// Resolver is the root resolver: the dependencies every resolver may use.
type Resolver struct {
	Client *ent.Client
	// Clock is the time of the application.
	Clock   clock.Clock
	Journal *journal.Journal
	Groups  *groups.Groups
	// Consents grants and revokes consent to share with a group.
	Consents *consent.Consents
	// Accounts exports and deletes accounts.
	Accounts *account.Accounts
	// SignOut signs members out on every device.
	SignOut *signout.SignOut
	// Sessions schedules sessions and weekly schedules.
	Sessions *sessions.Sessions
	// Devices registers devices and changes notification settings.
	Devices *devices.Devices
	// Digests builds the facilitators' digests before sessions.
	Digests *digest.Digests
	// Program is the name of the treatment program, as the consent text names it.
	Program string
	// Live serves the subscriptions.
	Live *live.Live
	// Topics proposes, withdraws and marks the topics members bring up at sessions.
	Topics *topics.Topics
}

// endSubscription ends the subscription of ctx with err, as an error message of the
// graphql-transport-ws protocol carrying its code (the error presenter does not see these).
func endSubscription(ctx context.Context) live.End {
	return func(err error) {
		code, msg := apperr.Internal, "internal error"
		var ae *apperr.Error
		if errors.As(err, &ae) {
			code, msg = ae.Code, ae.Message
		}
		transport.AddSubscriptionError(ctx, &gqlerror.Error{
			Message:    msg,
			Path:       graphql.GetPath(ctx),
			Extensions: map[string]any{"code": string(code)},
		})
	}
}

// ent returns the client of the request's transaction (mutations run in one, see
// entgql.Transactioner), or the root client for queries.
func (r *Resolver) ent(ctx context.Context) *ent.Client {
	if c := ent.FromContext(ctx); c != nil {
		return c
	}
	return r.Client
}

func crisisResources(rs []crisis.Resource) []*model.CrisisResource {
	out := make([]*model.CrisisResource, 0, len(rs))
	for _, r := range rs {
		out = append(out, &model.CrisisResource{
			Name:  r.Name,
			Phone: optional(r.Phone),
			Sms:   optional(r.SMS),
			URL:   optional(r.URL),

			Language:     r.Language,
			Instructions: r.Instructions,
		})
	}
	return out
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// consentRequest is the consent service's form of a grant.
func consentRequest(in model.GrantGroupSharingConsentInput) consent.Request {
	req := consent.Request{GroupID: in.GroupID, TextVersion: in.TextVersion, ExpiresAt: in.ExpiresAt}
	if in.TextLanguage != nil {
		req.TextLanguage = *in.TextLanguage
	}
	return req
}

// weekdays are the GraphQL weekdays in time.Weekday order.
var weekdays = []model.Weekday{
	model.WeekdaySunday, model.WeekdayMonday, model.WeekdayTuesday, model.WeekdayWednesday,
	model.WeekdayThursday, model.WeekdayFriday, model.WeekdaySaturday,
}

// weeklySchedule is the group's weekly schedule as the API shows it, or nil.
func weeklySchedule(g *ent.Group) *model.WeeklySchedule {
	if g.ScheduleWeekday == nil || *g.ScheduleWeekday < 0 || *g.ScheduleWeekday > 6 {
		return nil
	}
	return &model.WeeklySchedule{
		Weekday:         weekdays[*g.ScheduleWeekday],
		LocalStartTime:  g.ScheduleStart,
		DurationMinutes: g.ScheduleMinutes,
		Location:        optional(g.ScheduleLocation),
	}
}

// weekly is the schedule input for internal/service/sessions, or nil to remove the schedule.
func weekly(in *model.WeeklyScheduleInput) *sessions.Weekly {
	if in == nil {
		return nil
	}
	w := &sessions.Weekly{Weekday: time.Weekday(slices.Index(weekdays, in.Weekday)), Start: in.LocalStartTime, Minutes: in.DurationMinutes}
	if in.Location != nil {
		w.Location = *in.Location
	}
	return w
}

// moderation is what the viewer may see of the moderation of e (rule.ModerationVisible).
func (r *Resolver) moderation(ctx context.Context, e *ent.Encouragement) (rule.ModerationSight, error) {
	ref := e.Edges.Reflection
	// The request's own selection may have loaded the reflection with only the columns it
	// asks for (reflection { id }), without its author and group: then look them up.
	if ref == nil || ref.UserID == 0 || ref.GroupID == 0 {
		var err error
		if ref, err = e.QueryReflection().Only(ctx); err != nil {
			return rule.ModerationSight{}, err
		}
	}
	facilitates, err := loader.FromContext(ctx).AttentionVisible.Load(ctx, ref.GroupID)
	if err != nil {
		return rule.ModerationSight{}, err
	}
	return rule.ModerationVisible(viewer.FromContext(ctx), ref, facilitates), nil
}

// reflectionChange is the journal's form of a reflection update.
func reflectionChange(in model.UpdateReflectionInput) journal.ReflectionChange {
	return journal.ReflectionChange{
		Body: in.Body, Mood: in.Mood, Craving: in.Craving, Prompt: in.Prompt,
		ClearPrompt: in.ClearPrompt != nil && *in.ClearPrompt, Visibility: in.Visibility,
	}
}

// settingsChange is the devices' form of a change of notification settings.
func settingsChange(in model.NotificationSettingsInput) devices.SettingsChange {
	return devices.SettingsChange{
		ReminderLeadMinutes: in.ReminderLeadMinutes,
		QuietHoursStart:     optionalSetting(in.QuietHoursStart),
		QuietHoursEnd:       optionalSetting(in.QuietHoursEnd),
		TimeZone:            optionalSetting(in.TimeZone),
		EncouragementPushes: in.EncouragementPushes,
	}
}

func optionalSetting(o graphql.Omittable[*string]) devices.Optional {
	v, set := o.ValueOK()
	return devices.Optional{Set: set, Value: v}
}

// planText is a text of SessionPlanInput as the sessions service takes it: left out, or set
// (null clears).
func planText(o graphql.Omittable[*string]) sessions.Text {
	v, set := o.ValueOK()
	return sessions.Text{Set: set, Value: v}
}

// onReflectionsOf matches the encouragement on userID's reflections as an IN over their
// reflections (the index on reflections.user_id, then the one on encouragements.reflection_id):
// SQLite plans the EXISTS of HasReflectionWith as a scan of every encouragement.
func onReflectionsOf(userID int) predicate.Encouragement {
	return func(s *sql.Selector) {
		t := sql.Table(reflection.Table)
		s.Where(sql.In(s.C(encouragement.FieldReflectionID),
			sql.Select(t.C(reflection.FieldID)).From(t).Where(sql.EQ(t.C(reflection.FieldUserID), userID))))
	}
}
