package rule_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/topic"
	"github.com/processgroup/api/internal/rule"
)

// The topics a member wants to bring up at a session (issue 15): "who may read a topic:
// exactly as a reflection of the same visibility, and a withdrawn one only its author".
// The same axes as the reflections' table (viewer × author's state × author's consent),
// with the topic's audience and status instead of the reflection's.

// topicAudience is the topic's visibility and status, or deleted.
type topicAudience int

const (
	topicFacilitators          topicAudience = iota // FACILITATORS, OPEN
	topicGroup                                      // GROUP, OPEN
	topicDiscussed                                  // GROUP, DISCUSSED
	topicWithdrawnGroup                             // GROUP, WITHDRAWN by its author
	topicWithdrawnFacilitators                      // FACILITATORS, WITHDRAWN by its author
	topicDeleted                                    // GROUP; its author deleted their account
)

var topicAudiences = []topicAudience{topicFacilitators, topicGroup, topicDiscussed, topicWithdrawnGroup, topicWithdrawnFacilitators, topicDeleted}

func (a topicAudience) String() string {
	return [...]string{"FACILITATORS", "GROUP", "discussed GROUP", "withdrawn GROUP", "withdrawn FACILITATORS", "deleted"}[a]
}

func (a topicAudience) visibility() topic.Visibility {
	if a == topicFacilitators || a == topicWithdrawnFacilitators {
		return topic.VisibilityFACILITATORS
	}
	return topic.VisibilityGROUP
}

func (a topicAudience) status() topic.Status {
	switch a {
	case topicDiscussed:
		return topic.StatusDISCUSSED
	case topicWithdrawnGroup, topicWithdrawnFacilitators:
		return topic.StatusWITHDRAWN
	}
	return topic.StatusOPEN
}

// topicScene is a scene with a topic of the author's for the group's upcoming session.
type topicScene struct {
	scene
	topic topicAudience
}

// The oracle for topics.

// readsTopic: "exactly as a reflection of the same visibility" (readsReflection's rows for
// FACILITATORS and GROUP), "and a withdrawn one only its author"; a deleted account's topic
// nobody (its text is gone, as a deleted reflection's).
func (s topicScene) readsTopic() bool {
	switch {
	case s.topic == topicDeleted:
		return false
	case s.viewer.role == author:
		return true
	case s.topic.status() == topic.StatusWITHDRAWN:
		return false
	}
	r := s.scene
	r.vis = visGroup
	if s.topic.visibility() == topic.VisibilityFACILITATORS {
		r.vis = visFacilitators
	}
	return r.readsReflection()
}

// withdrawsTopic: "withdrawTopic by its author", an open topic (TopicUpdate's doc).
func (s topicScene) withdrawsTopic() bool {
	return s.viewer.role == author && s.topic.status() == topic.StatusOPEN && s.topic != topicDeleted
}

// marksDiscussed: "markTopicsDiscussed by facilitators": the therapists of the group; a
// withdrawn topic stays withdrawn (TopicUpdate's doc), a deleted one is nobody's.
func (s topicScene) marksDiscussed() bool {
	return s.viewer.therapistOfGroup() && s.topic.status() != topic.StatusWITHDRAWN && s.topic != topicDeleted
}

// proposes: "for an upcoming session of a group the author is in", as themselves; GROUP
// "needs the same consent as a GROUP reflection" (sharesWithGroup): only the author of the
// scene has a consent.
func (s topicScene) proposes(vis topic.Visibility) bool {
	if !s.viewer.inGroupNow() {
		return false
	}
	return vis == topic.VisibilityFACILITATORS || (s.viewer.role == author && s.consent.inForce())
}

// TestWhoReadsTopics holds the Topic rules (TopicQuery, TopicCreate, TopicUpdate) and their
// Go forms (MayWithdrawTopic, MayMarkTopicsDiscussed) to the oracle: every topic audience ×
// author's state × author's consent × viewer.
func TestWhoReadsTopics(t *testing.T) { eachForm(t, testWhoReadsTopics) }

func testWhoReadsTopics(t *testing.T, e *env) {
	for _, ta := range topicAudiences {
		for _, as := range []memberState{current, left} {
			for _, c := range consentStates {
				for _, v := range viewers(as, inGroupRoles...) {
					s := topicScene{scene: scene{viewer: v, author: as, consent: c, vis: visGroup}, topic: ta}
					name := fmt.Sprintf("%s topic, %s, author %s with %s", ta, v, as, c)
					t.Run(name, func(t *testing.T) { e.buildTopic(t, s).check(t) })
				}
			}
		}
	}
}

// topicWorld is a topic scene written into the database.
type topicWorld struct {
	*world
	s         topicScene
	sessionID int
	topic     *ent.Topic
}

// buildTopic writes s: the scene's group and people, an upcoming session, and the author's
// topic for it.
func (e *env) buildTopic(t *testing.T, s topicScene) *topicWorld {
	t.Helper()
	w := &topicWorld{world: e.build(t, s.scene), s: s}
	w.sessionID = e.client.GroupSession.Create().
		SetGroupID(w.group.ID).
		SetStartsAt(t0.Add(2 * day)).
		SetEndsAt(t0.Add(2*day + 90*time.Minute)).
		SaveX(e.op).ID
	c := e.client.Topic.Create().
		SetClientID(uuid.New()).
		SetUserID(w.authorM.UserID).
		SetGroupID(w.group.ID).
		SetSessionID(w.sessionID).
		SetAuthorID(w.authorM.ID).
		SetText("I want to talk about my brother.").
		SetVisibility(s.topic.visibility()).
		SetStatus(s.topic.status()).
		SetCreateDigest("digest")
	if s.topic == topicDeleted {
		c.SetText("").SetCreateDigest("").SetDeletedAt(t0.Add(-day))
	}
	w.topic = c.SaveX(e.op)
	return w
}

func (w *topicWorld) check(t *testing.T) {
	c, id := w.e.client, w.topic.ID
	t.Run("read → "+readable(w.s.readsTopic()), func(t *testing.T) {
		check(t, "TopicReadable", w.exists(t, c.Topic.Query().Where(topic.ID(id))), w.s.readsTopic())
		// Through the session's edge, as GroupSession.topics reads it.
		if w.viewer.inGroupNow() {
			n, err := c.GroupSession.GetX(w.ctx, w.sessionID).QueryTopics().Count(w.ctx)
			if err != nil {
				t.Fatal(err)
			}
			check(t, "TopicReadable through the session", n == 1, w.s.readsTopic())
		}
	})
	t.Run("withdraw → "+allowed(w.s.withdrawsTopic()), func(t *testing.T) {
		sql := w.e.try(t, w.ctx, func(tx *ent.Client) (int, error) {
			return tx.Topic.Update().Where(topic.ID(id)).SetStatus(topic.StatusWITHDRAWN).Save(w.ctx)
		})
		check(t, "TopicUpdate", sql, w.s.withdrawsTopic())
		// The Go form decides on a topic already read: its author's, whatever its status.
		check(t, "MayWithdrawTopic", rule.MayWithdrawTopic(w.v, w.topic) == nil, w.viewer.role == author)
	})
	t.Run("mark discussed → "+allowed(w.s.marksDiscussed()), func(t *testing.T) {
		sql := w.e.try(t, w.ctx, func(tx *ent.Client) (int, error) {
			return tx.Topic.Update().Where(topic.ID(id)).SetStatus(topic.StatusDISCUSSED).Save(w.ctx)
		})
		check(t, "TopicUpdate", sql, w.s.marksDiscussed())
		err := rule.MayMarkTopicsDiscussed(w.ctx, c, []*ent.Topic{w.topic})
		check(t, "MayMarkTopicsDiscussed", err == nil, w.viewer.therapistOfGroup())
	})
	t.Run("change its text or visibility → refused", func(t *testing.T) {
		sql := w.e.try(t, w.ctx, func(tx *ent.Client) (int, error) {
			return tx.Topic.Update().Where(topic.ID(id)).SetText("Something else.").Save(w.ctx)
		})
		check(t, "TopicUpdate", sql, false)
		sql = w.e.try(t, w.ctx, func(tx *ent.Client) (int, error) {
			return tx.Topic.Update().Where(topic.ID(id)).SetStatus(topic.StatusOPEN).Save(w.ctx)
		})
		check(t, "TopicUpdate (reopen)", sql, false)
		sql = w.e.try(t, w.ctx, func(tx *ent.Client) (int, error) {
			return tx.Topic.Delete().Where(topic.ID(id)).Exec(w.ctx)
		})
		check(t, "TopicUpdate (delete)", sql, false)
	})
	for _, vis := range []topic.Visibility{topic.VisibilityFACILITATORS, topic.VisibilityGROUP} {
		want := w.s.proposes(vis)
		t.Run(fmt.Sprintf("propose %s → %s", vis, allowed(want)), func(t *testing.T) {
			// Whoever has no membership of the group tries with the author's.
			as := w.authorM
			if w.mine != nil {
				as = w.mine
			}
			sql := w.e.try(t, w.ctx, func(tx *ent.Client) (int, error) {
				return one(tx.Topic.Create().
					SetClientID(uuid.New()).
					SetUserID(w.v.UserID).
					SetGroupID(w.group.ID).
					SetSessionID(w.sessionID).
					SetAuthorID(as.ID).
					SetText("Me too.").
					SetVisibility(vis).
					SetCreateDigest("digest").
					Save(w.ctx))
			})
			check(t, "TopicCreate", sql, want)
		})
	}
	if w.mine == nil || !w.viewer.inGroupNow() {
		return
	}
	t.Run("propose for another group's session, or as someone else → refused", func(t *testing.T) {
		other := w.e.client.GroupSession.Create().
			SetGroupID(w.e.elsewhere.ID).
			SetStartsAt(t0.Add(2 * day)).
			SetEndsAt(t0.Add(2*day + time.Hour)).
			SaveX(w.e.op).ID
		sql := w.e.try(t, w.ctx, func(tx *ent.Client) (int, error) {
			return one(tx.Topic.Create().
				SetClientID(uuid.New()).SetUserID(w.v.UserID).SetGroupID(w.group.ID).
				SetSessionID(other).SetAuthorID(w.mine.ID).SetText("Elsewhere.").SetCreateDigest("digest").
				Save(w.ctx))
		})
		check(t, "TopicCreate (another group's session)", sql, false)
		someone := w.senderM
		sql = w.e.try(t, w.ctx, func(tx *ent.Client) (int, error) {
			return one(tx.Topic.Create().
				SetClientID(uuid.New()).SetUserID(someone.UserID).SetGroupID(w.group.ID).
				SetSessionID(w.sessionID).SetAuthorID(someone.ID).SetText("In their name.").SetCreateDigest("digest").
				Save(w.ctx))
		})
		check(t, "TopicCreate (as someone else)", sql, false)
	})
}
