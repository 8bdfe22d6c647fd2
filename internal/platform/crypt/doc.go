// Package crypt encrypts sensitive column values (reflection bodies and
// prompts, encouragement messages, ...) in the application before they reach
// the database, and computes keyed fingerprints of such content.
//
// # Keys
//
// A [Keyring] holds one or more 256-bit data-encryption keys, each with a
// short id. The first key is the current key: [Keyring.Encrypt] and
// [Keyring.MAC] always use it. Every key of the ring can decrypt. Keys are
// written as a comma-separated list of "id:base64key" entries, current key
// first:
//
//	k2:3q2+7w...=,k1:AAECAw...=
//
// An id is 1 to 16 characters of a-z, 0-9, '_' and '-'. A key is exactly 32
// bytes, encoded with standard or URL-safe base64, padded or not.
// [ParseKeys] parses such a list (e.g. from configuration), [NewKey] makes a
// fresh entry, and [LoadOrCreateKeyFile] reads the list from a file.
//
// # Value format
//
// [Keyring.Encrypt] returns a printable ASCII string, safe for a TEXT column:
//
//	v1:<keyid>:<base64(nonce || ciphertext || tag)>
//
// "v1" is the format version; <keyid> names the key that sealed the value;
// the last field is standard base64 (with padding) of a random 12-byte nonce
// followed by the AES-256-GCM ciphertext and its 16-byte tag. The value is
// 3 + len(keyid) + 1 + 4*ceil((28+n)/3) characters long for an n-byte
// plaintext, so the plaintext length is not hidden. Empty plaintext is
// encrypted too, so an empty value looks like any other short one.
//
// The GCM additional data binds the value to the format version, the key id
// and a caller-supplied context string such as "reflections.body": a value
// copied into another column (with another context) fails to decrypt.
// Each key must not seal more than 2^32 values (random-nonce limit); rotate
// long before that.
//
// # Fingerprints
//
// [Keyring.MAC] is HMAC-SHA256, under a key derived from the current key with
// a distinct label, over a length-prefixed encoding of its parts. It lets the
// application recognise identical content (e.g. a retried create) without
// storing a plain, guessable hash. Fingerprints change when the current key
// changes, so store them only for short-lived comparisons.
//
// # Rotation
//
//  1. Generate a key with [NewKey] and put it FIRST in the key list, keeping
//     every older key after it. Deploy: new values are sealed with the new
//     key, old values still decrypt.
//  2. Run the re-encrypt command: it decrypts every value whose [KeyID] is
//     not [Keyring.CurrentID] and encrypts it again with the current key.
//  3. When no value refers to an old key any more, drop the old keys from the
//     list and deploy again.
//
// Never drop a key before step 2 has finished: values under it become
// unreadable for good.
//
// # Local demo mode
//
// Without configured keys, the server generates one key on first start with
// [LoadOrCreateKeyFile] and keeps it in a file in the data directory (by
// default ./data, next to the SQLite database), created with permission 0600
// (and the directory, if it had to be created, 0700). The file holds the same
// one-line list as the configuration value, so it can be rotated the same
// way by editing the line. Losing that file loses the encrypted data; a file
// readable by group or others is refused.
//
// The package never logs, and its errors never contain plaintext or key
// material.
package crypt
