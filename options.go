package ssl

import (
	"context"
	"crypto"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/otpssl/ssl/crl"
	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/pem"
	"github.com/otpssl/ssl/record"
	"github.com/otpssl/ssl/x509path"
)

// Option is one Erlang ssl or socket option: Name is the Erlang option name
// ("verify", "certfile", "active", ...) and Value the Go value documented on
// the option's constructor. Options can be written by hand or read from
// configuration; the constructors give type safety.
//
// A hand-written option is accepted with the Go type its constructor uses
// and, so that options can come from configuration files:
//   - for options whose Erlang value is an atom (verify, mode, packet,
//     beast_mitigation, crl_check, log_level, session_tickets, ...), the atom
//     as a string ("verify_peer", "binary", "best_effort");
//   - for booleans, also the strings "true" and "false";
//   - for integers, any Go integer type, and a float64 with an integral value
//     (what encoding/json gives);
//   - for durations, a time.Duration, an integer number of milliseconds as
//     in Erlang, a string time.ParseDuration takes ("5s"), or "infinity";
//   - for lists, a slice of the element type, or []string / []any of the
//     element names ("tlsv1.2", "x25519", "rsa_pss_rsae_sha256");
//   - for the ciphers option, also an OpenSSL-style string
//     ("ECDHE-RSA-AES128-GCM-SHA256:AES256-SHA"), see ParseCipherSuites.
//
// When the same option is given more than once, the last one counts, as in
// Erlang.
type Option struct {
	Name  string
	Value any
}

// String renders the option as the Erlang tuple {Name,Value}.
func (o Option) String() string { return renderOption(o) }

// Term renders the option as the Erlang tuple {Name,Value}, as String does.
func (o Option) Term() string { return renderOption(o) }

// OptionError reports an invalid option or an invalid combination of
// options, found when options are resolved (at Listen, Connect, SSLAccept
// and Setopts), never later.
//
// Reason is one of:
//   - "invalid": the value is not allowed; Erlang's {options,{Name,Value}};
//   - "server_only", "client_only": the option belongs to the other role;
//     Erlang's {option,server_only,Name};
//   - "incompatible": Options cannot be used together; Erlang's
//     {options,incompatible,[...]};
//   - "missing_version": TLS 1.3 is configured with older versions but
//     without TLS 1.2; Erlang's {options,missing_version,{'tlsv1.2',{versions,V}}};
//   - "file_error": the file named by Value (certfile, keyfile, cacertfile,
//     dhfile) cannot be read or does not hold what it should; Erlang's
//     {options,{Name,File,Reason}};
//   - "unsupported": the value is valid in Erlang but this library does not
//     implement it ({packet,http});
//   - "unknown_option": no option has this name;
//   - "not_settable": Setopts was given an option that cannot change on an
//     open socket.
type OptionError struct {
	// Name is the option at fault (for "incompatible", the first of
	// Options).
	Name string
	// Value is the value given, or nil when the option was not given.
	Value any
	// Reason classifies the error (see above).
	Reason string
	// Detail is a sentence saying what is wrong.
	Detail string
	// Options lists, for Reason "incompatible", the options in conflict in
	// the order Erlang names them. An entry with a nil Value stands for the
	// option named alone (sni_fun); one whose Value renders as undefined
	// stands for an option that was not given.
	Options []Option
	// Err is the underlying error (a file or parse error), or nil.
	Err error

	term string // the Erlang term, when it is not {options,{Name,Value}}
}

// Error returns "ssl: " and a sentence naming the option and the problem.
func (e *OptionError) Error() string { return "ssl: " + e.sentence() }

// Unwrap returns the underlying error, or nil.
func (e *OptionError) Unwrap() error { return e.Err }

// Term renders the error as the Erlang reason Erlang's ssl returns for it,
// for example {options,{verify,bogus}}, {option,server_only,dh} or
// {options,incompatible,[{verify,verify_none},{fail_if_no_peer_cert,true}]}.
func (e *OptionError) Term() string {
	if e.term != "" {
		return e.term
	}
	switch e.Reason {
	case "server_only", "client_only":
		return "{option," + e.Reason + "," + quoteAtom(e.Name) + "}"
	case "incompatible":
		return "{options,incompatible," + renderIncompatible(e.Options) + "}"
	}
	return "{options,{" + quoteAtom(e.Name) + "," + renderValue(e.Name, e.Value) + "}}"
}

func renderIncompatible(opts []Option) string {
	parts := make([]string, len(opts))
	for i, o := range opts {
		if o.Value == nil {
			parts[i] = quoteAtom(o.Name)
		} else {
			parts[i] = renderOption(o)
		}
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// sentence is the human description used by Error and FormatError.
func (e *OptionError) sentence() string {
	var s string
	switch e.Reason {
	case "server_only":
		s = "the option " + e.Name + " is for servers only and was given to a client"
	case "client_only":
		s = "the option " + e.Name + " is for clients only and was given to a server"
	case "incompatible":
		s = "incompatible options " + renderIncompatible(e.Options)
	case "file_error":
		path, _ := e.Value.(string)
		s = "the file " + strconv.Quote(path) + " of option " + e.Name + " cannot be used"
	case "unknown_option":
		s = "unknown option " + e.Name
	case "not_settable":
		s = "the option " + e.Name + " cannot be changed on an open socket"
	case "unsupported":
		s = "unsupported option value " + renderOption(Option{e.Name, e.Value})
	default:
		s = "invalid option " + renderOption(Option{e.Name, e.Value})
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// VerifyType is the value of the verify option.
type VerifyType uint8

// The verify modes. The zero value is not a mode.
const (
	// VerifyNone does no path validation of the peer's certificate (the
	// verify_none fun accepts every problem); a server sends no
	// certificate request.
	VerifyNone VerifyType = iota + 1
	// VerifyPeer validates the peer's certificate chain; a server asks
	// the client for a certificate.
	VerifyPeer
)

// String returns the Erlang atom: "verify_none" or "verify_peer".
func (v VerifyType) String() string { return enumString(v) }

func (v VerifyType) atom() (string, bool) {
	switch v {
	case VerifyNone:
		return "verify_none", true
	case VerifyPeer:
		return "verify_peer", true
	}
	return "", false
}

// ModeType is the value of the mode option.
type ModeType uint8

// The modes. Go has one byte type: data is always delivered as []byte,
// whatever the mode; List is accepted and reported by Getopts for programs
// that carry Erlang configurations over.
const (
	Binary ModeType = iota
	List
)

// String returns the Erlang atom: "binary" or "list".
func (m ModeType) String() string { return enumString(m) }

func (m ModeType) atom() (string, bool) {
	switch m {
	case Binary:
		return "binary", true
	case List:
		return "list", true
	}
	return "", false
}

// PacketType is the value of the packet option: how application data is
// framed into packets.
type PacketType uint8

// The packet types. The numeric ones prefix each packet with its length in
// that many bytes, big-endian. Erlang's http, httph, http_bin and httph_bin
// are not supported and are refused.
const (
	PacketRaw PacketType = 0 // raw or 0: no framing
	Packet1   PacketType = 1
	Packet2   PacketType = 2
	Packet4   PacketType = 4
	// PacketLine: a packet is a line ending in a newline.
	PacketLine  PacketType = 16 + iota
	PacketASN1             // an ASN.1 BER element
	PacketCDR              // a CORBA GIOP 1.0 message
	PacketSunRM            // a Sun RPC record mark
	PacketFCGI             // a FastCGI record
	PacketTPKT             // a TPKT (RFC 1006) packet
)

// String returns the Erlang value: "raw" for PacketRaw (which Getopts
// reports as 0, as Erlang does), "1", "2", "4", or the atom ("line",
// "asn1", "cdr", "sunrm", "fcgi", "tpkt").
func (p PacketType) String() string {
	if p == PacketRaw {
		return "raw"
	}
	if a, ok := p.atom(); ok {
		return a
	}
	if p == Packet1 || p == Packet2 || p == Packet4 {
		return strconv.Itoa(int(p))
	}
	return "PacketType(" + strconv.Itoa(int(p)) + ")"
}

func (p PacketType) atom() (string, bool) {
	switch p {
	case PacketLine:
		return "line", true
	case PacketASN1:
		return "asn1", true
	case PacketCDR:
		return "cdr", true
	case PacketSunRM:
		return "sunrm", true
	case PacketFCGI:
		return "fcgi", true
	case PacketTPKT:
		return "tpkt", true
	}
	return "", false
}

// BeastMitigationMode is the value of the beast_mitigation option; it is
// the record layer's type.
type BeastMitigationMode = record.BeastMitigation

// The BEAST mitigation strategies (Erlang one_n_minus_one, zero_n,
// disabled).
const (
	OneNMinusOne  = record.OneNMinusOne
	ZeroN         = record.ZeroN
	BeastDisabled = record.BeastDisabled
)

// TransportProtocol is the value of the protocol option: TLS or DTLS.
type TransportProtocol uint8

// The protocols. TLS is the default.
const (
	TLS TransportProtocol = iota
	DTLS
)

// String returns the Erlang atom: "tls" or "dtls".
func (p TransportProtocol) String() string { return enumString(p) }

func (p TransportProtocol) atom() (string, bool) {
	switch p {
	case TLS:
		return "tls", true
	case DTLS:
		return "dtls", true
	}
	return "", false
}

// SessionTicketsMode is the value of the session_tickets option (TLS 1.3
// session tickets).
type SessionTicketsMode uint8

// The session ticket modes. A client takes TicketsDisabled, TicketsManual
// or TicketsAuto; a server TicketsDisabled, TicketsStateful,
// TicketsStateless, TicketsStatefulWithCert or TicketsStatelessWithCert.
const (
	TicketsDisabled SessionTicketsMode = iota
	// TicketsManual: the client hands tickets to the application, which
	// gives them back with UseTicket.
	TicketsManual
	// TicketsAuto: the client keeps tickets and uses them by itself.
	TicketsAuto
	// TicketsStateful: the server keeps the session state; tickets are
	// references to it.
	TicketsStateful
	// TicketsStateless: the server keeps no state; tickets carry it,
	// encrypted.
	TicketsStateless
	// TicketsStatefulWithCert and TicketsStatelessWithCert also keep the
	// client's certificate with the session.
	TicketsStatefulWithCert
	TicketsStatelessWithCert
)

// String returns the Erlang atom ("disabled", "manual", "auto", "stateful",
// "stateless", "stateful_with_cert", "stateless_with_cert").
func (m SessionTicketsMode) String() string { return enumString(m) }

func (m SessionTicketsMode) atom() (string, bool) {
	switch m {
	case TicketsDisabled:
		return "disabled", true
	case TicketsManual:
		return "manual", true
	case TicketsAuto:
		return "auto", true
	case TicketsStateful:
		return "stateful", true
	case TicketsStateless:
		return "stateless", true
	case TicketsStatefulWithCert:
		return "stateful_with_cert", true
	case TicketsStatelessWithCert:
		return "stateless_with_cert", true
	}
	return "", false
}

// Severity is the value of the log_level option: the least severe
// level of the library's log messages (TLS alerts, handshake failures) that
// are written.
type Severity uint8

// The log levels of Erlang's logger, from LevelNone (nothing) to LevelAll
// (everything). The default is LevelNotice.
const (
	LevelNone Severity = iota
	LevelEmergency
	LevelAlert
	LevelCritical
	LevelError
	LevelWarning
	LevelNotice
	LevelInfo
	LevelDebug
	LevelAll
)

// String returns the Erlang atom ("none", "emergency", ..., "debug", "all").
func (s Severity) String() string { return enumString(s) }

var severityAtoms = [...]string{"none", "emergency", "alert", "critical", "error", "warning", "notice", "info", "debug", "all"}

func (s Severity) atom() (string, bool) {
	if int(s) < len(severityAtoms) {
		return severityAtoms[s], true
	}
	return "", false
}

// slogLevel returns the log/slog level messages of severity s are logged
// at: debug and info as slog's, notice between info and warning, warning and
// error as slog's, critical, alert and emergency above error.
func (s Severity) slogLevel() slog.Level {
	switch s {
	case LevelDebug, LevelAll:
		return slog.LevelDebug
	case LevelInfo:
		return slog.LevelInfo
	case LevelNotice:
		return slog.LevelInfo + 2
	case LevelWarning:
		return slog.LevelWarn
	case LevelError:
		return slog.LevelError
	case LevelCritical:
		return slog.LevelError + 2
	case LevelAlert:
		return slog.LevelError + 4
	}
	return slog.LevelError + 6
}

// HandshakeMode is the value of the handshake option.
type HandshakeMode uint8

// The handshake modes.
const (
	// HandshakeFull runs the whole handshake (the default).
	HandshakeFull HandshakeMode = iota
	// HandshakeHello would pause after the hello messages so that the
	// application can look at them and continue (Erlang's
	// handshake_continue). It is not supported yet: the option is refused
	// with Reason "unsupported".
	HandshakeHello
)

// String returns the Erlang atom: "full" or "hello".
func (m HandshakeMode) String() string { return enumString(m) }

func (m HandshakeMode) atom() (string, bool) {
	switch m {
	case HandshakeFull:
		return "full", true
	case HandshakeHello:
		return "hello", true
	}
	return "", false
}

// Precedence says whose preference decides in Next Protocol Negotiation.
type Precedence uint8

// The precedences of client_preferred_next_protocols.
const (
	// PrecedenceClient: the first protocol of the client's list that the
	// server advertises.
	PrecedenceClient Precedence = iota
	// PrecedenceServer: the first protocol of the server's list that the
	// client prefers.
	PrecedenceServer
)

// String returns the Erlang atom: "client" or "server".
func (p Precedence) String() string { return enumString(p) }

func (p Precedence) atom() (string, bool) {
	switch p {
	case PrecedenceClient:
		return "client", true
	case PrecedenceServer:
		return "server", true
	}
	return "", false
}

// NextProtocols is the value of client_preferred_next_protocols (Next
// Protocol Negotiation, a TLS 1.2 and older extension).
type NextProtocols struct {
	Precedence Precedence
	// Protocols are the client's protocols in its order of preference.
	Protocols []string
	// Default is used when no protocol is common; "" means none, and the
	// connection fails if the server does not negotiate.
	Default string
}

// Term renders the value as Erlang's {Precedence, [Protocols], Default}.
func (n NextProtocols) Term() string {
	s := "{" + termOf(n.Precedence) + "," + renderBinaries(n.Protocols)
	if n.Default != "" {
		s += "," + erlBinary([]byte(n.Default))
	}
	return s + "}"
}

// DeliverType is the value of the deliver option.
type DeliverType uint8

// DeliverTerm delivers active-mode data as messages (Erlang's {deliver,
// term}), the only delivery this library has; Erlang's port delivery is
// refused.
const DeliverTerm DeliverType = 0

// String returns the Erlang atom "term".
func (d DeliverType) String() string { return enumString(d) }

func (d DeliverType) atom() (string, bool) {
	if d == DeliverTerm {
		return "term", true
	}
	return "", false
}

// enumString is the String method of the enumerations: the atom, or the
// type and number of a value outside the enumeration.
func enumString(v interface{ atom() (string, bool) }) string {
	if a, ok := v.atom(); ok {
		return a
	}
	return typeName(v) + "(" + integerOf(v) + ")"
}

// NamedCurve is an elliptic curve or other key exchange group of the
// Supported Groups registry, the value of the eccs and supported_groups
// options and of Eccs. It is the handshake package's NamedGroup; String
// gives the Erlang atom ("x25519", "secp256r1").
type NamedCurve = handshake.NamedGroup

// The groups this library implements.
const (
	X25519         = handshake.X25519
	Secp256r1      = handshake.Secp256r1
	Secp384r1      = handshake.Secp384r1
	Secp521r1      = handshake.Secp521r1
	FFDHE2048      = handshake.FFDHE2048
	FFDHE3072      = handshake.FFDHE3072
	FFDHE4096      = handshake.FFDHE4096
	FFDHE6144      = handshake.FFDHE6144
	FFDHE8192      = handshake.FFDHE8192
	X25519MLKEM768 = handshake.X25519MLKEM768
)

// ParseNamedCurve returns the group named by an Erlang atom ("secp384r1"),
// see handshake.ParseNamedGroup.
func ParseNamedCurve(name string) (NamedCurve, error) { return handshake.ParseNamedGroup(name) }

// SignatureScheme is a signature algorithm of the signature_algs and
// signature_algs_cert options: a TLS 1.3 scheme or a TLS 1.2 {Hash, Sign}
// pair. It is the handshake package's type; String gives the Erlang form.
type SignatureScheme = handshake.SignatureScheme

// The signature schemes most used in configurations; see the handshake
// package for all of them.
const (
	RSAPKCS1SHA256       = handshake.RSAPKCS1SHA256
	RSAPKCS1SHA384       = handshake.RSAPKCS1SHA384
	RSAPKCS1SHA512       = handshake.RSAPKCS1SHA512
	ECDSASecp256r1SHA256 = handshake.ECDSASecp256r1SHA256
	ECDSASecp384r1SHA384 = handshake.ECDSASecp384r1SHA384
	ECDSASecp521r1SHA512 = handshake.ECDSASecp521r1SHA512
	RSAPSSRSAESHA256     = handshake.RSAPSSRSAESHA256
	RSAPSSRSAESHA384     = handshake.RSAPSSRSAESHA384
	RSAPSSRSAESHA512     = handshake.RSAPSSRSAESHA512
	Ed25519              = handshake.Ed25519
	RSAPKCS1SHA1         = handshake.RSAPKCS1SHA1
	ECDSASHA1            = handshake.ECDSASHA1
)

// ParseSignatureScheme parses a scheme in Erlang's forms ("rsa_pss_rsae_sha256",
// "{sha256, rsa}"), see handshake.ParseSignatureScheme.
func ParseSignatureScheme(s string) (SignatureScheme, error) {
	return handshake.ParseSignatureScheme(s)
}

// VerifyFunSpec is the value of the verify_fun option: the fun and its
// initial user state (Erlang's {Fun, InitialUserState}).
type VerifyFunSpec struct {
	Fun       x509path.VerifyFun
	UserState any
}

// Term renders the value as {#Fun<...>,UserState}.
func (v VerifyFunSpec) Term() string { return "{" + termOf(v.Fun) + "," + termOf(v.UserState) + "}" }

// LookupKind says what a UserLookupFunc is asked for.
type LookupKind uint8

// The lookups.
const (
	// LookupPSK asks for the shared secret of a pre-shared key identity.
	// A client is called with the server's identity hint ("" when none).
	LookupPSK LookupKind = iota
	// LookupSRP asks a server for the SRP verifier parameters of a user.
	LookupSRP
)

// String returns the Erlang atom: "psk" or "srp".
func (k LookupKind) String() string { return enumString(k) }

func (k LookupKind) atom() (string, bool) {
	switch k {
	case LookupPSK:
		return "psk", true
	case LookupSRP:
		return "srp", true
	}
	return "", false
}

// SRPGroup is one of the SRP groups of RFC 5054, Appendix A (Erlang's
// srp_param_type()).
type SRPGroup uint8

// The SRP groups, named by their size in bits.
const (
	SRP1024 SRPGroup = iota + 1
	SRP1536
	SRP2048
	SRP3072
	SRP4096
	SRP6144
	SRP8192
)

// String returns the Erlang atom ("srp_1024", ..., "srp_8192").
func (g SRPGroup) String() string { return enumString(g) }

func (g SRPGroup) atom() (string, bool) {
	bits := [...]string{"", "1024", "1536", "2048", "3072", "4096", "6144", "8192"}
	if g >= SRP1024 && g <= SRP8192 {
		return "srp_" + bits[g], true
	}
	return "", false
}

// LookupResult is what a UserLookupFunc returns: for LookupPSK the shared
// secret, for LookupSRP the group, salt and derived key (RFC 5054:
// SHA1(Salt | SHA1(Username | ":" | Password))).
type LookupResult struct {
	SharedSecret []byte
	SRPGroup     SRPGroup
	Salt         []byte
	DerivedKey   []byte
}

// UserLookupFunc is Erlang's user_lookup_fun: it returns the secret for a
// PSK identity or the SRP parameters of a user, and false when there are
// none. (The Go type is UserLookupFunc because UserLookupFun is the option's
// constructor.)
type UserLookupFunc func(kind LookupKind, identity string, userState any) (LookupResult, bool)

// UserLookupSpec is the value of the user_lookup_fun option: the fun and
// its user state.
type UserLookupSpec struct {
	Fun       UserLookupFunc
	UserState any
}

// Term renders the value as {#Fun<...>,UserState}.
func (u UserLookupSpec) Term() string { return "{" + termOf(u.Fun) + "," + termOf(u.UserState) + "}" }

// SNIFunc is Erlang's sni_fun: given the server name a client asked for,
// it returns the options that apply to it (merged over the listen
// options), or nil for none. (The Go type is SNIFunc because SNIFun is the
// option's constructor.)
type SNIFunc func(serverName string) []Option

// ReuseSessionFun is a server's reuse_session: given the session a client
// proposes to resume, it reports whether to resume it. compression is the
// session's compression method (always 0, null).
type ReuseSessionFun func(sessionID, peerCert []byte, compression int, suite CipherSuite) bool

// DERKey is the value of KeyDER: a DER private key with its kind, Erlang's
// {key, {Kind, DER}}.
type DERKey struct {
	// Kind is pem.RSAPrivateKey, pem.DSAPrivateKey, pem.ECPrivateKey or
	// pem.PrivateKeyInfo.
	Kind pem.KeyKind
	DER  []byte
}

// Term renders the key as {'Kind',<<...>>} with the DER cut short.
func (k DERKey) Term() string { return "{" + quoteAtom(k.Kind.String()) + "," + erlBinary(k.DER) + "}" }

// SRPCredentials is the value of srp_identity. Term does not show the
// password.
type SRPCredentials struct {
	Username string
	Password string
}

// Term renders the value as {"Username","******"}.
func (c SRPCredentials) Term() string { return "{" + erlString(c.Username) + ",\"******\"}" }

// Linger is the value of the linger option: on Close, whether and for how
// long to wait for unsent data to be sent.
type Linger struct {
	On      bool          // linger on Close
	Timeout time.Duration // for how long, in whole seconds
}

// Term renders the value as Erlang's {Bool, Seconds}.
func (l Linger) Term() string {
	return "{" + termOf(l.On) + "," + strconv.FormatInt(int64(l.Timeout/time.Second), 10) + "}"
}

// BloomFilter is the value of the anti_replay option: the parameters of
// the Bloom filters a stateless TLS 1.3 server uses to refuse replayed
// early data (Erlang's {WindowSeconds, K, M}).
type BloomFilter struct {
	// Window is how long a ticket's use is remembered (whole seconds).
	Window time.Duration
	// K is the number of hash functions, M the number of bits.
	K, M int
}

// Term renders the value as {WindowSeconds,K,M}.
func (b BloomFilter) Term() string {
	return "{" + strconv.FormatInt(int64(b.Window/time.Second), 10) + "," + strconv.Itoa(b.K) + "," + strconv.Itoa(b.M) + "}"
}

// The anti_replay presets of Erlang: '10k' and '100k' expected uses per
// ten-second window, with one false positive in about 33.
var (
	AntiReplay10K  = BloomFilter{Window: 10 * time.Second, K: 5, M: 72985}
	AntiReplay100K = BloomFilter{Window: 10 * time.Second, K: 5, M: 729845}
)

// CallbackInfo is the value of the cb_info option: the transport a socket
// runs over in place of TCP. Erlang's {Module, DataTag, ClosedTag, ErrTag}
// names a module that behaves as gen_tcp and the tags of its messages; in
// Go a transport is any net.Conn that behaves as a stream (reliable,
// ordered, its Read ending with io.EOF), its messages need no tags, and
// this option gives the functions that make one: Dial for Connect, Listen
// for Listen. Dial is called with the network ("tcp", or "tcp4"/"tcp6"
// with the inet options) and "host:port" and may ignore them to reach a
// Unix socket, an in-memory pipe or a proxy. A transport already in hand
// is upgraded with ConnectConn or SSLAcceptConn instead. Either function
// may be nil, and then TCP is used for that side.
//
// Every call works over such a transport. What a transport gives beyond
// net.Conn is used when it is there: deadlines (SetReadDeadline,
// SetWriteDeadline) for every timeout (a transport without them cannot
// time out: pass Infinity); CloseWrite and CloseRead for Shutdown's
// half-close (without them Shutdown(Write) sends close_notify and leaves
// the transport open); a listener's SetDeadline for TransportAccept's
// timeout; IP addresses for Peername and Sockname. The operating system's
// socket options (nodelay, recbuf, tos, ...) are applied to *net.TCPConn
// only; for other transports they are stored and reported by Getopts. A
// transport that takes a write only when the peer reads (net.Pipe) works
// too; Close then waits up to alert_timeout for the peer to read the
// close_notify, as crypto/tls's does.
type CallbackInfo struct {
	// Dial opens a connection for Connect.
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
	// Listen opens a listener for Listen.
	Listen func(network, address string) (net.Listener, error)
}

// Term renders the value as {Dial,Listen}.
func (c CallbackInfo) Term() string { return "{" + termOf(c.Dial) + "," + termOf(c.Listen) + "}" }

// Constructors of the ssl options, in the order of the ssl(3) manual.

// Verify is the verify option: whether the peer's certificate is validated.
// The default is VerifyPeer for a client (with the operating system's CA
// certificates unless CACerts or CACertFile is given) and VerifyNone for a
// server.
func Verify(v VerifyType) Option { return Option{"verify", v} }

// VerifyFun is the verify_fun option: f is called for every certificate of
// the peer's path, as x509path.VerifyFun describes, starting with userState.
// Without it, verify_peer uses x509path.DefaultVerifyPeer and verify_none
// x509path.DefaultVerifyNone.
func VerifyFun(f x509path.VerifyFun, userState any) Option {
	return Option{"verify_fun", VerifyFunSpec{Fun: f, UserState: userState}}
}

// FailIfNoPeerCert is the server's fail_if_no_peer_cert option: with
// verify_peer, refuse a client that sends no certificate. It defaults to
// true with verify_peer and false with verify_none (as OTP 26 and later;
// OTP 20 defaulted to false); true with verify_none is refused as
// incompatible. A client may give false, which means nothing.
func FailIfNoPeerCert(b bool) Option { return Option{"fail_if_no_peer_cert", b} }

// Depth is the depth option: the largest number of non-self-issued
// intermediate certificates between the peer's certificate and the trusted
// root, 0 to 255. 0 means the peer must be signed by the root itself. The
// default is 10, as in current OTP.
func Depth(n int) Option { return Option{"depth", n} }

// Cert is the cert option: this side's certificate, DER, followed by the
// chain to send with it. It overrides CertFile.
func Cert(der ...[]byte) Option { return Option{"cert", der} }

// CertFile is the certfile option: a PEM file holding this side's
// certificate, optionally followed by its chain. It is read through the PEM
// cache (pem.Default). A file that cannot be read or holds no certificate
// is an error for a client too (Erlang's client silently goes on without a
// certificate).
func CertFile(path string) Option { return Option{"certfile", path} }

// Key is the key option: this side's private key, any crypto.Signer (an
// HSM or TPM key works). It overrides KeyFile.
func Key(k crypto.Signer) Option { return Option{"key", k} }

// KeyDER is the key option in Erlang's {key, {Kind, DER}} form: a DER
// private key of kind pem.RSAPrivateKey, pem.DSAPrivateKey, pem.ECPrivateKey
// or pem.PrivateKeyInfo (PKCS #8).
func KeyDER(kind pem.KeyKind, der []byte) Option {
	return Option{"key", DERKey{Kind: kind, DER: der}}
}

// KeyFile is the keyfile option: a PEM file holding this side's private
// key (the first private key entry is used). Without Key and KeyFile, the
// key is read from the CertFile, which may hold both.
func KeyFile(path string) Option { return Option{"keyfile", path} }

// Password is the password option: the password of an encrypted KeyFile.
func Password(pw string) Option { return Option{"password", pw} }

// CACerts is the cacerts option: the trusted certificates, DER. It
// overrides CACertFile.
func CACerts(der ...[]byte) Option { return Option{"cacerts", der} }

// CACertFile is the cacertfile option: a PEM file of trusted certificates.
func CACertFile(path string) Option { return Option{"cacertfile", path} }

// DH is the server's dh option: DER Diffie-Hellman parameters (PKCS #3)
// for DHE suites in TLS 1.0-1.2. It overrides DHFile. Without either the
// server uses handshake.DefaultDHParams (ffdhe2048).
func DH(der []byte) Option { return Option{"dh", der} }

// DHFile is the server's dhfile option: a PEM file of Diffie-Hellman
// parameters.
func DHFile(path string) Option { return Option{"dhfile", path} }

// Ciphers is the ciphers option: the cipher suites this side accepts, in
// order of preference. Suites not valid for any configured version are
// dropped; none left is refused as incompatible with the versions. No
// suites means the default list (Erlang's ciphers []). A hand-written
// option may give an OpenSSL-style string instead, see ParseCipherSuites.
func Ciphers(suites ...CipherSuite) Option { return Option{"ciphers", suites} }

// EccsOption is the eccs option: the elliptic curves of ECDHE in TLS 1.0-1.2,
// in order of preference (default handshake.DefaultEccs). Curves this
// library does not implement are dropped, as Erlang drops the ones its
// crypto lacks; none left is refused. With TLS 1.3 only, the option has no
// effect. (Erlang calls the option eccs; the Go name Eccs is the
// application function that lists the supported curves.)
func EccsOption(curves ...NamedCurve) Option { return Option{"eccs", curves} }

// SecureRenegotiate is the secure_renegotiate option: refuse to
// renegotiate with a peer that does not support RFC 5746. The default is
// true (OTP 20 defaulted to false). TLS 1.0-1.2 only.
func SecureRenegotiate(b bool) Option { return Option{"secure_renegotiate", b} }

// CRLCheck is the crl_check option: whether and how certificate revocation
// is checked during path validation (crl.Off, the default; crl.On,
// crl.Peer, crl.BestEffort).
func CRLCheck(m crl.CheckMode) Option { return Option{"crl_check", m} }

// CRLCache is the crl_cache option: where CRLs come from (Erlang's
// {Module, {DbHandle, Args}}). The default is the library's internal cache,
// DefaultCRLCache.
func CRLCache(c crl.Cache) Option { return Option{"crl_cache", c} }

// PartialChain is the partial_chain option: f may choose a certificate of
// a chain that reaches no trusted root as the trust anchor.
func PartialChain(f x509path.PartialChainFun) Option { return Option{"partial_chain", f} }

// Versions is the versions option: the protocol versions this side
// accepts. The default is TLS 1.3 and 1.2 (or the application environment's
// ProtocolVersion); TLS 1.1, 1.0 and SSL 3.0 are available when listed.
// A version given twice, an empty list, DTLS versions with protocol tls
// (and the reverse), and TLS 1.3 together with older versions but without
// TLS 1.2 are refused.
func Versions(v ...Protocol) Option { return Option{"versions", v} }

// HibernateAfter is the hibernate_after option: after d without activity
// (no record from the peer, no Send, no data returned or delivered), the
// socket gives back the memory it holds only to move data (the record
// layer's read and write buffers and the gather buffer of Send; a reader
// waiting on the peer then waits with a 5-byte buffer) and takes it again
// at the next byte, as an Erlang connection process hibernates. Go has no
// process to hibernate: the goroutine of an active socket stays, its stack
// small while it waits. The idle memory per connection is measured by
// BenchmarkIdleConnMemory. Infinity, the default, never hibernates; 0
// hibernates as soon as the socket is idle.
func HibernateAfter(d time.Duration) Option { return Option{"hibernate_after", d} }

// UserLookupFun is the user_lookup_fun option for PSK and SRP suites: f
// is called with userState to find the secret of an identity (TLS 1.0-1.2).
func UserLookupFun(f UserLookupFunc, userState any) Option {
	return Option{"user_lookup_fun", UserLookupSpec{Fun: f, UserState: userState}}
}

// PaddingCheck is the padding_check option: false accepts TLS 1.0 CBC
// records with any padding bytes, for legacy peers (it opens TLS 1.0 to
// POODLE). It requires TLS 1.0 among the versions.
func PaddingCheck(b bool) Option { return Option{"padding_check", b} }

// BeastMitigation is the beast_mitigation option: how writes are split
// under SSL 3.0 and TLS 1.0 CBC suites (OneNMinusOne, the default; ZeroN;
// BeastDisabled). It requires SSL 3.0 or TLS 1.0 among the versions.
func BeastMitigation(m BeastMitigationMode) Option { return Option{"beast_mitigation", m} }

// ReuseSessions is the reuse_sessions option: whether a client tries to
// resume sessions and a server agrees to (default true). TLS 1.0-1.2.
func ReuseSessions(b bool) Option { return Option{"reuse_sessions", b} }

// ReuseSessionsSave is a client's {reuse_sessions, save}: every full
// handshake saves its session for resumption, whether or not it was
// resumed.
func ReuseSessionsSave() Option { return Option{"reuse_sessions", "save"} }

// ReuseSession is a server's reuse_session option: f decides whether a
// session a client proposes is resumed. TLS 1.0-1.2.
func ReuseSession(f ReuseSessionFun) Option { return Option{"reuse_session", f} }

// ReuseSessionID is a client's reuse_session option (newer OTP): the ID of
// a saved session to resume. TLS 1.0-1.2.
func ReuseSessionID(id []byte) Option { return Option{"reuse_session", id} }

// ALPNAdvertisedProtocols is a client's alpn_advertised_protocols option:
// the application protocols offered with ALPN (RFC 7301), in order of
// preference, each 1 to 255 bytes. An empty list is refused (Erlang would
// send an empty, invalid extension).
func ALPNAdvertisedProtocols(p ...string) Option { return Option{"alpn_advertised_protocols", p} }

// ALPNPreferredProtocols is a server's alpn_preferred_protocols option:
// the application protocols it accepts with ALPN, in order of preference,
// each 1 to 255 bytes; an empty list is refused.
func ALPNPreferredProtocols(p ...string) Option { return Option{"alpn_preferred_protocols", p} }

// ClientPreferredNextProtocols is a client's client_preferred_next_protocols
// option: Next Protocol Negotiation (TLS 1.0-1.2) with the given precedence,
// protocols (each 1 to 255 bytes) and default protocol ("" for none).
func ClientPreferredNextProtocols(prec Precedence, protocols []string, defaultProtocol string) Option {
	return Option{"client_preferred_next_protocols", NextProtocols{Precedence: prec, Protocols: protocols, Default: defaultProtocol}}
}

// NextProtocolsAdvertised is a server's next_protocols_advertised option:
// the protocols offered with Next Protocol Negotiation (TLS 1.0-1.2).
func NextProtocolsAdvertised(p ...string) Option { return Option{"next_protocols_advertised", p} }

// PSKIdentity is the psk_identity option: a client's PSK identity, or a
// server's identity hint (less than 65536 bytes). TLS 1.0-1.2.
func PSKIdentity(id string) Option { return Option{"psk_identity", id} }

// SRPIdentity is a client's srp_identity option: the user name (1 to
// 65535 bytes) and password for SRP suites. TLS 1.0-1.2.
func SRPIdentity(username, password string) Option {
	return Option{"srp_identity", SRPCredentials{Username: username, Password: password}}
}

// ServerNameIndication is a client's server_name_indication option: the
// host name sent in the SNI extension and checked against the server's
// certificate, in place of the host given to Connect. It must be a DNS name
// (ASCII, labels of 1 to 63 bytes, at most 253 bytes; a trailing dot is
// dropped). An IP address literal is accepted: no SNI is sent (RFC 6066
// does not allow addresses) and the certificate is checked for that
// address.
func ServerNameIndication(host string) Option { return Option{"server_name_indication", host} }

// ServerNameIndicationDisable is a client's {server_name_indication,
// disable}: no SNI is sent and the host name is not checked against the
// server's certificate. A hand-written option may give the string
// "disable" or false.
func ServerNameIndicationDisable() Option { return Option{"server_name_indication", "disable"} }

// Fallback is a client's fallback option: send TLS_FALLBACK_SCSV, for a
// client retrying with lower versions after a failure. TLS 1.0-1.2.
func Fallback(b bool) Option { return Option{"fallback", b} }

// SignatureAlgs is the signature_algs option: the signature algorithms
// this side accepts and offers, in order of preference (default
// handshake.DefaultSignatureSchemes). It requires TLS 1.2 or 1.3.
func SignatureAlgs(s ...SignatureScheme) Option { return Option{"signature_algs", s} }

// SignatureAlgsCert is the signature_algs_cert option: the algorithms
// accepted in certificate signatures, when they differ from SignatureAlgs.
// Without it no signature_algorithms_cert extension is sent. It requires
// TLS 1.2 or 1.3.
func SignatureAlgsCert(s ...SignatureScheme) Option { return Option{"signature_algs_cert", s} }

// HonorCipherOrder is a server's honor_cipher_order option: choose the
// cipher suite by the server's preference (default false: the client's).
func HonorCipherOrder(b bool) Option { return Option{"honor_cipher_order", b} }

// HonorEccOrder is a server's honor_ecc_order option: choose the group by
// the server's preference (default false: the client's).
func HonorEccOrder(b bool) Option { return Option{"honor_ecc_order", b} }

// SNIHosts is a server's sni_hosts option: options that apply when a client
// asks for one of the host names (matched without regard to case, a
// trailing dot ignored). Each host's options are checked when the server's
// options are, and may not hold sni_hosts or sni_fun.
func SNIHosts(hosts map[string][]Option) Option { return Option{"sni_hosts", hosts} }

// SNIFun is a server's sni_fun option: f returns the options for the host
// name a client asks for. It excludes SNIHosts.
func SNIFun(f SNIFunc) Option { return Option{"sni_fun", f} }

// ClientRenegotiation is a server's client_renegotiation option: false
// refuses renegotiation started by the client (default true). TLS 1.0-1.2.
func ClientRenegotiation(b bool) Option { return Option{"client_renegotiation", b} }

// V2HelloCompatible is a server's v2_hello_compatible option: accept an
// SSL 2.0 format ClientHello offering SSL 3.0 or TLS (default false).
func V2HelloCompatible(b bool) Option { return Option{"v2_hello_compatible", b} }

// LogAlert is the log_alert option of OTP 20: true logs alerts at the
// notice level, false not at all. A log_level option, anywhere in the list,
// takes precedence.
func LogAlert(b bool) Option { return Option{"log_alert", b} }

// LogLevel is the log_level option of newer OTP: the least severe level
// logged (default LevelNotice).
func LogLevel(s Severity) Option { return Option{"log_level", s} }

// Logger sets the log/slog logger the connection writes to (default
// slog.Default()). It is not an Erlang option.
func Logger(l *slog.Logger) Option { return Option{"logger", l} }

// MaxHandshakeSize is the max_handshake_size option: the largest
// handshake message accepted, 1 to 2^24-1 bytes (default 256 KiB).
func MaxHandshakeSize(n int) Option { return Option{"max_handshake_size", n} }

// ProtocolOption is the protocol option: TLS (the default) or DTLS. (The
// Go name Protocol is the type of protocol versions.)
func ProtocolOption(p TransportProtocol) Option { return Option{"protocol", p} }

// CBInfo is the cb_info option: the transport to run over in place of TCP.
func CBInfo(cb CallbackInfo) Option { return Option{"cb_info", cb} }

// Options of newer OTP.

// SupportedGroups is the supported_groups option: the key exchange groups
// of TLS 1.3, in order of preference (default handshake.DefaultGroups).
// Groups this library does not implement are dropped; none left is
// refused. It requires TLS 1.3.
func SupportedGroups(g ...NamedCurve) Option { return Option{"supported_groups", g} }

// MiddleboxCompMode is the middlebox_comp_mode option: TLS 1.3 middlebox
// compatibility mode (RFC 8446, Appendix D.4), default true. It requires
// TLS 1.3.
func MiddleboxCompMode(b bool) Option { return Option{"middlebox_comp_mode", b} }

// SessionTickets is the session_tickets option: TLS 1.3 session tickets
// (default TicketsDisabled). A client takes TicketsManual or TicketsAuto, a
// server TicketsStateful, TicketsStateless or their WithCert variants. It
// requires TLS 1.3.
func SessionTickets(m SessionTicketsMode) Option { return Option{"session_tickets", m} }

// UseTicket is a client's use_ticket option: the tickets, as received,
// to try for resumption, with SessionTickets(TicketsManual). At least one.
func UseTicket(tickets ...[]byte) Option { return Option{"use_ticket", tickets} }

// EarlyData is a client's early_data option: data to send as TLS 1.3
// early data (0-RTT) when resuming. It needs session tickets, and with
// TicketsManual a UseTicket. Data that cannot go as early data (no
// ticket, more than the ticket allows, refused by the server) is sent
// right after the handshake instead.
func EarlyData(data []byte) Option { return Option{"early_data", data} }

// EarlyDataEnabled is a server's early_data option (enabled or disabled,
// the default): accept TLS 1.3 early data. It needs session tickets.
func EarlyDataEnabled(b bool) Option { return Option{"early_data", b} }

// AntiReplay is a server's anti_replay option: protection against replayed
// early data with stateless tickets. AntiReplay10K and AntiReplay100K are
// Erlang's '10k' and '100k'.
func AntiReplay(b BloomFilter) Option { return Option{"anti_replay", b} }

// PSKMode is a TLS 1.3 PSK key exchange mode (RFC 8446, Section 4.2.9),
// the value of the psk_key_exchange_modes option.
type PSKMode uint8

// The PSK key exchange modes.
const (
	// PSKDHEKE is psk_dhe_ke: a resumption runs an (EC)DHE exchange as
	// well, so its keys have forward secrecy.
	PSKDHEKE PSKMode = PSKMode(handshake.PSKModeDHEKE)
	// PSKKE is psk_ke: a resumption uses the PSK alone, without key_share
	// and without forward secrecy; it saves the (EC)DHE computations.
	PSKKE PSKMode = PSKMode(handshake.PSKModeKE)
)

// String returns the Erlang-style atom ("psk_dhe_ke", "psk_ke").
func (m PSKMode) String() string { return enumString(m) }

func (m PSKMode) atom() (string, bool) {
	switch m {
	case PSKDHEKE:
		return "psk_dhe_ke", true
	case PSKKE:
		return "psk_ke", true
	}
	return "", false
}

// PSKKeyExchangeModes is the psk_key_exchange_modes option: the TLS 1.3
// PSK key exchange modes of a resumption with session tickets, at least
// one (strings "psk_dhe_ke" and "psk_ke" are taken too). A client lists
// them in its psk_key_exchange_modes extension, in the order given. A
// server resumes with psk_dhe_ke when the client lists it and the option
// allows it, whatever the order, and with psk_ke when that is the only
// mode both allow; it gives a client that lists none of its modes a full
// handshake, and sends such a client no tickets. The default on both
// sides is PSKDHEKE alone: every resumption runs an (EC)DHE exchange, for
// forward secrecy, and nothing changes for a configuration without the
// option. A psk_ke resumption saves the key exchange but its keys depend
// on the ticket's secret alone; it reports no ecc item in
// ConnectionInformation, as no group was used. It requires TLS 1.3.
//
// OTP has no such option: its client (OTP 25) lists psk_ke and
// psk_dhe_ke but cannot complete a psk_ke handshake, and its server
// always answers with psk_dhe_ke. Preferring psk_dhe_ke whenever both
// sides allow it keeps Erlang's clients resuming against a server that
// allows psk_ke too; a server allowing PSKKE alone gives such clients a
// failed resumption. A client listing PSKKE alone refuses the ServerHello
// of a server that resumes with a key_share anyway, as OTP's does, with
// illegal_parameter (RFC 8446, Section 4.2.9): list PSKDHEKE too to
// resume with such servers.
func PSKKeyExchangeModes(modes ...PSKMode) Option {
	return Option{"psk_key_exchange_modes", modes}
}

// KeyUpdateAt is the key_update_at option: after how many bytes of
// application data sent the TLS 1.3 write keys are updated (at least 1).
// The default, 2^38 bytes (2^24 records of 2^14 bytes), stays within RFC
// 8446, Section 5.5's limit for AES-GCM. It requires TLS 1.3.
func KeyUpdateAt(n int64) Option { return Option{"key_update_at", n} }

// KeepSecrets is the keep_secrets option: keep the traffic secrets so that
// ConnectionInformation can report them (default false).
func KeepSecrets(b bool) Option { return Option{"keep_secrets", b} }

// Keylog writes the connection's secrets to w as NSS key log lines
// (SSLKEYLOGFILE format), for Wireshark. Anyone who reads w can decrypt the
// traffic. It is not an Erlang option (Erlang's {keep_secrets, {keylog,
// Fun}} is the nearest).
func Keylog(w io.Writer) Option { return Option{"keylog", w} }

// Cookie is a server's cookie option: send a cookie in a TLS 1.3
// HelloRetryRequest (default true). It requires TLS 1.3.
func Cookie(b bool) Option { return Option{"cookie", b} }

// CertificateAuthorities is the certificate_authorities option: send the
// names of the trusted CAs (default true for a server, false for a client;
// a client needs TLS 1.3 for it).
func CertificateAuthorities(b bool) Option { return Option{"certificate_authorities", b} }

// AlertTimeoutOption is the alert_timeout option: how long to wait, after
// sending a fatal alert, before closing the transport, so that the peer can
// read the alert. The default is the application environment's AlertTimeout
// (5 s). (The Go name AlertTimeout is the environment option.)
func AlertTimeoutOption(d time.Duration) Option { return Option{"alert_timeout", d} }

// Handshake is the handshake option: HandshakeFull (the default).
// HandshakeHello is not supported yet and is refused.
func Handshake(m HandshakeMode) Option { return Option{"handshake", m} }

// Constructors of the socket options (inet and gen_tcp). They can also be
// given to Setopts, except IP, Port, Backlog, Inet and Inet6.

// Active is the active option: true delivers data as messages on the
// owner channel (the default), false makes the socket passive (Recv).
func Active(b bool) Option { return Option{"active", b} }

// ActiveOnce is {active, once}: one message, then passive.
func ActiveOnce() Option { return Option{"active", "once"} }

// ActiveN is {active, N}: N messages (-32768 to 32767), then passive with
// a Passive message. Setopts adds N to the current count, as Erlang does; a
// count of 0 or less makes the socket passive.
func ActiveN(n int) Option { return Option{"active", n} }

// Mode is the mode option: Binary (the default) or List. Data is []byte
// either way. A hand-written Option{Name: "binary"} or {Name: "list"}
// works too, as Erlang's bare binary and list.
func Mode(m ModeType) Option { return Option{"mode", m} }

// Packet is the packet option: how received data is cut into packets and
// how Send frames data (PacketRaw, the default; Packet1, Packet2, Packet4,
// PacketLine, PacketASN1, PacketTPKT, PacketCDR, PacketSunRM, PacketFCGI),
// as gen_tcp does it; packet.go describes each. Send adds the length
// header only for 1, 2 and 4; with the other types the application sends
// whole packets itself. Setopts may change it at any time: packets already
// decoded stay as they are, and the bytes not yet decoded are cut with the
// new type.
func Packet(t PacketType) Option { return Option{"packet", t} }

// PacketSize is the packet_size option: the largest packet body accepted
// (for line, the longest line, delimiter included); a larger one ends the
// connection with a *PacketError. 0, the default, means no limit of the
// application's: the socket's own, MaxPacketSize (64 MiB, gen_tcp's),
// applies.
func PacketSize(n int) Option { return Option{"packet_size", n} }

// Header is the header option (default 0). In Erlang it makes the first N
// bytes of each packet arrive as a list of integers ahead of the binary
// rest. Go has one byte type, so the data is delivered unchanged: those
// bytes are the first N of Data (or of what Recv returns). The value is
// checked, kept and reported by Getopts.
func Header(n int) Option { return Option{"header", n} }

// LineDelimiter is the line_delimiter option: the byte that ends a line
// with packet type line (default '\n').
func LineDelimiter(c byte) Option { return Option{"line_delimiter", c} }

// ShowEconnreset is the show_econnreset option: when true, a connection
// reset by the peer (TCP RST) is reported as such (an error for which
// errors.Is(err, syscall.ECONNRESET) holds, Erlang's econnreset) instead
// of as ErrClosed. Default false.
func ShowEconnreset(b bool) Option { return Option{"show_econnreset", b} }

// ReuseAddr is the reuseaddr option (SO_REUSEADDR).
func ReuseAddr(b bool) Option { return Option{"reuseaddr", b} }

// Nodelay is the nodelay option (TCP_NODELAY).
func Nodelay(b bool) Option { return Option{"nodelay", b} }

// Keepalive is the keepalive option (SO_KEEPALIVE).
func Keepalive(b bool) Option { return Option{"keepalive", b} }

// IP is the ip option: the local address to bind to. A hand-written option
// may give a net.IP or a string.
func IP(addr netip.Addr) Option { return Option{"ip", addr} }

// Port is the port option: the local port to bind to when connecting.
func Port(n int) Option { return Option{"port", n} }

// Inet selects IPv4 (Erlang's bare inet).
func Inet() Option { return Option{"inet", true} }

// Inet6 selects IPv6 (Erlang's bare inet6).
func Inet6() Option { return Option{"inet6", true} }

// Backlog is the backlog option of Listen: the length of the queue of
// pending connections (default 5).
func Backlog(n int) Option { return Option{"backlog", n} }

// ExitOnClose is the exit_on_close option: whether the socket closes when
// the peer closes its side (default true): with true, a close_notify from
// the peer is answered with one and the transport is closed, as Erlang's
// ssl does. With false the socket keeps its sending side, as gen_tcp's
// does: receives return ErrClosed (in active mode a Closed message is
// delivered), Send goes on working, and Close (or CloseDowngrade) ends it;
// this is TLS 1.3's half-close, and what a TLS 1.2 peer that shut down
// only its sending side expects. (OTP's ssl passes the option to the TCP
// socket and closes the connection on close_notify whatever its value.)
func ExitOnClose(b bool) Option { return Option{"exit_on_close", b} }

// SendTimeout is the send_timeout option: how long a Send may block
// (default Infinity).
func SendTimeout(d time.Duration) Option { return Option{"send_timeout", d} }

// SendTimeoutClose is the send_timeout_close option: close the socket when
// a Send times out (default false).
func SendTimeoutClose(b bool) Option { return Option{"send_timeout_close", b} }

// Buffer is the buffer option: in Erlang the size of the driver's
// user-level receive buffer, and with packet line the length past which
// gen_tcp cuts a line. Here the record layer sizes its buffers by the
// records it sees; with packet line, a line longer than the value is
// delivered in pieces of that many bytes, as gen_tcp does (see Packet; a
// socket without the option delivers lines whole, as Erlang's ssl does).
// Getopts reports it (nil when never set).
func Buffer(n int) Option { return Option{"buffer", n} }

// RecBuf is the recbuf option (SO_RCVBUF).
func RecBuf(n int) Option { return Option{"recbuf", n} }

// SndBuf is the sndbuf option (SO_SNDBUF).
func SndBuf(n int) Option { return Option{"sndbuf", n} }

// LingerOption is the linger option (SO_LINGER): on Close, wait up to
// timeout (whole seconds) for unsent data when on is true. (The Go name
// Linger is the type of its value.)
func LingerOption(on bool, timeout time.Duration) Option {
	return Option{"linger", Linger{On: on, Timeout: timeout}}
}

// TOS is the tos option: the IP type-of-service byte, 0 to 255.
func TOS(n int) Option { return Option{"tos", n} }

// Priority is the priority option (SO_PRIORITY, Linux), 0 to 255.
func Priority(n int) Option { return Option{"priority", n} }

// DelaySend is the delay_send option (default false). In Erlang it
// queues small sends to write them together; here Send writes before it
// returns (iodata pieces are gathered into records already), so the value
// is checked, stored and reported only.
func DelaySend(b bool) Option { return Option{"delay_send", b} }

// Deliver is the deliver option: only DeliverTerm is supported.
func Deliver(d DeliverType) Option { return Option{"deliver", d} }

// renderBinaries renders strings as an Erlang list of binaries.
func renderBinaries(list []string) string {
	parts := make([]string, len(list))
	for i, s := range list {
		parts[i] = erlBinary([]byte(s))
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// renderOption renders an option as {Name,Value}.
func renderOption(o Option) string {
	return "{" + quoteAtom(o.Name) + "," + renderValue(o.Name, o.Value) + "}"
}

// renderValue renders the value of the option name as Erlang writes it:
// strings given for atom-valued options as atoms, strings of the ALPN and
// NPN options as binaries, passwords hidden.
func renderValue(name string, v any) string {
	switch name {
	case "password":
		if _, ok := v.(string); ok {
			return "\"******\""
		}
	case "server_name_indication":
		if v == "disable" {
			return "disable"
		}
	case "alpn_advertised_protocols", "alpn_preferred_protocols", "next_protocols_advertised":
		switch x := v.(type) {
		case []string:
			return renderBinaries(x)
		case string:
			return erlBinary([]byte(x))
		}
	}
	if s, ok := v.(string); ok && atomValued[name] {
		return quoteAtom(s)
	}
	if list, ok := v.([]string); ok && atomListValued[name] {
		parts := make([]string, len(list))
		for i, s := range list {
			parts[i] = quoteAtom(s)
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	return termOf(v)
}

// atomValued are the options whose value, given as a string, stands for an
// Erlang atom.
var atomValued = map[string]bool{
	"verify": true, "mode": true, "packet": true, "beast_mitigation": true, "crl_check": true,
	"protocol": true, "session_tickets": true, "log_level": true, "handshake": true,
	"reuse_sessions": true, "active": true, "deliver": true, "anti_replay": true,
	"early_data": true, "fail_if_no_peer_cert": true, "secure_renegotiate": true,
	"reuseaddr": true, "nodelay": true, "keepalive": true, "exit_on_close": true,
	"send_timeout_close": true, "delay_send": true, "honor_cipher_order": true,
	"honor_ecc_order": true, "client_renegotiation": true, "v2_hello_compatible": true,
	"log_alert": true, "padding_check": true, "fallback": true,
	"middlebox_comp_mode": true, "keep_secrets": true, "cookie": true,
	"certificate_authorities": true, "hibernate_after": true, "send_timeout": true,
	"alert_timeout": true,
}

// atomListValued are the options whose value, given as []string, is a list
// of atoms.
var atomListValued = map[string]bool{
	"versions": true, "eccs": true, "supported_groups": true,
	"signature_algs": true, "signature_algs_cert": true,
	"psk_key_exchange_modes": true,
}
