package push

import (
	"context"
	"errors"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// The outcomes of one message, as Outcome names them (metrics and traces).
const (
	OutcomeSent    = "sent"    // FCM accepted it
	OutcomeDropped = "dropped" // the token is dead: the device is forgotten
	OutcomeRetry   = "retry"   // it did not reach FCM: sent again later
	OutcomeUnknown = "unknown" // no answer although it went out: counted as sent
	OutcomeRefused = "refused" // not sent: no token, or not discreet
	OutcomeFailed  = "failed"  // FCM refused it otherwise
)

// Outcome names what became of a message from its Result.
func Outcome(r Result) string {
	switch {
	case r.Err == nil:
		return OutcomeSent
	case r.Unknown:
		return OutcomeUnknown
	case errors.Is(r.Err, ErrNotDiscreet), errors.Is(r.Err, ErrNoToken):
		return OutcomeRefused
	case r.DropDevice:
		return OutcomeDropped
	case r.Retry:
		return OutcomeRetry
	}
	return OutcomeFailed
}

// Observed wraps s so that every send is a span ("push.send", with the messages' kinds and
// outcomes and nothing else: no token, no text, no id) and every message's outcome is
// counted by count (nil: not counted).
func Observed(s Sender, tp trace.TracerProvider, count func(kind Kind, outcome string)) Sender {
	return &observed{s: s, tracer: tp.Tracer("github.com/processgroup/api/internal/notify/push"), count: count}
}

type observed struct {
	s      Sender
	tracer trace.Tracer
	count  func(Kind, string)
}

// Send implements Sender.
func (o *observed) Send(ctx context.Context, msgs []Message) ([]Result, error) {
	ctx, span := o.tracer.Start(ctx, "push.send", trace.WithSpanKind(trace.SpanKindClient))
	defer span.End()
	results, err := o.s.Send(ctx, msgs)
	if err != nil {
		span.SetStatus(codes.Error, "batch not sent")
		for _, m := range msgs {
			o.record(m.Kind, OutcomeRetry)
		}
		return results, err
	}
	if !span.IsRecording() && o.count == nil {
		return results, nil
	}
	kinds := make([]string, 0, len(msgs))
	outcomes := make([]string, 0, len(msgs))
	failed := false
	for i, m := range msgs {
		out := OutcomeFailed
		if i < len(results) {
			out = Outcome(results[i])
		}
		kind := m.Kind
		if !knownKind(kind) {
			kind = "other"
		}
		o.record(kind, out)
		kinds = append(kinds, string(kind))
		outcomes = append(outcomes, out)
		failed = failed || out == OutcomeFailed || out == OutcomeRetry
	}
	span.SetAttributes(
		attribute.StringSlice("push.kind", kinds),
		attribute.StringSlice("push.result", outcomes),
		attribute.Int("push.messages", len(msgs)),
	)
	if failed {
		span.SetStatus(codes.Error, "not every message was sent")
	}
	return results, nil
}

func (o *observed) record(k Kind, outcome string) {
	if o.count != nil {
		o.count(k, outcome)
	}
}
