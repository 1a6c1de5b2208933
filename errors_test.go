package ssl

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/otpssl/ssl/crl"
	"github.com/otpssl/ssl/record"
	"github.com/otpssl/ssl/x509path"
)

func TestAlertErrorText(t *testing.T) {
	tests := []struct {
		name string
		err  *AlertError
		text string
		term string
	}{
		{
			name: "client receives unknown_ca in wait_cert_cr",
			err:  NewAlertError(record.Alert{Level: record.Fatal, Description: record.UnknownCA, Remote: true}, RoleClient, "wait_cert_cr", nil),
			text: "TLS client: In state wait_cert_cr received SERVER ALERT: Fatal - Unknown CA",
			term: `{tls_alert,{unknown_ca,"TLS client: In state wait_cert_cr received SERVER ALERT: Fatal - Unknown CA"}}`,
		},
		{
			name: "server receives handshake_failure in hello",
			err:  NewAlertError(record.Alert{Level: record.Fatal, Description: record.HandshakeFailure, Remote: true}, RoleServer, "hello", nil),
			text: "TLS server: In state hello received CLIENT ALERT: Fatal - Handshake Failure",
			term: `{tls_alert,{handshake_failure,"TLS server: In state hello received CLIENT ALERT: Fatal - Handshake Failure"}}`,
		},
		{
			name: "server generates bad_certificate in certify",
			err:  NewAlertError(record.Alert{Level: record.Fatal, Description: record.BadCertificate}, RoleServer, "certify", nil),
			text: "TLS server: In state certify generated SERVER ALERT: Fatal - Bad Certificate",
			term: `{tls_alert,{bad_certificate,"TLS server: In state certify generated SERVER ALERT: Fatal - Bad Certificate"}}`,
		},
		{
			name: "client generates unknown_ca with the bad_cert reason",
			err: NewAlertError(record.Alert{Level: record.Fatal, Description: record.UnknownCA}, RoleClient, "certify",
				x509path.BadCertError{Reason: x509path.UnknownCA}),
			text: "TLS client: In state certify generated CLIENT ALERT: Fatal - Unknown CA\n {bad_cert,unknown_ca}",
			term: `{tls_alert,{unknown_ca,"TLS client: In state certify generated CLIENT ALERT: Fatal - Unknown CA\n {bad_cert,unknown_ca}"}}`,
		},
		{
			name: "record reason wins over the cause",
			err: NewAlertError(record.Alert{Level: record.Fatal, Description: record.DecodeError, Reason: "too_many_remote_alerts"},
				RoleClient, "connection", errors.New("x")),
			text: "TLS client: In state connection generated CLIENT ALERT: Fatal - Decode Error\n too_many_remote_alerts",
			term: `{tls_alert,{decode_error,"TLS client: In state connection generated CLIENT ALERT: Fatal - Decode Error\n too_many_remote_alerts"}}`,
		},
		{
			name: "a cause without a term gives its message",
			err:  NewAlertError(record.Alert{Level: record.Fatal, Description: record.InternalError}, RoleServer, "start", errors.New("boom")),
			text: "TLS server: In state start generated SERVER ALERT: Fatal - Internal Error\n boom",
			term: `{tls_alert,{internal_error,"TLS server: In state start generated SERVER ALERT: Fatal - Internal Error\n boom"}}`,
		},
		{
			name: "warning, unrecognised name",
			err:  NewAlertError(record.Alert{Level: record.Warning, Description: record.UnrecognizedName, Remote: true}, RoleClient, "hello", nil),
			text: "TLS client: In state hello received SERVER ALERT: Warning - Unrecognised Name",
			term: `{tls_alert,{unrecognised_name,"TLS client: In state hello received SERVER ALERT: Warning - Unrecognised Name"}}`,
		},
		{
			name: "DTLS and no state",
			err:  &AlertError{Level: 2, Description: uint8(record.ProtocolVersion), Remote: true, Role: RoleServer, DTLS: true},
			text: "DTLS server: received CLIENT ALERT: Fatal - Protocol Version",
			term: `{tls_alert,{protocol_version,"DTLS server: received CLIENT ALERT: Fatal - Protocol Version"}}`,
		},
		{
			name: "close_notify is closed",
			err:  NewAlertError(record.Alert{Level: record.Warning, Description: record.CloseNotify, Remote: true}, RoleClient, "connection", nil),
			text: "TLS client: In state connection received SERVER ALERT: Warning - Close Notify",
			term: "closed",
		},
		{
			name: "unknown description",
			err:  NewAlertError(record.Alert{Level: record.Fatal, Description: 200, Remote: true}, RoleClient, "hello", nil),
			text: "TLS client: In state hello received SERVER ALERT: Fatal - unsupported/unknown alert: 200",
			term: `{tls_alert,{'unsupported/unknown_alert',"TLS client: In state hello received SERVER ALERT: Fatal - unsupported/unknown alert: 200"}}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Text(); got != tc.text {
				t.Errorf("Text() = %q\nwant     %q", got, tc.text)
			}
			if got := tc.err.Term(); got != tc.term {
				t.Errorf("Term() = %s\nwant     %s", got, tc.term)
			}
			if got := tc.err.Error(); got != "ssl: "+tc.text {
				t.Errorf("Error() = %q", got)
			}
		})
	}
}

func TestAlertErrorWrapsBadCert(t *testing.T) {
	cause := x509path.BadCertError{Reason: x509path.CertExpired}
	ae := NewAlertError(record.Alert{Level: record.Fatal, Description: record.CertificateExpired}, RoleClient, "certify", cause)
	err := fmt.Errorf("connect: %w", ae)

	var gotAlert *AlertError
	if !errors.As(err, &gotAlert) || gotAlert != ae {
		t.Fatalf("errors.As(*AlertError) failed on %v", err)
	}
	var gotBad x509path.BadCertError
	if !errors.As(err, &gotBad) || gotBad.Reason != x509path.CertExpired {
		t.Fatalf("errors.As(BadCertError) = %v, %v", gotBad, err)
	}
	if !errors.Is(err, x509path.BadCertError{Reason: x509path.CertExpired}) {
		t.Error("errors.Is(BadCertError{cert_expired}) is false")
	}
	if errors.Is(err, x509path.BadCertError{Reason: x509path.UnknownCA}) {
		t.Error("errors.Is(BadCertError{unknown_ca}) is true for cert_expired")
	}
	if !errors.Is(err, &AlertError{Description: uint8(record.CertificateExpired)}) {
		t.Error("errors.Is(&AlertError{certificate_expired}) is false")
	}
	if !errors.Is(err, &AlertError{Description: uint8(record.CertificateExpired), Level: uint8(record.Fatal)}) {
		t.Error("errors.Is with a matching level is false")
	}
	if errors.Is(err, &AlertError{Description: uint8(record.CertificateExpired), Level: uint8(record.Warning)}) {
		t.Error("errors.Is with another level is true")
	}
	if errors.Is(err, &AlertError{Description: uint8(record.UnknownCA)}) {
		t.Error("errors.Is(&AlertError{unknown_ca}) is true for certificate_expired")
	}
	if !errors.Is(err, record.Alert{Description: record.CertificateExpired}) {
		t.Error("errors.Is(record.Alert{certificate_expired}) is false")
	}
	if errors.Is(err, record.Alert{Description: record.BadCertificate}) {
		t.Error("errors.Is(record.Alert{bad_certificate}) is true")
	}
	if errors.Unwrap(ae) != cause {
		t.Errorf("Unwrap() = %v", errors.Unwrap(ae))
	}
	a := ae.Alert()
	if a.Description != record.CertificateExpired || a.Level != record.Fatal || a.Remote || a.Reason != "{bad_cert,cert_expired}" {
		t.Errorf("Alert() = %+v", a)
	}
	want := "TLS client: In state certify generated CLIENT ALERT: Fatal - Certificate Expired: a certificate of the chain has expired or is not yet valid ({bad_cert,cert_expired})."
	if got := FormatError(err); got != want {
		t.Errorf("FormatError =\n%q\nwant\n%q", got, want)
	}
}

func TestReasonErrors(t *testing.T) {
	tests := []struct {
		err    error
		term   string
		format string
	}{
		{ErrClosed, "closed", "The TLS connection is closed."},
		{ErrTimeout, "timeout", "The operation timed out."},
		{ErrActive, "einval", "The socket is in active mode: data arrives as messages on its channel, it cannot be read with Recv or Read."},
		{ErrProtocolNotNegotiated, "protocol_not_negotiated", "No application protocol was negotiated (neither ALPN nor NPN chose one)."},
		{ErrRenegotiationRejected, "renegotiation_rejected", "The peer refused to renegotiate; the connection goes on with its current keys."},
		{ErrAlreadyStarted, "{already_started,ssl}", "The ssl application is already started; stop it before starting it with another environment."},
	}
	for _, tc := range tests {
		tm, ok := tc.err.(interface{ Term() string })
		if !ok {
			t.Errorf("%v has no Term method", tc.err)
			continue
		}
		if tm.Term() != tc.term {
			t.Errorf("%v.Term() = %q, want %q", tc.err, tm.Term(), tc.term)
		}
		wrapped := fmt.Errorf("op: %w", tc.err)
		if !errors.Is(wrapped, tc.err) {
			t.Errorf("errors.Is(wrapped, %v) is false", tc.err)
		}
		if got := FormatError(wrapped); got != tc.format {
			t.Errorf("FormatError(%v) = %q, want %q", tc.err, got, tc.format)
		}
		if !strings.HasPrefix(tc.err.Error(), "ssl: ") {
			t.Errorf("Error() = %q", tc.err.Error())
		}
	}
	// The sentinel errors are distinct.
	if errors.Is(ErrClosed, ErrTimeout) || errors.Is(ErrTimeout, ErrClosed) || errors.Is(ErrActive, ErrClosed) {
		t.Error("sentinel errors match each other")
	}
}

func TestTimeoutError(t *testing.T) {
	var ne net.Error
	if !errors.As(ErrTimeout, &ne) || !ne.Timeout() {
		t.Fatal("ErrTimeout is not a net.Error with Timeout() true")
	}
	te := NewTimeoutError("recv", os.ErrDeadlineExceeded)
	var err error = fmt.Errorf("wrapped: %w", te)
	if !errors.Is(err, ErrTimeout) {
		t.Error("errors.Is(TimeoutError, ErrTimeout) is false")
	}
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Error("the cause is lost")
	}
	if errors.Is(err, ErrClosed) {
		t.Error("a time-out is ErrClosed")
	}
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Error("TimeoutError is not a net.Error with Timeout() true")
	}
	var got *TimeoutError
	if !errors.As(err, &got) || got.Op != "recv" {
		t.Errorf("errors.As(*TimeoutError) = %v", got)
	}
	if te.Term() != "timeout" {
		t.Errorf("Term() = %q", te.Term())
	}
	if want := "ssl: recv: timeout: " + os.ErrDeadlineExceeded.Error(); te.Error() != want {
		t.Errorf("Error() = %q, want %q", te.Error(), want)
	}
	if NewTimeoutError("", nil).Error() != "ssl: timeout" {
		t.Errorf("Error() without op and cause = %q", NewTimeoutError("", nil).Error())
	}
	if FormatError(err) != "The operation timed out." {
		t.Errorf("FormatError = %q", FormatError(err))
	}
}

func TestFormatError(t *testing.T) {
	remote := NewAlertError(record.Alert{Level: record.Fatal, Description: record.UnknownCA, Remote: true}, RoleClient, "wait_cert_cr", nil)
	closed := NewAlertError(record.Alert{Level: record.Warning, Description: record.CloseNotify, Remote: true}, RoleServer, "connection", nil)
	local := NewAlertError(record.Alert{Level: record.Fatal, Description: record.HandshakeFailure}, RoleServer, "hello", errors.New("no shared cipher"))
	tests := []struct {
		err  error
		want string
	}{
		{nil, "no error"},
		{remote, "TLS client: In state wait_cert_cr received SERVER ALERT: Fatal - Unknown CA: the peer reports that a certificate chain does not lead to a trusted certificate authority."},
		{closed, "TLS server: In state connection received CLIENT ALERT: Warning - Close Notify: the peer closed the connection."},
		{local, "TLS server: In state hello generated SERVER ALERT: Fatal - Handshake Failure: the two sides could not agree on security parameters (version, cipher suite, group or signature algorithm), or a check of the handshake failed (no shared cipher)."},
		{x509path.BadCertError{Reason: x509path.HostnameCheckFailed}, "The certificate was refused ({bad_cert,hostname_check_failed}): the peer's certificate does not name the host that was connected to."},
		{x509path.BadCertError{Reason: x509path.Revoked{Reason: crl.KeyCompromise}}, "The certificate was refused ({bad_cert,{revoked,keyCompromise}}): a certificate of the chain has been revoked (keyCompromise)."},
		{record.Alert{Level: record.Fatal, Description: record.BadRecordMAC, Remote: true}, "The peer sent the alert Fatal - Bad Record MAC: the peer reports that a record could not be decrypted or authenticated, so the data was altered in transit or the keys do not match."},
		{record.Alert{Level: record.Fatal, Description: record.RecordOverflow}, "The connection failed with the alert Fatal - Record Overflow: a record was longer than the protocol allows."},
		{&OptionError{Name: "verify", Value: "bogus", Reason: "invalid", Detail: "the value must be verify_none or verify_peer"}, "invalid option {verify,bogus}: the value must be verify_none or verify_peer"},
		{&OptionError{Name: "dh", Value: []byte{1}, Reason: "server_only"}, "the option dh is for servers only and was given to a client"},
		{&OptionError{Name: "server_name_indication", Value: "x", Reason: "client_only"}, "the option server_name_indication is for clients only and was given to a server"},
		{incompatible("fail_if_no_peer_cert needs verify_peer", Option{"verify", VerifyNone}, Option{"fail_if_no_peer_cert", true}),
			"incompatible options [{verify,verify_none},{fail_if_no_peer_cert,true}]: fail_if_no_peer_cert needs verify_peer"},
		{fileError("certfile", "/no/such.pem", fs.ErrNotExist), `the file "/no/such.pem" of option certfile cannot be used: file does not exist`},
		{errors.New("ssl: something else"), "something else"},
	}
	for _, tc := range tests {
		if got := FormatError(tc.err); got != tc.want {
			t.Errorf("FormatError(%v) =\n%q\nwant\n%q", tc.err, got, tc.want)
		}
	}
	// Every bad_cert reason of x509path has a sentence of its own.
	for _, r := range []x509path.Reason{
		x509path.UnknownCA, x509path.SelfSignedPeer, x509path.CertExpired, x509path.InvalidIssuer,
		x509path.InvalidSignature, x509path.UnsupportedSignature, x509path.NameNotPermitted,
		x509path.MissingBasicConstraint, x509path.InvalidKeyUsage, x509path.HostnameCheckFailed,
		x509path.UnknownCriticalExtension, x509path.MaxPathLengthReached, x509path.RevocationStatusUndeterminedAtom,
		x509path.PathSearchLimitReached, x509path.ChainTooLong,
		x509path.RevocationStatusUndetermined{Detail: "{bad_crls,no_relevant_crls}"},
		x509path.InvalidExtKeyUsage{CA: true}, x509path.KeyUsageMismatch{}, x509path.DecodeFailure{Index: 1, Detail: "bad"},
	} {
		s := badCertSentence(r)
		if strings.HasPrefix(s, "the certificate was refused") {
			t.Errorf("reason %v has no sentence of its own: %q", r, s)
		}
	}
	if s := badCertSentence(x509path.Atom("my_reason")); s != "the certificate was refused: my_reason" {
		t.Errorf("custom reason: %q", s)
	}
	// Every assigned alert description has a meaning of its own.
	for d := record.Description(0); d < 255; d++ {
		if d.Known() && alertMeaning(d, false) == "an unknown alert was received" {
			t.Errorf("alert %v has no meaning", d)
		}
	}
}

func TestTermRendering(t *testing.T) {
	tests := []struct {
		v    any
		want string
	}{
		{nil, "undefined"},
		{true, "true"},
		{"hello \"x\"\n", `"hello \"x\"\n"`},
		{[]byte("h2"), `<<"h2">>`},
		{[]byte{0, 1, 255}, "<<0,1,255>>"},
		{make([]byte, 40), "<<" + strings.Repeat("0,", 31) + "0,...>>"},
		{5 * time.Second, "5000"},
		{Infinity, "infinity"},
		{TLSv1_2, "'tlsv1.2'"},
		{[]Protocol{TLSv1_3, TLSv1}, "['tlsv1.3',tlsv1]"},
		{VerifyPeer, "verify_peer"},
		{VerifyType(9), "9"},
		{PacketRaw, "0"},
		{Packet4, "4"},
		{PacketLine, "line"},
		{X25519, "x25519"},
		{NamedCurve(0x7777), "30583"},
		{RSAPSSRSAESHA256, "rsa_pss_rsae_sha256"},
		{SignatureScheme(0x0402), "{sha256,dsa}"},
		{crl.BestEffort, "best_effort"},
		{ZeroN, "zero_n"},
		{Option{"verify", VerifyNone}, "{verify,verify_none}"},
		{42, "42"},
		{uint16(7), "7"},
		{1.5, "1.5"},
		{atom("undefined"), "undefined"},
		{atom("RSAPrivateKey"), "'RSAPrivateKey'"},
		{func() {}, "#Fun<func()>"},
		{map[string]int{"b": 2, "a": 1}, `[{"a",1},{"b",2}]`},
		{DERKey{Kind: 4, DER: []byte{48, 1}}, "{'RSAPrivateKey',<<48,1>>}"},
		{SRPCredentials{"alice", "secret"}, `{"alice","******"}`},
		{Linger{On: true, Timeout: 7 * time.Second}, "{true,7}"},
		{AntiReplay10K, "{10,5,72985}"},
		{NextProtocols{PrecedenceServer, []string{"h2"}, "http/1.1"}, `{server,[<<"h2">>],<<"http/1.1">>}`},
		{struct{ X int }{1}, "#struct { X int }<>"},
	}
	for _, tc := range tests {
		if got := termOf(tc.v); got != tc.want {
			t.Errorf("termOf(%#v) = %s, want %s", tc.v, got, tc.want)
		}
	}
	atoms := map[string]string{
		"verify_peer": "verify_peer", "tlsv1.2": "'tlsv1.2'", "RSAPrivateKey": "'RSAPrivateKey'",
		"a@b_C9": "a@b_C9", "": "''", "end": "'end'", "it's": `'it\'s'`, "_x": "'_x'",
	}
	for in, want := range atoms {
		if got := quoteAtom(in); got != want {
			t.Errorf("quoteAtom(%q) = %s, want %s", in, got, want)
		}
	}
	if got := erlString("\xff\x00"); got != "[255,0]" {
		t.Errorf("erlString(invalid UTF-8) = %s", got)
	}
	if got := erlString("a\x01"); got != `"a\x{1}"` {
		t.Errorf("erlString(control) = %s", got)
	}
}
