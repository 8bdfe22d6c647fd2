// Package journal is the everyday domain of the app: reflections and the encouragement
// peers send on them. Every function runs as the viewer in ctx, so the privacy rules of
// ent/schema decide what it may read and change; the functions add what the rules cannot
// express: idempotent creates, optimistic concurrency and crisis language.
package journal

import (
	"context"
	"fmt"
	"time"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/internal/platform/clock"
	"github.com/processgroup/api/internal/platform/crypt"
	"github.com/processgroup/api/internal/platform/lang"
	"github.com/processgroup/api/internal/service/crisis"
	"github.com/processgroup/api/internal/viewer"
)

// Journal writes reflections and encouragement.
type Journal struct {
	detector *crisis.Detector
	notify   Notifier
	keys     *crypt.Keyring
	clock    clock.Clock
}

// Notifier queues the push that tells a member someone encouraged them (remind.Jobs).
type Notifier interface {
	Encouraged(ctx context.Context, encouragementID, recipientID int) error
}

// New returns a Journal that looks for crisis language with d, queues encouragement pushes
// through n (nil: none), fingerprints create requests under keys and tells the time by c.
func New(d *crisis.Detector, n Notifier, keys *crypt.Keyring, c clock.Clock) *Journal {
	return &Journal{detector: d, notify: n, keys: keys, clock: c}
}

func (j *Journal) now() time.Time { return j.clock.Now() }

// Resources returns the crisis resources to show the viewer in ctx for text: none for
// ordinary text. Their order follows the viewer's language when it is not English, else the
// language the crisis language was found in: a Spanish-speaking member, or Spanish words,
// get the Lifeline's Spanish options first.
func (j *Journal) Resources(ctx context.Context, text string) []crisis.Resource {
	found, ok := j.detector.Match(text)
	if !ok {
		return []crisis.Resource{}
	}
	if v := viewer.FromContext(ctx); v != nil && v.Language != "" && v.Language != lang.English {
		found = v.Language
	}
	return j.detector.Resources("", found)
}

// digest is a keyed fingerprint of the content of a create request, so that a retry can be
// told from a different write that reuses the client id. It is keyed (see crypt.Keyring.MAC)
// so that it reveals nothing about the content to someone who reads the database.
func (j *Journal) digest(parts ...any) string {
	strs := make([]string, 0, len(parts))
	for _, p := range parts {
		switch v := p.(type) {
		case *string:
			if v == nil {
				strs = append(strs, "\x00nil")
			} else {
				strs = append(strs, "="+*v)
			}
		default:
			strs = append(strs, fmt.Sprint(v))
		}
	}
	return j.keys.MAC(strs...)
}

// client is a shorthand used by callers to pass the request's ent client.
type client = *ent.Client
