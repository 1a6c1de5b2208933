package record

import (
	"encoding/binary"
	"strconv"
)

// v2ClientHelloType is the msg_type of an SSL 2.0 CLIENT-HELLO.
const v2ClientHelloType = 1

// V2ClientHello is an SSL 2.0 CLIENT-HELLO sent by a client that offers
// SSL 3.0 or TLS (RFC 5246, Appendix E.2). For negotiation it stands for a
// ClientHello with the same version and random, the TLS cipher suites of
// its cipher specs, the null compression method and no extensions.
type V2ClientHello struct {
	// Version is the client_version: the highest version the client
	// offers (0x0300 or above).
	Version uint16
	// CipherSpecs are the 3-byte cipher kinds, in the client's order; a
	// TLS cipher suite is a kind whose first byte is zero.
	CipherSpecs []uint32
	// Challenge is the client's challenge, 16 to 32 bytes; Random pads it
	// into the ClientHello.random.
	Challenge []byte
	// Raw is the message as received without its 2-byte length header,
	// from msg_type on: what the handshake hashes for Finished and
	// CertificateVerify (RFC 5246, Appendix E.2).
	Raw []byte
}

// CipherSuites returns the TLS cipher suites among the cipher specs, in
// order.
func (h *V2ClientHello) CipherSuites() []uint16 {
	var s []uint16
	for _, spec := range h.CipherSpecs {
		if spec>>16 == 0 {
			s = append(s, uint16(spec))
		}
	}
	return s
}

// Random returns the ClientHello.random the challenge stands for: the
// challenge right-aligned in 32 bytes, with leading zeros (RFC 5246,
// Appendix E.2).
func (h *V2ClientHello) Random() [32]byte {
	var r [32]byte
	copy(r[32-len(h.Challenge):], h.Challenge)
	return r
}

// ParseV2ClientHello parses an SSL 2.0 CLIENT-HELLO from msg_type on (the
// 2-byte length header removed). It is strict, as RFC 5246, Appendix E.2
// asks: msg_type 1, a version of SSL 3.0 or later, a cipher_spec_length
// that is a non-zero multiple of 3, no session ID (resumption needs a TLS
// ClientHello), a challenge of 16 to 32 bytes, and lengths that add up to
// the message exactly. Any deviation is a decode_error, except a version
// below SSL 3.0, which is a protocol_version. The result's slices are
// copies.
func ParseV2ClientHello(msg []byte) (*V2ClientHello, error) {
	const fixed = 9 // msg_type, version, three lengths
	if len(msg) < fixed {
		return nil, fatal(DecodeError, "short SSL 2.0 CLIENT-HELLO")
	}
	if msg[0] != v2ClientHelloType {
		return nil, fatal(DecodeError, "SSL 2.0 message type "+strconv.Itoa(int(msg[0])))
	}
	version := binary.BigEndian.Uint16(msg[1:3])
	specLen := int(binary.BigEndian.Uint16(msg[3:5]))
	sidLen := int(binary.BigEndian.Uint16(msg[5:7]))
	chalLen := int(binary.BigEndian.Uint16(msg[7:9]))
	if version>>8 < 3 {
		return nil, fatal(ProtocolVersion, "SSL 2.0 CLIENT-HELLO offers no SSL 3.0 or TLS")
	}
	if specLen == 0 || specLen%3 != 0 {
		return nil, fatal(DecodeError, "SSL 2.0 cipher_spec_length "+strconv.Itoa(specLen))
	}
	if sidLen != 0 {
		return nil, fatal(DecodeError, "SSL 2.0 CLIENT-HELLO with a session ID")
	}
	if chalLen < 16 || chalLen > 32 {
		return nil, fatal(DecodeError, "SSL 2.0 challenge of "+strconv.Itoa(chalLen)+" bytes")
	}
	if len(msg) != fixed+specLen+sidLen+chalLen {
		return nil, fatal(DecodeError, "SSL 2.0 CLIENT-HELLO lengths do not add up")
	}
	h := &V2ClientHello{
		Version:     version,
		CipherSpecs: make([]uint32, 0, specLen/3),
		Raw:         append([]byte(nil), msg...),
	}
	specs := msg[fixed : fixed+specLen]
	for i := 0; i < len(specs); i += 3 {
		h.CipherSpecs = append(h.CipherSpecs, uint32(specs[i])<<16|uint32(specs[i+1])<<8|uint32(specs[i+2]))
	}
	h.Challenge = append([]byte(nil), msg[fixed+specLen+sidLen:]...)
	return h, nil
}
