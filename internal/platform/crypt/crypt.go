package crypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

const (
	// KeySize is the size in bytes of a data-encryption key (AES-256).
	KeySize = 32

	// MaxKeyIDLen is the maximum length of a key id.
	MaxKeyIDLen = 16

	version   = "v1"
	prefix    = version + ":"
	nonceSize = 12
	tagSize   = 16
	// minSealed is the size of the sealed bytes of an empty plaintext.
	minSealed = nonceSize + tagSize

	aadLabel = "processgroup/crypt " + version + " aad\x00"
	macLabel = "processgroup/crypt " + version + " mac key"
)

// b64 is the encoding of the last field of an encrypted value. Strict
// decoding rejects non-zero padding bits, so every value has exactly one
// accepted spelling.
var b64 = base64.StdEncoding.Strict()

// Errors returned by [Keyring.Decrypt] (wrapped; test with errors.Is).
var (
	// ErrMalformed means the value does not have the format of Encrypt's output.
	ErrMalformed = errors.New("crypt: malformed encrypted value")
	// ErrUnknownKey means the value names a key id that is not in the keyring.
	ErrUnknownKey = errors.New("crypt: unknown key id")
	// ErrDecrypt means authentication failed: wrong key, wrong context (aad)
	// or a modified value.
	ErrDecrypt = errors.New("crypt: decryption failed (wrong key or context, or value modified)")
)

// Keyring holds the data-encryption keys: one current key that encrypts, and
// older ones that still decrypt. It is immutable after construction and safe
// for concurrent use. Build one with [ParseKeys] or [LoadOrCreateKeyFile];
// the zero value and nil hold no key and every operation on them fails.
type Keyring struct {
	r *ring
}

type ring struct {
	current string
	ids     []string // in configuration order, current first
	aeads   map[string]cipher.AEAD
	macKey  []byte
}

// ParseKeys parses a key list such as "k2:BASE64KEY,k1:BASE64KEY". The first
// entry is the current key; the others only decrypt. Each key is 32 bytes in
// standard or URL-safe base64, padded or not; ids are 1-16 characters of
// a-z, 0-9, '_' and '-'. Spaces around entries and a trailing newline are
// ignored. Empty input, empty entries, bad ids, bad keys and duplicate ids are
// errors; error text never contains key material.
func ParseKeys(s string) (*Keyring, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("crypt: no encryption key given")
	}
	entries := strings.Split(s, ",")
	r := &ring{aeads: make(map[string]cipher.AEAD, len(entries))}
	for i, e := range entries {
		n := i + 1
		e = strings.TrimSpace(e)
		if e == "" {
			return nil, fmt.Errorf("crypt: key entry %d is empty", n)
		}
		id, enc, ok := strings.Cut(e, ":")
		if !ok {
			return nil, fmt.Errorf("crypt: key entry %d: want id:base64key", n)
		}
		id, enc = strings.TrimSpace(id), strings.TrimSpace(enc)
		if !validID(id) {
			// The id is not echoed: it may be misplaced key material.
			return nil, fmt.Errorf("crypt: key entry %d: invalid key id (want 1-%d characters of a-z, 0-9, '_', '-')", n, MaxKeyIDLen)
		}
		if _, dup := r.aeads[id]; dup {
			return nil, fmt.Errorf("crypt: key entry %d: duplicate key id %q", n, id)
		}
		key, err := decodeKey(enc)
		if err != nil {
			return nil, fmt.Errorf("crypt: key entry %d (id %q): %w", n, id, err)
		}
		aead, err := newAEAD(key)
		if err != nil {
			clear(key)
			return nil, fmt.Errorf("crypt: key entry %d (id %q): cannot use key", n, id)
		}
		if i == 0 {
			r.current = id
			r.macKey = deriveMACKey(key)
		}
		clear(key)
		r.aeads[id] = aead
		r.ids = append(r.ids, id)
	}
	return &Keyring{r: r}, nil
}

// decodeKey decodes a base64 key in any of the accepted spellings and checks
// its size. Its errors never contain the input.
func decodeKey(enc string) ([]byte, error) {
	if enc == "" {
		return nil, errors.New("key is empty")
	}
	encs := []*base64.Encoding{
		base64.StdEncoding, base64.RawStdEncoding,
		base64.URLEncoding, base64.RawURLEncoding,
	}
	var key []byte
	for _, e := range encs {
		b, err := e.Strict().DecodeString(enc)
		if err == nil {
			key = b
			break
		}
	}
	if key == nil {
		return nil, errors.New("key is not valid base64")
	}
	if len(key) != KeySize {
		n := len(key)
		clear(key)
		return nil, fmt.Errorf("key is %d bytes, want %d", n, KeySize)
	}
	return key, nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCMWithRandomNonce(block)
}

func deriveMACKey(key []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(macLabel))
	return h.Sum(nil)
}

func validID(id string) bool {
	if len(id) == 0 || len(id) > MaxKeyIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// NewKey returns a fresh key list entry "id:base64key": a random id of the
// form "k" + 8 hex digits and 32 random bytes in standard base64. Put it
// first in the key list to rotate (see the package documentation).
func NewKey() (string, error) {
	var idb [4]byte
	key := make([]byte, KeySize)
	// crypto/rand.Read never returns an error (it aborts the program instead).
	if _, err := rand.Read(idb[:]); err != nil {
		return "", errors.New("crypt: cannot read random bytes")
	}
	if _, err := rand.Read(key); err != nil {
		return "", errors.New("crypt: cannot read random bytes")
	}
	s := "k" + hex.EncodeToString(idb[:]) + ":" + base64.StdEncoding.EncodeToString(key)
	clear(key)
	return s, nil
}

func (k *Keyring) get() *ring {
	if k == nil {
		return nil
	}
	return k.r
}

// CurrentID returns the id of the current key, the one Encrypt and MAC use
// ("" for an empty keyring).
func (k *Keyring) CurrentID() string {
	r := k.get()
	if r == nil {
		return ""
	}
	return r.current
}

// IDs returns the ids of all keys of the ring, current key first.
func (k *Keyring) IDs() []string {
	r := k.get()
	if r == nil {
		return nil
	}
	return append([]string(nil), r.ids...)
}

// String describes the keyring by its key ids only, so that printing a
// Keyring never prints key material.
func (k Keyring) String() string {
	if k.r == nil {
		return "crypt.Keyring{}"
	}
	return "crypt.Keyring{current: " + k.r.current + ", ids: [" + strings.Join(k.r.ids, " ") + "]}"
}

// GoString is like String, for the %#v verb.
func (k Keyring) GoString() string { return k.String() }

// additionalData binds a sealed value to the format version, its key id and
// the caller's context. The id cannot contain NUL, and aad comes last, so the
// encoding is unambiguous.
func additionalData(id, aad string) []byte {
	b := make([]byte, 0, len(aadLabel)+len(id)+1+len(aad))
	b = append(b, aadLabel...)
	b = append(b, id...)
	b = append(b, 0)
	b = append(b, aad...)
	return b
}

// Encrypt seals plaintext with the current key. aad names the place the value
// belongs to (e.g. "reflections.body"): Decrypt must be given the same aad,
// so a value moved to another column does not decrypt. Empty plaintext is
// encrypted too. The result is "v1:<keyid>:<base64(nonce||ciphertext||tag)>";
// see the package documentation. Each call uses a fresh random nonce, so
// equal plaintexts give different values.
func (k *Keyring) Encrypt(plaintext, aad string) (string, error) {
	r := k.get()
	if r == nil {
		return "", errors.New("crypt: no encryption key loaded")
	}
	aead := r.aeads[r.current]
	sealed := aead.Seal(make([]byte, 0, len(plaintext)+aead.Overhead()), nil, []byte(plaintext), additionalData(r.current, aad))

	var sb strings.Builder
	sb.Grow(len(prefix) + len(r.current) + 1 + b64.EncodedLen(len(sealed)))
	sb.WriteString(prefix)
	sb.WriteString(r.current)
	sb.WriteByte(':')
	sb.WriteString(b64.EncodeToString(sealed))
	return sb.String(), nil
}

// Decrypt opens a value made by Encrypt with any key of the ring, given the
// same aad. Errors wrap [ErrMalformed], [ErrUnknownKey] or [ErrDecrypt] and
// never contain plaintext, ciphertext or key material.
func (k *Keyring) Decrypt(value, aad string) (string, error) {
	id, sealed, err := parse(value)
	if err != nil {
		return "", err
	}
	r := k.get()
	if r == nil {
		return "", fmt.Errorf("%w %q (no key loaded)", ErrUnknownKey, id)
	}
	aead, ok := r.aeads[id]
	if !ok {
		return "", fmt.Errorf("%w %q", ErrUnknownKey, id)
	}
	plain, err := aead.Open(sealed[:0], nil, sealed, additionalData(id, aad))
	if err != nil {
		return "", fmt.Errorf("%w (key id %q)", ErrDecrypt, id)
	}
	return string(plain), nil
}

// parse splits an encrypted value into its key id and sealed bytes.
func parse(value string) (id string, sealed []byte, err error) {
	rest, ok := strings.CutPrefix(value, prefix)
	if !ok {
		return "", nil, fmt.Errorf("%w: missing %q prefix", ErrMalformed, prefix)
	}
	id, body, ok := strings.Cut(rest, ":")
	if !ok || !validID(id) {
		return "", nil, fmt.Errorf("%w: bad key id", ErrMalformed)
	}
	if len(body) < b64.EncodedLen(minSealed) || len(body)%4 != 0 {
		return "", nil, fmt.Errorf("%w: bad length", ErrMalformed)
	}
	sealed, err = b64.DecodeString(body)
	if err != nil || len(sealed) < minSealed {
		return "", nil, fmt.Errorf("%w: bad base64", ErrMalformed)
	}
	return id, sealed, nil
}

// KeyID returns the id of the key that sealed an encrypted value, or "" if
// value does not have the format of Encrypt's output. The rotation command
// re-encrypts values whose KeyID differs from [Keyring.CurrentID].
func KeyID(value string) string {
	id, _, err := parse(value)
	if err != nil {
		return ""
	}
	return id
}

// IsEncrypted reports whether value has the format of Encrypt's output. It
// checks the format only; it does not authenticate the value.
func IsEncrypted(value string) bool {
	_, _, err := parse(value)
	return err == nil
}

// MAC returns a keyed fingerprint of parts: lowercase hex (64 characters) of
// HMAC-SHA256 under a key derived from the current key with a distinct label,
// over the parts each prefixed with its 8-byte big-endian length (so ("ab",
// "c") and ("a", "bc") differ). Equal parts give equal fingerprints under the
// same current key, across processes; the fingerprint changes when the
// current key changes. It panics on a keyring without keys (nil or zero
// value): returning a constant would make all contents look equal.
func (k *Keyring) MAC(parts ...string) string {
	r := k.get()
	if r == nil {
		panic("crypt: MAC called on a keyring without keys")
	}
	h := hmac.New(sha256.New, r.macKey)
	var n [8]byte
	for _, p := range parts {
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		h.Write(n[:])
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}
