// Package sealed encrypts the health-information columns (reflection body and prompt,
// encouragement message, report and hide reasons) on their way into the database and
// decrypts them on the way out.
//
// ent/schema attaches a Column to each such field as its ValueScanner, and the application's
// ent driver is wrapped by NewDriver with the keyring of that application: every write path
// stores ciphertext and every read path sees plaintext, and the application never has to
// remember. The keyring belongs to the driver, not to the process, so two applications in one
// process (tests, a rotation) each use their own. A sealed column used through a driver
// without a keyring fails rather than store or show plaintext.
//
// One write path does not go through the ValueScanner: ent's upsert setters (a setter of a
// sealed field inside OnConflict().Update) write the raw string.
// TestNoUpsertOfSealedEntities keeps them out of the code base.
package sealed

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"entgo.io/ent/schema/field"

	"github.com/processgroup/api/internal/platform/crypt"
)

// ErrNoKey is returned when a sealed column is written or read through a driver that NewDriver
// did not wrap: nothing would encrypt or decrypt it (writes fail in the database driver,
// which wraps it in an error of its own).
var ErrNoKey = errors.New("sealed: no encryption key configured")

// Column is the ValueScanner of one encrypted text column; its name is bound into every
// ciphertext, so that values cannot be moved between columns.
type Column struct {
	// Name is "table.column".
	Name string
}

var _ field.TypeValueScanner[string] = Column{}

// plain is a sealed column's value on its way to the database: the driver of NewDriver
// replaces it by its ciphertext. Reaching a database driver as it is (no NewDriver on the
// way), it refuses to be stored (Value fails with ErrNoKey), and it never prints its text,
// so that no encoder's error or debug log carries it.
type plain struct {
	column, text string
}

// Value implements driver.Valuer: a plain value is never stored as it is.
func (p plain) Value() (driver.Value, error) {
	return nil, fmt.Errorf("%w for %s", ErrNoKey, p.column)
}

// Format implements fmt.Formatter: only the column's name is ever printed. (Not a String
// method: some drivers store a fmt.Stringer as its text.)
func (p plain) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "sealed value of %s", p.column)
}

// Value hands s to the driver, which encrypts it (see NewDriver).
func (c Column) Value(s string) (driver.Value, error) {
	return plain{column: c.Name, text: s}, nil
}

// ScanValue is what the database value is scanned into; the driver decrypts it there.
func (c Column) ScanValue() field.ValueScanner { return &Scanned{column: c.Name} }

// FromValue is the plaintext the driver decrypted into v.
func (c Column) FromValue(v driver.Value) (string, error) {
	s, ok := v.(*Scanned)
	if !ok {
		return "", fmt.Errorf("sealed: unexpected %T for %s", v, c.Name)
	}
	if !s.raw.Valid {
		return "", nil
	}
	if !s.opened {
		return "", ErrNoKey
	}
	return s.plain, nil
}

// Scanned holds one sealed value read from the database: its ciphertext, then, once the driver
// has opened it, its plaintext.
type Scanned struct {
	column string
	raw    sql.NullString
	plain  string
	opened bool
}

// Scan implements sql.Scanner.
func (s *Scanned) Scan(src any) error {
	s.opened, s.plain = false, ""
	return s.raw.Scan(src)
}

// Value implements driver.Valuer (the stored form, unchanged).
func (s *Scanned) Value() (driver.Value, error) { return s.raw.Value() }

// open decrypts s with k.
func (s *Scanned) open(k *crypt.Keyring) error {
	if !s.raw.Valid {
		return nil
	}
	p, err := k.Decrypt(s.raw.String, s.column)
	if err != nil {
		return err
	}
	s.plain, s.opened = p, true
	return nil
}

// NewDriver wraps drv so that the sealed columns are encrypted with keys on the way in and
// decrypted on the way out.
func NewDriver(drv dialect.Driver, keys *crypt.Keyring) dialect.Driver {
	return sealDriver{Driver: drv, keys: keys}
}

type sealDriver struct {
	dialect.Driver
	keys *crypt.Keyring
}

func (d sealDriver) Exec(ctx context.Context, query string, args, v any) error {
	args, err := seal(d.keys, args)
	if err != nil {
		return err
	}
	return d.Driver.Exec(ctx, query, args, v)
}

func (d sealDriver) Query(ctx context.Context, query string, args, v any) error {
	args, err := seal(d.keys, args)
	if err != nil {
		return err
	}
	if err := d.Driver.Query(ctx, query, args, v); err != nil {
		return err
	}
	opening(d.keys, v)
	return nil
}

func (d sealDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return sealTx{Tx: tx, keys: d.keys}, nil
}

type sealTx struct {
	dialect.Tx
	keys *crypt.Keyring
}

func (t sealTx) Exec(ctx context.Context, query string, args, v any) error {
	args, err := seal(t.keys, args)
	if err != nil {
		return err
	}
	return t.Tx.Exec(ctx, query, args, v)
}

func (t sealTx) Query(ctx context.Context, query string, args, v any) error {
	args, err := seal(t.keys, args)
	if err != nil {
		return err
	}
	if err := t.Tx.Query(ctx, query, args, v); err != nil {
		return err
	}
	opening(t.keys, v)
	return nil
}

// seal encrypts the sealed values among a statement's arguments.
func seal(k *crypt.Keyring, args any) (any, error) {
	list, ok := args.([]any)
	if !ok {
		return args, nil
	}
	for i, a := range list {
		p, ok := a.(plain)
		if !ok {
			continue
		}
		c, err := k.Encrypt(p.text, p.column)
		if err != nil {
			return nil, err
		}
		list[i] = c
	}
	return list, nil
}

// opening makes the rows of a query decrypt the sealed values they scan.
func opening(k *crypt.Keyring, v any) {
	if rows, ok := v.(*entsql.Rows); ok && rows.ColumnScanner != nil {
		rows.ColumnScanner = openingScanner{ColumnScanner: rows.ColumnScanner, keys: k}
	}
}

type openingScanner struct {
	entsql.ColumnScanner
	keys *crypt.Keyring
}

func (s openingScanner) Scan(dest ...any) error {
	if err := s.ColumnScanner.Scan(dest...); err != nil {
		return err
	}
	for _, d := range dest {
		if sv, ok := d.(*Scanned); ok {
			if err := sv.open(s.keys); err != nil {
				return err
			}
		}
	}
	return nil
}

// Columns lists every sealed column, for re-encryption.
var Columns = []Column{
	{Name: "reflections.body"},
	{Name: "reflections.prompt"},
	{Name: "encouragements.message"},
	{Name: "encouragements.report_reason"},
	{Name: "encouragements.hide_reason"},
	{Name: "topics.text"},
	{Name: "attendances.rsvp_note"},
}
