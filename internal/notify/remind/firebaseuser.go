package remind

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// UserDeleter deletes a Firebase user through the Admin SDK (*auth.Firebase). Deleting a user
// who does not exist (any more) must succeed: the job may run again after a success whose
// answer was lost.
type UserDeleter interface {
	DeleteUser(ctx context.Context, uid string) error
}

// FirebaseUserMaxAttempts is how often the deletion of a deleted account's Firebase user is
// tried: River waits attempt⁴ seconds (±10%) after each failure, so 25 attempts span about
// three weeks of Firebase refusing or unreachable before the job is discarded (and an
// ERROR logged, see FirebaseUserWorker).
const FirebaseUserMaxAttempts = 25

// FirebaseUserArgs deletes the Firebase user of an account deleted in the app. It is
// inserted in the transaction of the deletion (Jobs.DeleteFirebaseUser), so that Firebase
// hears of a deletion exactly when it was committed. The uid is no health data, but it
// names a person: it is never logged.
type FirebaseUserArgs struct {
	UID string `json:"uid"`
}

// Kind implements river.JobArgs.
func (FirebaseUserArgs) Kind() string { return "firebase_user_delete" }

// InsertOpts implements river.JobArgsWithInsertOpts. The job runs on the notification
// workers (Queue).
func (FirebaseUserArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: FirebaseUserMaxAttempts}
}

// DeleteFirebaseUser queues the deletion of the Firebase user uid in the caller's
// transaction: it happens after the commit, and not at all if the transaction rolls back.
func (j *Jobs) DeleteFirebaseUser(ctx context.Context, uid string) error {
	if uid == "" {
		return errors.New("remind: no Firebase uid to delete")
	}
	tx, _, _, err := j.tx(ctx)
	if err != nil {
		return err
	}
	return j.insert(ctx, tx, []river.InsertManyParams{{Args: FirebaseUserArgs{UID: uid}}})
}

// FirebaseUserWorker deletes the Firebase user of a deleted account. A user Firebase no
// longer knows counts as deleted; any other failure fails the attempt, and River tries again
// with backoff until Firebase confirms or the attempts are spent.
type FirebaseUserWorker struct {
	river.WorkerDefaults[FirebaseUserArgs]
	d        *deps
	firebase UserDeleter
}

// Timeout implements river.Worker.
func (w *FirebaseUserWorker) Timeout(*river.Job[FirebaseUserArgs]) time.Duration {
	return w.d.timeout
}

// Work implements river.Worker.
func (w *FirebaseUserWorker) Work(ctx context.Context, job *river.Job[FirebaseUserArgs]) error {
	if w.firebase == nil {
		return errors.New("remind: no Firebase to delete users through")
	}
	err := w.firebase.DeleteUser(ctx, job.Args.UID)
	if err == nil {
		return nil
	}
	// The Admin SDK's error may quote the uid: neither River's record of the attempt nor a
	// log line gets it, only whether the context ended first.
	if ctx.Err() != nil {
		err = fmt.Errorf("remind: delete Firebase user: %w", ctx.Err())
	} else {
		err = errors.New("remind: delete Firebase user: Firebase refused or could not be reached")
	}
	if job.Attempt >= job.MaxAttempts {
		w.d.log.ErrorContext(ctx, "Firebase user of a deleted account not deleted: attempts spent, delete it by hand",
			"job_id", job.ID)
	} else {
		w.d.log.WarnContext(ctx, "Firebase user of a deleted account not deleted yet: will retry",
			"job_id", job.ID, "attempt", job.Attempt)
	}
	return err
}
