package db

import (
	"context"
	"strings"

	"entgo.io/ent/dialect"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// Traced wraps drv (and the transactions it begins) so that every statement is a span
// named by its operation and table ("SELECT reflections"), with the database system, the
// operation and the table as attributes. Never the statement's text, never its arguments:
// a span cannot carry what members wrote, even encrypted. Wrap only when tracing is on;
// with it off, leave drv alone (no cost at all).
func Traced(drv dialect.Driver, tp trace.TracerProvider) dialect.Driver {
	system := "sqlite"
	if drv.Dialect() == dialect.Postgres {
		system = "postgresql"
	}
	return &tracedDriver{Driver: drv, tracer: tp.Tracer("github.com/processgroup/api/internal/platform/db"), system: system}
}

type tracedDriver struct {
	dialect.Driver
	tracer trace.Tracer
	system string
}

// Exec implements dialect.Driver.
func (d *tracedDriver) Exec(ctx context.Context, q string, args, v any) error {
	ctx, span := d.start(ctx, q)
	return end(span, d.Driver.Exec(ctx, q, args, v))
}

// Query implements dialect.Driver.
func (d *tracedDriver) Query(ctx context.Context, q string, args, v any) error {
	ctx, span := d.start(ctx, q)
	return end(span, d.Driver.Query(ctx, q, args, v))
}

// Tx implements dialect.Driver.
func (d *tracedDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return &tracedTx{Tx: tx, d: d}, nil
}

// start begins the span of statement q.
func (d *tracedDriver) start(ctx context.Context, q string) (context.Context, trace.Span) {
	op, table := Statement(q)
	name := op
	if table != "" {
		name += " " + table
	}
	attrs := []attribute.KeyValue{attribute.String("db.system.name", d.system), attribute.String("db.operation.name", op)}
	if table != "" {
		attrs = append(attrs, attribute.String("db.collection.name", table))
	}
	return d.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
}

// end ends span with err's outcome: an error status without its text (a driver's message
// may quote a value).
func end(span trace.Span, err error) error {
	if err != nil {
		span.SetStatus(codes.Error, "")
	}
	span.End()
	return err
}

type tracedTx struct {
	dialect.Tx
	d *tracedDriver
}

func (t *tracedTx) Exec(ctx context.Context, q string, args, v any) error {
	ctx, span := t.d.start(ctx, q)
	return end(span, t.Tx.Exec(ctx, q, args, v))
}

func (t *tracedTx) Query(ctx context.Context, q string, args, v any) error {
	ctx, span := t.d.start(ctx, q)
	return end(span, t.Tx.Query(ctx, q, args, v))
}

// Statement is the operation (SELECT, INSERT, UPDATE, DELETE, …; "OTHER" when it does not
// start with a keyword) and the main table of SQL statement q, read from the statement's
// shape only: the table is the identifier after the first FROM, INTO or UPDATE, and is
// returned only when it looks like one (letters, digits, underscores), so that neither can
// ever be a literal value.
func Statement(q string) (op, table string) {
	q = strings.TrimSpace(q)
	first, rest, _ := strings.Cut(q, " ")
	op = strings.ToUpper(first)
	if !identifier(op) || len(op) > 16 {
		return "OTHER", ""
	}
	var after string
	switch op {
	case "SELECT", "DELETE", "WITH":
		after = afterWord(rest, "FROM")
	case "INSERT":
		after = afterWord(rest, "INTO")
	case "UPDATE":
		after = rest
	default:
		return op, ""
	}
	name, _, _ := strings.Cut(strings.TrimSpace(after), " ")
	name = strings.Trim(name, "`\"")
	if i := strings.IndexAny(name, "`\"(,"); i >= 0 {
		name = name[:i]
	}
	if !identifier(name) || len(name) > 64 {
		return op, ""
	}
	return op, name
}

// afterWord is what follows the first whole word w (upper case, as ent writes keywords) in s.
func afterWord(s, w string) string {
	for i := 0; ; {
		j := strings.Index(s[i:], w)
		if j < 0 {
			return ""
		}
		j += i
		end := j + len(w)
		if (j == 0 || s[j-1] == ' ') && end < len(s) && s[end] == ' ' {
			return s[end+1:]
		}
		i = end
	}
}

// identifier tells a non-empty run of ASCII letters, digits and underscores.
func identifier(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}
