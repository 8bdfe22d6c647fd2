package rule

import (
	"context"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/privacy"
	"github.com/processgroup/api/ent/reflectionread"
	"github.com/processgroup/api/internal/viewer"
)

// ReadsQueryAuthor lets only the author read the accounting of reads of their reflections.
func ReadsQueryAuthor() privacy.QueryRule {
	return privacy.ReflectionReadQueryRuleFunc(func(ctx context.Context, q *ent.ReflectionReadQuery) error {
		// SECURITY: who read my reflections is mine to know.
		q.Where(reflectionread.AuthorUserID(viewer.FromContext(ctx).UserID))
		return privacy.Allow
	})
}
