// Package remind sends the push notifications of the app as durable River jobs: session
// reminders at each member's lead times, notices of cancelled sessions, "someone sent you
// encouragement" and "your group has a new prompt". Jobs are inserted in the transaction of the change that causes them, so a
// notification exists exactly when its cause was committed; workers re-check everything at
// send time, and claim each device's delivery in the database before sending it (see
// deliver), so that nothing is sent twice, whatever fails, or after the session started.
// The same queue deletes the Firebase users of deleted accounts after their deletion was
// committed (FirebaseUserArgs).
package remind

import (
	"time"

	"github.com/riverqueue/river"
)

// Queue is the River queue of notification jobs.
const Queue = "push"

// ReminderArgs is one reminder: one member, one session, one lead time. It is unique by all
// its fields, so inserting it twice gives one job; StartsAt is part of it so that a moved
// session gets new reminders.
type ReminderArgs struct {
	SessionID   int       `json:"session_id"`
	UserID      int       `json:"user_id"`
	LeadMinutes int       `json:"lead_minutes"`
	StartsAt    time.Time `json:"starts_at"`
	// Move tells the notices of a move (LeadMinutes MovedLead) apart: when the move was
	// made, so that moving a session back and forth tells each time.
	Move int64 `json:"move,omitempty"`
}

// Kind implements river.JobArgs.
func (ReminderArgs) Kind() string { return "session_reminder" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (ReminderArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: 20, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// CancelledArgs tells one member that a session was cancelled.
type CancelledArgs struct {
	SessionID int `json:"session_id"`
	UserID    int `json:"user_id"`
}

// Kind implements river.JobArgs.
func (CancelledArgs) Kind() string { return "session_cancelled" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (CancelledArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: 20, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// EncouragementArgs tells a member that someone sent them encouragement.
type EncouragementArgs struct {
	EncouragementID int `json:"encouragement_id"`
	UserID          int `json:"user_id"`
}

// Kind implements river.JobArgs.
func (EncouragementArgs) Kind() string { return "encouragement_push" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (EncouragementArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: 10, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// ExtendArgs is the periodic job that makes weekly schedules produce sessions ahead and
// forgets old delivery records.
type ExtendArgs struct{}

// Kind implements river.JobArgs.
func (ExtendArgs) Kind() string { return "extend_schedules" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (ExtendArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: river.QueueDefault, MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}
}
