package remind

import (
	"context"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// dueStates are the states of a job that may still run.
var dueStates = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStateRunning,
	rivertype.JobStateScheduled, rivertype.JobStateRetryable,
}

// RunDue runs now every job that is due by the clock and returns once none is due any more:
// each has completed, been snoozed or been scheduled for a retry, here or on another server
// on the same database. River's scheduler notices due jobs on its own within seconds; RunDue
// is for whoever cannot wait: tests that move a fake clock and then check what was sent,
// without sleeping. The workers must be running (Start).
func (s *Service) RunDue(ctx context.Context) error {
	events, stop := s.client.Subscribe(
		river.EventKindJobCompleted, river.EventKindJobFailed,
		river.EventKindJobSnoozed, river.EventKindJobCancelled,
	)
	defer stop()
	// Jobs worked by another server send this one no event: look again now and then.
	recheck := time.NewTicker(20 * time.Millisecond)
	defer recheck.Stop()
	for {
		due, err := s.due(ctx)
		if err != nil {
			return err
		}
		if len(due) == 0 {
			return nil
		}
		for _, job := range due {
			if job.State == rivertype.JobStateScheduled || job.State == rivertype.JobStateRetryable {
				if _, err := s.client.JobRetry(ctx, job.ID); err != nil {
					return err
				}
			}
		}
		select {
		case <-events:
		case <-recheck.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// dueSlack is how far ahead of the clock a job may read and still be due: River's SQLite
// driver stores times rounded to the millisecond, so a job queued "now" can read up to half a
// millisecond ahead.
const dueSlack = time.Millisecond

// due lists the jobs that are due by the clock and have not finished.
func (s *Service) due(ctx context.Context) ([]*rivertype.JobRow, error) {
	now := s.cfg.Clock.Now().Add(dueSlack)
	params := river.NewJobListParams().
		States(dueStates...).
		OrderBy(river.JobListOrderByScheduledAt, river.SortOrderAsc).
		First(100)
	var out []*rivertype.JobRow
	for {
		res, err := s.client.JobList(ctx, params)
		if err != nil {
			return nil, err
		}
		for _, job := range res.Jobs {
			if job.State != rivertype.JobStateRunning && job.ScheduledAt.After(now) {
				return out, nil
			}
			out = append(out, job)
		}
		if len(res.Jobs) < 100 {
			return out, nil
		}
		params = params.After(res.LastCursor)
	}
}
