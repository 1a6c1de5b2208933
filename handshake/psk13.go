package handshake

// TLS 1.3 resumption with a PSK from a session ticket (RFC 8446, Sections
// 2.2, 4.2.9 and 4.2.11).
//
// A client given sessions (Config.PSKs) offers the ones it may: TLS 1.3
// sessions whose suite it offers, whose server name is the one it sends
// and whose ticket lifetime has not run out. They go in pre_shared_key,
// the last extension, each identity with its obfuscated ticket age, with
// psk_key_exchange_modes listing Config.PSKModes (by default psk_dhe_ke
// only: a resumed connection still runs an (EC)DHE exchange, for forward
// secrecy). The binders are the Finished computation over the
// ClientHello truncated before them, each with its own PSK's hash; after
// a HelloRetryRequest the second ClientHello offers only the sessions
// whose hash is the one of the suite chosen, and its binders cover
// message_hash, the HelloRetryRequest and the truncated second
// ClientHello.
//
// A server with session tickets (Config.Tickets) looks at the identities
// of the ClientHello it goes on with (the second one after a
// HelloRetryRequest) in the client's order and selects the first it can
// use: a ticket it can open, for a TLS 1.3 session whose suite has the
// hash of the suite chosen, issued less than its lifetime ago, for the
// same server name and server certificate, whose age as the client tells it is within
// MaxTicketAgeSkew of the age the server sees, with a key exchange mode
// in common. Any other identity is skipped, and with none left the handshake is a
// full one (RFC 8446, Section 4.2.11). The binder of the identity
// selected must be right: a wrong one is a decrypt_error. A resumed
// handshake has no Certificate, CertificateRequest or CertificateVerify;
// the peer certificate reported is the session's.
//
// The key exchange mode (RFC 8446, Section 4.2.9) is psk_dhe_ke when the
// client lists it and the server's Config.PSKModes allow it, psk_ke when
// that is the only mode both allow: forward secrecy comes first, whatever
// the order of the server's list, as OpenSSL 3.0's server chooses. It is
// also what keeps Erlang's clients working against a server that allows
// psk_ke: OTP 25's client lists psk_ke and psk_dhe_ke, but fails on a
// ServerHello without key_share. With psk_dhe_ke the ServerHello has a key_share and the handshake
// secret comes from the (EC)DHE shared secret, as in a full handshake;
// with psk_ke it has none (a HelloRetryRequest is never needed for it),
// and the handshake secret is derived from Hash.length zero bytes in
// place of the (EC)DHE input (Section 7.1). A client whose modes share
// nothing with the server's gets a full handshake, and no tickets. A
// ClientHello must still carry signature_algorithms, supported_groups and
// key_share when it offers psk_ke (missing_extension otherwise), though
// RFC 8446, Section 9.2 lets a PSK-only one leave them out: the server
// chooses its certificate, which a ticket is bound to, from them, and
// every client known to offer psk_ke (OpenSSL, GnuTLS, OTP) sends them. OTP
// has no option for this: its server does not read the list and always
// answers with a key_share, that is psk_dhe_ke.
//
// A client always sends key shares, whatever its modes, so that a server
// declining its PSKs can run a full handshake. It takes a ServerHello
// without key_share only when that ServerHello selects a PSK and psk_ke
// was offered (missing_extension otherwise, the alert RFC 8446, Section
// 6.2 names for an extension the negotiated parameters require), and a
// ServerHello with a key_share that selects a PSK only when psk_dhe_ke
// was offered (illegal_parameter otherwise: the server chose a mode the
// client did not list, Section 4.2.9; OTP 25's server does so, whatever
// the client lists).

import (
	"bytes"
	"crypto"
	"crypto/subtle"
	"encoding"
	"hash"
	"slices"
	"time"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/record"
	"github.com/otpssl/ssl/session"
)

// defaultPSKModes are the PSK key exchange modes of a Config without
// PSKModes.
var defaultPSKModes = []uint8{PSKModeDHEKE}

// pskModes returns the PSK key exchange modes of c, in preference order.
func (c *Config) pskModes() []uint8 {
	if len(c.PSKModes) == 0 {
		return defaultPSKModes
	}
	return c.PSKModes
}

// commonPSKMode returns the mode a server with cfg resumes with for a
// client listing modes: psk_dhe_ke when both allow it, else psk_ke when
// both allow that.
func commonPSKMode(cfg *Config, modes []uint8) (uint8, bool) {
	ours := cfg.pskModes()
	for _, m := range []uint8{PSKModeDHEKE, PSKModeKE} {
		if slices.Contains(ours, m) && slices.Contains(modes, m) {
			return m, true
		}
	}
	return 0, false
}

// maxOfferedPSKs bounds the sessions a client offers in one ClientHello.
const maxOfferedPSKs = 4

// offeredPSK is a session a client offers, with the suite it was made
// with.
type offeredPSK struct {
	sess  *session.Session
	suite *cipher.Suite
}

// pskOffer chooses the sessions of cfg.PSKs the client may offer with
// the TLS 1.3 suites offered.
func pskOffer(cfg *Config, suites []*cipher.Suite) []offeredPSK {
	var out []offeredPSK
	now := cfg.now()
	for _, s := range cfg.PSKs {
		if len(out) == maxOfferedPSKs {
			break
		}
		if s == nil || s.Version != cipher.VersionTLS13 || len(s.Ticket) == 0 || len(s.MasterSecret) == 0 {
			continue
		}
		i := slices.IndexFunc(suites, func(x *cipher.Suite) bool { return x.ID == s.CipherSuite })
		if i < 0 || s.ServerName != cfg.ServerName {
			continue
		}
		life := time.Duration(s.TicketLifetime) * time.Second
		if life <= 0 || !s.ValidAt(now, life) {
			continue
		}
		if !cfg.resumableServer(s) {
			continue
		}
		out = append(out, offeredPSK{sess: s, suite: suites[i]})
	}
	return out
}

// addPSKs puts pre_shared_key and psk_key_exchange_modes in h for the
// sessions offered, with placeholder binders of the right lengths;
// bindPSKs computes them once h is final. A client that takes tickets
// (Config.OnTicket) sends psk_key_exchange_modes even with no session to
// offer: servers send tickets only for the modes it lists.
func addPSKs(cfg *Config, h *ClientHello, psks []offeredPSK) {
	h.PSKIdentities, h.PSKBinders, h.PSKModes = nil, nil, nil
	// RFC 8446, Section 4.2.9: psk_key_exchange_modes goes with a PSK,
	// and tells a server that tickets are wanted.
	if len(psks) > 0 || cfg.OnTicket != nil {
		h.PSKModes = slices.Clone(cfg.pskModes())
	}
	if len(psks) == 0 {
		return
	}
	now := cfg.now()
	for _, p := range psks {
		age := now.Sub(p.sess.Created)
		if age < 0 {
			age = 0
		}
		h.PSKIdentities = append(h.PSKIdentities, OfferedPSK{
			Identity:            p.sess.Ticket,
			ObfuscatedTicketAge: uint32(age/time.Millisecond) + p.sess.TicketAgeAdd,
		})
		h.PSKBinders = append(h.PSKBinders, make([]byte, p.suite.Hash().Size()))
	}
}

// bindPSKs computes the binders of the PSKs in h (RFC 8446, Section
// 4.2.11.2): each over prefix (the transcript before h: nothing for a
// first ClientHello, message_hash and the HelloRetryRequest for a second
// one, as a running hash state, or nil) and h truncated before the
// binders.
func bindPSKs(h *ClientHello, psks []offeredPSK, prefix hash.Hash) error {
	if len(psks) == 0 {
		return nil
	}
	h.raw = nil
	trunc, err := h.TruncatedForBinders()
	if err != nil {
		return causef(ErrConfig, "pre_shared_key: %v", err)
	}
	binders := make([][]byte, len(psks))
	for i, p := range psks {
		th, err := truncatedHash(p.suite.Hash(), prefix, trunc)
		if err != nil {
			return err
		}
		es, err := cipher.NewEarlySchedule(p.suite, p.sess.MasterSecret)
		if err != nil {
			return causef(ErrConfig, "key schedule: %v", err)
		}
		if binders[i], err = es.Binder(false, th); err != nil {
			return causef(ErrConfig, "binder: %v", err)
		}
	}
	h.PSKBinders = binders
	h.raw = nil
	return nil
}

// truncatedHash returns the hash h of the transcript prefix (a running
// hash, or nil for none) followed by trunc, leaving prefix as it was.
func truncatedHash(h crypto.Hash, prefix hash.Hash, trunc []byte) ([]byte, error) {
	d := h.New()
	if prefix != nil {
		var err error
		if d, err = copyHash(h, prefix); err != nil {
			return nil, err
		}
	}
	d.Write(trunc)
	return d.Sum(nil), nil
}

// copyHash returns a copy of the running hash src, of function h.
func copyHash(h crypto.Hash, src hash.Hash) (hash.Hash, error) {
	d := h.New()
	if src.Size() != d.Size() {
		return nil, causef(ErrConfig, "transcript hash of another size")
	}
	m, ok := src.(encoding.BinaryMarshaler)
	u, ok2 := d.(encoding.BinaryUnmarshaler)
	if !ok || !ok2 {
		return nil, causef(ErrConfig, "transcript hash state cannot be copied")
	}
	state, err := m.MarshalBinary()
	if err != nil {
		return nil, causef(ErrConfig, "transcript hash state: %v", err)
	}
	if err := u.UnmarshalBinary(state); err != nil {
		return nil, causef(ErrConfig, "transcript hash state: %v", err)
	}
	return d, nil
}

// acceptedPSK is the session a server resumes, with the index of its
// identity and the key exchange mode.
type acceptedPSK struct {
	sess  *session.Session
	index uint16
	ke    bool // psk_ke: no (EC)DHE exchange
}

// selectPSK looks for an identity of ch the server can resume (see the
// file comment), and checks its binder. prefix is the transcript before
// ch (nil for a first ClientHello). It returns nil for a full handshake.
// The caller makes sure a key share is there for psk_dhe_ke.
func (c *server13) selectPSK(ch *ClientHello, prefix hash.Hash) (*acceptedPSK, error) {
	t := c.cfg.Tickets
	mode, ok := commonPSKMode(c.cfg, ch.PSKModes)
	if t == nil || len(ch.PSKIdentities) == 0 || !ok {
		return nil, nil
	}
	now := c.cfg.now()
	life := t.lifetime()
	for i, id := range ch.PSKIdentities {
		if i >= len(ch.PSKBinders) {
			break
		}
		sess := t.open(id.Identity)
		if sess == nil || sess.Version != cipher.VersionTLS13 {
			continue
		}
		suite := cipher.SuiteByID(sess.CipherSuite)
		if suite == nil || !suite.TLS13() || suite.Hash() != c.suite.Hash() || len(sess.MasterSecret) != suite.Hash().Size() {
			continue
		}
		if !sess.ValidAt(now, life) || sess.ServerName != ch.ServerName || !bytes.Equal(sess.LocalCertHash, c.credHash()) ||
			!c.cfg.resumablePeer(sess) {
			continue
		}
		// RFC 8446, Section 4.2.11.1: the client's view of the age.
		clientAge := time.Duration(id.ObfuscatedTicketAge-sess.TicketAgeAdd) * time.Millisecond
		serverAge := now.Sub(sess.Created)
		if d := clientAge - serverAge; d > MaxTicketAgeSkew || d < -MaxTicketAgeSkew {
			continue
		}
		trunc, err := ch.TruncatedForBinders()
		if err != nil {
			return nil, causef(ErrIllegalParameter, "pre_shared_key: %v", err)
		}
		th, err := truncatedHash(suite.Hash(), prefix, trunc)
		if err != nil {
			return nil, err
		}
		es, err := cipher.NewEarlySchedule(c.suite, sess.MasterSecret)
		if err != nil {
			return nil, causef(ErrConfig, "key schedule: %v", err)
		}
		want, err := es.Binder(false, th)
		if err != nil {
			return nil, causef(ErrConfig, "binder: %v", err)
		}
		got := ch.PSKBinders[i]
		if len(got) != len(want) || subtle.ConstantTimeCompare(got, want) != 1 {
			return nil, errBadBinder
		}
		return &acceptedPSK{sess: sess, index: uint16(i), ke: mode == PSKModeKE}, nil
	}
	return nil, nil
}

// errBadBinder is the cause of a wrong binder: a decrypt_error (RFC 8446,
// Section 4.2.11).
var errBadBinder = alertf(record.DecryptError, "the binder of the PSK selected does not match the ClientHello")
