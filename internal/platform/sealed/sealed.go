// Package sealed encrypts the health-information columns (reflection body and prompt,
// encouragement message) on their way into the database and decrypts them on the way out.
//
// ent/schema attaches a Column to each such field as its ValueScanner, so every write path
// stores ciphertext and every read path sees plaintext: the application never has to
// remember. The process has one keyring, set once at start with Use (before the database is
// touched); with none set, reads and writes of sealed columns fail rather than store
// plaintext.
package sealed

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync/atomic"

	"entgo.io/ent/schema/field"

	"github.com/processgroup/api/internal/platform/crypt"
)

var ring atomic.Pointer[crypt.Keyring]

// ErrNoKey is returned when a sealed column is used before Use.
var ErrNoKey = errors.New("sealed: no encryption key configured")

// Use sets the process's keyring.
func Use(k *crypt.Keyring) { ring.Store(k) }

// Column is the ValueScanner of one encrypted text column; its name is bound into every
// ciphertext, so that values cannot be moved between columns.
type Column struct {
	// Name is "table.column".
	Name string
}

var _ field.TypeValueScanner[string] = Column{}

// Value encrypts s for the database.
func (c Column) Value(s string) (driver.Value, error) {
	k := ring.Load()
	if k == nil {
		return nil, ErrNoKey
	}
	return k.Encrypt(s, c.Name)
}

// ScanValue is what the database value is scanned into.
func (c Column) ScanValue() field.ValueScanner { return &sql.NullString{} }

// FromValue decrypts a scanned database value.
func (c Column) FromValue(v driver.Value) (string, error) {
	ns, ok := v.(*sql.NullString)
	if !ok {
		return "", fmt.Errorf("sealed: unexpected %T for %s", v, c.Name)
	}
	if !ns.Valid {
		return "", nil
	}
	k := ring.Load()
	if k == nil {
		return "", ErrNoKey
	}
	return k.Decrypt(ns.String, c.Name)
}

// MAC is a keyed fingerprint of parts under the process's keyring (see crypt.Keyring.MAC).
func MAC(parts ...string) (string, error) {
	k := ring.Load()
	if k == nil {
		return "", ErrNoKey
	}
	return k.MAC(parts...), nil
}

// Columns lists every sealed column, for re-encryption.
var Columns = []Column{
	{Name: "reflections.body"},
	{Name: "reflections.prompt"},
	{Name: "encouragements.message"},
	{Name: "encouragements.report_reason"},
	{Name: "encouragements.hide_reason"},
}
