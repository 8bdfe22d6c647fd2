package remind

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// refusingFirebase fails every deletion with an error that quotes the uid, as an SDK
// error might.
type refusingFirebase struct{}

func (refusingFirebase) DeleteUser(_ context.Context, uid string) error {
	return errors.New("firebase refused " + uid)
}

// TestFirebaseUserWorkerFailures: a failed deletion fails the attempt (for River to retry),
// with a warning before the last attempt and an ERROR at it, naming the job, never the uid,
// neither in the log nor in the error River records.
func TestFirebaseUserWorkerFailures(t *testing.T) {
	t.Parallel()
	const uid = "uid-Zq8sKx2LmP"
	for _, tc := range []struct {
		attempt int
		level   string
	}{
		{1, "WARN"},
		{FirebaseUserMaxAttempts - 1, "WARN"},
		{FirebaseUserMaxAttempts, "ERROR"},
	} {
		var logs bytes.Buffer
		w := &FirebaseUserWorker{d: &deps{log: slog.New(slog.NewTextHandler(&logs, nil))}, firebase: refusingFirebase{}}
		job := &river.Job[FirebaseUserArgs]{
			JobRow: &rivertype.JobRow{ID: 4242, Attempt: tc.attempt, MaxAttempts: FirebaseUserArgs{}.InsertOpts().MaxAttempts},
			Args:   FirebaseUserArgs{UID: uid},
		}
		err := w.Work(context.Background(), job)
		if err == nil {
			t.Fatalf("attempt %d: a refused deletion succeeded", tc.attempt)
		}
		out := logs.String()
		if strings.Contains(err.Error(), uid) || strings.Contains(out, uid) {
			t.Errorf("attempt %d: the uid leaked: error %q, log %q", tc.attempt, err, out)
		}
		if !strings.Contains(out, "level="+tc.level) || !strings.Contains(out, "job_id=4242") {
			t.Errorf("attempt %d: want a %s line naming the job, got %q", tc.attempt, tc.level, out)
		}
	}
}
