package sealed

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/processgroup/api/internal/platform/crypt"
)

// Reencrypt rewrites every sealed value that is not under k's current key, in batches, and
// returns how many it rewrote. Each row is updated only if it still holds the value read, so
// it is safe while the API runs. Rotation: put the new key first in ENCRYPTION_KEYS (keep the
// old ones), restart the servers, run this, then drop the old keys.
func Reencrypt(ctx context.Context, db *sql.DB, k *crypt.Keyring) (int, error) {
	const batch = 500
	total := 0
	for _, col := range Columns {
		table, column, _ := strings.Cut(col.Name, ".")
		last := 0
		for {
			rows, err := db.QueryContext(ctx, fmt.Sprintf(
				"SELECT id, %s FROM %s WHERE id > $1 AND %s IS NOT NULL ORDER BY id LIMIT %d",
				column, table, column, batch), last)
			if err != nil {
				return total, err
			}
			type row struct {
				id    int
				value string
			}
			var stale []row
			n := 0
			for rows.Next() {
				var r row
				if err := rows.Scan(&r.id, &r.value); err != nil {
					rows.Close()
					return total, err
				}
				n++
				last = r.id
				if crypt.KeyID(r.value) != k.CurrentID() {
					stale = append(stale, r)
				}
			}
			if err := rows.Err(); err != nil {
				rows.Close()
				return total, err
			}
			if err := rows.Close(); err != nil {
				return total, err
			}
			for _, r := range stale {
				plain, err := k.Decrypt(r.value, col.Name)
				if err != nil {
					return total, fmt.Errorf("%s id %d: %w", col.Name, r.id, err)
				}
				sealed, err := k.Encrypt(plain, col.Name)
				if err != nil {
					return total, err
				}
				res, err := db.ExecContext(ctx, fmt.Sprintf("UPDATE %s SET %s = $1 WHERE id = $2 AND %s = $3", table, column, column), sealed, r.id, r.value)
				if err != nil {
					return total, err
				}
				if m, _ := res.RowsAffected(); m == 1 {
					total++
				}
			}
			if n < batch {
				break
			}
		}
	}
	return total, nil
}
