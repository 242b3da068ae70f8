// Package vault seals secrets at rest: AES-256-GCM under a master key kept
// in a file readable only by its owner (0600) in the data dir. Sealed
// values carry a version byte so the scheme can change later.
package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
)

// KeyFileName is the master key's file in the data dir.
const KeyFileName = "secret.key"

const (
	keySize = 32
	version = 1
)

// ErrCorrupt means a sealed value could not be opened: it was altered, or
// sealed under another key (a data dir whose secret.key was replaced).
var ErrCorrupt = errors.New("vault: sealed value cannot be opened with this data dir's key")

// Vault seals and opens secrets.
type Vault struct{ aead cipher.AEAD }

// ErrNoKey means the data dir has no master key: no secret was ever set in
// it, or it was restored without its secret.key.
var ErrNoKey = errors.New("vault: the data dir has no secret.key")

// Open loads the master key at path. A missing key is ErrNoKey, never a
// new key: one made to read would not open what the old key sealed, and
// would be taken for it from then on.
func Open(path string) (*Vault, error) {
	key, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w (%s)", ErrNoKey, path)
	}
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	return fromKey(path, key)
}

// OpenOrCreate loads the master key at path, creating it if there is none,
// for sealing a new secret.
func OpenOrCreate(path string) (*Vault, error) {
	v, err := Open(path)
	if !errors.Is(err, ErrNoKey) {
		return v, err
	}
	key, err := createKey(path)
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	return fromKey(path, key)
}

func fromKey(path string, key []byte) (*Vault, error) {
	if len(key) != keySize {
		return nil, fmt.Errorf("vault: %s holds %d bytes, want %d: restore it from a backup", path, len(key), keySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	return &Vault{aead: aead}, nil
}

// createKey writes a new random key, refusing to replace one that another
// process created meanwhile.
func createKey(path string) ([]byte, error) {
	key := make([]byte, keySize)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(key); err != nil {
		f.Close()
		return nil, err
	}
	return key, f.Close()
}

// Seal encrypts plaintext; name is bound into the result, so a sealed value
// copied to another name does not open.
func (v *Vault) Seal(name string, plaintext []byte) []byte {
	nonce := make([]byte, v.aead.NonceSize())
	_, _ = rand.Read(nonce)
	out := append([]byte{version}, nonce...)
	return v.aead.Seal(out, nonce, plaintext, []byte(name))
}

// Open decrypts a value sealed under name.
func (v *Vault) Open(name string, sealed []byte) ([]byte, error) {
	n := v.aead.NonceSize()
	if len(sealed) < 1+n || sealed[0] != version {
		return nil, ErrCorrupt
	}
	plain, err := v.aead.Open(nil, sealed[1:1+n], sealed[1+n:], []byte(name))
	if err != nil {
		return nil, ErrCorrupt
	}
	return plain, nil
}
