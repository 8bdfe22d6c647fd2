package journal

import (
	"github.com/google/uuid"

	"github.com/processgroup/api/ent/encouragement"
	"github.com/processgroup/api/ent/reflection"
)

// NewReflection is a reflection to write. The GraphQL layer has checked the limits of each
// field (length, ranges) before it gets here.
type NewReflection struct {
	// ClientID is the UUID the app chose once for this reflection: a retry sends it again.
	ClientID uuid.UUID
	// GroupID is the group it is written in.
	GroupID int
	Body    string
	// Mood is 1 (worst) to 10 (best); Craving 0 (none) to 10.
	Mood, Craving int
	// Prompt is the prompt it answers, if any.
	Prompt *string
	// Visibility is who besides the author may read it; nil is PRIVATE.
	Visibility *reflection.Visibility
	// SessionID is the session of the same group whose prompt it answers, if any.
	SessionID *int
}

// ReflectionChange is a change of a reflection: nil fields stay as they are.
type ReflectionChange struct {
	Body          *string
	Mood, Craving *int
	Prompt        *string
	// ClearPrompt removes the prompt (not together with a new Prompt).
	ClearPrompt bool
	Visibility  *reflection.Visibility
}

// NewEncouragement is encouragement to send on a reflection.
type NewEncouragement struct {
	// ClientID is the UUID the app chose once for this encouragement.
	ClientID     uuid.UUID
	ReflectionID int
	Kind         encouragement.Kind
	// Message is an optional short note.
	Message *string
}
