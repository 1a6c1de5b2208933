package ssl

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/otpssl/ssl/crl"
	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/pem"
	"github.com/otpssl/ssl/record"
	"github.com/otpssl/ssl/x509path"
)

// Every error this package returns can be taken apart with errors.Is and
// errors.As, and has a Term method rendering the reason a user of Erlang's
// ssl would see in {error, Reason}.

// reasonError is an error that Erlang reports as a bare atom.
type reasonError struct {
	atom string
	text string
}

// Error returns "ssl: " and the description.
func (e *reasonError) Error() string { return "ssl: " + e.text }

// Term returns the Erlang reason, an atom.
func (e *reasonError) Term() string { return e.atom }

var (
	// ErrClosed is returned by operations on a connection that has been
	// closed, by this side or by the peer: Erlang's {error, closed}. A
	// close_notify from the peer ends a connection this way, not with an
	// AlertError.
	ErrClosed error = &reasonError{"closed", "the connection is closed"}

	// ErrActive is returned by Recv and Read on a socket in active mode,
	// where data is delivered as messages instead: Erlang's {error, einval}.
	ErrActive error = &reasonError{"einval", "the socket is in active mode: data is delivered as messages, not read"}

	// ErrProtocolNotNegotiated is returned by NegotiatedProtocol when
	// neither ALPN nor NPN chose a protocol: Erlang's {error,
	// protocol_not_negotiated}.
	ErrProtocolNotNegotiated error = &reasonError{"protocol_not_negotiated", "no application protocol was negotiated"}

	// ErrRenegotiationRejected is returned by Renegotiate when the peer
	// refuses to renegotiate; the connection goes on with the keys it had:
	// Erlang's {error, renegotiation_rejected}.
	ErrRenegotiationRejected error = &reasonError{"renegotiation_rejected", "the peer rejected the renegotiation"}

	// ErrAlreadyStarted is returned by Start when the application is
	// already started: Erlang's {error, {already_started, ssl}}.
	ErrAlreadyStarted error = &reasonError{"{already_started,ssl}", "the ssl application is already started"}
)

// timeoutError is the type of ErrTimeout.
type timeoutError struct{}

// Error returns "ssl: timeout".
func (timeoutError) Error() string { return "ssl: timeout" }

// Timeout reports true: ErrTimeout is a time-out (net.Error).
func (timeoutError) Timeout() bool { return true }

// Temporary reports true, as the standard library's deadline errors do:
// the operation may succeed if tried again.
func (timeoutError) Temporary() bool { return true }

// Term returns the Erlang reason, timeout.
func (timeoutError) Term() string { return "timeout" }

// ErrTimeout is returned, possibly wrapped (see TimeoutError), by every call
// that runs out of time: Erlang's {error, timeout}. It implements net.Error
// with Timeout() true, so code written for the net package recognises it.
var ErrTimeout error = timeoutError{}

var _ net.Error = timeoutError{}

// TimeoutError is a time-out that keeps its cause, for example the
// os.ErrDeadlineExceeded of the transport. errors.Is(err, ErrTimeout) holds
// for it, and so does errors.Is(err, cause); it implements net.Error with
// Timeout() true.
type TimeoutError struct {
	// Op names the operation that timed out ("connect", "recv", ...);
	// it may be empty.
	Op string
	// Err is the underlying error, or nil.
	Err error
}

// NewTimeoutError returns a time-out of the operation op caused by cause
// (which may be nil).
func NewTimeoutError(op string, cause error) *TimeoutError {
	return &TimeoutError{Op: op, Err: cause}
}

// Error returns "ssl: <op>: timeout", followed by the cause if there is one.
func (e *TimeoutError) Error() string {
	s := "ssl: "
	if e.Op != "" {
		s += e.Op + ": "
	}
	s += "timeout"
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Is reports whether target is ErrTimeout.
func (e *TimeoutError) Is(target error) bool { return target == ErrTimeout }

// Unwrap returns the cause.
func (e *TimeoutError) Unwrap() error { return e.Err }

// Timeout reports true.
func (e *TimeoutError) Timeout() bool { return true }

// Temporary reports true, as ErrTimeout does.
func (e *TimeoutError) Temporary() bool { return true }

// Term returns the Erlang reason, timeout.
func (e *TimeoutError) Term() string { return "timeout" }

// Role is the side of a connection: the client, which connects, or the
// server, which accepts.
type Role uint8

// The roles. The zero value is no role.
const (
	RoleClient Role = iota + 1
	RoleServer
)

// String returns the Erlang atom: "client" or "server" ("undefined" for
// the zero value).
func (r Role) String() string {
	switch r {
	case RoleClient:
		return "client"
	case RoleServer:
		return "server"
	}
	return "undefined"
}

// peer returns the other role.
func (r Role) peer() Role {
	switch r {
	case RoleClient:
		return RoleServer
	case RoleServer:
		return RoleClient
	}
	return 0
}

// AlertError is a TLS alert that ended a connection or a handshake: one
// this side sent (Remote false) or one received from the peer (Remote
// true). It is Erlang's {error, {tls_alert, {Description, Text}}}.
//
// errors.Is(err, target) holds when target is an *AlertError or a
// record.Alert with the same Description (and the same Level, when the
// target's is not zero). When the alert was caused by another error, for
// example an x509path.BadCertError when the peer's certificate was refused,
// Unwrap returns it, so errors.As finds both.
type AlertError struct {
	// Level is the alert level: 1 warning, 2 fatal.
	Level uint8
	// Description is the alert description (record.Description values).
	Description uint8
	// Remote is true for an alert received from the peer.
	Remote bool
	// Detail says why this side raised the alert, as an Erlang term when
	// there is one ("{bad_cert,unknown_ca}"); it is empty for received
	// alerts.
	Detail string

	// Role is this side of the connection: it received the alert (Remote)
	// or generated it.
	Role Role
	// State is the handshake state, named as Erlang names it ("hello",
	// "certify", "wait_cert_cr", "connection", ...), in which the alert was
	// received or generated; empty when unknown.
	State string
	// DTLS is true for an alert of a DTLS connection.
	DTLS bool
	// Err is the error that caused this side to raise the alert, or nil.
	Err error
}

// NewAlertError returns the error for alert a, received (a.Remote) or
// generated by this side in the role r, in the handshake state named
// state. cause is the error behind a generated alert, or nil. The Detail is
// a.Reason when set, else the Erlang term of the cause when it has one (a
// Term method), else the cause's message.
func NewAlertError(a record.Alert, r Role, state string, cause error) *AlertError {
	e := &AlertError{
		Level:       uint8(a.Level),
		Description: uint8(a.Description),
		Remote:      a.Remote,
		Role:        r,
		State:       state,
		Err:         cause,
	}
	if !a.Remote {
		switch {
		case a.Reason != "":
			e.Detail = a.Reason
		case cause != nil:
			var t interface{ Term() string }
			if errors.As(cause, &t) {
				e.Detail = t.Term()
			} else {
				e.Detail = cause.Error()
			}
		}
	}
	return e
}

// Alert returns the alert as the record layer describes it.
func (e *AlertError) Alert() record.Alert {
	return record.Alert{
		Level:       record.Level(e.Level),
		Description: record.Description(e.Description),
		Remote:      e.Remote,
		Reason:      e.Detail,
	}
}

// Text returns the alert as OTP's ssl prints it in {tls_alert, {_, Text}}:
//
//	TLS client: In state wait_cert_cr received SERVER ALERT: Fatal - Unknown CA
//	TLS server: In state certify generated SERVER ALERT: Fatal - Bad Certificate
//	 {bad_cert,unknown_ca}
//
// A received alert names the peer's role ("received SERVER ALERT" at a
// client), a generated one this side's ("generated CLIENT ALERT"). A
// generated alert with a Detail has it on a second line after a space, as
// OTP prints the reason. Two differences from OTP: OTP names the Erlang
// source position of a generated alert ("at ssl_handshake.erl:2111
// generated ..."), which has no meaning here and is left out, and OTP ends
// the text with a newline, which is left out too. Without a State the
// "In state" part is left out.
func (e *AlertError) Text() string {
	var b strings.Builder
	if e.DTLS {
		b.WriteString("DTLS ")
	} else {
		b.WriteString("TLS ")
	}
	b.WriteString(e.Role.String())
	b.WriteString(":")
	if e.State != "" {
		b.WriteString(" In state ")
		b.WriteString(e.State)
	}
	if e.Remote {
		b.WriteString(" received ")
		b.WriteString(strings.ToUpper(e.Role.peer().String()))
	} else {
		b.WriteString(" generated ")
		b.WriteString(strings.ToUpper(e.Role.String()))
	}
	b.WriteString(" ALERT: ")
	b.WriteString(record.Level(e.Level).Text())
	b.WriteString(record.Description(e.Description).Text())
	if !e.Remote && e.Detail != "" {
		b.WriteString("\n ")
		b.WriteString(e.Detail)
	}
	return b.String()
}

// Error returns "ssl: " followed by Text.
func (e *AlertError) Error() string { return "ssl: " + e.Text() }

// Term returns the Erlang reason: {tls_alert,{Atom,"Text"}}, for example
//
//	{tls_alert,{unknown_ca,"TLS client: In state wait_cert_cr received SERVER ALERT: Fatal - Unknown CA"}}
//
// and closed for a close_notify, as OTP reports it.
func (e *AlertError) Term() string {
	d := record.Description(e.Description)
	if d == record.CloseNotify {
		return "closed"
	}
	return "{tls_alert,{" + quoteAtom(d.String()) + "," + erlString(e.Text()) + "}}"
}

// Is reports whether target is an *AlertError or a record.Alert with the
// same description and, when the target's level is not zero, the same level.
func (e *AlertError) Is(target error) bool {
	switch t := target.(type) {
	case *AlertError:
		return t != nil && t.Description == e.Description && (t.Level == 0 || t.Level == e.Level)
	case record.Alert:
		return uint8(t.Description) == e.Description && (t.Level == 0 || uint8(t.Level) == e.Level)
	}
	return false
}

// Unwrap returns the error that caused the alert, or nil.
func (e *AlertError) Unwrap() error { return e.Err }

// FormatError returns a sentence describing err for a person, as Erlang's
// ssl:format_error/1: for every error this package produces (alerts,
// invalid options, certificate problems, time-outs, closed connections) a
// text that says what went wrong and, where it helps, what to look at. Other
// errors are described by their Error method. A nil error gives "no error".
func FormatError(err error) string {
	if err == nil {
		return "no error"
	}
	var ae *AlertError
	if errors.As(err, &ae) {
		return formatAlert(ae)
	}
	var oe *OptionError
	if errors.As(err, &oe) {
		return oe.sentence()
	}
	var bc x509path.BadCertError
	if errors.As(err, &bc) {
		return "The certificate was refused (" + bc.Term() + "): " + badCertSentence(bc.Reason) + "."
	}
	var ra record.Alert
	if errors.As(err, &ra) {
		if ra.Remote {
			return "The peer sent the alert " + ra.Text() + ": " + alertMeaning(ra.Description, true) + "."
		}
		return "The connection failed with the alert " + ra.Text() + ": " + alertMeaning(ra.Description, false) + "."
	}
	switch {
	case errors.Is(err, ErrTimeout):
		return "The operation timed out."
	case errors.Is(err, ErrClosed):
		return "The TLS connection is closed."
	case errors.Is(err, ErrActive):
		return "The socket is in active mode: data arrives as messages on its channel, it cannot be read with Recv or Read."
	case errors.Is(err, ErrProtocolNotNegotiated):
		return "No application protocol was negotiated (neither ALPN nor NPN chose one)."
	case errors.Is(err, ErrRenegotiationRejected):
		return "The peer refused to renegotiate; the connection goes on with its current keys."
	case errors.Is(err, ErrAlreadyStarted):
		return "The ssl application is already started; stop it before starting it with another environment."
	}
	return strings.TrimPrefix(err.Error(), "ssl: ")
}

func formatAlert(e *AlertError) string {
	base := e.Text()
	if i := strings.IndexByte(base, '\n'); i >= 0 {
		base = base[:i]
	}
	d := record.Description(e.Description)
	if d == record.CloseNotify {
		return base + ": the peer closed the connection."
	}
	var bc x509path.BadCertError
	if e.Err != nil && errors.As(e.Err, &bc) {
		return base + ": " + badCertSentence(bc.Reason) + " (" + bc.Term() + ")."
	}
	s := base + ": " + alertMeaning(d, e.Remote)
	if !e.Remote && e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	return s + "."
}

// alertMeaning explains an alert description; remote selects the wording
// for an alert the peer sent.
func alertMeaning(d record.Description, remote bool) string {
	var m string
	switch d {
	case record.CloseNotify:
		m = "the connection was closed"
	case record.UnexpectedMessage:
		m = "a message arrived that the protocol does not allow at that point"
	case record.BadRecordMAC, record.DecryptionFailed:
		m = "a record could not be decrypted or authenticated, so the data was altered in transit or the keys do not match"
	case record.RecordOverflow:
		m = "a record was longer than the protocol allows"
	case record.DecompressionFailure:
		m = "a record could not be decompressed"
	case record.HandshakeFailure:
		m = "the two sides could not agree on security parameters (version, cipher suite, group or signature algorithm), or a check of the handshake failed"
	case record.NoCertificate:
		m = "no certificate was sent"
	case record.BadCertificate:
		m = "a certificate was corrupt or its signatures did not verify"
	case record.UnsupportedCertificate:
		m = "a certificate was of an unsupported type or had an unsupported critical extension"
	case record.CertificateRevoked:
		m = "a certificate has been revoked by its issuer"
	case record.CertificateExpired:
		m = "a certificate has expired or is not yet valid"
	case record.CertificateUnknown:
		m = "a certificate could not be accepted"
	case record.IllegalParameter:
		m = "a field of a handshake message had a value that is not allowed"
	case record.UnknownCA:
		m = "a certificate chain does not lead to a trusted certificate authority"
	case record.AccessDenied:
		m = "the certificate was valid but access was refused"
	case record.DecodeError:
		m = "a message could not be decoded"
	case record.DecryptError:
		m = "a signature or Finished message did not verify"
	case record.ExportRestriction:
		m = "an export restriction was not respected"
	case record.ProtocolVersion:
		m = "no protocol version is acceptable to both sides"
	case record.InsufficientSecurity:
		m = "the peer asks for stronger parameters than were offered"
	case record.InternalError:
		m = "an internal error unrelated to the peer occurred"
	case record.InappropriateFallback:
		m = "a fallback to a lower protocol version was detected and refused"
	case record.UserCanceled:
		m = "the handshake was canceled"
	case record.NoRenegotiation:
		m = "renegotiation was refused"
	case record.MissingExtension:
		m = "a required extension was missing"
	case record.UnsupportedExtension:
		m = "an extension was sent that was not asked for"
	case record.CertificateUnobtainable:
		m = "a certificate could not be obtained from its URL"
	case record.UnrecognizedName:
		m = "the server has no configuration for the requested server name (SNI)"
	case record.BadCertificateStatusResponse:
		m = "the certificate status (OCSP) response was invalid"
	case record.BadCertificateHashValue:
		m = "a certificate hash did not match"
	case record.UnknownPSKIdentity:
		m = "the pre-shared key identity is not known"
	case record.CertificateRequired:
		m = "a client certificate is required but none was sent"
	case record.NoApplicationProtocol:
		m = "the two sides have no application protocol (ALPN) in common"
	default:
		m = "an unknown alert was received"
	}
	if remote {
		return "the peer reports that " + m
	}
	return m
}

// badCertSentence explains a path validation reason.
func badCertSentence(r x509path.Reason) string {
	switch v := r.(type) {
	case x509path.Atom:
		switch v {
		case x509path.UnknownCA:
			return "the certificate chain does not lead to a trusted certificate authority (check cacerts or cacertfile)"
		case x509path.SelfSignedPeer:
			return "the peer's certificate is self-signed and not trusted"
		case x509path.CertExpired:
			return "a certificate of the chain has expired or is not yet valid"
		case x509path.InvalidIssuer:
			return "a certificate's issuer does not match the certificate above it"
		case x509path.InvalidSignature:
			return "a certificate's signature does not verify"
		case x509path.UnsupportedSignature:
			return "a certificate is signed with an unknown or too weak algorithm"
		case x509path.NameNotPermitted:
			return "a certificate's name is outside the name constraints of its issuer"
		case x509path.MissingBasicConstraint:
			return "a certificate is used as a certificate authority without being one"
		case x509path.InvalidKeyUsage:
			return "a certificate's key usage does not allow what it is used for"
		case x509path.HostnameCheckFailed:
			return "the peer's certificate does not name the host that was connected to"
		case x509path.UnknownCriticalExtension:
			return "a certificate has a critical extension that is not understood"
		case x509path.MaxPathLengthReached:
			return "the certificate chain is longer than the depth option or a path length constraint allows"
		case x509path.RevocationStatusUndeterminedAtom:
			return "the revocation status of a certificate could not be determined"
		case x509path.PathSearchLimitReached:
			return "no valid path was found among the many the peer's certificates allow"
		case x509path.ChainTooLong:
			return "the peer sent more certificates than are accepted"
		}
	case x509path.Revoked:
		return "a certificate of the chain has been revoked (" + v.Reason.String() + ")"
	case x509path.RevocationStatusUndetermined:
		if v.Detail != "" {
			return "the revocation status of a certificate could not be determined: " + v.Detail
		}
		return "the revocation status of a certificate could not be determined"
	case x509path.InvalidExtKeyUsage:
		return "a certificate's extended key usage does not allow it to be used by a TLS " + map[bool]string{false: "peer", true: "certificate authority"}[v.CA]
	case x509path.KeyUsageMismatch:
		return "the peer certificate's key usage cannot serve its extended key usage"
	case x509path.DecodeFailure:
		return "certificate " + strconv.Itoa(v.Index) + " of the chain could not be decoded: " + v.Detail
	}
	if r == nil {
		return "the certificate was refused"
	}
	return "the certificate was refused: " + r.String()
}

// fileErrorTerm renders the cause of a file option failure as the Erlang
// reason that goes with it.
func fileErrorTerm(err error) string {
	var errno syscall.Errno
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "enoent"
	case errors.Is(err, fs.ErrPermission):
		return "eacces"
	case errors.As(err, &errno):
		switch errno {
		case syscall.EISDIR:
			return "eisdir"
		case syscall.ENOTDIR:
			return "enotdir"
		case syscall.ELOOP:
			return "eloop"
		case syscall.ENAMETOOLONG:
			return "enametoolong"
		}
	case errors.Is(err, pem.ErrIncorrectPassword):
		return "incorrect_password"
	case errors.Is(err, pem.ErrNoPrivateKey):
		return "no_private_key"
	}
	var ae atomErr
	if errors.As(err, &ae) {
		return string(ae)
	}
	return erlString(err.Error())
}

// atomErr is an error whose Erlang form is the atom itself (no_certificates).
type atomErr string

// Error returns the atom with spaces for underscores.
func (e atomErr) Error() string { return strings.ReplaceAll(string(e), "_", " ") }

// Erlang term rendering.

// quoteAtom renders s as an Erlang atom: as it is when it is a plain atom
// (a lower-case letter followed by letters, digits, _ and @), else between
// single quotes ('tlsv1.2', 'RSAPrivateKey').
func quoteAtom(s string) string {
	if plainAtom(s) {
		return s
	}
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\'':
			b.WriteString(`\'`)
		case '\\':
			b.WriteString(`\\`)
		default:
			writeEscaped(&b, r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

var reservedAtoms = map[string]bool{
	"after": true, "and": true, "andalso": true, "band": true, "begin": true, "bnot": true,
	"bor": true, "bsl": true, "bsr": true, "bxor": true, "case": true, "catch": true,
	"cond": true, "div": true, "end": true, "fun": true, "if": true, "let": true, "not": true,
	"of": true, "or": true, "orelse": true, "receive": true, "rem": true, "try": true,
	"when": true, "xor": true, "maybe": true, "else": true,
}

func plainAtom(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' || reservedAtoms[s] {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '@') {
			return false
		}
	}
	return true
}

// erlString renders s as an Erlang string ("..."), escaping quotes,
// backslashes and control characters as Erlang's ~p does. Invalid UTF-8 is
// shown as the list of its bytes.
func erlString(s string) string {
	if !utf8.ValidString(s) {
		parts := make([]string, len(s))
		for i := 0; i < len(s); i++ {
			parts[i] = strconv.Itoa(int(s[i]))
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		default:
			writeEscaped(&b, r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func writeEscaped(b *strings.Builder, r rune) {
	switch r {
	case '\n':
		b.WriteString(`\n`)
	case '\t':
		b.WriteString(`\t`)
	case '\r':
		b.WriteString(`\r`)
	default:
		if unicode.IsPrint(r) {
			b.WriteRune(r)
		} else {
			fmt.Fprintf(b, `\x{%X}`, r)
		}
	}
}

// maxTermBinary is how many bytes of a binary a rendered term shows; longer
// binaries end in "...", as Erlang's depth-limited printing (~P) cuts them.
const maxTermBinary = 32

// erlBinary renders b as an Erlang binary: <<"h2">> when it is printable
// text, <<1,2,3>> otherwise, cut after maxTermBinary bytes.
func erlBinary(b []byte) string {
	printable := len(b) > 0 && utf8.Valid(b)
	if printable {
		for _, r := range string(b) {
			if !unicode.IsPrint(r) {
				printable = false
				break
			}
		}
	}
	if printable && len(b) <= 4*maxTermBinary {
		return "<<" + erlString(string(b)) + ">>"
	}
	var s strings.Builder
	s.WriteString("<<")
	for i, c := range b {
		if i == maxTermBinary {
			s.WriteString(",...")
			break
		}
		if i > 0 {
			s.WriteByte(',')
		}
		s.WriteString(strconv.Itoa(int(c)))
	}
	s.WriteString(">>")
	return s.String()
}

// termer is a value that renders itself as an Erlang term.
type termer interface{ Term() string }

// atomer is an enumeration value that renders itself as an Erlang atom;
// ok is false for a value outside the enumeration.
type atomer interface{ atom() (string, bool) }

// maxTermItems bounds the elements of a list a rendered term shows.
const maxTermItems = 64

// termOf renders a Go value as the Erlang term it stands for: nil as
// undefined, strings as Erlang strings, []byte as binaries, durations in
// milliseconds, enumerations as their atoms, functions as #Fun<type>, lists
// and maps element by element. It never fails.
func termOf(v any) string {
	return termDepth(v, 0)
}

func termDepth(v any, depth int) string {
	if depth > 8 {
		return "..."
	}
	switch x := v.(type) {
	case nil:
		return "undefined"
	case atom:
		return quoteAtom(string(x))
	case atomer:
		if a, ok := x.atom(); ok {
			return quoteAtom(a)
		}
		return integerOf(x)
	case termer:
		return x.Term()
	case Option:
		return "{" + quoteAtom(x.Name) + "," + termDepth(x.Value, depth+1) + "}"
	case bool:
		if x {
			return "true"
		}
		return "false"
	case string:
		return erlString(x)
	case []byte:
		return erlBinary(x)
	case time.Duration:
		// Erlang counts milliseconds; a duration that is not a whole
		// number of them is shown as Go writes it.
		switch {
		case x == Infinity:
			return "infinity"
		case x%time.Millisecond != 0:
			return erlString(x.String())
		}
		return strconv.FormatInt(x.Milliseconds(), 10)
	case error:
		return erlString(x.Error())
	case Protocol:
		return quoteAtom(x.String())
	case CipherSuite:
		return x.String()
	case handshake.SignatureScheme:
		// Named schemes are atoms, TLS 1.2 pairs tuples, others numbers.
		str := x.String()
		switch {
		case strings.HasPrefix(str, "{"):
			return str
		case strings.HasPrefix(str, "0x"):
			return strconv.Itoa(int(x))
		}
		return quoteAtom(str)
	case handshake.NamedGroup:
		if str := x.String(); !strings.HasPrefix(str, "0x") {
			return quoteAtom(str)
		}
		return strconv.Itoa(int(x))
	case crl.CheckMode:
		if x < crl.Off || x > crl.BestEffort {
			return strconv.Itoa(int(x))
		}
		return x.String()
	case fmt.Stringer:
		if isEnumKind(reflect.ValueOf(x)) {
			return quoteAtom(x.String())
		}
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(rv.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(rv.Uint(), 10)
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(rv.Float(), 'g', -1, 64)
	case reflect.Func:
		if rv.IsNil() {
			return "undefined"
		}
		return "#Fun<" + rv.Type().String() + ">"
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.IsNil() {
			return "[]"
		}
		n := rv.Len()
		parts := make([]string, 0, min(n, maxTermItems)+1)
		for i := 0; i < n; i++ {
			if i == maxTermItems {
				parts = append(parts, "...")
				break
			}
			parts = append(parts, termDepth(rv.Index(i).Interface(), depth+1))
		}
		return "[" + strings.Join(parts, ",") + "]"
	case reflect.Map:
		keys := rv.MapKeys()
		parts := make([]string, 0, len(keys))
		for _, k := range keys {
			parts = append(parts, "{"+termDepth(k.Interface(), depth+1)+","+termDepth(rv.MapIndex(k).Interface(), depth+1)+"}")
		}
		sort.Strings(parts)
		if len(parts) > maxTermItems {
			parts = append(parts[:maxTermItems], "...")
		}
		return "[" + strings.Join(parts, ",") + "]"
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return "undefined"
		}
	}
	return "#" + typeName(v) + "<>"
}

// isEnumKind reports whether v is of an integer kind (an enumeration with a
// String method).
func isEnumKind(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}

func integerOf(v any) string {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(rv.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(rv.Uint(), 10)
	}
	return quoteAtom(fmt.Sprint(v))
}

func typeName(v any) string {
	t := reflect.TypeOf(v)
	if t == nil {
		return "undefined"
	}
	return t.String()
}

// atom is a value rendered as a bare Erlang atom (undefined, none_valid).
type atom string
