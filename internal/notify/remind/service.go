package remind

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"entgo.io/ent/dialect"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
	"github.com/riverqueue/rivercontrib/otelriver"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/delivery"
	"github.com/processgroup/api/internal/notify/push"
	"github.com/processgroup/api/internal/platform/clock"
	"github.com/processgroup/api/internal/rule"
)

// NewJobs returns the Jobs that plan notifications inside the application's transactions on
// pool (dialect.SQLite or dialect.Postgres), on the clock c. They only insert and cancel:
// the workers of a Service run what they plan.
func NewJobs(dialectName string, pool *sql.DB, c clock.Clock) (*Jobs, error) {
	var drv riverdriver.Driver[*sql.Tx]
	switch dialectName {
	case dialect.SQLite:
		drv = riversqlite.New(pool)
	case dialect.Postgres:
		drv = riverdatabasesql.New(pool)
	default:
		return nil, errors.New("remind: unknown dialect " + dialectName)
	}
	rc := &river.Config{}
	if _, ok := c.(clock.Real); !ok {
		rc.Test.Time = c
	}
	inserter, err := river.NewClient(drv, rc)
	if err != nil {
		return nil, fmt.Errorf("remind: %w", err)
	}
	return &Jobs{river: inserter, dialect: dialectName, clock: c}, nil
}

// Upkeep is the hourly work of the schedules: weekly schedules produce their sessions
// ahead, with their reminders (sessions.Sessions).
type Upkeep interface {
	Extend(ctx context.Context, root *ent.Client) error
}

// Config configures the Service.
type Config struct {
	// Dialect is dialect.SQLite or dialect.Postgres.
	Dialect string
	// SQL is the application's database pool.
	SQL *sql.DB
	// PostgresURL is the database URL, for the workers' own pgx pool (PostgreSQL only).
	PostgresURL string
	// Client is the root ent client.
	Client *ent.Client
	// Sender sends the notifications.
	Sender push.Sender
	// Firebase deletes the Firebase users of deleted accounts (FirebaseUserArgs).
	Firebase UserDeleter
	// Clock is the time source (a fake in tests).
	Clock clock.Clock
	// Log receives operational lines (never content, names or tokens).
	Log *slog.Logger
	// Workers is how many notification jobs run at once on this server.
	Workers int
	// Poll is how often workers look for due jobs (PostgreSQL also wakes them on insert).
	Poll time.Duration
	// Upkeep makes weekly schedules produce sessions ahead; run hourly by one server.
	Upkeep Upkeep
	// KeepDeliveries is how long delivery records are kept.
	KeepDeliveries time.Duration
	// JobTimeout bounds a notification job's work up to its send (loading, claiming,
	// sending); its context is cancelled then. Zero means DefaultJobTimeout.
	JobTimeout time.Duration
	// RescueAfter is how long a job may stay running before River's rescuer (run by the
	// elected leader every 30 s) takes it for one whose server died and schedules it
	// again. It bounds how late a crashed server's jobs are picked up by the others. It
	// must exceed JobTimeout: the time between the two is what a job has to record the
	// outcome of its send after its context ended (a second minus). Zero means
	// DefaultRescueAfter. On a clock other than the real one the rescuer is off (see New).
	RescueAfter time.Duration
	// Tracing, when set, makes every job's work a span (River's OpenTelemetry middleware,
	// otelriver: the job's kind, queue, attempt and outcome; never its arguments).
	Tracing trace.TracerProvider
}

// DefaultJobTimeout and DefaultRescueAfter are the defaults of Config.JobTimeout and
// Config.RescueAfter: a crashed server's notifications are sent by the others within
// about a minute (RescueAfter, the rescuer's 30 s round, River's 5 s scheduler).
const (
	DefaultJobTimeout  = 10 * time.Second
	DefaultRescueAfter = 20 * time.Second
)

// MinRescueMargin is how much longer than JobTimeout RescueAfter must be.
const MinRescueMargin = 2 * time.Second

// Service runs the notification jobs that Jobs plan, and the deletions of deleted accounts'
// Firebase users.
type Service struct {
	cfg Config
	// client works the jobs: over the application's pool on SQLite, over a pgx pool of its
	// own on PostgreSQL.
	client runner
	pool   *pgxpool.Pool
}

// runner is what the Service uses of its River client (*river.Client over either driver).
type runner interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
	Subscribe(kinds ...river.EventKind) (<-chan *river.Event, func())
	JobList(ctx context.Context, params *river.JobListParams) (*river.JobListResult, error)
	JobRetry(ctx context.Context, id int64) (*rivertype.JobRow, error)
}

// New builds the service; Migrate creates River's tables, Start runs the workers.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 20
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.KeepDeliveries <= 0 {
		cfg.KeepDeliveries = 30 * 24 * time.Hour
	}
	if cfg.JobTimeout <= 0 {
		cfg.JobTimeout = DefaultJobTimeout
	}
	if cfg.RescueAfter <= 0 {
		cfg.RescueAfter = DefaultRescueAfter
	}
	if cfg.RescueAfter < cfg.JobTimeout+MinRescueMargin {
		return nil, fmt.Errorf("remind: RescueAfter (%v) must be at least JobTimeout (%v) plus %v", cfg.RescueAfter, cfg.JobTimeout, MinRescueMargin)
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	// A job records its send's outcome after its context ended for up to settle, and has
	// returned a second before the rescuer may take it.
	settle := cfg.RescueAfter - cfg.JobTimeout - time.Second
	d := &deps{client: cfg.Client, sender: cfg.Sender, clock: cfg.Clock, log: cfg.Log, timeout: cfg.JobTimeout, settle: settle}
	workers := river.NewWorkers()
	river.AddWorker(workers, &ReminderWorker{d: d})
	river.AddWorker(workers, &CancelledWorker{d: d})
	river.AddWorker(workers, &EncouragementWorker{d: d})
	river.AddWorker(workers, &PromptWorker{d: d})
	river.AddWorker(workers, &FirebaseUserWorker{d: d, firebase: cfg.Firebase})
	river.AddWorker(workers, &ExtendWorker{upkeep: cfg.Upkeep, client: cfg.Client, clock: cfg.Clock, prune: func(ctx context.Context) error {
		_, err := cfg.Client.Delivery.Delete().Where(delivery.SentAtLT(cfg.Clock.Now().Add(-cfg.KeepDeliveries))).Exec(rule.ForNotifications(ctx))
		return err
	}})
	rc := &river.Config{
		Workers: workers,
		Queues: map[string]river.QueueConfig{
			Queue:              {MaxWorkers: cfg.Workers},
			river.QueueDefault: {MaxWorkers: 1},
		},
		PeriodicJobs: []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) {
				return ExtendArgs{}, nil
			}, &river.PeriodicJobOpts{RunOnStart: true, ID: "extend_schedules"}),
		},
		FetchPollInterval: cfg.Poll,
		FetchCooldown:     min(cfg.Poll, 100*time.Millisecond),
		JobTimeout:        cfg.JobTimeout,
		// A job recording its outcome after its timeout is not stuck (see settle).
		JobStuckThreshold:    settle + time.Second,
		RescueStuckJobsAfter: cfg.RescueAfter,
		Logger:               quietLogger(cfg.Log),
	}
	if cfg.Tracing != nil {
		rc.Middleware = []rivertype.Middleware{otelriver.NewMiddleware(&otelriver.MiddlewareConfig{
			TracerProvider: cfg.Tracing,
			// The server's metrics are Prometheus's (JobCounts); none through OpenTelemetry.
			MeterProvider:               metricnoop.NewMeterProvider(),
			EnableWorkSpanJobKindSuffix: true,
		})}
	}
	if _, ok := cfg.Clock.(clock.Real); !ok {
		rc.Test.Time = cfg.Clock
		// River's job cleaner and stuck-job rescuer read the wall clock, not this one: on a
		// clock set in the past the cleaner would delete the jobs this clock has just
		// finished, and the rescuer would take every running job for one stuck for months and
		// run it again. Finished jobs are kept, and running ones are left to finish.
		rc.CompletedJobRetentionPeriod = -1
		rc.CancelledJobRetentionPeriod = -1
		rc.DiscardedJobRetentionPeriod = -1
		rc.RescueStuckJobsAfter = 100 * 365 * 24 * time.Hour
	}
	s := &Service{cfg: cfg}
	var err error
	switch cfg.Dialect {
	case dialect.SQLite:
		if s.client, err = river.NewClient(riversqlite.New(cfg.SQL), rc); err != nil {
			return nil, fmt.Errorf("remind: %w", err)
		}
	case dialect.Postgres:
		pc, err := pgxpool.ParseConfig(cfg.PostgresURL)
		if err != nil {
			return nil, fmt.Errorf("remind: worker pool: %w", err)
		}
		// River fetches, completes and elects a leader on this pool; pgx's default of four
		// connections would queue the completions of many workers.
		pc.MaxConns = int32(max(8, cfg.Workers/4))
		if s.pool, err = pgxpool.NewWithConfig(ctx, pc); err != nil {
			return nil, fmt.Errorf("remind: worker pool: %w", err)
		}
		if s.client, err = river.NewClient(riverpgxv5.New(s.pool), rc); err != nil {
			s.pool.Close()
			return nil, fmt.Errorf("remind: %w", err)
		}
	default:
		return nil, errors.New("remind: unknown dialect " + cfg.Dialect)
	}
	return s, nil
}

// Migrate creates or updates River's tables. On PostgreSQL it holds an advisory lock, so
// that servers starting together migrate once.
func (s *Service) Migrate(ctx context.Context) error {
	if s.pool == nil {
		m, err := rivermigrate.New(riversqlite.New(s.cfg.SQL), nil)
		if err != nil {
			return err
		}
		_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		return err
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	const lockID = 0x70726f63 // "proc"
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", lockID); err != nil {
		return err
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", lockID) //nolint:errcheck
	m, err := rivermigrate.New(riverpgxv5.New(s.pool), nil)
	if err != nil {
		return err
	}
	_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	return err
}

// Start runs the workers until Stop.
func (s *Service) Start(ctx context.Context) error { return s.client.Start(ctx) }

// Stop stops fetching jobs and waits for those running, up to ctx's deadline.
func (s *Service) Stop(ctx context.Context) error { return s.client.Stop(ctx) }

// StopAndCancel cancels the jobs still running and waits for them to return.
func (s *Service) StopAndCancel(ctx context.Context) error { return s.client.StopAndCancel(ctx) }

// Close releases the workers' pool.
func (s *Service) Close() {
	if s.pool != nil {
		s.pool.Close()
	}
}

// ExtendWorker runs the hourly upkeep: schedules produce sessions ahead (with their
// reminders) and old delivery records are forgotten.
type ExtendWorker struct {
	river.WorkerDefaults[ExtendArgs]
	upkeep Upkeep
	client *ent.Client
	clock  clock.Clock
	prune  func(ctx context.Context) error
}

// Timeout implements river.Worker: the upkeep of every schedule may take longer than a
// notification (and is safe to run again if a server dies during it).
func (w *ExtendWorker) Timeout(*river.Job[ExtendArgs]) time.Duration { return 5 * time.Minute }

// Work implements river.Worker.
func (w *ExtendWorker) Work(ctx context.Context, _ *river.Job[ExtendArgs]) error {
	ctx = clock.NewContext(ctx, w.clock)
	if w.upkeep != nil {
		if err := w.upkeep.Extend(ctx, w.client); err != nil {
			return err
		}
	}
	return w.prune(ctx)
}

// quietLogger passes River's own warnings and errors on, without its info chatter.
func quietLogger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return nil
	}
	return slog.New(levelFilter{l.Handler(), slog.LevelWarn}).With("component", "river")
}

type levelFilter struct {
	slog.Handler
	min slog.Level
}

func (f levelFilter) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= f.min && f.Handler.Enabled(ctx, l)
}

func (f levelFilter) WithAttrs(as []slog.Attr) slog.Handler {
	return levelFilter{f.Handler.WithAttrs(as), f.min}
}

func (f levelFilter) WithGroup(name string) slog.Handler {
	return levelFilter{f.Handler.WithGroup(name), f.min}
}
