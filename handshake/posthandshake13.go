package handshake

// What a TLS 1.3 connection does after its handshake (RFC 8446, Section
// 4.6): a client takes the server's NewSessionTicket messages, either
// side answers the peer's KeyUpdate, and the write keys are updated on
// request (State.UpdateKeys, Erlang's update_keys/2) and before they wear
// out (State.WriteApplicationData: key_update_at and the AEAD limits of
// Section 5.5).
//
// The messages arrive through State.HandleMessage, called by the socket
// layer with the read side held and the writes serialized, as
// posthandshake.go says; UpdateKeys and WriteApplicationData are called
// with the writes serialized too. Every change of the State's secrets
// therefore happens under the connection's write serialization.

import (
	"fmt"
	"io"
	"sync"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/record"
)

// DefaultKeyUpdateAt is the default of Config.KeyUpdateAt: 2^38 bytes,
// 2^24 full records, within the AES-GCM limit of RFC 8446, Section 5.5
// (2^24.5 records), as Erlang's key_update_at default is.
const DefaultKeyUpdateAt = int64(1) << 38

// maxRecordsPerKey is how many records are sealed under one set of TLS
// 1.3 write keys before they are updated, whatever key_update_at says:
// the AES-GCM limit of RFC 8446, Section 5.5, rounded down, applied to
// every suite (ChaCha20-Poly1305 and AES-CCM allow as many or more).
const maxRecordsPerKey = 1 << 24

// minRecordPayload is the smallest payload the record layer puts in a
// full record (the smallest write limit, RFC 8449's 64 bytes): chunks of
// application data are sized with it so that the record limit holds
// whatever the record size.
const minRecordPayload = 64

// maxKeyUpdatesInARow bounds the KeyUpdate messages a peer may send with
// nothing else in between: each update_requested makes this side answer
// with one of its own, and a peer must not be able to keep it busy.
const maxKeyUpdatesInARow = 16

// conn13 is the state of a TLS 1.3 connection after its handshake.
type conn13 struct {
	// mu guards the secrets and their generations (and their copies in
	// the State) for the readers that run beside the updates: KeyLog,
	// Secrets and KeyUpdates.
	mu           sync.Mutex
	suite        *cipher.Suite
	client       bool
	clientRandom []byte
	// clientAP and serverAP are the current application traffic
	// secrets, clientN and serverN their generations.
	clientAP, serverAP []byte
	clientN, serverN   int
	exporter           []byte // exporter_master_secret
	resumption         []byte // resumption_master_secret, for session tickets
	read, write        *record.Protection
	written            int64 // application data bytes sealed under the current write keys
	keyUpdateAt        int64
	keyLog             io.Writer
	keep               bool // mirror the secrets in the State (Config.KeepSecrets)
	updatesInARow      int
	tickets            int // NewSessionTicket messages received
}

// newConn13 returns the post-handshake state of a finished TLS 1.3
// handshake.
func newConn13(cfg *Config, client bool, k *secrets13, clientRandom [32]byte, resumption []byte, read, write *record.Protection) *conn13 {
	at := cfg.KeyUpdateAt
	if at <= 0 {
		at = DefaultKeyUpdateAt
	}
	return &conn13{
		suite: k.suite, client: client, clientRandom: clientRandom[:],
		clientAP: k.clientAP, serverAP: k.serverAP, exporter: k.exporter, resumption: resumption,
		read: read, write: write, keyUpdateAt: at, keyLog: cfg.KeyLog, keep: cfg.KeepSecrets,
	}
}

// mirror13 copies the current secrets into the State's exported fields,
// when they are kept; c.mu held.
func (s *State) mirror13() {
	c := s.tls13
	if c == nil || !c.keep {
		return
	}
	s.ClientTrafficSecret = append([]byte(nil), c.clientAP...)
	s.ServerTrafficSecret = append([]byte(nil), c.serverAP...)
	s.ClientKeyUpdates, s.ServerKeyUpdates = c.clientN, c.serverN
}

// advance replaces the traffic secret *cur of generation *n by next,
// wiping the old one, and mirrors the change.
func (s *State) advance(cur *[]byte, n *int, next []byte) {
	c := s.tls13
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(*cur)
	*cur = next
	*n++
	s.mirror13()
}

// Secrets13 are the TLS 1.3 secrets of a connection, as Config.KeepSecrets
// keeps them.
type Secrets13 struct {
	// ClientHandshake and ServerHandshake are the handshake traffic
	// secrets.
	ClientHandshake, ServerHandshake []byte
	// ClientTraffic and ServerTraffic are the current application
	// traffic secrets, of generations ClientKeyUpdates and
	// ServerKeyUpdates.
	ClientTraffic, ServerTraffic       []byte
	ClientKeyUpdates, ServerKeyUpdates int
}

// Secrets returns a copy of the TLS 1.3 secrets kept with
// Config.KeepSecrets (all empty without it, and before TLS 1.3). Unlike
// the State's fields it may be read while another goroutine updates the
// keys.
func (s *State) Secrets() Secrets13 {
	c := s.tls13
	if c == nil || !c.keep {
		return Secrets13{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return Secrets13{
		ClientHandshake: s.ClientHandshakeTrafficSecret, ServerHandshake: s.ServerHandshakeTrafficSecret,
		ClientTraffic: append([]byte(nil), c.clientAP...), ServerTraffic: append([]byte(nil), c.serverAP...),
		ClientKeyUpdates: c.clientN, ServerKeyUpdates: c.serverN,
	}
}

// updateWrite sends a KeyUpdate under the current write keys and
// switches to the next ones (RFC 8446, Sections 4.6.3 and 7.2).
func (s *State) updateWrite(rc *record.Conn, requestPeer bool) error {
	c := s.tls13
	msg, err := (&KeyUpdate{RequestUpdate: requestPeer}).Marshal()
	if err != nil {
		return alertf(record.InternalError, "cannot encode key_update: %v", err)
	}
	if err := rc.WriteRecord(record.TypeHandshake, msg); err != nil {
		return err
	}
	cur, n := &c.serverAP, &c.serverN
	if c.client {
		cur, n = &c.clientAP, &c.clientN
	}
	next := cipher.NextTrafficSecret(c.suite, *cur)
	if next == nil {
		return causef(ErrConfig, "no next traffic secret for %s", c.suite)
	}
	p, err := installWrite13(rc, c.suite, next)
	if err != nil {
		return err
	}
	s.advance(cur, n, next)
	c.write, c.written = p, 0
	writeKeyLog(c.keyLog, trafficLabel(c.client, *n), c.clientRandom, next)
	return rc.Flush()
}

// updateRead switches to the peer's next traffic secret after its
// KeyUpdate.
func (s *State) updateRead(rc *record.Conn) error {
	c := s.tls13
	cur, n := &c.clientAP, &c.clientN
	if c.client {
		cur, n = &c.serverAP, &c.serverN
	}
	next := cipher.NextTrafficSecret(c.suite, *cur)
	if next == nil {
		return causef(ErrConfig, "no next traffic secret for %s", c.suite)
	}
	p, err := installRead13(rc, c.suite, next)
	if err != nil {
		return err
	}
	s.advance(cur, n, next)
	c.read = p
	writeKeyLog(c.keyLog, trafficLabel(!c.client, *n), c.clientRandom, next)
	return nil
}

// UpdateKeys updates this side's TLS 1.3 write keys now (RFC 8446,
// Section 4.6.3; Erlang's update_keys/2): it sends a KeyUpdate and seals
// everything after it with the next write keys. With requestPeer
// (Erlang's read_write) the KeyUpdate asks the peer to update its own
// keys in turn, which this side follows when the peer's KeyUpdate
// arrives (HandleMessage); without it (Erlang's write) only this side's
// keys change. It fails with ErrConfig on a connection that is not TLS
// 1.3. The caller serializes it with the other writes of rc.
func (s *State) UpdateKeys(rc *record.Conn, requestPeer bool) error {
	if s.tls13 == nil {
		return causef(ErrConfig, "key updates need TLS 1.3, the connection is %s", s.Version)
	}
	return s.updateWrite(rc, requestPeer)
}

// WriteApplicationData writes p as application data through rc (the
// record layer's Write) and returns how much was written. On a TLS 1.3
// connection it first updates the write keys whenever key_update_at
// bytes (Config.KeyUpdateAt) have been sealed under them, or the record
// count nears the AEAD limit of RFC 8446, Section 5.5 (2^24 records),
// splitting p where needed: Erlang's automatic key update. Before TLS
// 1.3 it is rc.Write. The caller serializes it with the other writes of
// rc.
func (s *State) WriteApplicationData(rc *record.Conn, p []byte) (int, error) {
	c := s.tls13
	if c == nil || len(p) == 0 {
		return rc.Write(p)
	}
	done := 0
	for len(p) > 0 {
		records := int64(maxRecordsPerKey) - int64(c.write.Sequence())
		if c.written >= c.keyUpdateAt || records <= 1 {
			if err := s.updateWrite(rc, false); err != nil {
				return done, err
			}
			continue
		}
		chunk := p
		if room := c.keyUpdateAt - c.written; int64(len(chunk)) > room {
			chunk = chunk[:room]
		}
		if room := (records - 1) * minRecordPayload; int64(len(chunk)) > room {
			chunk = chunk[:room]
		}
		n, err := rc.Write(chunk)
		done += n
		c.written += int64(n)
		if err != nil {
			return done, err
		}
		p = p[len(chunk):]
	}
	return done, nil
}

// handle13 handles a handshake message after a TLS 1.3 handshake.
func (s *State) handle13(rc *record.Conn, msg []byte) error {
	c := s.tls13
	typ, _, err := ParseHeader(msg)
	if err != nil {
		return err
	}
	if typ != TypeKeyUpdate {
		c.updatesInARow = 0
	}
	switch typ {
	case TypeNewSessionTicket:
		if !c.client {
			return unexpected(typ.String(), "a client does not send new_session_ticket")
		}
		return s.newSessionTicket(msg)
	case TypeKeyUpdate:
		ku, err := UnmarshalKeyUpdate(msg)
		if err != nil {
			return err
		}
		// The record that carried this KeyUpdate is the first one
		// opened under the current read keys when nothing came between
		// it and the previous KeyUpdate.
		if c.read.Sequence() <= 1 {
			c.updatesInARow++
		} else {
			c.updatesInARow = 1
		}
		if c.updatesInARow > maxKeyUpdatesInARow {
			return unexpected(typ.String(), fmt.Sprintf("more than %d KeyUpdate messages in a row", maxKeyUpdatesInARow))
		}
		// RFC 8446, Section 4.6.3: the next message is protected with
		// the peer's next keys; with update_requested this side answers
		// with a KeyUpdate of its own (update_not_requested) before it
		// sends more application data.
		if err := s.updateRead(rc); err != nil {
			return err
		}
		if ku.RequestUpdate {
			return s.updateWrite(rc, false)
		}
		return nil
	case TypeCertificateRequest:
		// RFC 8446, Section 4.6.2: post-handshake authentication only
		// when the client offered post_handshake_auth, which this
		// client never does.
		return unexpected(typ.String(), "post-handshake authentication was not offered")
	}
	return unexpected(typ.String(), "no post-handshake message of this type in TLS 1.3")
}

// newSessionTicket takes a server's NewSessionTicket (RFC 8446, Section
// 4.6.1): a well-formed ticket is counted and, with Config.OnTicket,
// handed over as a session (ticket13.go); a malformed one is a
// decode_error, one whose lifetime exceeds seven days an
// illegal_parameter. A ticket with a lifetime of 0 is dropped (it must
// not be used).
func (s *State) newSessionTicket(msg []byte) error {
	nst, err := UnmarshalNewSessionTicket(msg, cipher.VersionTLS13)
	if err != nil {
		return err
	}
	if nst.Lifetime > MaxTicketLifetime {
		return causef(ErrIllegalParameter, "ticket lifetime of %d seconds, above seven days", nst.Lifetime)
	}
	s.tls13.tickets++
	if s.cfg.OnTicket == nil || nst.Lifetime == 0 {
		return nil
	}
	sess, err := s.clientTicket(nst)
	if err != nil {
		return err
	}
	s.cfg.OnTicket(sess)
	return nil
}

// ExportKeyingMaterial returns n bytes of keying material for label and
// context: the exporter of RFC 8446, Section 7.5 on a TLS 1.3
// connection (where no context and an empty one are the same), the one
// of RFC 5705 before (where they differ: hasContext says which). SSL 3.0
// has no exporter. Errors are the cipher package's (reserved labels,
// sizes).
func (s *State) ExportKeyingMaterial(label string, context []byte, hasContext bool, n int) ([]byte, error) {
	if s.tls13 != nil {
		return cipher.ExportKeyingMaterial13(s.Suite, s.tls13.exporter, label, context, n)
	}
	return cipher.ExportKeyingMaterial(s.Version, s.Suite, s.MasterSecret, s.ClientRandom[:], s.ServerRandom[:],
		label, context, hasContext, n)
}

// KeyUpdates returns how many times each direction's TLS 1.3 keys have
// been updated (the N of application_traffic_secret_N), whether or not the
// secrets are kept; 0, 0 before TLS 1.3. It may be called while another
// goroutine updates the keys.
func (s *State) KeyUpdates() (client, server int) {
	c := s.tls13
	if c == nil {
		return 0, 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.clientN, c.serverN
}
