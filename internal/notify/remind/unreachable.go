package remind

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// whileUnreachable runs f, and again while it fails because the database cannot be reached
// for the moment (see unreachable), waiting a little longer each time, until ctx ends. A
// worker thereby rides out a database restart, a terminated connection or a full
// connection table of a few seconds within one attempt of its job, instead of failing it
// (River's next attempts wait 1 s, 16 s, 81 s, …).
func whileUnreachable(ctx context.Context, f func(context.Context) error) error {
	wait := 50 * time.Millisecond
	for {
		err := f(ctx)
		if err == nil || !unreachable(err) || ctx.Err() != nil {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return err
		}
		wait = min(2*wait, time.Second)
	}
}

// unreachable reports whether err says that the database could not be reached or the
// connection broke, rather than that the statement itself failed: no connection could be
// made, the server is starting, shutting down or out of connection slots, or the
// connection was closed or terminated under the statement.
func unreachable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "57P01", // admin_shutdown (pg_terminate_backend, a fast shutdown)
			"57P02", // crash_shutdown
			"57P03", // cannot_connect_now (starting up, shutting down)
			"53300": // too_many_connections
			return true
		}
		return strings.HasPrefix(pgErr.Code, "08") // connection exceptions
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connectErr) || errors.As(err, &netErr) ||
		errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, sql.ErrConnDone) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || pgconn.SafeToRetry(err)
}
