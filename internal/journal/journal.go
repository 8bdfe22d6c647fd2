// Package journal is the everyday domain of the app: reflections and the encouragement
// peers send on them. Every function runs as the viewer in ctx, so the privacy rules of
// ent/schema decide what it may read and change; the functions add what the rules cannot
// express: idempotent creates, optimistic concurrency and crisis language.
package journal

import (
	"crypto/sha256"
	"encoding/binary"
	"time"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/internal/crisis"
)

// Journal writes reflections and encouragement.
type Journal struct {
	detector *crisis.Detector
	now      func() time.Time
}

// New returns a Journal that looks for crisis language with d.
func New(d *crisis.Detector) *Journal {
	return &Journal{detector: d, now: func() time.Time { return time.Now().UTC() }}
}

// Resources returns the crisis resources to show for text: none for ordinary text.
func (j *Journal) Resources(text string) []crisis.Resource {
	if !j.detector.Detect(text) {
		return []crisis.Resource{}
	}
	return j.detector.Resources("")
}

// digest fingerprints the content of a create request, so that a retry can be told from a
// different write that reuses the client id.
func digest(parts ...any) []byte {
	h := sha256.New()
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			_ = binary.Write(h, binary.BigEndian, uint64(len(v)))
			h.Write([]byte(v))
		case *string:
			if v == nil {
				h.Write([]byte{0})
			} else {
				h.Write([]byte{1})
				_ = binary.Write(h, binary.BigEndian, uint64(len(*v)))
				h.Write([]byte(*v))
			}
		case int:
			_ = binary.Write(h, binary.BigEndian, int64(v))
		case []byte:
			_ = binary.Write(h, binary.BigEndian, uint64(len(v)))
			h.Write(v)
		}
	}
	return h.Sum(nil)
}

// client is a shorthand used by callers to pass the request's ent client.
type client = *ent.Client
