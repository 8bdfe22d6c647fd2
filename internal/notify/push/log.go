package push

import (
	"context"
	"log/slog"
)

// Log is a Sender for local demo mode without Firebase: it writes one log
// line per message and reports success. It logs the kind, texts, data and
// a fingerprint of the token (see TokenFingerprint), never the token
// itself.
type Log struct {
	l *slog.Logger
}

var _ Sender = (*Log)(nil)

// NewLog returns a Log sender writing to l; nil means slog.Default().
func NewLog(l *slog.Logger) *Log {
	if l == nil {
		l = slog.Default()
	}
	return &Log{l: l}
}

// Send logs each message and reports success, except for messages
// without a token or failing CheckDiscreet, which get the same error
// Results as from FCM. The error is non-nil only when ctx is done.
func (s *Log) Send(ctx context.Context, msgs []Message) ([]Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	results := make([]Result, len(msgs))
	for i, m := range msgs {
		if r, ok := precheck(m); !ok {
			results[i] = r
			s.l.LogAttrs(ctx, slog.LevelWarn, "push: notification refused",
				slog.String("kind", string(m.Kind)),
				slog.String("device", TokenFingerprint(m.Token)),
				slog.String("error", r.Err.Error()))
			continue
		}
		attrs := []slog.Attr{
			slog.String("kind", string(m.Kind)),
			slog.String("title", m.Title),
			slog.String("body", m.Body),
			slog.Any("data", withType(m)),
			slog.String("device", TokenFingerprint(m.Token)),
		}
		if m.CollapseID != "" {
			attrs = append(attrs, slog.String("collapse_id", collapseID(m.CollapseID)))
		}
		if !m.Expires.IsZero() {
			attrs = append(attrs, slog.Time("expires", m.Expires))
		}
		s.l.LogAttrs(ctx, slog.LevelInfo, "push: notification (log sender, not delivered)", attrs...)
	}
	return results, nil
}
