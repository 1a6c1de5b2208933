package handshake

import (
	"errors"
	"fmt"
	"strconv"

	"golang.org/x/crypto/cryptobyte"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/record"
)

// MessageType is the HandshakeType of a handshake message (RFC 5246,
// Section 7.4; RFC 8446, Section 4).
type MessageType uint8

// The handshake message types of SSL 3.0 and TLS 1.0-1.3 and of the
// extensions this library implements.
const (
	TypeHelloRequest        MessageType = 0
	TypeClientHello         MessageType = 1
	TypeServerHello         MessageType = 2
	TypeHelloVerifyRequest  MessageType = 3 // DTLS only
	TypeNewSessionTicket    MessageType = 4
	TypeEndOfEarlyData      MessageType = 5
	TypeEncryptedExtensions MessageType = 8
	TypeCertificate         MessageType = 11
	TypeServerKeyExchange   MessageType = 12
	TypeCertificateRequest  MessageType = 13
	TypeServerHelloDone     MessageType = 14
	TypeCertificateVerify   MessageType = 15
	TypeClientKeyExchange   MessageType = 16
	TypeFinished            MessageType = 20
	TypeCertificateStatus   MessageType = 22
	TypeKeyUpdate           MessageType = 24
	TypeNextProtocol        MessageType = 67  // draft-agl-tls-nextprotoneg
	TypeMessageHash         MessageType = 254 // synthetic, never on the wire
)

// String returns the name of the type as the RFCs write it
// ("client_hello"), or "unknown(N)".
func (t MessageType) String() string {
	switch t {
	case TypeHelloRequest:
		return "hello_request"
	case TypeClientHello:
		return "client_hello"
	case TypeServerHello:
		return "server_hello"
	case TypeHelloVerifyRequest:
		return "hello_verify_request"
	case TypeNewSessionTicket:
		return "new_session_ticket"
	case TypeEndOfEarlyData:
		return "end_of_early_data"
	case TypeEncryptedExtensions:
		return "encrypted_extensions"
	case TypeCertificate:
		return "certificate"
	case TypeServerKeyExchange:
		return "server_key_exchange"
	case TypeCertificateRequest:
		return "certificate_request"
	case TypeServerHelloDone:
		return "server_hello_done"
	case TypeCertificateVerify:
		return "certificate_verify"
	case TypeClientKeyExchange:
		return "client_key_exchange"
	case TypeFinished:
		return "finished"
	case TypeCertificateStatus:
		return "certificate_status"
	case TypeKeyUpdate:
		return "key_update"
	case TypeNextProtocol:
		return "next_protocol"
	case TypeMessageHash:
		return "message_hash"
	}
	return "unknown(" + strconv.Itoa(int(t)) + ")"
}

// HeaderLen is the length of a handshake message header: one byte of type
// and three of body length.
const HeaderLen = 4

// MaxBodyLen is the largest body length the 24-bit length field can
// express. The record layer refuses much smaller messages already
// (Erlang's max_handshake_size).
const MaxBodyLen = 1<<24 - 1

// Message is a handshake message.
//
// A message built in memory is encoded by Marshal from its fields. A
// message returned by a parser keeps the bytes it was parsed from: Raw
// returns them and Marshal returns them unchanged, whatever was done to
// its fields since, because the transcript hash and PSK binders must be
// computed over the bytes that were received (STYLE rule 2).
type Message interface {
	// Type is the handshake type of the message.
	Type() MessageType
	// Marshal returns the whole message with its 4-byte header.
	Marshal() ([]byte, error)
	// Raw returns the bytes the message was parsed from (header
	// included), or nil for a message built in memory. The slice is the
	// message's own: the caller must not modify it.
	Raw() []byte
}

// ParseHeader splits a handshake message into its type and body. data must
// hold exactly one message: a short header, a body shorter than its length
// field or bytes after the body are a decode_error.
func ParseHeader(data []byte) (MessageType, []byte, error) {
	if len(data) < HeaderLen {
		return 0, nil, wireDecodeError("handshake message", "header", "truncated")
	}
	n := int(data[1])<<16 | int(data[2])<<8 | int(data[3])
	if len(data)-HeaderLen != n {
		return 0, nil, wireDecodeError(MessageType(data[0]).String(), "length", fmt.Sprintf("header says %d bytes, message has %d", n, len(data)-HeaderLen))
	}
	return MessageType(data[0]), data[HeaderLen:], nil
}

// AppendHeader appends the header of a message of type t with a body of
// bodyLen bytes to b. bodyLen must be at most MaxBodyLen.
func AppendHeader(b []byte, t MessageType, bodyLen int) ([]byte, error) {
	if bodyLen < 0 || bodyLen > MaxBodyLen {
		return b, fmt.Errorf("handshake: %s body of %d bytes does not fit in a message", t, bodyLen)
	}
	return append(b, byte(t), byte(bodyLen>>16), byte(bodyLen>>8), byte(bodyLen)), nil
}

// ParseMessage parses one whole handshake message (header included) as the
// message of its type in protocol version v, the version negotiated so
// far. The result is one of the message types of this package (for
// example *ClientHello, *Certificate, *HelloRequest).
//
// v decides the encoding of Certificate, CertificateRequest,
// CertificateVerify and NewSessionTicket, and which messages exist:
// before the version is known (v == 0) only ClientHello and ServerHello
// are accepted; messages that do not exist in v (EncryptedExtensions
// before TLS 1.3, ServerHelloDone in TLS 1.3, ...), types this library
// does not implement and the synthetic message_hash are an
// unexpected_message. Whether a message may come in the current state is
// the state machine's to check.
//
// The message keeps data (see Message): the caller must not modify it
// afterwards. Errors are record.Alert values.
func ParseMessage(data []byte, v cipher.Version) (Message, error) {
	t, _, err := ParseHeader(data)
	if err != nil {
		return nil, err
	}
	if !typeExistsIn(t, v) {
		return nil, wireAlert(record.UnexpectedMessage, fmt.Sprintf("handshake: %s message not expected in %s", t, versionName(v)))
	}
	switch t {
	case TypeHelloRequest:
		return UnmarshalHelloRequest(data)
	case TypeClientHello:
		return UnmarshalClientHello(data)
	case TypeServerHello:
		return UnmarshalServerHello(data)
	case TypeNewSessionTicket:
		return UnmarshalNewSessionTicket(data, v)
	case TypeEndOfEarlyData:
		return UnmarshalEndOfEarlyData(data)
	case TypeEncryptedExtensions:
		return UnmarshalEncryptedExtensions(data)
	case TypeCertificate:
		return UnmarshalCertificate(data, v)
	case TypeServerKeyExchange:
		return UnmarshalServerKeyExchange(data)
	case TypeCertificateRequest:
		return UnmarshalCertificateRequest(data, v)
	case TypeServerHelloDone:
		return UnmarshalServerHelloDone(data)
	case TypeCertificateVerify:
		return UnmarshalCertificateVerify(data, v)
	case TypeClientKeyExchange:
		return UnmarshalClientKeyExchange(data)
	case TypeFinished:
		return UnmarshalFinished(data)
	case TypeCertificateStatus:
		return UnmarshalCertificateStatus(data)
	case TypeKeyUpdate:
		return UnmarshalKeyUpdate(data)
	case TypeNextProtocol:
		return UnmarshalNextProtocol(data)
	}
	return nil, wireAlert(record.UnexpectedMessage, fmt.Sprintf("handshake: %s message not supported", t))
}

// typeExistsIn reports whether messages of type t exist in version v
// (v == 0: not yet negotiated).
func typeExistsIn(t MessageType, v cipher.Version) bool {
	if v == 0 {
		return t == TypeClientHello || t == TypeServerHello
	}
	if v < cipher.VersionSSL30 || v > cipher.VersionTLS13 {
		return false
	}
	tls13 := v == cipher.VersionTLS13
	switch t {
	case TypeClientHello, TypeServerHello, TypeCertificate, TypeCertificateRequest,
		TypeCertificateVerify, TypeFinished, TypeNewSessionTicket:
		return true
	case TypeEndOfEarlyData, TypeEncryptedExtensions, TypeKeyUpdate:
		return tls13
	case TypeHelloRequest, TypeServerKeyExchange, TypeServerHelloDone,
		TypeClientKeyExchange, TypeCertificateStatus, TypeNextProtocol:
		return !tls13
	}
	return false
}

// versionName names v for error texts.
func versionName(v cipher.Version) string {
	if v == 0 {
		return "a handshake whose version is not yet known"
	}
	return v.String()
}

// readHeader checks the header of data for type t and returns the body.
func readMessageHeader(data []byte, t MessageType, name string) ([]byte, error) {
	got, body, err := ParseHeader(data)
	if err != nil {
		return nil, err
	}
	if got != t {
		return nil, wireAlert(record.UnexpectedMessage, fmt.Sprintf("handshake: %s: message type is %s", name, got))
	}
	return body, nil
}

// marshalMessage builds a message of type t whose body body writes.
func marshalMessage(t MessageType, body func(b *cryptobyte.Builder)) ([]byte, error) {
	b := cryptobyte.NewBuilder(make([]byte, 0, 256))
	b.AddUint8(uint8(t))
	b.AddUint24LengthPrefixed(body)
	out, err := b.Bytes()
	if err != nil {
		var me *marshalError
		if errors.As(err, &me) {
			return nil, me
		}
		return nil, fmt.Errorf("handshake: marshalling %s: %w", t, err)
	}
	return out, nil
}

// marshalError is an error of a message built in memory whose fields
// cannot be encoded.
type marshalError struct {
	msg string
}

func (e *marshalError) Error() string { return "handshake: " + e.msg }

// fail records a marshal error in b.
func wireFail(b *cryptobyte.Builder, format string, args ...any) {
	b.SetError(&marshalError{msg: fmt.Sprintf(format, args...)})
}

// alert returns a fatal alert with description d and reason.
func wireAlert(d record.Description, reason string) error {
	return record.Alert{Level: record.Fatal, Description: d, Reason: reason}
}

// decodeError is the decode_error of a field of a message that does not
// parse.
func wireDecodeError(msg, field, why string) error {
	return wireAlert(record.DecodeError, "handshake: "+msg+" "+field+": "+why)
}

// illegalParameter is the illegal_parameter of a field of a message with a
// forbidden value.
func wireIllegal(msg, field, why string) error {
	return wireAlert(record.IllegalParameter, "handshake: "+msg+" "+field+": "+why)
}

// nilIfEmpty returns b, or nil when b is empty, so that parsed messages hold
// nil for every empty byte string as messages built in memory usually do.
func emptyToNil(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// maxListEntries bounds the number of entries of lists whose entries are
// kept as separate slices (ALPN names, CA names, PSK identities, key shares,
// OCSP responder IDs, SCTs, OID filters), so that a message cannot make the
// parser allocate many times its own size. No real peer comes near it.
const maxListEntries = 1024

// wireAlertInternal is the internal_error of a call this package cannot
// serve (a version without an encoding).
func wireAlertInternal(reason string) error {
	return wireAlert(record.InternalError, reason)
}
