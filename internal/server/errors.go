package server

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/internal/platform/apperr"
	"github.com/processgroup/api/internal/rule"
)

// presentError gives every error sent to a client a code from the fixed set and a message
// written for it, which never echoes what the client sent. Unexpected errors become
// "internal error" for the client and a log line, without content, for the operator.
func presentError(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		out := graphql.DefaultErrorPresenter(ctx, err)
		set := func(code apperr.Code, msg string) *gqlerror.Error {
			out.Message = msg
			if out.Extensions == nil {
				out.Extensions = map[string]any{}
			}
			out.Extensions["code"] = string(code)
			return out
		}
		input := func(field, msg string) *gqlerror.Error {
			out.Extensions = map[string]any{}
			if field != "" {
				out.Extensions["field"] = field
				if !strings.Contains(msg, field) {
					msg = field + " " + msg
				}
			}
			return set(apperr.BadUserInput, msg)
		}
		var (
			ae  *apperr.Error
			ve  *ent.ValidationError
			gqe *gqlerror.Error
		)
		switch {
		case errors.As(err, &ae):
			field := ae.Field
			if field == "" && ae.Code == apperr.BadUserInput {
				field = lastName(out.Path)
			}
			set(ae.Code, ae.Message)
			if field != "" {
				out.Extensions["field"] = field
				if !strings.Contains(out.Message, field) {
					out.Message = field + " " + out.Message
				}
			}
			for k, v := range ae.Extensions {
				out.Extensions[k] = v
			}
			if ae.Code == apperr.Unavailable {
				// A service could not reach what it needs (Firebase): 503 and Retry-After,
				// as for the database.
				markUnavailable(ctx)
				if _, ok := out.Extensions["retryAfter"]; !ok {
					out.Extensions["retryAfter"] = retryAfterUnavailable
				}
			}
			return out
		case rule.IsDenied(err):
			return set(apperr.Forbidden, "you are not allowed to do this")
		case ent.IsNotFound(err):
			return set(apperr.NotFound, "not found")
		case errors.As(err, &ve):
			return input(ve.Name, "is not valid")
		case ent.IsConstraintError(err):
			return set(apperr.Conflict, "this conflicts with data that already exists")
		case unavailable(err):
			markUnavailable(ctx)
			log.WarnContext(ctx, "database unavailable", "path", out.Path.String(), "error", err.Error())
			out.Extensions = map[string]any{"retryAfter": retryAfterUnavailable}
			return set(apperr.Unavailable, unavailableMessage)
		case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
			return set(apperr.Internal, "the request was cancelled or timed out")
		case errors.As(err, &gqe) && gqe.Extensions != nil:
			switch gqe.Extensions["code"] {
			case errcode.ValidationFailed, errcode.ParseFailed:
				if len(gqe.Path) > 0 && gqe.Path[0] == ast.PathName("variable") {
					// Coercion messages quote the value; name the variable instead.
					out.Path = gqe.Path
					return input(lastName(gqe.Path), "has an invalid value (at "+gqe.Path.String()+")")
				}
				if gqe.Rule == "ValuesOfCorrectType" {
					return input("", "an argument written in the document has a value of the wrong type; send values as variables")
				}
				return input("", gqe.Message)
			case "INVALID_PAGINATION":
				return input("first", "first and last must be between 1 and 100")
			case "NOT_FOUND":
				return set(apperr.NotFound, "not found")
			}
		}
		fc := graphql.GetFieldContext(ctx)
		if fc == nil && len(out.Path) == 0 {
			// A request-level problem: a body that is not a GraphQL request, or too large.
			return input("", "the request is not a valid GraphQL request (a JSON object with a query, at most 1 MiB)")
		}
		if fc != nil && len(out.Path) > len(fc.Path()) {
			// The error is about an argument of the field the client sent: it could not be read.
			return input(lastName(out.Path), "is not valid")
		}
		log.ErrorContext(ctx, "internal error", "path", out.Path.String(), "error", err.Error())
		out.Extensions = nil
		return set(apperr.Internal, "internal error")
	}
}

// lastName is the last field or argument name of a path.
func lastName(p ast.Path) string {
	for i := len(p) - 1; i >= 0; i-- {
		if name, ok := p[i].(ast.PathName); ok {
			return string(name)
		}
	}
	return ""
}

// ensureCodes makes sure every error of a response carries a code: errors made outside the
// error presenter without one become "internal error", or UNAVAILABLE when the request
// was found to fail for want of the database (a transaction that could not begin or
// commit). A RATE_LIMITED error with a time to wait makes the answer HTTP 429 with
// Retry-After.
func ensureCodes(log *slog.Logger) graphql.ResponseMiddleware {
	return func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		resp := next(ctx)
		if resp == nil {
			return nil
		}
		for _, e := range resp.Errors {
			if code, ok := e.Extensions["code"]; ok {
				if secs, ok := e.Extensions["retryAfter"].(int); ok && code == string(apperr.RateLimited) {
					markRateLimited(ctx, secs) // 429 with Retry-After
				}
				continue
			}
			if isUnavailable(ctx) {
				e.Message = unavailableMessage
				e.Extensions = map[string]any{"code": string(apperr.Unavailable), "retryAfter": retryAfterUnavailable}
				continue
			}
			log.ErrorContext(ctx, "internal error outside the presenter", "error", e.Message)
			e.Message = "internal error"
			e.Extensions = map[string]any{"code": string(apperr.Internal)}
		}
		return resp
	}
}

// unavailableMessage is the message of UNAVAILABLE errors.
var unavailableMessage = fmt.Sprintf("the service is briefly unavailable; nothing was changed unless the app sees it done: retry in %d s", retryAfterUnavailable)

// unavailable tells the errors of a database that cannot be reached or cannot serve for a
// while: connections refused, lost or timed out, a server shutting down or out of
// connections, SQLite busy or failing to read its file. The request may succeed if sent
// again; it says nothing about what the client sent.
func unavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return true // the connection ended under the statement
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) || pgconn.Timeout(err) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// 08: connection exception; 53: insufficient resources (too many connections, out
		// of memory or disk); 57P01-57P05: the server shutting down, starting up or
		// dropping the database; 57014: a statement cancelled or timed out.
		return strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "53") ||
			strings.HasPrefix(pe.Code, "57P") || pe.Code == "57014"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff { // the primary result code
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_NOMEM, sqlite3.SQLITE_IOERR,
			sqlite3.SQLITE_FULL, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PROTOCOL:
			return true
		}
	}
	return false
}
