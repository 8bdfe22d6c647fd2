package server

import (
	"github.com/processgroup/api/internal/server/graphiql"
)

// graphiqlOptions are GraphiQL's page (outside production): in demo mode its header editor
// holds a demo member's token, so that queries and subscriptions work at once.
func (a *App) graphiqlOptions() graphiql.Options {
	o := graphiql.Options{
		Title:    "Process groups API",
		Endpoint: "/graphql",
		Query:    "# Process groups API. Run with Ctrl-Enter; the schema is in the Docs panel.\n{\n  viewer {\n    id\n  }\n}\n",
	}
	// SECURITY: a token goes into the page only in demo mode (no Firebase project: the
	// demo's own emulator signed it, for demo data); anywhere else the header editor is
	// empty.
	if !a.cfg.Demo {
		return o
	}
	for _, u := range a.DemoUsers {
		if !u.Therapist {
			o.Query = "# Signed in as " + u.DisplayName + " (a demo member): see the Headers tab. The other demo users'\n" +
				"# tokens are printed in the terminal.\n{\n  viewer {\n    id\n    memberships {\n      displayName\n      group {\n        id\n        name\n      }\n    }\n  }\n}\n"
			o.Headers = map[string]string{"Authorization": "Bearer " + u.Token}
			break
		}
	}
	return o
}
