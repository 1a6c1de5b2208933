package handshake

import (
	"fmt"

	"golang.org/x/crypto/cryptobyte"

	"github.com/otpssl/ssl/cipher"
)

// MaxTicketLifetime is the longest ticket lifetime TLS 1.3 allows, seven
// days in seconds (RFC 8446, Section 4.6.1). Parsing does not refuse
// longer ones; clients cap them.
const MaxTicketLifetime = 7 * 24 * 60 * 60

// NewSessionTicket gives the client a ticket to resume with: before TLS 1.3
// a lifetime hint and an opaque ticket (RFC 5077, Section 3.3), possibly
// empty when the server will not issue one after all; in TLS 1.3 a
// lifetime, an age_add, a nonce, the ticket and extensions, of which
// early_data (with the max_early_data_size) is decoded, other recognised
// ones are an illegal_parameter and unrecognised ones are kept in Unknown
// (RFC 8446, Section 4.6.1).
type NewSessionTicket struct {
	raw []byte

	// Version is the protocol version whose encoding the message has.
	Version cipher.Version
	// Lifetime is ticket_lifetime_hint before TLS 1.3 and ticket_lifetime
	// in TLS 1.3, in seconds.
	Lifetime uint32
	// AgeAdd is ticket_age_add (TLS 1.3).
	AgeAdd uint32
	// Nonce is ticket_nonce (TLS 1.3).
	Nonce []byte
	// Ticket is the ticket, non-empty in TLS 1.3.
	Ticket []byte
	// EarlyData says early_data is present (TLS 1.3), with
	// MaxEarlyDataSize the most 0-RTT data the server accepts.
	EarlyData        bool
	MaxEarlyDataSize uint32
	// Unknown holds the TLS 1.3 extensions not decoded, in order.
	Unknown []Extension
	// ExtensionOrder is the order of the TLS 1.3 extensions (default:
	// early_data, then Unknown).
	ExtensionOrder []ExtensionType
}

// Type returns TypeNewSessionTicket.
func (m *NewSessionTicket) Type() MessageType { return TypeNewSessionTicket }

// Raw returns the bytes the message was parsed from, or nil.
func (m *NewSessionTicket) Raw() []byte { return m.raw }

// UnmarshalNewSessionTicket parses a whole NewSessionTicket of version v,
// header included. Errors are record.Alert values.
func UnmarshalNewSessionTicket(data []byte, v cipher.Version) (*NewSessionTicket, error) {
	const msg = "NewSessionTicket"
	body, err := readMessageHeader(data, TypeNewSessionTicket, msg)
	if err != nil {
		return nil, err
	}
	if err := checkVersion(v, msg); err != nil {
		return nil, err
	}
	m := &NewSessionTicket{raw: data, Version: v}
	s := cryptobyte.String(body)
	if !s.ReadUint32(&m.Lifetime) {
		return nil, wireDecodeError(msg, "ticket_lifetime", "truncated")
	}
	if v < cipher.VersionTLS13 {
		var ticket cryptobyte.String
		if !s.ReadUint16LengthPrefixed(&ticket) || !s.Empty() {
			return nil, wireDecodeError(msg, "ticket", "malformed")
		}
		m.Ticket = emptyToNil(ticket)
		return m, nil
	}
	var nonce, ticket cryptobyte.String
	if !s.ReadUint32(&m.AgeAdd) {
		return nil, wireDecodeError(msg, "ticket_age_add", "truncated")
	}
	if !s.ReadUint8LengthPrefixed(&nonce) {
		return nil, wireDecodeError(msg, "ticket_nonce", "truncated")
	}
	m.Nonce = emptyToNil(nonce)
	if !s.ReadUint16LengthPrefixed(&ticket) {
		return nil, wireDecodeError(msg, "ticket", "truncated")
	}
	if len(ticket) == 0 {
		return nil, wireDecodeError(msg, "ticket", "empty")
	}
	m.Ticket = ticket
	exts, err := readExtensions(&s, false, ctxNewSessionTicket13, msg)
	if err != nil {
		return nil, err
	}
	if !s.Empty() {
		return nil, wireDecodeError(msg, "extensions", "trailing bytes")
	}
	for _, e := range exts {
		if e.Type != ExtEarlyData {
			m.Unknown = append(m.Unknown, e)
			continue
		}
		if len(e.Data) != 4 {
			return nil, wireDecodeError(msg, "early_data", fmt.Sprintf("%d bytes, want 4", len(e.Data)))
		}
		m.EarlyData = true
		m.MaxEarlyDataSize = uint32(e.Data[0])<<24 | uint32(e.Data[1])<<16 | uint32(e.Data[2])<<8 | uint32(e.Data[3])
	}
	m.ExtensionOrder = extensionOrder(exts)
	return m, nil
}

// Marshal returns the message: the bytes it was parsed from, or its
// encoding for Version built from its fields.
func (m *NewSessionTicket) Marshal() ([]byte, error) {
	if m.raw != nil {
		return m.raw, nil
	}
	const msg = "NewSessionTicket"
	v := m.Version
	if v < cipher.VersionSSL30 || v > cipher.VersionTLS13 {
		return nil, &marshalError{fmt.Sprintf("%s: version 0x%04x", msg, uint16(v))}
	}
	if len(m.Ticket) > 0xffff {
		return nil, &marshalError{fmt.Sprintf("%s: ticket of %d bytes", msg, len(m.Ticket))}
	}
	if !m.EarlyData && m.MaxEarlyDataSize != 0 {
		return nil, &marshalError{msg + ": MaxEarlyDataSize set without EarlyData"}
	}
	if v < cipher.VersionTLS13 {
		if m.AgeAdd != 0 || len(m.Nonce) > 0 || m.EarlyData || len(m.Unknown) > 0 || m.ExtensionOrder != nil {
			return nil, &marshalError{msg + ": TLS 1.3 fields before TLS 1.3"}
		}
		return marshalMessage(TypeNewSessionTicket, func(b *cryptobyte.Builder) {
			b.AddUint32(m.Lifetime)
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(m.Ticket) })
		})
	}
	var ws []extWriter
	if m.EarlyData {
		ws = append(ws, extWriter{ExtEarlyData, func(b *cryptobyte.Builder) { b.AddUint32(m.MaxEarlyDataSize) }})
	}
	if err := checkUnknown(m.Unknown, ctxNewSessionTicket13, msg); err != nil {
		return nil, err
	}
	ws = unknownWriters(ws, m.Unknown)
	return marshalMessage(TypeNewSessionTicket, func(b *cryptobyte.Builder) {
		b.AddUint32(m.Lifetime)
		b.AddUint32(m.AgeAdd)
		addOpaque8(b, m.Nonce, "ticket_nonce")
		addOpaque16(b, m.Ticket, "ticket")
		addExtensions(b, ws, m.ExtensionOrder, msg, false)
	})
}
