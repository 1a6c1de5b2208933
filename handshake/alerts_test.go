package handshake

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"testing"

	"github.com/otpssl/ssl/crl"
	"github.com/otpssl/ssl/record"
	"github.com/otpssl/ssl/x509path"
)

// TestPathValidationAlert pins the mapping of path validation reasons to
// alerts to OTP's ssl_handshake:path_validation_alert.
func TestPathValidationAlert(t *testing.T) {
	for _, c := range []struct {
		reason x509path.Reason
		want   record.Description
	}{
		{x509path.CertExpired, record.CertificateExpired},
		{x509path.InvalidIssuer, record.BadCertificate},
		{x509path.InvalidSignature, record.BadCertificate},
		{x509path.NameNotPermitted, record.BadCertificate},
		{x509path.SelfSignedPeer, record.BadCertificate},
		{x509path.RevocationStatusUndeterminedAtom, record.BadCertificate},
		{x509path.RevocationStatusUndetermined{Detail: "{bad_crls,no_relevant_crls}"}, record.BadCertificate},
		{x509path.UnknownCriticalExtension, record.UnsupportedCertificate},
		{x509path.Revoked{Reason: crl.KeyCompromise}, record.CertificateRevoked},
		{x509path.UnknownCA, record.UnknownCA},
		{x509path.DecodeFailure{Index: 1, Detail: "x"}, record.CertificateUnknown},
		{x509path.HostnameCheckFailed, record.HandshakeFailure},
		{x509path.MaxPathLengthReached, record.HandshakeFailure},
		{x509path.MissingBasicConstraint, record.HandshakeFailure},
		{x509path.InvalidKeyUsage, record.HandshakeFailure},
		{x509path.InvalidExtKeyUsage{Purposes: "[]"}, record.HandshakeFailure},
		{x509path.KeyUsageMismatch{}, record.HandshakeFailure},
		{x509path.Atom("my_own_reason"), record.HandshakeFailure},
	} {
		if got := pathValidationAlert(c.reason); got != c.want {
			t.Errorf("%s: %s, want %s", c.reason, got, c.want)
		}
		// Through alertFor, wrapped as path validation returns it.
		err := fmt.Errorf("validating: %w", x509path.BadCertError{Reason: c.reason})
		a, ok := alertFor(err)
		if !ok || a.Description != c.want || a.Level != record.Fatal || a.Remote || a.Reason != "" {
			t.Errorf("alertFor(%s) = %+v, %v", c.reason, a, ok)
		}
	}
}

// TestCauseAlerts checks every entry of the cause table, the alerts that
// pass through, and the transport errors that are not alerts at all.
func TestCauseAlerts(t *testing.T) {
	for _, c := range causeAlerts {
		err := causef(c.cause, "detail %d", 42)
		a, ok := alertFor(err)
		if !ok || a.Description != c.desc || a.Level != record.Fatal || a.Remote {
			t.Errorf("%v: %+v, %v", c.cause, a, ok)
		}
		he := wrap("certify", err)
		var got *Error
		if !errors.As(he, &got) || got.State != "certify" || got.Alert.Description != c.desc || !errors.Is(he, c.cause) {
			t.Errorf("wrap(%v) = %v", c.cause, he)
		}
	}
	// A cause OTP gives a reason of its own has that reason, as Erlang
	// prints it; the others keep their text.
	if a, _ := alertFor(causef(ErrPeerCertificateRequired, "no certificate")); a.Reason != "no_client_certificate_provided" {
		t.Errorf("the reason of ErrPeerCertificateRequired is %q, want OTP's no_client_certificate_provided", a.Reason)
	}
	if a, _ := alertFor(causef(ErrNoCommonSuite, "detail")); a.Reason != "handshake: no cipher suite in common: detail" {
		t.Errorf("the reason of ErrNoCommonSuite is %q, want the error's text", a.Reason)
	}
	// Every exported cause has an alert.
	for _, e := range []error{ErrUnexpectedMessage, ErrNoCommonVersion, ErrNoCommonSuite, ErrInappropriateFallback,
		ErrDowngrade, ErrInsecureRenegotiation, ErrNoApplicationProtocol, ErrNoNextProtocol,
		ErrPeerCertificateRequired, ErrBadFinished, ErrUnsupportedExtension, ErrIllegalParameter, ErrConfig} {
		if a, ok := alertFor(e); !ok || a.Description == record.InternalError && e != ErrConfig {
			t.Errorf("%v has no alert of its own: %+v", e, a)
		}
	}
	// A local alert keeps its description and reason; a received one its
	// Remote flag.
	local := alertf(record.DecodeError, "bad %s", "length")
	if a, ok := alertFor(fmt.Errorf("x: %w", local)); !ok || a.Description != record.DecodeError || a.Reason != "bad length" {
		t.Errorf("local alert: %+v", a)
	}
	remote := record.Alert{Level: record.Fatal, Description: record.UnknownCA, Remote: true}
	he := wrap("hello", remote)
	var got *Error
	if !errors.As(he, &got) || !got.Alert.Remote || got.Alert.Description != record.UnknownCA {
		t.Errorf("remote alert: %v", he)
	}
	if s := got.Error(); s != "handshake: in state hello: received Fatal - Unknown CA" {
		t.Errorf("Error() = %q", s)
	}
	// Transport errors and the context's are returned as they are.
	for _, e := range []error{io.EOF, io.ErrUnexpectedEOF, context.Canceled, context.DeadlineExceeded,
		os.ErrDeadlineExceeded, net.ErrClosed, record.ErrWriteClosed, &net.OpError{Op: "read", Err: errors.New("reset")}} {
		if w := wrap("cipher", e); w != e {
			t.Errorf("wrap(%v) = %v, want it unchanged", e, w)
		}
	}
	// Anything else is an internal_error.
	if a, ok := alertFor(errors.New("surprise")); !ok || a.Description != record.InternalError {
		t.Errorf("unknown error: %+v", a)
	}
	// A *Error is not wrapped twice.
	first := wrap("certify", ErrBadFinished)
	if w := wrap("cipher", first); w != first {
		t.Errorf("rewrapped: %v", w)
	}
	if wrap("hello", nil) != nil {
		t.Error("wrap(nil) is not nil")
	}
}

// TestErrorWrapsBadCert checks that a certificate failure can be taken
// apart with errors.As for both the alert and the Erlang reason.
func TestErrorWrapsBadCert(t *testing.T) {
	err := wrap("certify", x509path.BadCertError{Reason: x509path.UnknownCA, Cert: &x509.Certificate{}})
	var he *Error
	var bad x509path.BadCertError
	if !errors.As(err, &he) || !errors.As(err, &bad) || bad.Reason != x509path.UnknownCA || he.Alert.Description != record.UnknownCA {
		t.Fatalf("%v", err)
	}
	if he.Error() == "" || he.Unwrap() == nil {
		t.Fatal("empty error")
	}
}
