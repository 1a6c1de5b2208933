package record

import (
	"encoding/binary"
	"strconv"

	"github.com/otpssl/ssl/cipher"
)

// ContentType is the type of a record (RFC 5246, Section 6.2.1; RFC 8446,
// Section 5.1).
type ContentType uint8

// The content types this record layer carries. Any other type on the wire
// is an unexpected_message.
const (
	TypeChangeCipherSpec ContentType = 20
	TypeAlert            ContentType = 21
	TypeHandshake        ContentType = 22
	TypeApplicationData  ContentType = 23
)

// String returns the name used in the RFCs and in Erlang's ssl
// ("change_cipher_spec", "alert", "handshake", "application_data").
func (t ContentType) String() string {
	switch t {
	case TypeChangeCipherSpec:
		return "change_cipher_spec"
	case TypeAlert:
		return "alert"
	case TypeHandshake:
		return "handshake"
	case TypeApplicationData:
		return "application_data"
	}
	return "content_type(" + strconv.Itoa(int(t)) + ")"
}

// Valid reports whether t is one of the four content types.
func (t ContentType) Valid() bool {
	return t >= TypeChangeCipherSpec && t <= TypeApplicationData
}

// Record size limits.
const (
	// HeaderLen is the length of a record header.
	HeaderLen = 5
	// MaxPlaintext is the largest record payload, 2^14 bytes, in every
	// version (RFC 5246, Section 6.2.1; RFC 8446, Section 5.1).
	MaxPlaintext = 1 << 14
	// MaxCiphertext is the largest protected record body before TLS 1.3,
	// 2^14 + 2048 (RFC 5246, Section 6.2.3), which SSL 3.0 shares.
	MaxCiphertext = MaxPlaintext + 2048
	// MaxCiphertextTLS13 is the largest protected record body in TLS 1.3,
	// 2^14 + 256 (RFC 8446, Section 5.2).
	MaxCiphertextTLS13 = MaxPlaintext + 256
	// maxRecord is the largest record on the wire in any version.
	maxRecord = HeaderLen + MaxCiphertext
)

// Header is a parsed record header.
type Header struct {
	Type    ContentType
	Version uint16 // legacy_record_version in TLS 1.3
	Length  int    // the length of the record body that follows
}

// ParseHeader parses the first HeaderLen bytes of b. It checks only what
// the header alone decides: b must hold a whole header (decode_error) and
// the content type must be one of the four (unexpected_message, RFC 5246,
// Section 6 and RFC 8446, Section 5). Version and length rules depend on
// the connection's state and are the Conn's to check.
func ParseHeader(b []byte) (Header, error) {
	if len(b) < HeaderLen {
		return Header{}, fatal(DecodeError, "short record header")
	}
	h := Header{
		Type:    ContentType(b[0]),
		Version: binary.BigEndian.Uint16(b[1:3]),
		Length:  int(binary.BigEndian.Uint16(b[3:5])),
	}
	if !h.Type.Valid() {
		return h, fatal(UnexpectedMessage, "unknown record content type "+strconv.Itoa(int(b[0])))
	}
	return h, nil
}

// Append appends the header's wire form to b. Length must fit in 16 bits;
// the record layer never builds a longer record.
func (h Header) Append(b []byte) []byte {
	return append(b, byte(h.Type), byte(h.Version>>8), byte(h.Version), byte(h.Length>>8), byte(h.Length))
}

// knownVersion reports whether v is one of the versions this library
// speaks.
func knownVersion(v cipher.Version) bool {
	return v >= cipher.VersionSSL30 && v <= cipher.VersionTLS13
}

// wireVersion is the version a record of protocol version v carries in its
// header: 0x0303 for TLS 1.3 (RFC 8446, Section 5.1), v itself before.
func wireVersion(v cipher.Version) uint16 {
	if v >= cipher.VersionTLS13 {
		return uint16(cipher.VersionTLS12)
	}
	return uint16(v)
}
