package record

import (
	"errors"
	"fmt"
	"testing"
)

// TestAlertNames checks the Erlang atom and text of every description
// against OTP's ssl_alert.erl (description_atom/1 and description_txt/1)
// and the codes against the RFCs' registry.
func TestAlertNames(t *testing.T) {
	cases := []struct {
		d          Description
		code       uint8
		atom, text string
	}{
		{CloseNotify, 0, "close_notify", "Close Notify"},
		{UnexpectedMessage, 10, "unexpected_message", "Unexpected Message"},
		{BadRecordMAC, 20, "bad_record_mac", "Bad Record MAC"},
		{DecryptionFailed, 21, "decryption_failed_reserved", "Decryption Failed Reserved"},
		{RecordOverflow, 22, "record_overflow", "Record Overflow"},
		{DecompressionFailure, 30, "decompression_failure", "Decompression Failure"},
		{HandshakeFailure, 40, "handshake_failure", "Handshake Failure"},
		{NoCertificate, 41, "no_certificate_reserved", "No Certificate Reserved"},
		{BadCertificate, 42, "bad_certificate", "Bad Certificate"},
		{UnsupportedCertificate, 43, "unsupported_certificate", "Unsupported Certificate"},
		{CertificateRevoked, 44, "certificate_revoked", "Certificate Revoked"},
		{CertificateExpired, 45, "certificate_expired", "Certificate Expired"},
		{CertificateUnknown, 46, "certificate_unknown", "Certificate Unknown"},
		{IllegalParameter, 47, "illegal_parameter", "Illegal Parameter"},
		{UnknownCA, 48, "unknown_ca", "Unknown CA"},
		{AccessDenied, 49, "access_denied", "Access Denied"},
		{DecodeError, 50, "decode_error", "Decode Error"},
		{DecryptError, 51, "decrypt_error", "Decrypt Error"},
		{ExportRestriction, 60, "export_restriction", "Export Restriction"},
		{ProtocolVersion, 70, "protocol_version", "Protocol Version"},
		{InsufficientSecurity, 71, "insufficient_security", "Insufficient Security"},
		{InternalError, 80, "internal_error", "Internal Error"},
		{InappropriateFallback, 86, "inappropriate_fallback", "Inappropriate Fallback"},
		{UserCanceled, 90, "user_canceled", "User Canceled"},
		{NoRenegotiation, 100, "no_renegotiation", "No Renegotiation"},
		{MissingExtension, 109, "missing_extension", "Missing extension"},
		{UnsupportedExtension, 110, "unsupported_extension", "Unsupported Extension"},
		{CertificateUnobtainable, 111, "certificate_unobtainable", "Certificate Unobtainable"},
		{UnrecognizedName, 112, "unrecognised_name", "Unrecognised Name"},
		{BadCertificateStatusResponse, 113, "bad_certificate_status_response", "Bad Certificate Status Response"},
		{BadCertificateHashValue, 114, "bad_certificate_hash_value", "Bad Certificate Hash Value"},
		{UnknownPSKIdentity, 115, "unknown_psk_identity", "Unknown Psk Identity"},
		{CertificateRequired, 116, "certificate_required", "Certificate required"},
		{NoApplicationProtocol, 120, "no_application_protocol", "No application protocol"},
	}
	if len(cases) != len(descriptions) {
		t.Fatalf("%d descriptions in the table, %d tested", len(descriptions), len(cases))
	}
	for _, c := range cases {
		if uint8(c.d) != c.code || c.d.String() != c.atom || c.d.Text() != c.text || !c.d.Known() {
			t.Errorf("%d: %q %q", c.code, c.d.String(), c.d.Text())
		}
	}
	if d := Description(255); d.Known() || d.String() != "unsupported/unknown_alert" || d.Text() != "unsupported/unknown alert: 255" {
		t.Errorf("unknown: %q %q", d.String(), d.Text())
	}
	a := Alert{Level: Fatal, Description: UnknownCA}
	if a.Text() != "Fatal - Unknown CA" || (Alert{Level: Warning, Description: CloseNotify}).Text() != "Warning - Close Notify" {
		t.Errorf("Text = %q", a.Text())
	}
	if Warning.String() != "warning" || Fatal.String() != "fatal" {
		t.Error("level atoms")
	}
}

// TestAlertErrors checks errors.As and errors.Is through wrapping.
func TestAlertErrors(t *testing.T) {
	err := fmt.Errorf("reading: %w", fatal(BadRecordMAC, "record MAC mismatch"))
	var a Alert
	if !errors.As(err, &a) || a.Description != BadRecordMAC || a.Level != Fatal || a.Remote {
		t.Fatalf("errors.As: %+v", a)
	}
	if !errors.Is(err, Alert{Description: BadRecordMAC}) || !errors.Is(err, Alert{Level: Fatal, Description: BadRecordMAC}) {
		t.Fatal("errors.Is")
	}
	if errors.Is(err, Alert{Level: Warning, Description: BadRecordMAC}) || errors.Is(err, Alert{Description: DecodeError}) {
		t.Fatal("errors.Is matched another alert")
	}
	if a.Error() != "tls alert: Fatal - Bad Record MAC: record MAC mismatch" {
		t.Fatalf("Error = %q", a.Error())
	}
}

// TestParseAlert checks alert decoding and encoding.
func TestParseAlert(t *testing.T) {
	for _, b := range [][]byte{{1, 0}, {2, 40}, {1, 90}, {2, 255}} {
		a, err := ParseAlert(b)
		if err != nil || !a.Remote || a.Marshal() != [2]byte{b[0], b[1]} {
			t.Errorf("%x: %+v, %v", b, a, err)
		}
	}
	for _, b := range [][]byte{nil, {1}, {1, 0, 1}, {0, 0}, {3, 10}, {255, 40}} {
		_, err := ParseAlert(b)
		wantAlert(t, err, DecodeError)
	}
}
