package remind

import (
	"context"
)

// JobCount is how many jobs of one kind are in one state (River's job table).
type JobCount struct {
	Kind, State string
	N           int64
}

// JobCounts counts the jobs in River's table by kind and state, in one statement (the
// metrics read it at each scrape, never per request).
func (s *Service) JobCounts(ctx context.Context) ([]JobCount, error) {
	rows, err := s.cfg.SQL.QueryContext(ctx, "SELECT kind, state, COUNT(*) FROM river_job GROUP BY kind, state")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []JobCount
	for rows.Next() {
		var c JobCount
		if err := rows.Scan(&c.Kind, &c.State, &c.N); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
