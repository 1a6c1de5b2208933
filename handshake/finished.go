package handshake

import "golang.org/x/crypto/cryptobyte"

// Finished ends a handshake flight with the MAC of the transcript
// (RFC 5246, Section 7.4.9; RFC 8446, Section 4.4.4). Its length depends
// on the version and suite (12 bytes in TLS 1.0-1.2, 36 in SSL 3.0, the
// hash length in TLS 1.3): the state machine checks it, and compares it in
// constant time.
type Finished struct {
	raw []byte
	// VerifyData is the message body.
	VerifyData []byte
}

// Type returns TypeFinished.
func (m *Finished) Type() MessageType { return TypeFinished }

// Raw returns the bytes the message was parsed from, or nil.
func (m *Finished) Raw() []byte { return m.raw }

// UnmarshalFinished parses a whole Finished message, header included.
func UnmarshalFinished(data []byte) (*Finished, error) {
	body, err := readMessageHeader(data, TypeFinished, "Finished")
	if err != nil {
		return nil, err
	}
	return &Finished{raw: data, VerifyData: emptyToNil(body)}, nil
}

// Marshal returns the message: the bytes it was parsed from, or
// VerifyData with its header.
func (m *Finished) Marshal() ([]byte, error) {
	if m.raw != nil {
		return m.raw, nil
	}
	return marshalMessage(TypeFinished, func(b *cryptobyte.Builder) { b.AddBytes(m.VerifyData) })
}
