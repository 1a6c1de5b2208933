package handshake

import (
	"fmt"

	"golang.org/x/crypto/cryptobyte"
)

// HelloRequest asks the client to start a new handshake (RFC 5246,
// Section 7.4.1.1); its body is empty.
type HelloRequest struct{ raw []byte }

// Type returns TypeHelloRequest.
func (m *HelloRequest) Type() MessageType { return TypeHelloRequest }

// Raw returns the bytes the message was parsed from, or nil.
func (m *HelloRequest) Raw() []byte { return m.raw }

// Marshal returns the message.
func (m *HelloRequest) Marshal() ([]byte, error) { return marshalEmpty(m.raw, TypeHelloRequest) }

// UnmarshalHelloRequest parses a whole HelloRequest; a non-empty body is a
// decode_error.
func UnmarshalHelloRequest(data []byte) (*HelloRequest, error) {
	if err := unmarshalEmpty(data, TypeHelloRequest, "HelloRequest"); err != nil {
		return nil, err
	}
	return &HelloRequest{raw: data}, nil
}

// ServerHelloDone ends the server's first flight before TLS 1.3
// (RFC 5246, Section 7.4.5); its body is empty.
type ServerHelloDone struct{ raw []byte }

// Type returns TypeServerHelloDone.
func (m *ServerHelloDone) Type() MessageType { return TypeServerHelloDone }

// Raw returns the bytes the message was parsed from, or nil.
func (m *ServerHelloDone) Raw() []byte { return m.raw }

// Marshal returns the message.
func (m *ServerHelloDone) Marshal() ([]byte, error) { return marshalEmpty(m.raw, TypeServerHelloDone) }

// UnmarshalServerHelloDone parses a whole ServerHelloDone; a non-empty
// body is a decode_error.
func UnmarshalServerHelloDone(data []byte) (*ServerHelloDone, error) {
	if err := unmarshalEmpty(data, TypeServerHelloDone, "ServerHelloDone"); err != nil {
		return nil, err
	}
	return &ServerHelloDone{raw: data}, nil
}

// EndOfEarlyData ends the client's 0-RTT data in TLS 1.3 (RFC 8446,
// Section 4.5); its body is empty.
type EndOfEarlyData struct{ raw []byte }

// Type returns TypeEndOfEarlyData.
func (m *EndOfEarlyData) Type() MessageType { return TypeEndOfEarlyData }

// Raw returns the bytes the message was parsed from, or nil.
func (m *EndOfEarlyData) Raw() []byte { return m.raw }

// Marshal returns the message.
func (m *EndOfEarlyData) Marshal() ([]byte, error) { return marshalEmpty(m.raw, TypeEndOfEarlyData) }

// UnmarshalEndOfEarlyData parses a whole EndOfEarlyData; a non-empty body
// is a decode_error.
func UnmarshalEndOfEarlyData(data []byte) (*EndOfEarlyData, error) {
	if err := unmarshalEmpty(data, TypeEndOfEarlyData, "EndOfEarlyData"); err != nil {
		return nil, err
	}
	return &EndOfEarlyData{raw: data}, nil
}

func marshalEmpty(raw []byte, t MessageType) ([]byte, error) {
	if raw != nil {
		return raw, nil
	}
	return []byte{byte(t), 0, 0, 0}, nil
}

func unmarshalEmpty(data []byte, t MessageType, msg string) error {
	body, err := readMessageHeader(data, t, msg)
	if err != nil {
		return err
	}
	if len(body) != 0 {
		return wireDecodeError(msg, "body", fmt.Sprintf("%d bytes, want none", len(body)))
	}
	return nil
}

// NextProtocol is the client's choice of protocol in Next Protocol
// Negotiation (draft-agl-tls-nextprotoneg-04, Section 3), sent encrypted
// before its Finished: the protocol, then zero padding that brings the two
// vectors to a multiple of 32 bytes to hide the protocol's length.
type NextProtocol struct {
	raw []byte
	// Protocol is selected_protocol.
	Protocol string
}

// Type returns TypeNextProtocol.
func (m *NextProtocol) Type() MessageType { return TypeNextProtocol }

// Raw returns the bytes the message was parsed from, or nil.
func (m *NextProtocol) Raw() []byte { return m.raw }

// UnmarshalNextProtocol parses a whole NextProtocol message. The padding
// is not checked beyond its framing, as its contents carry nothing.
func UnmarshalNextProtocol(data []byte) (*NextProtocol, error) {
	const msg = "NextProtocol"
	body, err := readMessageHeader(data, TypeNextProtocol, msg)
	if err != nil {
		return nil, err
	}
	s := cryptobyte.String(body)
	var proto, padding cryptobyte.String
	if !s.ReadUint8LengthPrefixed(&proto) {
		return nil, wireDecodeError(msg, "selected_protocol", "truncated")
	}
	if !s.ReadUint8LengthPrefixed(&padding) || !s.Empty() {
		return nil, wireDecodeError(msg, "padding", "malformed")
	}
	return &NextProtocol{raw: data, Protocol: string(proto)}, nil
}

// Marshal returns the message: the bytes it was parsed from, or the
// protocol with its padding.
func (m *NextProtocol) Marshal() ([]byte, error) {
	if m.raw != nil {
		return m.raw, nil
	}
	if len(m.Protocol) > 0xff {
		return nil, &marshalError{fmt.Sprintf("NextProtocol: protocol of %d bytes", len(m.Protocol))}
	}
	pad := 32 - (len(m.Protocol)+2)%32
	return marshalMessage(TypeNextProtocol, func(b *cryptobyte.Builder) {
		b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte(m.Protocol)) })
		b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(make([]byte, pad)) })
	})
}

// CertificateStatus carries the server's stapled OCSP response before TLS
// 1.3 (RFC 6066, Section 8), after its Certificate.
type CertificateStatus struct {
	raw []byte
	// Response is the DER OCSP response.
	Response []byte
}

// Type returns TypeCertificateStatus.
func (m *CertificateStatus) Type() MessageType { return TypeCertificateStatus }

// Raw returns the bytes the message was parsed from, or nil.
func (m *CertificateStatus) Raw() []byte { return m.raw }

// UnmarshalCertificateStatus parses a whole CertificateStatus message: a
// status type other than ocsp is an illegal_parameter, an empty response a
// decode_error.
func UnmarshalCertificateStatus(data []byte) (*CertificateStatus, error) {
	const msg = "CertificateStatus"
	body, err := readMessageHeader(data, TypeCertificateStatus, msg)
	if err != nil {
		return nil, err
	}
	s := cryptobyte.String(body)
	resp, err := readCertificateStatus(&s, msg)
	if err != nil {
		return nil, err
	}
	if !s.Empty() {
		return nil, wireDecodeError(msg, "response", "trailing bytes")
	}
	return &CertificateStatus{raw: data, Response: resp}, nil
}

// Marshal returns the message: the bytes it was parsed from, or its
// encoding.
func (m *CertificateStatus) Marshal() ([]byte, error) {
	if m.raw != nil {
		return m.raw, nil
	}
	return marshalMessage(TypeCertificateStatus, func(b *cryptobyte.Builder) { addCertificateStatus(b, m.Response) })
}

// MessageHash is the synthetic message_hash message that replaces
// ClientHello1 in the transcript after a HelloRetryRequest (RFC 8446,
// Section 4.4.1): its body is the hash of ClientHello1. It is never sent;
// ParseMessage refuses it.
type MessageHash struct {
	raw []byte
	// Hash is Hash(ClientHello1).
	Hash []byte
}

// NewMessageHash returns the message_hash message for the transcript hash
// h of ClientHello1.
func NewMessageHash(h []byte) *MessageHash { return &MessageHash{Hash: h} }

// Type returns TypeMessageHash.
func (m *MessageHash) Type() MessageType { return TypeMessageHash }

// Raw returns the bytes the message was parsed from, or nil.
func (m *MessageHash) Raw() []byte { return m.raw }

// UnmarshalMessageHash parses a whole message_hash message (from a stored
// transcript, never from the wire).
func UnmarshalMessageHash(data []byte) (*MessageHash, error) {
	body, err := readMessageHeader(data, TypeMessageHash, "message_hash")
	if err != nil {
		return nil, err
	}
	return &MessageHash{raw: data, Hash: emptyToNil(body)}, nil
}

// Marshal returns the message: the bytes it was parsed from, or the hash
// with its header, ready to be written into the transcript hash.
func (m *MessageHash) Marshal() ([]byte, error) {
	if m.raw != nil {
		return m.raw, nil
	}
	return marshalMessage(TypeMessageHash, func(b *cryptobyte.Builder) { b.AddBytes(m.Hash) })
}
