package handshake

import "golang.org/x/crypto/cryptobyte"

// ServerKeyExchange carries the server's key exchange parameters before
// TLS 1.3 (RFC 5246, Section 7.4.3). Its body depends on the key exchange
// of the suite, so it is kept opaque here and parsed by the key exchange.
type ServerKeyExchange struct {
	raw []byte
	// Body is the message body.
	Body []byte
}

// Type returns TypeServerKeyExchange.
func (m *ServerKeyExchange) Type() MessageType { return TypeServerKeyExchange }

// Raw returns the bytes the message was parsed from, or nil.
func (m *ServerKeyExchange) Raw() []byte { return m.raw }

// UnmarshalServerKeyExchange parses a whole ServerKeyExchange, header
// included, keeping the body opaque.
func UnmarshalServerKeyExchange(data []byte) (*ServerKeyExchange, error) {
	body, err := readMessageHeader(data, TypeServerKeyExchange, "ServerKeyExchange")
	if err != nil {
		return nil, err
	}
	return &ServerKeyExchange{raw: data, Body: emptyToNil(body)}, nil
}

// Marshal returns the message: the bytes it was parsed from, or the body
// with its header.
func (m *ServerKeyExchange) Marshal() ([]byte, error) {
	if m.raw != nil {
		return m.raw, nil
	}
	return marshalMessage(TypeServerKeyExchange, func(b *cryptobyte.Builder) { b.AddBytes(m.Body) })
}

// ClientKeyExchange carries the client's key exchange value before TLS 1.3
// (RFC 5246, Section 7.4.7). Its body depends on the key exchange of the
// suite, so it is kept opaque here and parsed by the key exchange.
type ClientKeyExchange struct {
	raw []byte
	// Body is the message body.
	Body []byte
}

// Type returns TypeClientKeyExchange.
func (m *ClientKeyExchange) Type() MessageType { return TypeClientKeyExchange }

// Raw returns the bytes the message was parsed from, or nil.
func (m *ClientKeyExchange) Raw() []byte { return m.raw }

// UnmarshalClientKeyExchange parses a whole ClientKeyExchange, header
// included, keeping the body opaque.
func UnmarshalClientKeyExchange(data []byte) (*ClientKeyExchange, error) {
	body, err := readMessageHeader(data, TypeClientKeyExchange, "ClientKeyExchange")
	if err != nil {
		return nil, err
	}
	return &ClientKeyExchange{raw: data, Body: emptyToNil(body)}, nil
}

// Marshal returns the message: the bytes it was parsed from, or the body
// with its header.
func (m *ClientKeyExchange) Marshal() ([]byte, error) {
	if m.raw != nil {
		return m.raw, nil
	}
	return marshalMessage(TypeClientKeyExchange, func(b *cryptobyte.Builder) { b.AddBytes(m.Body) })
}
