// Package scalar marshals the API's custom scalars. Unlike gqlgen's built-in ones, a
// value the client got wrong fails with BAD_USER_INPUT naming the argument, and the error
// never echoes the value back.
package scalar

import (
	"encoding/json"
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"

	"github.com/processgroup/api/internal/platform/apperr"
)

// MarshalID writes an ID as a string: IDs are opaque to the app.
func MarshalID(id int) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(strconv.Itoa(id)))
	})
}

// UnmarshalID reads an ID given as a string (or, leniently, a JSON number).
func UnmarshalID(v any) (int, error) {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case json.Number:
		s = x.String()
	case int:
		return x, nil
	case int64:
		return int(x), nil
	default:
		return 0, apperr.Input("", "must be an ID")
	}
	id, err := strconv.Atoi(s)
	if err != nil || id <= 0 {
		return 0, apperr.Input("", "must be an ID")
	}
	return id, nil
}

// MarshalUUID writes a UUID in canonical form.
func MarshalUUID(u uuid.UUID) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(u.String()))
	})
}

// UnmarshalUUID reads a UUID from a string.
func UnmarshalUUID(v any) (uuid.UUID, error) {
	s, ok := v.(string)
	if !ok {
		return uuid.Nil, apperr.Input("", "must be a UUID")
	}
	u, err := uuid.Parse(s)
	if err != nil || u == uuid.Nil {
		return uuid.Nil, apperr.Input("", "must be a UUID")
	}
	return u, nil
}

// MarshalTime writes a time in UTC, RFC 3339 with nanoseconds, whatever zone the database
// driver or the server gave it.
func MarshalTime(t time.Time) graphql.Marshaler {
	return graphql.MarshalTime(t.UTC())
}

// UnmarshalTime reads an RFC 3339 time.
func UnmarshalTime(v any) (time.Time, error) {
	t, err := graphql.UnmarshalTime(v)
	if err != nil {
		return time.Time{}, apperr.Input("", "must be an RFC 3339 time, such as 2026-11-25T18:00:00Z")
	}
	return t.UTC(), nil
}
