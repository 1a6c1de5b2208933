package handshake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/otpssl/ssl/record"
	"github.com/otpssl/ssl/x509path"
)

// The causes a handshake fails with that are not malformed messages
// (those are record.Alert values naming their alert) nor certificate
// problems (x509path.BadCertError). A *Error wraps one of them, with
// details, so that errors.Is(err, handshake.ErrNoCommonSuite) holds.
// Each has its alert in causeAlerts.
var (
	// ErrUnexpectedMessage: a message, or change_cipher_spec, that the
	// current state does not allow (RFC 5246, Section 7.4).
	ErrUnexpectedMessage = errors.New("handshake: unexpected message")
	// ErrNoCommonVersion: no protocol version both sides support (RFC
	// 5246, Appendix E.1).
	ErrNoCommonVersion = errors.New("handshake: no protocol version in common")
	// ErrNoCommonSuite: no cipher suite both sides support that fits the
	// version, the certificates, the curves and the signature algorithms.
	ErrNoCommonSuite = errors.New("handshake: no cipher suite in common")
	// ErrInappropriateFallback: a client retrying with a lower version
	// (TLS_FALLBACK_SCSV) reached a server that supports a higher one
	// (RFC 7507).
	ErrInappropriateFallback = errors.New("handshake: inappropriate fallback")
	// ErrDowngrade: the server random carries a downgrade sentinel for the
	// version it chose (RFC 8446, Section 4.1.3).
	ErrDowngrade = errors.New("handshake: downgrade detected")
	// ErrInsecureRenegotiation: the peer does not support RFC 5746 secure
	// renegotiation and secure_renegotiate requires it, or its
	// renegotiation_info is wrong.
	ErrInsecureRenegotiation = errors.New("handshake: peer does not support secure renegotiation")
	// ErrNoApplicationProtocol: no ALPN protocol in common (RFC 7301,
	// Section 3.2).
	ErrNoApplicationProtocol = errors.New("handshake: no application protocol in common")
	// ErrNoNextProtocol: Next Protocol Negotiation found no protocol and
	// no default is configured (Erlang's no_next_protocol).
	ErrNoNextProtocol = errors.New("handshake: no next protocol")
	// ErrPeerCertificateRequired: the client sent no certificate and
	// fail_if_no_peer_cert is set.
	ErrPeerCertificateRequired = errors.New("handshake: peer did not send a certificate")
	// ErrBadFinished: the peer's Finished does not match the transcript
	// (RFC 5246, Section 7.4.9).
	ErrBadFinished = errors.New("handshake: Finished verify_data mismatch")
	// ErrUnsupportedExtension: the server answered with an extension the
	// client did not offer (RFC 5246, Section 7.4.1.4).
	ErrUnsupportedExtension = errors.New("handshake: extension not offered")
	// ErrIllegalParameter: a field holds a value the protocol forbids in
	// this place.
	ErrIllegalParameter = errors.New("handshake: illegal parameter")
	// ErrConfig: the configuration cannot make this handshake work (no
	// version left, a bad SNI configuration, a key that cannot sign).
	ErrConfig = errors.New("handshake: unusable configuration")
	// ErrMissingExtension: a TLS 1.3 message lacks an extension it must
	// carry (RFC 8446, Sections 4.2 and 9.2).
	ErrMissingExtension = errors.New("handshake: mandatory extension missing")
	// ErrCertificateRequired: a TLS 1.3 client sent no certificate and
	// fail_if_no_peer_cert is set (RFC 8446, Section 4.4.2.4).
	ErrCertificateRequired = errors.New("handshake: peer certificate required")
)

// causeAlerts is the table from the causes above to the alert this side
// sends. It is the one place where a cause becomes an alert (STYLE rule
// 7); alertFor applies it, with the record.Alert values of malformed
// messages and key exchanges, and pathValidationAlert for certificates.
var causeAlerts = []struct {
	cause error
	desc  record.Description
}{
	{ErrUnexpectedMessage, record.UnexpectedMessage},
	{ErrNoCommonVersion, record.ProtocolVersion},
	{ErrNoCommonSuite, record.HandshakeFailure},
	{ErrInappropriateFallback, record.InappropriateFallback},
	{ErrDowngrade, record.IllegalParameter},
	{ErrInsecureRenegotiation, record.HandshakeFailure},
	{ErrNoApplicationProtocol, record.NoApplicationProtocol},
	{ErrNoNextProtocol, record.HandshakeFailure},
	{ErrPeerCertificateRequired, record.HandshakeFailure},
	{ErrBadFinished, record.DecryptError},
	{ErrUnsupportedExtension, record.UnsupportedExtension},
	{ErrIllegalParameter, record.IllegalParameter},
	{ErrConfig, record.InternalError},
	{ErrMissingExtension, record.MissingExtension},
	{ErrCertificateRequired, record.CertificateRequired},
	{x509path.ErrEmptyChain, record.BadCertificate},
}

// causeReasons gives, for the causes OTP reports with a reason of its
// own, that reason, which becomes the alert's Reason in place of the
// error's text: Erlang's {tls_alert, {_, Text}} shows it after the first
// line (OTP 25: "...Fatal - Handshake Failure\n no_client_certificate_provided").
var causeReasons = map[error]string{
	ErrPeerCertificateRequired: "no_client_certificate_provided",
	ErrCertificateRequired:     "certificate_required", // OTP's TLS 1.3 server
}

// pathValidationAlert maps the reason of a failed path validation to the
// alert, as OTP's ssl_handshake:path_validation_alert does (ssl 10, OTP
// 25 and later): cert_expired → certificate_expired; invalid_issuer,
// invalid_signature, name_not_permitted, selfsigned_peer and
// revocation_status_undetermined → bad_certificate;
// unknown_critical_extension → unsupported_certificate; {revoked, _} →
// certificate_revoked; unknown_ca → unknown_ca; a certificate that does not
// decode → certificate_unknown (OTP's failed_to_decode_certificate); every
// other reason (hostname_check_failed, max_path_length_reached,
// missing_basic_constraint, invalid_key_usage, the extended key usage
// reasons, a verify_fun's own reasons) → handshake_failure.
func pathValidationAlert(r x509path.Reason) record.Description {
	switch r := r.(type) {
	case x509path.Atom:
		switch r {
		case x509path.CertExpired:
			return record.CertificateExpired
		case x509path.InvalidIssuer, x509path.InvalidSignature, x509path.NameNotPermitted,
			x509path.SelfSignedPeer, x509path.RevocationStatusUndeterminedAtom:
			return record.BadCertificate
		case x509path.UnknownCriticalExtension:
			return record.UnsupportedCertificate
		case x509path.UnknownCA:
			return record.UnknownCA
		}
	case x509path.Revoked:
		return record.CertificateRevoked
	case x509path.RevocationStatusUndetermined:
		return record.BadCertificate
	case x509path.DecodeFailure:
		return record.CertificateUnknown
	}
	return record.HandshakeFailure
}

// alertFor returns the fatal alert to send for err, and false when err is
// not a protocol failure but a transport one (an I/O error, a time-out, an
// end of stream, a cancelled context): then nothing is to be sent by
// reason of the handshake.
func alertFor(err error) (record.Alert, bool) {
	var a record.Alert
	if errors.As(err, &a) {
		if !a.Remote {
			a.Level = record.Fatal
		}
		return a, true
	}
	var bad x509path.BadCertError
	if errors.As(err, &bad) {
		// The reason is the error's Erlang term; the root package
		// renders it, so Reason stays empty.
		return record.Alert{Level: record.Fatal, Description: pathValidationAlert(bad.Reason)}, true
	}
	for _, c := range causeAlerts {
		if errors.Is(err, c.cause) {
			reason, ok := causeReasons[c.cause]
			if !ok {
				reason = err.Error()
			}
			return record.Alert{Level: record.Fatal, Description: c.desc, Reason: reason}, true
		}
	}
	if isTransportError(err) {
		return record.Alert{}, false
	}
	return record.Alert{Level: record.Fatal, Description: record.InternalError, Reason: err.Error()}, true
}

// isTransportError reports whether err comes from the transport or the
// caller rather than from the protocol.
func isTransportError(err error) bool {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.ErrClosedPipe) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, context.Canceled) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, record.ErrWriteClosed) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne)
}

// alertf returns a fatal alert raised by this side.
func alertf(d record.Description, format string, args ...any) error {
	return record.Alert{Level: record.Fatal, Description: d, Reason: fmt.Sprintf(format, args...)}
}

// unexpected returns the cause for a message a state does not allow.
func unexpected(got, detail string) error {
	return fmt.Errorf("%w: %s: %s", ErrUnexpectedMessage, got, detail)
}

// causef wraps one of the causes above with details.
func causef(cause error, format string, args ...any) error {
	return fmt.Errorf("%w: %s", cause, fmt.Sprintf(format, args...))
}

// wrap turns what a state machine failed with into what Client and Server
// return: a *Error naming the state and the alert, or a transport error as
// it is.
func wrap(state string, err error) error {
	if err == nil {
		return nil
	}
	var he *Error
	if errors.As(err, &he) {
		return he
	}
	a, ok := alertFor(err)
	if !ok {
		return err
	}
	return &Error{State: state, Alert: a, Err: err}
}
