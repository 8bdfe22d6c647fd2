package crypt

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// maxKeyFileSize bounds how much of a key file is read.
const maxKeyFileSize = 64 << 10

// LoadOrCreateKeyFile returns the keyring stored at path, in the format of
// [ParseKeys] on one line. If the file does not exist it is created with one
// fresh key from [NewKey] and permission 0600; missing parent directories are
// created with permission 0700 (an existing directory is left as it is). The
// file is written to a temporary file, synced and then linked into place, so
// a crash never leaves a partial key file and two processes starting at once
// end up with the same key.
//
// An existing file that group or others may access (mode & 077 != 0), or that
// is not a regular file, is refused, as is one that does not parse; error text
// never contains the file's content. The permission check is skipped on
// Windows, whose file modes do not express it.
func LoadOrCreateKeyFile(path string) (*Keyring, error) {
	if path == "" {
		return nil, errors.New("crypt: empty key file path")
	}
	k, err := loadKeyFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	if err := createKeyFile(path); err != nil {
		return nil, err
	}
	return loadKeyFile(path)
}

func loadKeyFile(path string) (*Keyring, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("crypt: open key file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("crypt: key file %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("crypt: key file %s is not a regular file", path)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("crypt: key file %s has permissions %04o, accessible to group or others; want 0600 (chmod 600 it)", path, fi.Mode().Perm())
	}
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("crypt: read key file %s: %w", path, err)
	}
	defer clear(b)
	if len(b) > maxKeyFileSize {
		return nil, fmt.Errorf("crypt: key file %s is larger than %d bytes", path, maxKeyFileSize)
	}
	k, err := ParseKeys(string(b))
	if err != nil {
		return nil, fmt.Errorf("crypt: key file %s: %w", path, err)
	}
	return k, nil
}

// createKeyFile writes a new one-key file at path unless one appears
// meanwhile (then the existing file wins).
func createKeyFile(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("crypt: create key directory: %w", err)
	}
	entry, err := NewKey()
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*") // mode 0600
	if err != nil {
		return fmt.Errorf("crypt: create key file: %w", err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName)
	_, werr := tmp.WriteString(entry + "\n")
	if werr == nil {
		werr = tmp.Chmod(0o600)
	}
	if werr == nil {
		werr = tmp.Sync()
	}
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return fmt.Errorf("crypt: write key file %s: %w", path, werr)
	}
	// Link does not replace an existing file, unlike Rename: if another
	// process created the key file first, keep its key.
	if err := os.Link(tmpName, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil
		}
		if err := writeExclusive(path, entry+"\n"); err != nil {
			return err
		}
	}
	syncDir(dir)
	return nil
}

// writeExclusive is the fallback for file systems without hard links.
func writeExclusive(path, content string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil
		}
		return fmt.Errorf("crypt: create key file: %w", err)
	}
	_, werr := f.WriteString(content)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(path)
		return fmt.Errorf("crypt: write key file %s: %w", path, werr)
	}
	return nil
}

// syncDir makes the new directory entry durable (best effort: not every
// platform can sync a directory).
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}
