package ssl

import (
	"errors"
	"fmt"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/handshake"
)

// KeyUpdateType says which keys UpdateKeys updates, as the type argument
// of Erlang's update_keys/2.
type KeyUpdateType int

// Key update types.
const (
	// KeyUpdateWrite updates this side's write keys (Erlang's write).
	KeyUpdateWrite KeyUpdateType = iota
	// KeyUpdateReadWrite updates this side's write keys and asks the
	// peer to update its own, which are this side's read keys (Erlang's
	// read_write).
	KeyUpdateReadWrite
)

// String returns the Erlang atom: "write" or "read_write".
func (t KeyUpdateType) String() string {
	switch t {
	case KeyUpdateWrite:
		return "write"
	case KeyUpdateReadWrite:
		return "read_write"
	}
	return fmt.Sprintf("KeyUpdateType(%d)", int(t))
}

// ErrNotSupported is returned by UpdateKeys on a connection that is not
// TLS 1.3, which has no key updates: Erlang's {error, notsup}.
var ErrNotSupported error = &reasonError{"notsup", "key updates need a TLS 1.3 connection"}

// errExportUndefined is what ExportKeyMaterials returns on an SSL 3.0
// connection, which has no exporter.
var errExportUndefined error = &reasonError{"undefined", "SSL 3.0 has no keying material exporter"}

// UpdateKeys updates the TLS 1.3 traffic keys, as Erlang's update_keys/2
// (RFC 8446, Section 4.6.3): it sends a KeyUpdate and protects everything
// sent after it with the next write keys; with KeyUpdateReadWrite the
// KeyUpdate asks the peer to do the same, and this side takes the peer's
// next keys when the peer's own KeyUpdate arrives. It waits for the
// KeyUpdate to be written, bounded as Send is (send_timeout, the write
// deadline); a failure to write ends the connection's sending side as a
// failed Send does. On a connection that is not TLS 1.3 it returns
// ErrNotSupported; an unknown type is Erlang's {error, {illegal_parameter,
// Type}}. Before the handshake it returns ErrNotConnected, after Close
// ErrClosed.
//
// Keys are also updated without a call: before key_update_at bytes
// (KeyUpdateAt; 2^38 by default) have been sent under them, and before
// their record count reaches the AEAD limit of RFC 8446, Section 5.5; and
// a KeyUpdate from the peer that asks for one is answered at once.
func (s *Socket) UpdateKeys(t KeyUpdateType) error {
	if t != KeyUpdateWrite && t != KeyUpdateReadWrite {
		return &reasonError{fmt.Sprintf("{illegal_parameter,%d}", int(t)), "the key update type must be KeyUpdateWrite or KeyUpdateReadWrite"}
	}
	neg, _, err := s.negotiatedInfo()
	if err != nil {
		return err
	}
	if neg.state == nil || neg.version != cipher.VersionTLS13 {
		return ErrNotSupported
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.mu.Lock()
	if err := s.writeErrLocked(); err != nil {
		s.mu.Unlock()
		return err
	}
	s.setWriteDeadlineLocked(earliest(deadlineAfter(s.cfg.sock.sendTimeout), s.writeDeadline))
	s.mu.Unlock()
	if err := neg.state.UpdateKeys(s.rc, t == KeyUpdateReadWrite); err != nil {
		return s.writeFailed(err)
	}
	s.refreshNegotiated(neg)
	return nil
}

// writeRecords writes application data through the record layer, with
// writeMu held: through the handshake state, which updates TLS 1.3 write
// keys on the way when key_update_at or the AEAD limit says so.
func (s *Socket) writeRecords(p []byte) (int, error) {
	s.mu.Lock()
	neg := s.neg
	s.mu.Unlock()
	if neg == nil || neg.state == nil || neg.version != cipher.VersionTLS13 {
		return s.rc.Write(p)
	}
	c0, s0 := neg.state.KeyUpdates()
	n, err := neg.state.WriteApplicationData(s.rc, p)
	if c1, s1 := neg.state.KeyUpdates(); c1 != c0 || s1 != s0 {
		s.refreshNegotiated(neg)
	}
	return n, err
}

// refreshNegotiated renews what the socket reports of the handshake after
// the state's keys changed; writeMu held, which every change of the
// state's keys holds.
func (s *Socket) refreshNegotiated(neg *negotiated) {
	if neg.refresh == nil {
		return
	}
	fresh := neg.refresh()
	s.mu.Lock()
	if s.neg == neg {
		s.neg = fresh
	}
	s.mu.Unlock()
}

// ExportKeyMaterials derives keying material from the connection, as
// Erlang's export_key_materials/4: for each label, with the context at
// the same index and the length at the same index. A nil context is
// Erlang's no_context; an empty one is a context of no bytes, which
// RFC 5705 (TLS 1.0-1.2) tells apart from none and TLS 1.3 (RFC 8446,
// Section 7.5) does not. The three slices must have the same length, and
// the result has one entry per label.
//
// Errors, as Erlang's: {error, bad_input} (Term "bad_input") for slices
// of different lengths, a label TLS reserves for itself ("client
// finished", "master secret", ...), a context of 2^16 bytes or more
// (TLS 1.0-1.2), a label longer than 249 bytes or a length the protocol
// cannot give (TLS 1.3: at most 255 hash lengths; TLS 1.0-1.2: at most
// 1 MiB here); {error, undefined} on SSL 3.0. Before the handshake it
// returns ErrNotConnected, after Close ErrClosed.
func (s *Socket) ExportKeyMaterials(labels, contexts [][]byte, lengths []int) ([][]byte, error) {
	neg, _, err := s.negotiatedInfo()
	if err != nil {
		return nil, err
	}
	if len(labels) != len(contexts) || len(labels) != len(lengths) {
		return nil, &reasonError{"bad_input", "labels, contexts and lengths must have the same number of entries"}
	}
	if neg.state == nil || neg.version == cipher.VersionSSL30 {
		return nil, errExportUndefined
	}
	out := make([][]byte, len(labels))
	for i := range labels {
		km, err := neg.state.ExportKeyingMaterial(string(labels[i]), contexts[i], contexts[i] != nil, lengths[i])
		if err != nil {
			if errors.Is(err, cipher.ErrNoPRF) {
				return nil, errExportUndefined
			}
			return nil, &exportError{i, err}
		}
		out[i] = km
	}
	return out, nil
}

// exportError is a refused export: Erlang's {error, bad_input}, with the
// index of the entry and the reason.
type exportError struct {
	index int
	cause error
}

// Error describes the refused entry.
func (e *exportError) Error() string {
	return fmt.Sprintf("ssl: keying material entry %d: %v", e.index, e.cause)
}

// Term returns the Erlang reason, bad_input.
func (e *exportError) Term() string { return "bad_input" }

// Unwrap returns the cipher package's reason.
func (e *exportError) Unwrap() error { return e.cause }

// secrets13 are the TLS 1.3 secrets ConnectionInformation reports with
// keep_secrets, and the key log lines of the keylog item (of every
// version).
type secrets13 struct {
	clientHS, serverHS []byte
	clientAP, serverAP []byte
	clientN, serverN   int
	keylog             []string
}

// secretsOf copies the secrets of a handshake's state; the state's
// accessors may run while another goroutine updates the keys.
func secretsOf(st *handshake.State) *secrets13 {
	k := st.Secrets()
	return &secrets13{
		clientHS: k.ClientHandshake, serverHS: k.ServerHandshake,
		clientAP: k.ClientTraffic, serverAP: k.ServerTraffic,
		clientN: k.ClientKeyUpdates, serverN: k.ServerKeyUpdates,
		keylog: st.KeyLog(),
	}
}

// addSecret fills one secret item of ConnectionInformation and reports
// whether it is defined: only with keep_secrets, and but for keylog only
// in TLS 1.3.
func addSecret(info *ConnectionInfo, neg *negotiated, cfg *config, item string) bool {
	k := neg.secrets
	if neg.state != nil {
		// Live: the keys may have changed since the snapshot.
		k = secretsOf(neg.state)
	}
	if !cfg.keepSecrets || k == nil {
		return false
	}
	if item == "keylog" {
		if len(k.keylog) == 0 {
			return false
		}
		info.Keylog = append([]string(nil), k.keylog...)
		return true
	}
	if neg.version != cipher.VersionTLS13 {
		return false
	}
	cp := func(b []byte) []byte { return append([]byte(nil), b...) }
	switch item {
	case "client_handshake_traffic_secret":
		info.ClientHandshakeTrafficSecret = cp(k.clientHS)
	case "server_handshake_traffic_secret":
		info.ServerHandshakeTrafficSecret = cp(k.serverHS)
	case "client_traffic_secret":
		info.ClientTrafficSecret, info.ClientKeyUpdates = cp(k.clientAP), k.clientN
	case "server_traffic_secret":
		info.ServerTrafficSecret, info.ServerKeyUpdates = cp(k.serverAP), k.serverN
	}
	return true
}
