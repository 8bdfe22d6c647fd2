// Package disclosure keeps the accounting of reads: every time someone other than its
// author reads a reflection's content or a topic's text, the read is recorded (who, as their
// membership of the group; which reflection or topic; when). Reads are collected during a request and written in
// one batched statement at its end.
package disclosure

import (
	"context"
	"sync"
	"time"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/membership"
	"github.com/processgroup/api/internal/rule"
	"github.com/processgroup/api/internal/viewer"
)

// Recorder collects the reads of one request.
type Recorder struct {
	mu     sync.Mutex
	reads  map[int]*ent.Reflection
	topics map[int]*ent.Topic
}

type ctxKey struct{}

// NewContext returns a copy of ctx with a fresh Recorder.
func NewContext(ctx context.Context) (context.Context, *Recorder) {
	r := &Recorder{reads: map[int]*ent.Reflection{}, topics: map[int]*ent.Topic{}}
	return context.WithValue(ctx, ctxKey{}, r), r
}

// Discloses reports whether v reading r is a disclosure: the reader is someone other than
// its author. Such reads are accounted for, and carry the disclosure notice.
func Discloses(v *viewer.Viewer, r *ent.Reflection) bool {
	return v != nil && r.UserID != v.UserID
}

// Read notes that the viewer in ctx read the content of r, if that discloses it.
func Read(ctx context.Context, r *ent.Reflection) {
	rec, _ := ctx.Value(ctxKey{}).(*Recorder)
	if rec == nil || !Discloses(viewer.FromContext(ctx), r) {
		return
	}
	rec.mu.Lock()
	rec.reads[r.ID] = r
	rec.mu.Unlock()
}

// DisclosesTopic reports whether v reading t's text is a disclosure: the reader is someone
// other than its author.
func DisclosesTopic(v *viewer.Viewer, t *ent.Topic) bool {
	return v != nil && t.UserID != v.UserID
}

// ReadTopic notes that the viewer in ctx read the text of t, if that discloses it.
func ReadTopic(ctx context.Context, t *ent.Topic) {
	rec, _ := ctx.Value(ctxKey{}).(*Recorder)
	if rec == nil || !DisclosesTopic(viewer.FromContext(ctx), t) {
		return
	}
	rec.mu.Lock()
	rec.topics[t.ID] = t
	rec.mu.Unlock()
}

// Len is the number of distinct reflections and topics read so far.
func (rec *Recorder) Len() int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return len(rec.reads) + len(rec.topics)
}

// Flush writes the reads collected, in one statement (plus one to find the reader's
// memberships, unless the request's privacy rules know them already), and forgets them.
func (rec *Recorder) Flush(ctx context.Context, client *ent.Client, now time.Time) error {
	rec.mu.Lock()
	reads, topics := rec.reads, rec.topics
	rec.reads, rec.topics = map[int]*ent.Reflection{}, map[int]*ent.Topic{}
	rec.mu.Unlock()
	v := viewer.FromContext(ctx)
	if len(reads)+len(topics) == 0 || v == nil {
		return nil
	}
	// SECURITY: the accounting is written by the server only, as the system, for reads the
	// privacy rules already allowed.
	sys := rule.ForAccounting(ctx)
	groups := map[int]bool{}
	for _, r := range reads {
		groups[r.GroupID] = true
	}
	for _, t := range topics {
		groups[t.GroupID] = true
	}
	reader, known := rule.KnownMemberships(ctx)
	if !known {
		ids := make([]int, 0, len(groups))
		for id := range groups {
			ids = append(ids, id)
		}
		ms, err := client.Membership.Query().
			Where(membership.UserID(v.UserID), membership.GroupIDIn(ids...)).
			All(sys)
		if err != nil {
			return err
		}
		reader = map[int]int{}
		for _, m := range ms {
			reader[m.GroupID] = m.ID
		}
	}
	builders := make([]*ent.ReflectionReadCreate, 0, len(reads)+len(topics))
	for _, r := range reads {
		b := client.ReflectionRead.Create().
			SetAuthorUserID(r.UserID).
			SetReflectionID(r.ID).
			SetReadAt(now)
		if id, ok := reader[r.GroupID]; ok {
			b.SetReaderID(id)
		}
		builders = append(builders, b)
	}
	for _, t := range topics {
		b := client.ReflectionRead.Create().
			SetAuthorUserID(t.UserID).
			SetTopicID(t.ID).
			SetReadAt(now)
		if id, ok := reader[t.GroupID]; ok {
			b.SetReaderID(id)
		}
		builders = append(builders, b)
	}
	return client.ReflectionRead.CreateBulk(builders...).Exec(sys)
}
