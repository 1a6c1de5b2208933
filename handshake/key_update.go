package handshake

import (
	"fmt"

	"golang.org/x/crypto/cryptobyte"
)

// The KeyUpdateRequest values (RFC 8446, Section 4.6.3).
const (
	UpdateNotRequested uint8 = 0
	UpdateRequested    uint8 = 1
)

// KeyUpdate announces that the sender's traffic keys change (RFC 8446,
// Section 4.6.3); RequestUpdate asks the peer to update its own in turn.
type KeyUpdate struct {
	raw []byte
	// RequestUpdate is request_update: update_requested when true.
	RequestUpdate bool
}

// Type returns TypeKeyUpdate.
func (m *KeyUpdate) Type() MessageType { return TypeKeyUpdate }

// Raw returns the bytes the message was parsed from, or nil.
func (m *KeyUpdate) Raw() []byte { return m.raw }

// UnmarshalKeyUpdate parses a whole KeyUpdate message, header included:
// a body other than one byte is a decode_error, a value other than 0 or 1
// an illegal_parameter (RFC 8446, Section 4.6.3).
func UnmarshalKeyUpdate(data []byte) (*KeyUpdate, error) {
	const msg = "KeyUpdate"
	body, err := readMessageHeader(data, TypeKeyUpdate, msg)
	if err != nil {
		return nil, err
	}
	if len(body) != 1 {
		return nil, wireDecodeError(msg, "request_update", fmt.Sprintf("body of %d bytes", len(body)))
	}
	switch body[0] {
	case UpdateNotRequested:
		return &KeyUpdate{raw: data}, nil
	case UpdateRequested:
		return &KeyUpdate{raw: data, RequestUpdate: true}, nil
	}
	return nil, wireIllegal(msg, "request_update", fmt.Sprintf("value %d", body[0]))
}

// Marshal returns the message: the bytes it was parsed from, or its
// encoding.
func (m *KeyUpdate) Marshal() ([]byte, error) {
	if m.raw != nil {
		return m.raw, nil
	}
	v := UpdateNotRequested
	if m.RequestUpdate {
		v = UpdateRequested
	}
	return marshalMessage(TypeKeyUpdate, func(b *cryptobyte.Builder) { b.AddUint8(v) })
}
