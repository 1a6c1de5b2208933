package session

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/crypto/cryptobyte"

	"github.com/otpssl/ssl/cipher"
)

// The binary encoding of a Session, for caches outside the process and for
// RFC 5077 tickets. It is versioned and every length in it is bounded;
// UnmarshalBinary refuses anything else, so that bytes read back from a
// shared store, or opened from a ticket sealed with a leaked key, cannot
// make the library allocate without bound or misbehave.
//
//	magic            'S' 'E'
//	format           uint8 = 1
//	version          uint16
//	cipher_suite     uint16
//	compression      uint8 (0)
//	flags            uint8: 1 extended master secret, 2 peer verified
//	group            uint16
//	created          int64 Unix seconds (> 0), uint32 nanoseconds (< 10^9)
//	id               opaque<0..32>
//	master_secret    opaque<1..255>: 48 bytes before TLS 1.3, 32 or 48 in TLS 1.3
//	local_cert_hash  opaque<0..255>: empty or 32 bytes
//	server_name      opaque<0..255>
//	alpn             opaque<0..255>
//	peer_certs       opaque<0..2^24-1>: at most MaxChainLen of opaque<1..2^24-1>
//	ticket           opaque<0..2^16-1>
//	ticket_lifetime  uint32
//	ticket_age_add   uint32
//	max_early_data   uint32
//
// Nothing may follow. MasterSecret is in the clear: an encoded session is
// as secret as the session.

const (
	encodingFormat = 1
	// MaxEncodedLen bounds the encoding of a session; UnmarshalBinary
	// refuses longer input at once.
	MaxEncodedLen = 256 << 10
	// MaxChainLen bounds the peer certificates a session holds.
	MaxChainLen = 32
)

var encodingMagic = [2]byte{'S', 'E'}

// ErrMalformed is the error of UnmarshalBinary (wrapped with a detail) for
// input that is not a session encoding this package writes.
var ErrMalformed = errors.New("session: malformed session encoding")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// MarshalBinary returns the encoding of s. It fails for a session that
// breaks the bounds of the encoding (an ID over 32 bytes, a master secret
// of the wrong length, too many or too large certificates, a zero Created
// time ...), so that everything it writes, UnmarshalBinary reads back.
func (s *Session) MarshalBinary() ([]byte, error) {
	if s == nil {
		return nil, errors.New("session: MarshalBinary of a nil session")
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	b := cryptobyte.NewBuilder(make([]byte, 0, s.encodedLenHint()))
	b.AddBytes(encodingMagic[:])
	b.AddUint8(encodingFormat)
	b.AddUint16(uint16(s.Version))
	b.AddUint16(s.CipherSuite)
	b.AddUint8(s.Compression)
	var flags uint8
	if s.ExtendedMasterSecret {
		flags |= 1
	}
	if s.PeerVerified {
		flags |= 2
	}
	b.AddUint8(flags)
	b.AddUint16(s.Group)
	b.AddUint64(uint64(s.Created.Unix()))
	b.AddUint32(uint32(s.Created.Nanosecond()))
	add8 := func(v []byte) { b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(v) }) }
	add8(s.ID)
	add8(s.MasterSecret)
	add8(s.LocalCertHash)
	add8([]byte(s.ServerName))
	add8([]byte(s.ALPN))
	b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) {
		for _, der := range s.PeerCertificates {
			b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(der) })
		}
	})
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(s.Ticket) })
	b.AddUint32(s.TicketLifetime)
	b.AddUint32(s.TicketAgeAdd)
	b.AddUint32(s.MaxEarlyData)
	out, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("session: encoding: %w", err)
	}
	if len(out) > MaxEncodedLen {
		return nil, fmt.Errorf("session: encoding of %d bytes is over %d", len(out), MaxEncodedLen)
	}
	return out, nil
}

func (s *Session) encodedLenHint() int {
	n := 64 + len(s.ID) + len(s.MasterSecret) + len(s.LocalCertHash) + len(s.ServerName) + len(s.ALPN) + len(s.Ticket)
	for _, der := range s.PeerCertificates {
		n += 3 + len(der)
	}
	return min(n, MaxEncodedLen)
}

// check returns why s cannot be encoded, or nil.
func (s *Session) check() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("session: cannot encode: "+format, args...)
	}
	switch {
	case s.Version < cipher.VersionSSL30 || s.Version > cipher.VersionTLS13:
		return bad("protocol version %#04x", uint16(s.Version))
	case s.CipherSuite == 0:
		return bad("no cipher suite")
	case s.Compression != 0:
		return bad("compression method %d", s.Compression)
	case len(s.ID) > MaxIDLen:
		return bad("session ID of %d bytes", len(s.ID))
	case !masterLenOK(s.Version, len(s.MasterSecret)):
		return bad("master secret of %d bytes in %s", len(s.MasterSecret), s.Version)
	case len(s.LocalCertHash) != 0 && len(s.LocalCertHash) != 32:
		return bad("own certificate hash of %d bytes", len(s.LocalCertHash))
	case len(s.ServerName) > 255 || len(s.ALPN) > 255:
		return bad("server name or ALPN protocol over 255 bytes")
	case len(s.PeerCertificates) > MaxChainLen:
		return bad("%d peer certificates, more than %d", len(s.PeerCertificates), MaxChainLen)
	case len(s.Ticket) > 0xffff:
		return bad("ticket of %d bytes", len(s.Ticket))
	case s.Created.Unix() <= 0:
		return bad("creation time %v", s.Created)
	}
	for _, der := range s.PeerCertificates {
		if len(der) == 0 || len(der) >= 1<<24 {
			return bad("peer certificate of %d bytes", len(der))
		}
	}
	return nil
}

func masterLenOK(v cipher.Version, n int) bool {
	if v == cipher.VersionTLS13 {
		return n == 32 || n == 48
	}
	return n == cipher.MasterSecretLen
}

// UnmarshalBinary sets s from an encoding MarshalBinary wrote. It refuses
// (with an error wrapping ErrMalformed, leaving s unchanged) input that
// is longer than MaxEncodedLen, of another format, truncated, followed by
// anything, or holding a value out of bounds; it never panics. The
// session it makes shares no memory with data.
func (s *Session) UnmarshalBinary(data []byte) error {
	n, err := Decode(data)
	if err != nil {
		return err
	}
	*s = *n
	return nil
}

// Decode returns the session data encodes, as UnmarshalBinary reads it.
func Decode(data []byte) (*Session, error) {
	if len(data) > MaxEncodedLen {
		return nil, malformed("%d bytes, more than %d", len(data), MaxEncodedLen)
	}
	in := cryptobyte.String(data)
	var magic []byte
	var format, compression, flags uint8
	var version, suite, group uint16
	var secs uint64
	var nanos uint32
	if !in.ReadBytes(&magic, 2) || magic[0] != encodingMagic[0] || magic[1] != encodingMagic[1] {
		return nil, malformed("no magic")
	}
	if !in.ReadUint8(&format) || format != encodingFormat {
		return nil, malformed("format %d", format)
	}
	if !in.ReadUint16(&version) || !in.ReadUint16(&suite) || !in.ReadUint8(&compression) ||
		!in.ReadUint8(&flags) || !in.ReadUint16(&group) || !in.ReadUint64(&secs) || !in.ReadUint32(&nanos) {
		return nil, malformed("truncated header")
	}
	s := &Session{
		Version: cipher.Version(version), CipherSuite: suite, Compression: compression,
		ExtendedMasterSecret: flags&1 != 0, PeerVerified: flags&2 != 0, Group: group,
	}
	switch {
	case s.Version < cipher.VersionSSL30 || s.Version > cipher.VersionTLS13:
		return nil, malformed("protocol version %#04x", version)
	case suite == 0:
		return nil, malformed("no cipher suite")
	case compression != 0:
		return nil, malformed("compression method %d", compression)
	case flags&^3 != 0:
		return nil, malformed("unknown flags %#02x", flags)
	case secs == 0 || secs > 1<<40 || nanos >= 1e9:
		return nil, malformed("creation time")
	}
	s.Created = time.Unix(int64(secs), int64(nanos))
	var id, master, hash, name, alpn, certs, ticket cryptobyte.String
	if !in.ReadUint8LengthPrefixed(&id) || !in.ReadUint8LengthPrefixed(&master) ||
		!in.ReadUint8LengthPrefixed(&hash) || !in.ReadUint8LengthPrefixed(&name) ||
		!in.ReadUint8LengthPrefixed(&alpn) || !in.ReadUint24LengthPrefixed(&certs) ||
		!in.ReadUint16LengthPrefixed(&ticket) || !in.ReadUint32(&s.TicketLifetime) ||
		!in.ReadUint32(&s.TicketAgeAdd) || !in.ReadUint32(&s.MaxEarlyData) {
		return nil, malformed("truncated")
	}
	if !in.Empty() {
		return nil, malformed("%d trailing bytes", len(in))
	}
	switch {
	case len(id) > MaxIDLen:
		return nil, malformed("session ID of %d bytes", len(id))
	case !masterLenOK(s.Version, len(master)):
		return nil, malformed("master secret of %d bytes", len(master))
	case len(hash) != 0 && len(hash) != 32:
		return nil, malformed("own certificate hash of %d bytes", len(hash))
	}
	s.ID = cloneNonEmpty(id)
	s.MasterSecret = cloneNonEmpty(master)
	s.LocalCertHash = cloneNonEmpty(hash)
	s.ServerName = string(name)
	s.ALPN = string(alpn)
	s.Ticket = cloneNonEmpty(ticket)
	for !certs.Empty() {
		var der cryptobyte.String
		if !certs.ReadUint24LengthPrefixed(&der) || len(der) == 0 {
			return nil, malformed("peer certificate list")
		}
		if len(s.PeerCertificates) == MaxChainLen {
			return nil, malformed("more than %d peer certificates", MaxChainLen)
		}
		s.PeerCertificates = append(s.PeerCertificates, cloneNonEmpty(der))
	}
	return s, nil
}

func cloneNonEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return append([]byte(nil), b...)
}
