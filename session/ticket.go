package session

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Session tickets (RFC 5077): a server seals the session into a ticket
// that the client keeps and sends back, so that the server needs no
// cache. The format, opaque to clients (RFC 5077, Section 4 suggests the
// same parts):
//
//	key_name   [16]  names the key that sealed the ticket
//	nonce      [12]  random, from crypto/rand
//	sealed     AES-256-GCM of the session's encoding, the key name and
//	           nonce as additional data (16-byte tag)
//
// The AES key and the key name are derived from each 32-byte ticket key
// with HKDF-SHA256, so that a key set shared by a fleet is only 32 bytes
// per key. With random nonces one key may seal about 2^32 tickets before
// a nonce is likely to repeat; rotating keys daily keeps far below that.

// TicketKeyLen is the length of a ticket key.
const TicketKeyLen = 32

// DefaultTicketKeyRotation is how often NewTicketKeys makes a new key
// unless told otherwise: every 24 hours, the default session lifetime.
// With the previous key kept, a ticket opens for at least one rotation
// interval after it was sealed, so an interval no shorter than the
// session lifetime never cuts a session short.
const DefaultTicketKeyRotation = 24 * time.Hour

const (
	ticketNameLen  = 16
	ticketNonceLen = 12
	ticketTagLen   = 16
	// MinTicketLen is the shortest ticket Open may accept (an empty
	// plaintext).
	MinTicketLen = ticketNameLen + ticketNonceLen + ticketTagLen
)

// ErrTicket is the error of Open for a ticket it cannot open: too short,
// sealed with a key not in the set (another server's, or one rotated
// out), or altered. It carries no detail on purpose: the caller does a
// full handshake, whatever the reason.
var ErrTicket = errors.New("session: ticket cannot be opened")

// TicketKeys is the set of keys a server seals and opens session tickets
// with: the first key seals, every key opens. It is safe for concurrent
// use.
//
// NewTicketKeys makes a set for one process: a random key that is
// replaced every rotation interval, the previous one kept for opening
// (current + previous). A fleet of servers behind a load balancer needs
// the same keys on every server: NewStaticTicketKeys takes them from the
// caller (made with crypto/rand and distributed as a secret), and the
// caller rotates them with SetKeys: first the new key in second place on
// every server, then, once all have it, in first place, the old one
// second until the session lifetime has passed. A ticket sealed with a key
// no longer in the set gives a full handshake, never an error.
type TicketKeys struct {
	mu       sync.Mutex
	keys     []ticketKey // [0] seals
	interval time.Duration
	rotated  time.Time
	now      func() time.Time
}

type ticketKey struct {
	name [ticketNameLen]byte
	aead cipher.AEAD
}

// NewTicketKeys returns a key set with a new random key that rotates
// every interval (0 or less: DefaultTicketKeyRotation), keeping the
// previous key. Rotation happens when the set is next used, no goroutine
// runs for it.
func NewTicketKeys(interval time.Duration) (*TicketKeys, error) {
	if interval <= 0 {
		interval = DefaultTicketKeyRotation
	}
	k := &TicketKeys{interval: interval, now: time.Now}
	key, err := randomTicketKey()
	if err != nil {
		return nil, err
	}
	if k.keys, err = deriveTicketKeys(key); err != nil {
		return nil, err
	}
	k.rotated = k.now()
	return k, nil
}

// NewStaticTicketKeys returns a key set of the given keys, which never
// rotates by itself: the first key seals, all open. At least one key is
// needed.
func NewStaticTicketKeys(keys ...[TicketKeyLen]byte) (*TicketKeys, error) {
	k := &TicketKeys{now: time.Now}
	if err := k.SetKeys(keys...); err != nil {
		return nil, err
	}
	return k, nil
}

// SetKeys replaces the keys: the first seals from now on, all open. It
// stops automatic rotation.
func (k *TicketKeys) SetKeys(keys ...[TicketKeyLen]byte) error {
	if len(keys) == 0 {
		return errors.New("session: SetKeys needs at least one ticket key")
	}
	derived, err := deriveTicketKeys(keys...)
	if err != nil {
		return err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.keys = derived
	k.interval = 0
	return nil
}

// Rotate makes a new random key the sealing key and keeps the previous
// sealing key for opening; older keys go.
func (k *TicketKeys) Rotate() error {
	key, err := randomTicketKey()
	if err != nil {
		return err
	}
	derived, err := deriveTicketKeys(key)
	if err != nil {
		return err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.keys = append(derived, k.keys[:min(1, len(k.keys))]...)
	k.rotated = k.now()
	return nil
}

// current returns the keys after any rotation that is due.
func (k *TicketKeys) current() ([]ticketKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.interval > 0 {
		if steps := k.now().Sub(k.rotated) / k.interval; steps >= 1 {
			key, err := randomTicketKey()
			if err != nil {
				return nil, err
			}
			derived, err := deriveTicketKeys(key)
			if err != nil {
				return nil, err
			}
			if steps == 1 {
				derived = append(derived, k.keys[0])
			}
			k.keys = derived
			k.rotated = k.rotated.Add(steps * k.interval)
		}
	}
	return k.keys, nil
}

// Seal returns a ticket holding plaintext, sealed with the current key.
func (k *TicketKeys) Seal(plaintext []byte) ([]byte, error) {
	keys, err := k.current()
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, errors.New("session: no ticket key")
	}
	key := keys[0]
	out := make([]byte, ticketNameLen+ticketNonceLen, ticketNameLen+ticketNonceLen+len(plaintext)+ticketTagLen)
	copy(out, key.name[:])
	if _, err := rand.Read(out[ticketNameLen:]); err != nil {
		return nil, fmt.Errorf("session: ticket nonce: %w", err)
	}
	header := out[:ticketNameLen+ticketNonceLen]
	return key.aead.Seal(out, header[ticketNameLen:], plaintext, header), nil
}

// Open returns the plaintext of a ticket and whether the current key
// sealed it (a ticket sealed with an older key should be replaced by a
// new one). Any problem is ErrTicket. ticket may be any bytes: it comes
// from the network.
func (k *TicketKeys) Open(ticket []byte) (plaintext []byte, current bool, err error) {
	if len(ticket) < MinTicketLen {
		return nil, false, ErrTicket
	}
	keys, err := k.current()
	if err != nil {
		return nil, false, ErrTicket
	}
	name := ticket[:ticketNameLen]
	header := ticket[:ticketNameLen+ticketNonceLen]
	for i, key := range keys {
		if subtle.ConstantTimeCompare(key.name[:], name) != 1 {
			continue
		}
		pt, err := key.aead.Open(nil, header[ticketNameLen:], ticket[len(header):], header)
		if err != nil {
			return nil, false, ErrTicket
		}
		return pt, i == 0, nil
	}
	return nil, false, ErrTicket
}

func randomTicketKey() ([TicketKeyLen]byte, error) {
	var key [TicketKeyLen]byte
	if _, err := rand.Read(key[:]); err != nil {
		return key, fmt.Errorf("session: ticket key: %w", err)
	}
	return key, nil
}

func deriveTicketKeys(keys ...[TicketKeyLen]byte) ([]ticketKey, error) {
	out := make([]ticketKey, 0, len(keys))
	for _, key := range keys {
		name, err := hkdf.Key(sha256.New, key[:], nil, "otpssl session ticket key name", ticketNameLen)
		if err != nil {
			return nil, err
		}
		aesKey, err := hkdf.Key(sha256.New, key[:], nil, "otpssl session ticket AES-256-GCM key", 32)
		if err != nil {
			return nil, err
		}
		block, err := aes.NewCipher(aesKey)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		var tk ticketKey
		copy(tk.name[:], name)
		tk.aead = aead
		out = append(out, tk)
	}
	return out, nil
}
