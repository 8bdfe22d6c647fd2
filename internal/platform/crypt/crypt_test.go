package crypt

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// testKey returns a deterministic 32-byte key filled with b.
func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

func entry(id string, key []byte) string {
	return id + ":" + base64.StdEncoding.EncodeToString(key)
}

func mustParse(t testing.TB, s string) *Keyring {
	t.Helper()
	k, err := ParseKeys(s)
	if err != nil {
		t.Fatalf("ParseKeys: %v", err)
	}
	return k
}

func TestRoundTrip(t *testing.T) {
	k := mustParse(t, entry("k1", testKey(1)))
	tests := []struct {
		name, plain, aad string
	}{
		{"ascii", "I went to a meeting today.", "reflections.body"},
		{"multibyte", "Heute ging es mir besser — 今日は大丈夫 🙂 ñ é", "reflections.prompt"},
		{"10k chars", strings.Repeat("día 🙂 ", 10000/7+1)[:10000], "reflections.body"},
		{"empty", "", "encouragements.message"},
		{"binary bytes", "\x00\xff\xfe\x01", "x"},
		{"empty aad", "hello", ""},
		{"value-looking plaintext", "v1:k1:AAAA", "reflections.body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := k.Encrypt(tt.plain, tt.aad)
			if err != nil {
				t.Fatalf("Encrypt: %v", err)
			}
			if tt.plain != "" && strings.Contains(v, tt.plain) {
				t.Fatalf("value contains the plaintext")
			}
			if !IsEncrypted(v) || KeyID(v) != "k1" {
				t.Fatalf("IsEncrypted=%v KeyID=%q for fresh value", IsEncrypted(v), KeyID(v))
			}
			for i := 0; i < len(v); i++ {
				if v[i] < 0x21 || v[i] > 0x7e {
					t.Fatalf("value has non-printable byte %#x at %d", v[i], i)
				}
			}
			wantLen := len("v1:k1:") + base64.StdEncoding.EncodedLen(28+len(tt.plain))
			if len(v) != wantLen {
				t.Errorf("len(value) = %d, want %d", len(v), wantLen)
			}
			got, err := k.Decrypt(v, tt.aad)
			if err != nil {
				t.Fatalf("Decrypt: %v", err)
			}
			if got != tt.plain {
				t.Fatalf("round trip mismatch: got %d bytes, want %d", len(got), len(tt.plain))
			}
		})
	}
}

func TestAADMismatch(t *testing.T) {
	k := mustParse(t, entry("k1", testKey(1)))
	v, err := k.Encrypt("secret", "reflections.body")
	if err != nil {
		t.Fatal(err)
	}
	for _, aad := range []string{"reflections.prompt", "", "reflections.body ", "Reflections.body", "reflections.bod"} {
		got, err := k.Decrypt(v, aad)
		if !errors.Is(err, ErrDecrypt) {
			t.Errorf("Decrypt with aad %q: got (%q, %v), want ErrDecrypt", aad, got, err)
		}
		if got != "" {
			t.Errorf("Decrypt with aad %q returned plaintext %q on error", aad, got)
		}
	}
}

func TestTampering(t *testing.T) {
	k := mustParse(t, entry("k1", testKey(1))+","+entry("k2", testKey(2)))
	const aad = "reflections.body"
	v, err := k.Encrypt("do not change me", aad)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("every character of the value", func(t *testing.T) {
		const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=:-_ "
		checked := 0
		for i := 0; i < len(v); i++ {
			for _, c := range []byte(alphabet) {
				if c == v[i] {
					continue
				}
				b := []byte(v)
				b[i] = c
				got, err := k.Decrypt(string(b), aad)
				if err == nil {
					t.Fatalf("tampered value (index %d -> %q) decrypted to %q", i, c, got)
				}
				checked++
			}
		}
		if checked < len(v)*(len(alphabet)-2) {
			t.Fatalf("only %d variants checked", checked)
		}
	})

	t.Run("every bit of the sealed bytes", func(t *testing.T) {
		id, sealed, err := parse(v)
		if err != nil {
			t.Fatal(err)
		}
		for i := range sealed {
			for bit := 0; bit < 8; bit++ {
				b := bytes.Clone(sealed)
				b[i] ^= 1 << bit
				tv := "v1:" + id + ":" + base64.StdEncoding.EncodeToString(b)
				if _, err := k.Decrypt(tv, aad); !errors.Is(err, ErrDecrypt) {
					t.Fatalf("byte %d bit %d flipped: err = %v, want ErrDecrypt", i, bit, err)
				}
			}
		}
	})

	t.Run("truncated, extended, other key id", func(t *testing.T) {
		_, sealed, _ := parse(v)
		cases := map[string]string{
			"drop last sealed byte":  "v1:k1:" + base64.StdEncoding.EncodeToString(sealed[:len(sealed)-1]),
			"extra sealed byte":      "v1:k1:" + base64.StdEncoding.EncodeToString(append(bytes.Clone(sealed), 0)),
			"sealed under other key": "v1:k2:" + base64.StdEncoding.EncodeToString(sealed),
			"trailing newline":       v + "\n",
			"leading space":          " " + v,
			"truncated text":         v[:len(v)-4],
		}
		for name, tv := range cases {
			if _, err := k.Decrypt(tv, aad); err == nil {
				t.Errorf("%s: decrypted", name)
			}
		}
	})
}

func TestNoncesDiffer(t *testing.T) {
	k := mustParse(t, entry("k1", testKey(1)))
	const n = 200
	values := map[string]bool{}
	nonces := map[string]bool{}
	for range n {
		v, err := k.Encrypt("same text", "a")
		if err != nil {
			t.Fatal(err)
		}
		_, sealed, err := parse(v)
		if err != nil {
			t.Fatal(err)
		}
		values[v] = true
		nonces[string(sealed[:nonceSize])] = true
	}
	if len(values) != n || len(nonces) != n {
		t.Fatalf("got %d distinct values and %d distinct nonces for %d encryptions", len(values), len(nonces), n)
	}
}

func TestRotation(t *testing.T) {
	old := mustParse(t, entry("k1", testKey(1)))
	oldValue, err := old.Encrypt("written before rotation", "reflections.body")
	if err != nil {
		t.Fatal(err)
	}

	rotated := mustParse(t, entry("k2", testKey(2))+","+entry("k1", testKey(1)))
	if got := rotated.CurrentID(); got != "k2" {
		t.Fatalf("CurrentID = %q, want k2", got)
	}
	if got := fmt.Sprint(rotated.IDs()); got != "[k2 k1]" {
		t.Fatalf("IDs = %s, want [k2 k1]", got)
	}
	got, err := rotated.Decrypt(oldValue, "reflections.body")
	if err != nil || got != "written before rotation" {
		t.Fatalf("decrypt old value after rotation: (%q, %v)", got, err)
	}

	newValue, err := rotated.Encrypt("written after rotation", "reflections.body")
	if err != nil {
		t.Fatal(err)
	}
	if id := KeyID(newValue); id != "k2" {
		t.Fatalf("new value under key %q, want k2", id)
	}
	// Simulate the re-encrypt command.
	if KeyID(oldValue) == rotated.CurrentID() {
		t.Fatal("old value should need re-encryption")
	}
	plain, err := rotated.Decrypt(oldValue, "reflections.body")
	if err != nil {
		t.Fatal(err)
	}
	reenc, err := rotated.Encrypt(plain, "reflections.body")
	if err != nil {
		t.Fatal(err)
	}
	// After dropping k1, the re-encrypted value still opens.
	dropped := mustParse(t, entry("k2", testKey(2)))
	if got, err := dropped.Decrypt(reenc, "reflections.body"); err != nil || got != "written before rotation" {
		t.Fatalf("re-encrypted value after dropping old key: (%q, %v)", got, err)
	}
	if _, err := dropped.Decrypt(oldValue, "reflections.body"); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("old value after dropping its key: err = %v, want ErrUnknownKey", err)
	}
	// The old ring does not know k2.
	if _, err := old.Decrypt(newValue, "reflections.body"); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("err = %v, want ErrUnknownKey", err)
	}
	// Same id, different key material: authentication fails.
	impostor := mustParse(t, entry("k1", testKey(9)))
	if _, err := impostor.Decrypt(oldValue, "reflections.body"); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("err = %v, want ErrDecrypt", err)
	}
}

func TestUnknownKeyError(t *testing.T) {
	a := mustParse(t, entry("alpha", testKey(1)))
	b := mustParse(t, entry("beta", testKey(2)))
	v, err := a.Encrypt("private words", "x")
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.Decrypt(v, "x")
	if !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("err = %v, want ErrUnknownKey", err)
	}
	if got != "" {
		t.Fatalf("got %q on error", got)
	}
	msg := err.Error()
	if !strings.Contains(msg, "alpha") {
		t.Errorf("error %q should name the unknown key id", msg)
	}
	_, sealed, _ := parse(v)
	for _, secret := range []string{"private words", base64.StdEncoding.EncodeToString(testKey(1)), base64.StdEncoding.EncodeToString(testKey(2)), base64.StdEncoding.EncodeToString(sealed)[:12]} {
		if strings.Contains(msg, secret) {
			t.Errorf("error %q contains secret %q", msg, secret)
		}
	}
}

func TestDecryptErrorsDoNotLeak(t *testing.T) {
	k := mustParse(t, entry("k1", testKey(1)))
	keyText := base64.StdEncoding.EncodeToString(testKey(1))
	v, _ := k.Encrypt("my secret diary", "a")
	for _, in := range []string{v, "my secret diary", "v1:k1:" + keyText} {
		for _, aad := range []string{"b", "a"} {
			_, err := k.Decrypt(in, aad)
			if err == nil {
				continue
			}
			msg := err.Error()
			if strings.Contains(msg, "my secret diary") || strings.Contains(msg, keyText[:12]) || strings.Contains(msg, v[6:18]) {
				t.Errorf("error %q leaks plaintext, key or ciphertext", msg)
			}
		}
	}
}

func TestMalformedValues(t *testing.T) {
	k := mustParse(t, entry("k1", testKey(1)))
	good, _ := k.Encrypt("x", "a")
	_, sealed, _ := parse(good)
	body := base64.StdEncoding.EncodeToString(sealed)
	short := base64.StdEncoding.EncodeToString(make([]byte, minSealed-1))
	minimal := base64.StdEncoding.EncodeToString(make([]byte, minSealed))
	// A non-canonical spelling: last character with non-zero padding bits.
	nonCanon := body[:len(body)-2] + string(body[len(body)-2]+1) + body[len(body)-1:]
	if !strings.HasSuffix(body, "=") || strings.HasSuffix(body, "==") {
		t.Fatalf("test setup: want exactly one padding character in %q", body)
	}

	tests := []struct {
		name      string
		value     string
		encrypted bool
		keyID     string
	}{
		{"good", good, true, "k1"},
		{"minimal length", "v1:k1:" + minimal, true, "k1"},
		{"other valid id", "v1:a_b-9:" + body, true, "a_b-9"},
		{"16 char id", "v1:abcdefghijklmnop:" + body, true, "abcdefghijklmnop"},
		{"empty", "", false, ""},
		{"plain text", "hello world", false, ""},
		{"version only", "v1", false, ""},
		{"prefix only", "v1:", false, ""},
		{"no body", "v1:k1:", false, ""},
		{"no body separator", "v1:k1", false, ""},
		{"empty id", "v1::" + body, false, ""},
		{"17 char id", "v1:abcdefghijklmnopq:" + body, false, ""},
		{"upper case id", "v1:K1:" + body, false, ""},
		{"id with dot", "v1:k.1:" + body, false, ""},
		{"other version", "v2:k1:" + body, false, ""},
		{"upper case version", "V1:k1:" + body, false, ""},
		{"too short", "v1:k1:" + short, false, ""},
		{"not base64", "v1:k1:" + strings.Repeat("!", len(body)), false, ""},
		{"url-safe alphabet", "v1:k1:" + strings.Repeat("-", len(minimal)), false, ""},
		{"unpadded", "v1:k1:" + strings.TrimRight(base64.StdEncoding.EncodeToString(make([]byte, minSealed+1)), "="), false, ""},
		{"extra colon in body", "v1:k1:" + body[:8] + ":" + body[8:], false, ""},
		{"whitespace", "v1:k1:" + body + " ", false, ""},
		{"non-canonical base64", "v1:k1:" + nonCanon, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsEncrypted(tt.value); got != tt.encrypted {
				t.Errorf("IsEncrypted = %v, want %v", got, tt.encrypted)
			}
			if got := KeyID(tt.value); got != tt.keyID {
				t.Errorf("KeyID = %q, want %q", got, tt.keyID)
			}
			_, err := k.Decrypt(tt.value, "a")
			if !tt.encrypted && !errors.Is(err, ErrMalformed) {
				t.Errorf("Decrypt err = %v, want ErrMalformed", err)
			}
		})
	}
}

func TestParseKeys(t *testing.T) {
	k1 := testKey(1)
	// Bytes chosen so that standard and URL-safe base64 differ ("+/" vs "-_").
	special := bytes.Repeat([]byte{0xfb, 0xff, 0xbf}, 11)[:KeySize]
	std := base64.StdEncoding.EncodeToString(special)
	if !strings.ContainsAny(std, "+/") || !strings.HasSuffix(std, "=") {
		t.Fatalf("test setup: %q should contain + or / and padding", std)
	}

	valid := []struct {
		name    string
		in      string
		current string
		ids     string
	}{
		{"single", entry("k1", k1), "k1", "[k1]"},
		{"two, first is current", entry("k2", testKey(2)) + "," + entry("k1", k1), "k2", "[k2 k1]"},
		{"standard padded", "s:" + std, "s", "[s]"},
		{"standard unpadded", "s:" + strings.TrimRight(std, "="), "s", "[s]"},
		{"url-safe padded", "s:" + base64.URLEncoding.EncodeToString(special), "s", "[s]"},
		{"url-safe unpadded", "s:" + base64.RawURLEncoding.EncodeToString(special), "s", "[s]"},
		{"spaces and newline", "  " + entry("k2", testKey(2)) + " , " + entry("k1", k1) + "\n", "k2", "[k2 k1]"},
		{"id charset", entry("a-b_c-0123456789", k1), "a-b_c-0123456789", "[a-b_c-0123456789]"},
	}
	for _, tt := range valid {
		t.Run("valid/"+tt.name, func(t *testing.T) {
			k, err := ParseKeys(tt.in)
			if err != nil {
				t.Fatalf("ParseKeys: %v", err)
			}
			if k.CurrentID() != tt.current || fmt.Sprint(k.IDs()) != tt.ids {
				t.Fatalf("current %q ids %v, want %q %s", k.CurrentID(), k.IDs(), tt.current, tt.ids)
			}
		})
	}

	// All spellings of the same key are the same key.
	ref := mustParse(t, "s:"+std)
	v, _ := ref.Encrypt("same key", "a")
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		other := mustParse(t, "s:"+enc.EncodeToString(special))
		if got, err := other.Decrypt(v, "a"); err != nil || got != "same key" {
			t.Fatalf("key spelled differently does not decrypt: (%q, %v)", got, err)
		}
		if other.MAC("x") != ref.MAC("x") {
			t.Fatal("key spelled differently gives another MAC")
		}
	}

	enc := func(n int) string { return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0x5a}, n)) }
	k1Text := base64.StdEncoding.EncodeToString(k1)
	invalid := []struct {
		name string
		in   string
	}{
		{"empty", ""},
		{"blank", "  \n"},
		{"only comma", ","},
		{"trailing comma", entry("k1", k1) + ","},
		{"leading comma", "," + entry("k1", k1)},
		{"missing key", "k1:"},
		{"missing colon", k1Text},
		{"missing id", ":" + k1Text},
		{"upper case id", "K1:" + k1Text},
		{"id too long", "abcdefghijklmnopq:" + k1Text},
		{"id with dot", "k.1:" + k1Text},
		{"id with space", "k 1:" + k1Text},
		{"16 bytes", "k1:" + enc(16)},
		{"24 bytes", "k1:" + enc(24)},
		{"31 bytes", "k1:" + enc(31)},
		{"33 bytes", "k1:" + enc(33)},
		{"64 bytes", "k1:" + enc(64)},
		{"not base64", "k1:" + strings.Repeat("*", 44)},
		{"mixed alphabets", "k1:" + strings.Replace(std, "+", "-", 1)},
		{"hex key", "k1:" + strings.Repeat("ab", 32)},
		{"duplicate id", entry("k1", k1) + "," + entry("k1", testKey(2))},
		{"duplicate id same key", entry("k1", k1) + "," + entry("k1", k1)},
		{"second entry bad", entry("k1", k1) + ",k2:" + enc(16)},
		{"key then id swapped", k1Text + ":k1"},
	}
	for _, tt := range invalid {
		t.Run("invalid/"+tt.name, func(t *testing.T) {
			k, err := ParseKeys(tt.in)
			if err == nil {
				t.Fatalf("ParseKeys accepted input; ring %v", k)
			}
			if k != nil {
				t.Fatalf("ParseKeys returned a keyring with an error")
			}
			msg := err.Error()
			// No key text (nor a long piece of it) may appear in the error.
			for _, e := range strings.Split(tt.in, ",") {
				_, keyPart, ok := strings.Cut(strings.TrimSpace(e), ":")
				if !ok {
					keyPart = strings.TrimSpace(e)
				}
				for _, frag := range fragments(keyPart, 8) {
					if strings.Contains(msg, frag) {
						t.Fatalf("error %q contains key text fragment %q", msg, frag)
					}
				}
			}
			if strings.Contains(msg, k1Text[:8]) || strings.Contains(msg, std[:8]) {
				t.Fatalf("error %q contains key text", msg)
			}
		})
	}
}

// fragments returns the substrings of s of length n (or s itself if shorter
// but at least 8 characters, the shortest fragment that can betray a key).
func fragments(s string, n int) []string {
	if len(s) < n {
		return nil
	}
	var out []string
	for i := 0; i+n <= len(s); i++ {
		out = append(out, s[i:i+n])
	}
	return out
}

func TestKeyringPrintingDoesNotLeak(t *testing.T) {
	key := testKey(7)
	text := base64.StdEncoding.EncodeToString(key)
	k := mustParse(t, entry("k7", key))
	for _, out := range []string{
		fmt.Sprintf("%v", k), fmt.Sprintf("%+v", k), fmt.Sprintf("%#v", k), fmt.Sprintf("%s", k),
		fmt.Sprintf("%v", *k), fmt.Sprintf("%+v", *k), fmt.Sprintf("%#v", *k), fmt.Sprintf("%x", *k),
	} {
		if strings.Contains(out, text[:8]) || strings.Contains(out, fmt.Sprint(key[:4])) || strings.Contains(out, "07070707") {
			t.Errorf("printed keyring %q contains key material", out)
		}
		if !strings.Contains(out, "k7") && !strings.Contains(out, "6b37") {
			t.Errorf("printed keyring %q should name its key id", out)
		}
	}
}

func TestNewKey(t *testing.T) {
	idRe := regexp.MustCompile(`^k[0-9a-f]{8}$`)
	seen := map[string]bool{}
	for range 20 {
		e, err := NewKey()
		if err != nil {
			t.Fatal(err)
		}
		k, err := ParseKeys(e)
		if err != nil {
			t.Fatalf("ParseKeys(NewKey()): %v", err)
		}
		if !idRe.MatchString(k.CurrentID()) {
			t.Fatalf("id %q does not match %s", k.CurrentID(), idRe)
		}
		_, keyText, _ := strings.Cut(e, ":")
		if seen[keyText] || seen[k.CurrentID()] {
			t.Fatal("NewKey repeated a key or id")
		}
		seen[keyText], seen[k.CurrentID()] = true, true
		if b, err := base64.StdEncoding.DecodeString(keyText); err != nil || len(b) != KeySize {
			t.Fatalf("key is not %d bytes of standard base64", KeySize)
		}
	}
}

func TestMAC(t *testing.T) {
	k := mustParse(t, entry("k1", testKey(1)))
	same := mustParse(t, entry("k1", testKey(1)))
	withOld := mustParse(t, entry("k1", testKey(1))+","+entry("k0", testKey(0)))
	otherKey := mustParse(t, entry("k2", testKey(2))+","+entry("k1", testKey(1)))
	hexRe := regexp.MustCompile(`^[0-9a-f]{64}$`)

	m := k.MAC("user-1", "reflection body")
	if !hexRe.MatchString(m) {
		t.Fatalf("MAC %q is not 64 lowercase hex characters", m)
	}
	if m != k.MAC("user-1", "reflection body") {
		t.Error("MAC not stable across calls")
	}
	if m != same.MAC("user-1", "reflection body") {
		t.Error("MAC differs between keyrings with the same key")
	}
	if m != withOld.MAC("user-1", "reflection body") {
		t.Error("MAC depends on non-current keys")
	}
	if m == otherKey.MAC("user-1", "reflection body") {
		t.Error("MAC does not change with the current key")
	}

	distinct := [][]string{
		{},
		{""},
		{"", ""},
		{"a"},
		{"a", ""},
		{"", "a"},
		{"a\x00"},
		{"ab", "c"},
		{"a", "bc"},
		{"abc"},
		{"user-1", "reflection body"},
		{"user-1", "reflection body."},
		{"user-2", "reflection body"},
		{"user-1reflection body"},
		{"\x00\x00\x00\x00\x00\x00\x00\x01a"},
	}
	seen := map[string]int{}
	for i, parts := range distinct {
		got := k.MAC(parts...)
		if j, dup := seen[got]; dup {
			t.Errorf("MAC(%q) == MAC(%q)", parts, distinct[j])
		}
		seen[got] = i
	}

	// The MAC key is derived, not the encryption key itself, and the MAC is
	// not a plain hash of the content.
	keyHex := fmt.Sprintf("%x", testKey(1))
	if strings.Contains(m, keyHex[:16]) {
		t.Error("MAC output contains key material")
	}
	var enc []byte
	for _, p := range []string{"user-1", "reflection body"} {
		enc = binary.BigEndian.AppendUint64(enc, uint64(len(p)))
		enc = append(enc, p...)
	}
	for _, undesired := range [][]byte{testKey(1), nil} {
		var sum []byte
		if undesired == nil {
			s := sha256.Sum256(enc)
			sum = s[:]
		} else {
			h := hmac.New(sha256.New, undesired)
			h.Write(enc)
			sum = h.Sum(nil)
		}
		if m == hex.EncodeToString(sum) {
			t.Error("MAC is keyed with the encryption key itself or not keyed at all")
		}
	}
}

func TestNilKeyring(t *testing.T) {
	var k *Keyring
	if _, err := k.Encrypt("x", "a"); err == nil {
		t.Error("Encrypt on nil keyring succeeded")
	}
	good, _ := mustParse(t, entry("k1", testKey(1))).Encrypt("x", "a")
	if _, err := k.Decrypt(good, "a"); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("Decrypt on nil keyring: %v", err)
	}
	if k.CurrentID() != "" || k.IDs() != nil {
		t.Error("nil keyring has ids")
	}
	var zero Keyring
	if _, err := zero.Encrypt("x", "a"); err == nil {
		t.Error("Encrypt on zero keyring succeeded")
	}
	defer func() {
		if recover() == nil {
			t.Error("MAC on nil keyring did not panic")
		}
	}()
	_ = k.MAC("x")
}

func TestLoadOrCreateKeyFile(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX permissions")
	}
	base := t.TempDir()
	dir := filepath.Join(base, "data", "keys")
	path := filepath.Join(dir, "encryption.key")

	k1, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	for _, d := range []string{filepath.Join(base, "data"), dir} {
		fi, err := os.Stat(d)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o700 {
			t.Errorf("directory %s mode %04o, want 0700", d, fi.Mode().Perm())
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 || !fi.Mode().IsRegular() {
		t.Errorf("key file mode %v, want -rw-------", fi.Mode())
	}
	content, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^k[0-9a-f]{8}:[A-Za-z0-9+/]{43}=\n$`).Match(content) {
		t.Errorf("key file content has unexpected shape (%d bytes)", len(content))
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the key file", len(entries))
	}
	v, err := k1.Encrypt("kept across restarts", "a")
	if err != nil {
		t.Fatal(err)
	}

	k2, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatalf("reload: %v", err)
	}
	if k2.CurrentID() != k1.CurrentID() {
		t.Fatalf("reloaded id %q, want %q", k2.CurrentID(), k1.CurrentID())
	}
	if got, err := k2.Decrypt(v, "a"); err != nil || got != "kept across restarts" {
		t.Fatalf("reloaded key does not decrypt: (%q, %v)", got, err)
	}
	if k1.MAC("m") != k2.MAC("m") {
		t.Fatal("reloaded key gives another MAC")
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(after, content) {
		t.Fatal("reload rewrote the key file")
	}

	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o660, 0o606} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		k, err := LoadOrCreateKeyFile(path)
		if err == nil {
			t.Errorf("mode %04o: accepted (ring %v)", mode, k)
			continue
		}
		if strings.Contains(err.Error(), strings.TrimSpace(string(content))[10:22]) {
			t.Errorf("mode %04o: error %q contains key material", mode, err)
		}
	}
	if err := os.Chmod(path, 0o400); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateKeyFile(path); err != nil {
		t.Errorf("read-only owner file refused: %v", err)
	}
}

func TestLoadOrCreateKeyFileExistingAndBad(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX permissions")
	}
	dir := t.TempDir()

	t.Run("existing dir is kept", func(t *testing.T) {
		d := filepath.Join(dir, "shared")
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadOrCreateKeyFile(filepath.Join(d, "key")); err != nil {
			t.Fatal(err)
		}
		fi, _ := os.Stat(filepath.Join(d, "key"))
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("key file mode %04o", fi.Mode().Perm())
		}
	})

	t.Run("operator-written two-key file", func(t *testing.T) {
		p := filepath.Join(dir, "two.key")
		content := entry("k2", testKey(2)) + "," + entry("k1", testKey(1)) + "\n"
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		k, err := LoadOrCreateKeyFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if k.CurrentID() != "k2" {
			t.Fatalf("current %q", k.CurrentID())
		}
	})

	bad := []struct {
		name    string
		content string
	}{
		{"empty", ""},
		{"short key", "k1:" + base64.StdEncoding.EncodeToString(make([]byte, 16)) + "\n"},
		{"garbage", "not a key file at all 0123456789abcdef\n"},
		{"two lines", entry("k1", testKey(1)) + "\n" + entry("k2", testKey(2)) + "\n"},
	}
	for _, tt := range bad {
		t.Run("bad/"+tt.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+".key")
			if err := os.WriteFile(p, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := LoadOrCreateKeyFile(p)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, frag := range fragments(strings.TrimSpace(tt.content), 12) {
				if strings.Contains(err.Error(), frag) {
					t.Fatalf("error %q contains file content %q", err, frag)
				}
			}
			after, _ := os.ReadFile(p)
			if string(after) != tt.content {
				t.Fatal("bad key file was overwritten")
			}
		})
	}

	t.Run("directory at path", func(t *testing.T) {
		p := filepath.Join(dir, "isdir")
		if err := os.Mkdir(p, 0o700); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadOrCreateKeyFile(p); err == nil {
			t.Fatal("accepted a directory")
		}
	})

	t.Run("empty path", func(t *testing.T) {
		if _, err := LoadOrCreateKeyFile(""); err == nil {
			t.Fatal("accepted empty path")
		}
	})
}

func TestLoadOrCreateKeyFileConcurrentStart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d", "key")
	const n = 8
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			k, err := LoadOrCreateKeyFile(path)
			if err != nil {
				t.Errorf("start %d: %v", i, err)
				return
			}
			ids[i] = k.CurrentID()
		})
	}
	wg.Wait()
	for i := 1; i < n; i++ {
		if ids[i] != ids[0] {
			t.Fatalf("concurrent starts got different keys: %v", ids)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	k := mustParse(t, entry("k2", testKey(2))+","+entry("k1", testKey(1)))
	old := mustParse(t, entry("k1", testKey(1)))
	oldValue, _ := old.Encrypt("old", "a")
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := range 200 {
				plain := fmt.Sprintf("goroutine %d message %d 🙂", g, i)
				v, err := k.Encrypt(plain, "a")
				if err != nil {
					t.Errorf("Encrypt: %v", err)
					return
				}
				got, err := k.Decrypt(v, "a")
				if err != nil || got != plain {
					t.Errorf("Decrypt: (%q, %v), want %q", got, err, plain)
					return
				}
				if got, err := k.Decrypt(oldValue, "a"); err != nil || got != "old" {
					t.Errorf("Decrypt old: (%q, %v)", got, err)
					return
				}
				if _, err := k.Decrypt(v, "b"); !errors.Is(err, ErrDecrypt) {
					t.Errorf("wrong aad: %v", err)
					return
				}
				_ = k.MAC(plain, "x")
				_ = KeyID(v)
			}
		})
	}
	wg.Wait()
}

func BenchmarkEncryptDecrypt2KB(b *testing.B) {
	k := mustParse(b, entry("k1", testKey(1)))
	text := strings.Repeat("Today I called my sponsor. ", 2048/27+1)[:2048]
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		v, err := k.Encrypt(text, "reflections.body")
		if err != nil {
			b.Fatal(err)
		}
		got, err := k.Decrypt(v, "reflections.body")
		if err != nil || len(got) != len(text) {
			b.Fatal("round trip failed")
		}
	}
}
