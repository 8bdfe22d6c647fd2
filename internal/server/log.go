package server

import (
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/processgroup/api/internal/demo"
	"github.com/processgroup/api/internal/server/config"
)

// NewLogger returns the JSON logger of the server. Nothing logged may carry reflection or
// encouragement text, names, emails, tokens or GraphQL variables.
func NewLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

// PrintDemo prints the demo users' sign-in tokens with a copy-paste curl line. It writes
// to the terminal, never to the log.
func PrintDemo(w io.Writer, cfg config.Config, users []demo.User) {
	if len(users) == 0 {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\nLocal demo mode: Firebase project %s, database %s\n", cfg.FirebaseProjectID, cfg.DatabaseURL)
	fmt.Fprintf(&b, "GraphiQL: http://%s/  (signed in as the first member below; for another user, put their token in its Headers tab)\n\n", cfg.ListenAddr)
	for _, u := range users {
		role := "member"
		if u.Therapist {
			role = "therapist"
		}
		fmt.Fprintf(&b, "%s (%s):\n  export TOKEN_%s='%s'\n", u.DisplayName, role, strings.ToUpper(strings.TrimPrefix(u.UID, "demo-")), u.Token)
	}
	fmt.Fprintf(&b, "\nTry:\n  curl -s http://%s/graphql -H \"Authorization: Bearer $TOKEN_SAM\" -H 'Content-Type: application/json' \\\n", cfg.ListenAddr)
	b.WriteString(`    -d '{"query":"{ viewer { id memberships { displayName group { id name } } } }"}'` + "\n\n")
	io.WriteString(w, b.String())
}
