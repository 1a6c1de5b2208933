package record

import (
	"fmt"
	"strconv"
)

// Level is the AlertLevel of an alert (RFC 5246, Section 7.2).
type Level uint8

// Alert levels.
const (
	Warning Level = 1
	Fatal   Level = 2
)

// String returns "warning" or "fatal" (the Erlang atoms), or the number.
func (l Level) String() string {
	switch l {
	case Warning:
		return "warning"
	case Fatal:
		return "fatal"
	}
	return "level(" + strconv.Itoa(int(l)) + ")"
}

// Text returns the level as Erlang's ssl_alert prints it before a
// description: "Warning - " or "Fatal - ".
func (l Level) Text() string {
	switch l {
	case Warning:
		return "Warning - "
	case Fatal:
		return "Fatal - "
	}
	return "Level " + strconv.Itoa(int(l)) + " - "
}

// Description is the AlertDescription of an alert: every value assigned in
// SSL 3.0 (RFC 6101), TLS 1.0-1.3 (RFC 2246, 4346, 5246, 8446) and their
// extensions (RFC 6066, 4279, 7301, 7507).
type Description uint8

// Alert descriptions. The reserved ones (DecryptionFailed, NoCertificate,
// ExportRestriction, ...) are never sent by this library but are
// recognised when received from old peers.
const (
	CloseNotify                  Description = 0
	UnexpectedMessage            Description = 10
	BadRecordMAC                 Description = 20
	DecryptionFailed             Description = 21 // reserved since TLS 1.1
	RecordOverflow               Description = 22
	DecompressionFailure         Description = 30 // reserved in TLS 1.3
	HandshakeFailure             Description = 40
	NoCertificate                Description = 41 // SSL 3.0 only
	BadCertificate               Description = 42
	UnsupportedCertificate       Description = 43
	CertificateRevoked           Description = 44
	CertificateExpired           Description = 45
	CertificateUnknown           Description = 46
	IllegalParameter             Description = 47
	UnknownCA                    Description = 48
	AccessDenied                 Description = 49
	DecodeError                  Description = 50
	DecryptError                 Description = 51
	ExportRestriction            Description = 60 // reserved since TLS 1.1
	ProtocolVersion              Description = 70
	InsufficientSecurity         Description = 71
	InternalError                Description = 80
	InappropriateFallback        Description = 86
	UserCanceled                 Description = 90
	NoRenegotiation              Description = 100 // reserved in TLS 1.3
	MissingExtension             Description = 109
	UnsupportedExtension         Description = 110
	CertificateUnobtainable      Description = 111 // reserved in TLS 1.3
	UnrecognizedName             Description = 112
	BadCertificateStatusResponse Description = 113
	BadCertificateHashValue      Description = 114 // reserved in TLS 1.3
	UnknownPSKIdentity           Description = 115
	CertificateRequired          Description = 116
	NoApplicationProtocol        Description = 120
)

// descInfo is the Erlang atom and the Erlang description text of one
// alert, as OTP's ssl_alert module names and prints them.
type descInfo struct {
	atom, text string
}

var descriptions = map[Description]descInfo{
	CloseNotify:                  {"close_notify", "Close Notify"},
	UnexpectedMessage:            {"unexpected_message", "Unexpected Message"},
	BadRecordMAC:                 {"bad_record_mac", "Bad Record MAC"},
	DecryptionFailed:             {"decryption_failed_reserved", "Decryption Failed Reserved"},
	RecordOverflow:               {"record_overflow", "Record Overflow"},
	DecompressionFailure:         {"decompression_failure", "Decompression Failure"},
	HandshakeFailure:             {"handshake_failure", "Handshake Failure"},
	NoCertificate:                {"no_certificate_reserved", "No Certificate Reserved"},
	BadCertificate:               {"bad_certificate", "Bad Certificate"},
	UnsupportedCertificate:       {"unsupported_certificate", "Unsupported Certificate"},
	CertificateRevoked:           {"certificate_revoked", "Certificate Revoked"},
	CertificateExpired:           {"certificate_expired", "Certificate Expired"},
	CertificateUnknown:           {"certificate_unknown", "Certificate Unknown"},
	IllegalParameter:             {"illegal_parameter", "Illegal Parameter"},
	UnknownCA:                    {"unknown_ca", "Unknown CA"},
	AccessDenied:                 {"access_denied", "Access Denied"},
	DecodeError:                  {"decode_error", "Decode Error"},
	DecryptError:                 {"decrypt_error", "Decrypt Error"},
	ExportRestriction:            {"export_restriction", "Export Restriction"},
	ProtocolVersion:              {"protocol_version", "Protocol Version"},
	InsufficientSecurity:         {"insufficient_security", "Insufficient Security"},
	InternalError:                {"internal_error", "Internal Error"},
	InappropriateFallback:        {"inappropriate_fallback", "Inappropriate Fallback"},
	UserCanceled:                 {"user_canceled", "User Canceled"},
	NoRenegotiation:              {"no_renegotiation", "No Renegotiation"},
	MissingExtension:             {"missing_extension", "Missing extension"},
	UnsupportedExtension:         {"unsupported_extension", "Unsupported Extension"},
	CertificateUnobtainable:      {"certificate_unobtainable", "Certificate Unobtainable"},
	UnrecognizedName:             {"unrecognised_name", "Unrecognised Name"},
	BadCertificateStatusResponse: {"bad_certificate_status_response", "Bad Certificate Status Response"},
	BadCertificateHashValue:      {"bad_certificate_hash_value", "Bad Certificate Hash Value"},
	UnknownPSKIdentity:           {"unknown_psk_identity", "Unknown Psk Identity"},
	CertificateRequired:          {"certificate_required", "Certificate required"},
	NoApplicationProtocol:        {"no_application_protocol", "No application protocol"},
}

// Known reports whether d is an assigned alert description.
func (d Description) Known() bool {
	_, ok := descriptions[d]
	return ok
}

// String returns the Erlang atom of the description as OTP's ssl
// application names it in {tls_alert, {Atom, Text}} ("bad_record_mac",
// "unknown_ca", "unrecognised_name", "decryption_failed_reserved"), or
// "unsupported/unknown_alert" for an unassigned value, as OTP does.
func (d Description) String() string {
	if i, ok := descriptions[d]; ok {
		return i.atom
	}
	return "unsupported/unknown_alert"
}

// Text returns the description as OTP's ssl_alert prints it in alert
// messages ("Bad Record MAC", "Unknown CA", "Handshake Failure"), or
// "unsupported/unknown alert: N" for an unassigned value.
func (d Description) Text() string {
	if i, ok := descriptions[d]; ok {
		return i.text
	}
	return "unsupported/unknown alert: " + strconv.Itoa(int(d))
}

// closure reports whether d is one of the closure alerts of RFC 8446,
// Section 6.1, the only alerts that are not errors in TLS 1.3.
func (d Description) closure() bool {
	return d == CloseNotify || d == UserCanceled
}

// Alert is a TLS alert as an error: one this side raises (Remote false),
// which the caller is expected to send to the peer before closing, or one
// received from the peer (Remote true).
//
// Every error of this package that calls for an alert is an Alert value,
// so errors.As(err, &a) with a of type Alert finds it, also when wrapped.
// errors.Is(err, Alert{Description: d}) matches any Alert with
// description d; a non-zero Level in the target must match too.
type Alert struct {
	Level       Level
	Description Description
	// Remote is true for an alert received from the peer.
	Remote bool
	// Reason says why this side raised the alert, for logs; it is empty
	// for received alerts and is never sent on the wire.
	Reason string
}

// Text returns the alert as OTP's ssl_alert prints level and description:
// "Fatal - Bad Record MAC".
func (a Alert) Text() string { return a.Level.Text() + a.Description.Text() }

// Error describes the alert: "tls alert: received Fatal - Unknown CA" for
// an alert from the peer, "tls alert: Fatal - Bad Record MAC: <reason>"
// for one raised here.
func (a Alert) Error() string {
	if a.Remote {
		return "tls alert: received " + a.Text()
	}
	if a.Reason != "" {
		return "tls alert: " + a.Text() + ": " + a.Reason
	}
	return "tls alert: " + a.Text()
}

// Is reports whether target is an Alert with the same description (and
// the same level, when the target's level is not zero).
func (a Alert) Is(target error) bool {
	t, ok := target.(Alert)
	if !ok {
		return false
	}
	return t.Description == a.Description && (t.Level == 0 || t.Level == a.Level)
}

// Marshal returns the two bytes of the alert on the wire.
func (a Alert) Marshal() [2]byte { return [2]byte{byte(a.Level), byte(a.Description)} }

// ParseAlert decodes the body of an alert record. The body must be exactly
// two bytes, a level of warning or fatal and any description; anything
// else is a decode_error (RFC 8446, Section 6: a message that cannot be
// decoded because a field is out of range or the length is wrong). Several
// alerts coalesced into one record are refused as well: TLS 1.3 forbids
// it (RFC 8446, Section 5.1) and no implementation sends it. The result
// has Remote set.
func ParseAlert(body []byte) (Alert, error) {
	if len(body) != 2 {
		return Alert{}, fatal(DecodeError, fmt.Sprintf("alert record of %d bytes, want 2", len(body)))
	}
	l := Level(body[0])
	if l != Warning && l != Fatal {
		return Alert{}, fatal(DecodeError, fmt.Sprintf("alert level %d", body[0]))
	}
	return Alert{Level: l, Description: Description(body[1]), Remote: true}, nil
}

// fatal returns a fatal alert raised here.
func fatal(d Description, reason string) Alert {
	return Alert{Level: Fatal, Description: d, Reason: reason}
}
