package db

import "testing"

// TestStatement: a span's name comes from a statement's shape only; a value can never become
// its table.
func TestStatement(t *testing.T) {
	for _, c := range []struct{ q, op, table string }{
		{"SELECT `reflections`.`id` FROM `reflections` WHERE `reflections`.`group_id` = ?", "SELECT", "reflections"},
		{`SELECT "t1"."id", "t1"."body" FROM "reflections" AS "t1" WHERE "t1"."id" IN ($1, $2)`, "SELECT", "reflections"},
		{`INSERT INTO "encouragements" ("message") VALUES ($1) RETURNING "id"`, "INSERT", "encouragements"},
		{"UPDATE `users` SET `last_seen_at` = ? WHERE `id` = ?", "UPDATE", "users"},
		{`DELETE FROM "devices" WHERE "token" = $1`, "DELETE", "devices"},
		{"SELECT 'MARKER secret' FROM x", "SELECT", "x"},
		{"SELECT * FROM 'MARKER literal'", "SELECT", ""},
		{"INSERT INTO (SELECT 1)", "INSERT", ""},
		{"'MARKER' SELECT", "OTHER", ""},
		{"PRAGMA foreign_keys", "PRAGMA", ""},
		{"SELECT COUNT(*)", "SELECT", ""},
	} {
		op, table := Statement(c.q)
		if op != c.op || table != c.table {
			t.Errorf("Statement(%q) = %q, %q; want %q, %q", c.q, op, table, c.op, c.table)
		}
	}
}
