// Package graph holds the GraphQL resolvers. They are thin: each makes one call into ent or
// into a domain package (internal/journal, internal/groups). gqlgen rewrites
// *.resolvers.go on every `go generate`; helpers live in this file.
package graph

import (
	"context"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/graph/model"
	"github.com/processgroup/api/internal/account"
	"github.com/processgroup/api/internal/consent"
	"github.com/processgroup/api/internal/crisis"
	"github.com/processgroup/api/internal/groups"
	"github.com/processgroup/api/internal/journal"
)

// Resolver is the root resolver: the dependencies every resolver may use.
type Resolver struct {
	Client  *ent.Client
	Journal *journal.Journal
	Groups  *groups.Groups
	// Consents grants and revokes consent to share with a group.
	Consents *consent.Consents
	// Accounts exports and deletes accounts.
	Accounts *account.Accounts
	// Program is the name of the treatment program, as the consent text names it.
	Program string
}

// ent returns the client of the request's transaction (mutations run in one, see
// entgql.Transactioner), or the root client for queries.
func (r *Resolver) ent(ctx context.Context) *ent.Client {
	if c := ent.FromContext(ctx); c != nil {
		return c
	}
	return r.Client
}

func crisisResources(rs []crisis.Resource) []*model.CrisisResource {
	out := make([]*model.CrisisResource, 0, len(rs))
	for _, r := range rs {
		out = append(out, &model.CrisisResource{
			Name:  r.Name,
			Phone: optional(r.Phone),
			Sms:   optional(r.SMS),
			URL:   optional(r.URL),
		})
	}
	return out
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
