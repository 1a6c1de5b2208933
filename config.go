package ssl

import (
	"crypto"
	"crypto/dsa"
	"crypto/ed25519"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/crl"
	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/pem"
	"github.com/otpssl/ssl/record"
	"github.com/otpssl/ssl/session"
	"github.com/otpssl/ssl/x509path"
)

// config is a resolved configuration: every option of one endpoint
// checked, defaulted and converted once, when Listen, Connect, SSLAccept or
// Setopts is called. It is immutable once made — its slices and maps are
// never written after resolve returns — so one config is shared by every
// connection a listener accepts and read without locks on hot paths.
//
// The handshake package cannot see this type (it is below the root
// package); the socket code builds the handshake's settings from these
// fields, and the record layer's from rec.
type config struct {
	role     Role
	protocol TransportProtocol
	// opts are the options the config was resolved from, in order; merge,
	// forServerName and setopts resolve again from them.
	opts []Option

	// Versions, highest first. minVersion and maxVersion bound them.
	versions               []Protocol
	minVersion, maxVersion Protocol
	middleboxCompat        bool

	// Negotiation. suites are valid for at least one configured version,
	// in preference order; suiteIDs are their code points, in the same
	// order. eccs are the ECDHE curves of TLS 1.0-1.2 (nil when no such
	// version is configured), groups the TLS 1.3 groups. sigAlgs is nil
	// when no version from TLS 1.2 on is configured; sigAlgsCert is nil
	// unless configured (no signature_algorithms_cert extension).
	suites           []*cipher.Suite
	suiteIDs         []uint16
	honorCipherOrder bool
	eccs             []NamedCurve
	groups           []NamedCurve
	honorEccOrder    bool
	sigAlgs          []SignatureScheme
	sigAlgsCert      []SignatureScheme

	// Peer verification.
	verify           VerifyType
	verifyFun        x509path.VerifyFun
	verifyUserState  any
	failIfNoPeerCert bool
	depth            int      // Erlang's depth, 0 to 255
	trusted          [][]byte // DER trust anchors
	trustSource      string   // "cacerts", "cacertfile", "system" or ""
	partialChain     x509path.PartialChainFun
	crlCheck         crl.CheckMode
	crlCache         crl.Cache

	// This side's credentials: certChain[0] is the certificate, leaf its
	// parsed form; key its private key. All nil without a certificate.
	certChain [][]byte
	leaf      *x509.Certificate
	key       crypto.Signer
	dh        *pem.DHParams // server only; the default group unless configured

	// SNI. A client sends sni (or the Connect host) unless sniDisabled;
	// sniIsIP means sni is an address literal, which is checked but not
	// sent. A server has per-host configs resolved in advance (keys
	// lowercase, no trailing dot) or a fun.
	sni         string
	sniDisabled bool
	sniIsIP     bool
	sniHosts    map[string]*config
	sniFun      SNIFunc

	// Application protocols.
	alpnAdvertised []string
	alpnPreferred  []string
	npnClient      *NextProtocols
	npnAdvertised  []string

	// Sessions and tickets.
	reuseSessions     bool
	saveSessions      bool // client {reuse_sessions, save}
	reuseSessionID    []byte
	reuseSessionFun   ReuseSessionFun
	reuseSessionData  *session.Session // client {reuse_session, {ID, Data}}
	tickets12         bool             // session_tickets_tls12 (sessions.go)
	ticketKeys        *session.TicketKeys
	sessionTickets    SessionTicketsMode
	pskModes          []uint8 // psk_key_exchange_modes (pskmodes.go); nil: the default
	useTicket         [][]byte
	earlyData         []byte // client
	earlyDataEnabled  bool   // server
	antiReplay        *BloomFilter
	ticketState       *serverTicketState // a listen socket's ticket keys and store (tickets13.go)
	cookie            bool
	certAuthorities   bool
	keyUpdateAt       int64
	secureRenegotiate bool
	clientReneg       bool
	fallback          bool

	// PSK and SRP.
	pskIdentity     string
	srp             *SRPCredentials
	userLookup      UserLookupFunc
	userLookupState any

	// The record layer's settings.
	rec record.Config

	keepSecrets bool
	keylog      io.Writer

	hibernateAfter time.Duration // Infinity: never
	alertTimeout   time.Duration
	logger         *slog.Logger
	logLevel       Severity
	cbInfo         *CallbackInfo

	sock socketOptions
}

// Defaults that are not another package's.
const (
	defaultDepth            = 10
	defaultKeyUpdateAt      = int64(1) << 38
	maxUint24               = 1<<24 - 1
	defaultBacklog          = 5
	maxALPNListLen          = 1<<16 - 1
	maxPSKIdentityLen       = 1<<16 - 1
	maxProtocolNameLen      = 255
	maxSNIHostConfigs       = 4096
	maxBloomBits            = 1 << 32
	maxBloomHashes          = 64
	maxDHParamsDERLen       = 1 << 16
	maxSocketBufferSizeOpts = math.MaxInt32
)

// socketOptions are the socket (inet) options. The emulated ones — those
// the library implements itself — always have a value; the ones of the
// operating system's socket are applied only when set, and otherwise
// Getopts reports what the socket layer reads from the live socket.
type socketOptions struct {
	active           activeMode
	mode             ModeType
	packet           PacketType
	packetSize       int
	header           int
	lineDelimiter    byte
	showEconnreset   bool
	deliver          DeliverType
	exitOnClose      bool
	sendTimeout      time.Duration // Infinity: none
	sendTimeoutClose bool
	delaySend        bool
	backlog          int
	family           string // "", "inet" or "inet6"

	ip        netip.Addr // valid when set
	port      optInt
	reuseAddr optBool
	nodelay   optBool
	keepalive optBool
	buffer    optInt
	recbuf    optInt
	sndbuf    optInt
	tos       optInt
	priority  optInt
	linger    *Linger
}

type optBool struct{ v, set bool }
type optInt struct {
	v   int
	set bool
}

// activeMode is the active option: true, false, once or N.
type activeMode struct {
	kind uint8 // activeTrue, activeFalse, activeOnce, activeN
	n    int
}

const (
	activeTrue uint8 = iota
	activeFalse
	activeOnce
	activeN
)

// value returns the active option as Getopts reports it: true, false,
// "once" or the count.
func (a activeMode) value() any {
	switch a.kind {
	case activeFalse:
		return false
	case activeOnce:
		return "once"
	case activeN:
		return a.n
	}
	return true
}

func defaultSocketOptions() socketOptions {
	return socketOptions{
		active:        activeMode{kind: activeTrue},
		mode:          Binary,
		packet:        PacketRaw,
		deliver:       DeliverTerm,
		lineDelimiter: '\n',
		exitOnClose:   true,
		sendTimeout:   Infinity,
		backlog:       defaultBacklog,
	}
}

// Option classes.
type optClass uint8

const (
	classSSL optClass = iota
	classSocket
)

type roleRule uint8

const (
	anyRole roleRule = iota
	serverOnly
	clientOnly
)

type optSpec struct {
	class optClass
	role  roleRule
	// settable marks the socket options Setopts may change.
	settable bool
}

// optSpecs lists every option resolve knows.
var optSpecs = map[string]optSpec{
	// ssl options
	"protocol": {}, "log_level": {}, "log_alert": {}, "logger": {}, "keep_secrets": {}, "keylog": {},
	"versions": {}, "middlebox_comp_mode": {},
	"verify": {}, "verify_fun": {}, "cacerts": {}, "cacertfile": {}, "partial_chain": {},
	"fail_if_no_peer_cert": {role: serverOnly}, "depth": {}, "crl_check": {}, "crl_cache": {},
	"cert": {}, "certfile": {}, "key": {}, "keyfile": {}, "password": {},
	"session_tickets": {}, "use_ticket": {role: clientOnly}, "early_data": {}, "anti_replay": {role: serverOnly},
	"sni_hosts": {role: serverOnly}, "sni_fun": {role: serverOnly}, "server_name_indication": {role: clientOnly},
	"signature_algs": {}, "signature_algs_cert": {},
	"alpn_advertised_protocols": {role: clientOnly}, "client_preferred_next_protocols": {role: clientOnly},
	"alpn_preferred_protocols": {role: serverOnly}, "next_protocols_advertised": {role: serverOnly},
	"beast_mitigation": {}, "padding_check": {},
	"honor_ecc_order": {role: serverOnly}, "honor_cipher_order": {role: serverOnly}, "cookie": {role: serverOnly},
	"client_renegotiation": {role: serverOnly}, "dh": {role: serverOnly}, "dhfile": {role: serverOnly},
	"v2_hello_compatible": {role: serverOnly},
	"fallback":            {role: clientOnly}, "key_update_at": {}, "secure_renegotiate": {},
	"reuse_sessions": {}, "reuse_session": {}, "session_tickets_tls12": {}, "ticket_keys": {role: serverOnly},
	"psk_identity": {}, "srp_identity": {role: clientOnly}, "user_lookup_fun": {},
	"supported_groups": {}, "ciphers": {}, "eccs": {},
	"handshake": {}, "max_handshake_size": {}, "hibernate_after": {}, "alert_timeout": {},
	"certificate_authorities": {}, "cb_info": {},
	"psk_key_exchange_modes": {},

	// socket options
	"active": {class: classSocket, settable: true}, "mode": {class: classSocket, settable: true},
	"packet": {class: classSocket, settable: true}, "packet_size": {class: classSocket, settable: true},
	"header": {class: classSocket, settable: true}, "deliver": {class: classSocket, settable: true},
	"exit_on_close": {class: classSocket, settable: true}, "send_timeout": {class: classSocket, settable: true},
	"send_timeout_close": {class: classSocket, settable: true}, "delay_send": {class: classSocket, settable: true},
	"reuseaddr": {class: classSocket, settable: true}, "nodelay": {class: classSocket, settable: true},
	"keepalive": {class: classSocket, settable: true}, "buffer": {class: classSocket, settable: true},
	"recbuf": {class: classSocket, settable: true}, "sndbuf": {class: classSocket, settable: true},
	"linger": {class: classSocket, settable: true}, "tos": {class: classSocket, settable: true},
	"priority":       {class: classSocket, settable: true},
	"line_delimiter": {class: classSocket, settable: true}, "show_econnreset": {class: classSocket, settable: true},
	"ip": {class: classSocket}, "port": {class: classSocket}, "backlog": {class: classSocket},
	"inet": {class: classSocket}, "inet6": {class: classSocket},
}

// socketOptionNames are the options getopts reports, in Erlang's order.
var socketOptionNames = []string{
	"active", "mode", "packet", "packet_size", "header", "deliver", "exit_on_close",
	"send_timeout", "send_timeout_close", "delay_send", "backlog", "reuseaddr", "nodelay",
	"keepalive", "ip", "port", "buffer", "recbuf", "sndbuf", "linger", "tos", "priority",
	"line_delimiter", "show_econnreset",
}

// resolver holds the state of one resolution.
type resolver struct {
	role  Role
	opts  []Option
	last  map[string]Option
	env   *appEnv
	c     *config
	certO string // the option the certificate came from ("cert" or "certfile")
	keyO  string // the option the key came from ("key" or "keyfile")
}

// resolve checks and resolves opts for role into a config, the way
// Erlang's ssl_config:process_options does: the last value of an option
// counts; the options are taken in stages in a fixed order (protocol and
// versions; verification; certificates and keys; tickets; SNI; signature
// algorithms; ALPN and NPN; legacy mitigations; server and client options;
// renegotiation and sessions; PSK and SRP; groups, cipher suites and curves;
// CRLs; handshake limits; process options; socket options); an option of
// the other role is refused before any stage runs; each stage checks the
// values it reads and the combinations it can see; cross-option checks run
// last. The first problem found is returned, always as an *OptionError.
func resolve(role Role, opts []Option) (*config, error) {
	return resolveEnv(role, opts, currentEnv())
}

func resolveEnv(role Role, opts []Option, env *appEnv) (*config, error) {
	if role != RoleClient && role != RoleServer {
		return nil, &OptionError{Name: "role", Value: role, Reason: "invalid", Detail: "a configuration is for a client or a server"}
	}
	r := &resolver{role: role, env: env, last: make(map[string]Option, len(opts)), c: &config{role: role}}
	if err := r.collect(opts); err != nil {
		return nil, err
	}
	r.c.opts = r.opts
	for _, stage := range []func() error{
		r.roles,
		r.stageVersions,
		r.stageVerification,
		r.stageCerts,
		r.stageTickets,
		r.stagePSKModes,
		r.stageSNI,
		r.stageSignatureAlgs,
		r.stageALPN,
		r.stageMitigation,
		r.stageServer,
		r.stageClient,
		r.stageRenegotiation,
		r.stageReuseSessions,
		r.stageIdentity,
		r.stageGroupsAndCiphers,
		r.stageCRL,
		r.stageHandshake,
		r.stageProcess,
		r.stageSocket,
		r.stageCross,
		r.stageSNIHosts,
	} {
		if err := stage(); err != nil {
			return nil, err
		}
	}
	return r.c, nil
}

// collect records the options in order and the last value of each,
// turning Erlang's shorthand (bare binary and list, ifaddr) into the full
// options.
func (r *resolver) collect(opts []Option) error {
	r.opts = make([]Option, 0, len(opts))
	for _, o := range opts {
		switch o.Name {
		case "binary", "list":
			if o.Value != nil && o.Value != true {
				return invalid(o.Name, o.Value, "the bare "+o.Name+" option takes no value")
			}
			m := Binary
			if o.Name == "list" {
				m = List
			}
			o = Option{"mode", m}
		case "ifaddr":
			o.Name = "ip"
		}
		if _, ok := optSpecs[o.Name]; !ok {
			return &OptionError{Name: o.Name, Value: o.Value, Reason: "unknown_option", Detail: "no ssl or socket option has this name"}
		}
		r.opts = append(r.opts, o)
		r.last[o.Name] = o
	}
	return nil
}

// get returns the last value given for the option, and whether it was
// given.
func (r *resolver) get(name string) (any, bool) {
	o, ok := r.last[name]
	return o.Value, ok
}

func (r *resolver) given(name string) bool {
	_, ok := r.last[name]
	return ok
}

// roles refuses the options of the other role, in the order given.
func (r *resolver) roles() error {
	for _, o := range r.opts {
		switch optSpecs[o.Name].role {
		case serverOnly:
			if r.role == RoleClient {
				// As Erlang: {fail_if_no_peer_cert, false} means
				// nothing to a client and is let through.
				if o.Name == "fail_if_no_peer_cert" {
					if b, ok := asBool(o.Value); ok && !b {
						continue
					}
				}
				return &OptionError{Name: o.Name, Value: o.Value, Reason: "server_only"}
			}
		case clientOnly:
			if r.role == RoleServer {
				return &OptionError{Name: o.Name, Value: o.Value, Reason: "client_only"}
			}
		}
	}
	return nil
}

// Errors.

func invalid(name string, v any, detail string) *OptionError {
	return &OptionError{Name: name, Value: v, Reason: "invalid", Detail: detail}
}

func incompatible(detail string, opts ...Option) *OptionError {
	name := ""
	var v any
	if len(opts) > 0 {
		name, v = opts[0].Name, opts[0].Value
	}
	return &OptionError{Name: name, Value: v, Reason: "incompatible", Detail: detail, Options: opts}
}

func fileError(name, path string, err error) *OptionError {
	return &OptionError{
		Name: name, Value: path, Reason: "file_error", Detail: err.Error(), Err: err,
		term: "{options,{" + quoteAtom(name) + "," + erlString(path) + "," + fileErrorTerm(err) + "}}",
	}
}

// bare names an option alone in an incompatibility ([sni_fun,sni_hosts]).
func bare(name string) Option { return Option{Name: name} }

// undefinedOpt names an option that was not given ({key,undefined}).
func undefinedOpt(name string) Option { return Option{Name: name, Value: atom("undefined")} }

// Value conversions.

func asBool(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		switch x {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}

// asInt accepts every Go integer type and an integral float64 (JSON).
func asInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case uint:
		if uint64(x) > math.MaxInt64 {
			return 0, false
		}
		return int64(x), true
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint64:
		if x > math.MaxInt64 {
			return 0, false
		}
		return int64(x), true
	case float64:
		if x == math.Trunc(x) && x >= -(1<<53) && x <= 1<<53 {
			return int64(x), true
		}
	case float32:
		f := float64(x)
		if f == math.Trunc(f) && f >= -(1<<24) && f <= 1<<24 {
			return int64(f), true
		}
	}
	return 0, false
}

// asDuration accepts a time.Duration, an integer of milliseconds (Erlang),
// "infinity" (Infinity) or a string time.ParseDuration takes.
func asDuration(v any) (time.Duration, bool) {
	switch x := v.(type) {
	case time.Duration:
		return x, true
	case string:
		if x == "infinity" {
			return Infinity, true
		}
		d, err := time.ParseDuration(x)
		return d, err == nil
	}
	if n, ok := asInt(v); ok {
		if n > math.MaxInt64/int64(time.Millisecond) || n < math.MinInt64/int64(time.Millisecond) {
			return 0, false
		}
		return time.Duration(n) * time.Millisecond, true
	}
	return 0, false
}

// asStrings accepts []string and []any of strings.
func asStrings(v any) ([]string, bool) {
	switch x := v.(type) {
	case []string:
		return x, true
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out[i] = s
		}
		return out, true
	}
	return nil, false
}

// asBinaries accepts [][]byte, []string and []any of either.
func asBinaries(v any) ([]string, bool) {
	switch x := v.(type) {
	case [][]byte:
		out := make([]string, len(x))
		for i, b := range x {
			out[i] = string(b)
		}
		return out, true
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			switch s := e.(type) {
			case string:
				out[i] = s
			case []byte:
				out[i] = string(s)
			default:
				return nil, false
			}
		}
		return out, true
	}
	return asStrings(v)
}

// asDERList accepts [][]byte and a single []byte.
func asDERList(v any) ([][]byte, bool) {
	switch x := v.(type) {
	case [][]byte:
		return x, true
	case []byte:
		return [][]byte{x}, true
	case []any:
		out := make([][]byte, len(x))
		for i, e := range x {
			b, ok := e.([]byte)
			if !ok {
				return nil, false
			}
			out[i] = b
		}
		return out, true
	}
	return nil, false
}

// isNil reports whether v is nil or a nil pointer, func, map, slice or
// interface behind an interface.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Func, reflect.Map, reflect.Slice, reflect.Interface, reflect.Chan:
		return rv.IsNil()
	}
	return false
}

// getBool reads a boolean option: its value (def when not given) and
// whether it was given.
func (r *resolver) getBool(name string, def bool) (bool, bool, error) {
	v, ok := r.get(name)
	if !ok {
		return def, false, nil
	}
	b, ok := asBool(v)
	if !ok {
		return false, true, invalid(name, v, "the value must be true or false")
	}
	return b, true, nil
}

// getInt reads an integer option within lo..hi.
func (r *resolver) getInt(name string, lo, hi, def int64) (int64, bool, error) {
	v, ok := r.get(name)
	if !ok {
		return def, false, nil
	}
	n, ok := asInt(v)
	if !ok || n < lo || n > hi {
		return 0, true, invalid(name, v, fmt.Sprintf("the value must be an integer from %d to %d", lo, hi))
	}
	return n, true, nil
}

// getDuration reads a duration option: at least 0, or Infinity when
// infinityOK.
func (r *resolver) getDuration(name string, def time.Duration, infinityOK bool) (time.Duration, bool, error) {
	v, ok := r.get(name)
	if !ok {
		return def, false, nil
	}
	d, ok := asDuration(v)
	if ok && d < 0 {
		if infinityOK && d == Infinity {
			return d, true, nil
		}
		ok = false
	}
	if !ok {
		if infinityOK {
			return 0, true, invalid(name, v, "the value must be a duration of 0 or more (integers are milliseconds), or infinity")
		}
		return 0, true, invalid(name, v, "the value must be a duration of 0 or more (integers are milliseconds)")
	}
	return d, true, nil
}

// getPath reads a file name option.
func (r *resolver) getPath(name string) (string, bool, error) {
	v, ok := r.get(name)
	if !ok {
		return "", false, nil
	}
	s, isStr := v.(string)
	if !isStr || s == "" || strings.IndexByte(s, 0) >= 0 {
		return "", true, invalid(name, v, "the value must be a file name")
	}
	return s, true, nil
}

// enumOf reads an enumeration option given as its Go type or as the atom.
func enumOf[T interface {
	~uint8
	atom() (string, bool)
}](v any, valid ...T) (T, bool) {
	var zero T
	switch x := v.(type) {
	case T:
		for _, e := range valid {
			if x == e {
				return x, true
			}
		}
	case string:
		for _, e := range valid {
			if a, _ := e.atom(); a == x {
				return e, true
			}
		}
	}
	return zero, false
}

// Versions.

// tlsEquivalent maps a DTLS version to the TLS version it is based on, for
// the version checks; TLS versions map to themselves.
func tlsEquivalent(p Protocol) Protocol {
	switch p {
	case DTLSv1_2:
		return TLSv1_2
	case DTLSv1:
		return TLSv1_1
	}
	return p
}

func isDTLS(p Protocol) bool { return p == DTLSv1 || p == DTLSv1_2 }

func knownProtocol(p Protocol) bool {
	switch p {
	case SSLv3, TLSv1, TLSv1_1, TLSv1_2, TLSv1_3, DTLSv1, DTLSv1_2:
		return true
	}
	return false
}

// higher reports whether a is a higher version than b (DTLS versions count
// down on the wire).
func higher(a, b Protocol) bool {
	if isDTLS(a) && isDTLS(b) {
		return a < b
	}
	return tlsEquivalent(a) > tlsEquivalent(b)
}

func sortVersions(v []Protocol) {
	sort.SliceStable(v, func(i, j int) bool { return higher(v[i], v[j]) })
}

// parseVersions reads a list of versions as Protocol values or atoms.
func parseVersions(v any) ([]Protocol, bool) {
	switch x := v.(type) {
	case []Protocol:
		return x, true
	case Protocol:
		return []Protocol{x}, true
	}
	names, ok := asStrings(v)
	if !ok {
		return nil, false
	}
	out := make([]Protocol, len(names))
	for i, n := range names {
		p, err := ParseProtocol(n)
		if err != nil {
			return nil, false
		}
		out[i] = p
	}
	return out, true
}

// validateVersions checks a versions list for protocol proto and returns
// it sorted, highest first. name is the option or environment name the
// list comes from.
func validateVersions(name string, v any, proto TransportProtocol) ([]Protocol, error) {
	list, ok := parseVersions(v)
	if !ok {
		// Name the first element Erlang would not know.
		if names, isList := asStrings(v); isList {
			for _, n := range names {
				if _, err := ParseProtocol(n); err != nil {
					e := invalid(name, v, fmt.Sprintf("%q is not a protocol version", n))
					e.term = "{options,{" + quoteAtom(n) + ",{versions," + renderValue("versions", v) + "}}}"
					return nil, e
				}
			}
		}
		return nil, invalid(name, v, "the value must be a list of protocol versions (sslv3, tlsv1, 'tlsv1.1', 'tlsv1.2', 'tlsv1.3', dtlsv1, 'dtlsv1.2')")
	}
	if len(list) == 0 {
		return nil, invalid(name, v, "at least one version is needed")
	}
	seen := make(map[Protocol]bool, len(list))
	for _, p := range list {
		if !knownProtocol(p) || isDTLS(p) != (proto == DTLS) {
			detail := fmt.Sprintf("%s is not a %s version", p, strings.ToUpper(proto.String()))
			if !knownProtocol(p) {
				detail = fmt.Sprintf("%#04x is not a protocol version", uint16(p))
			}
			e := invalid(name, v, detail)
			e.term = "{options,{" + termOf(p) + ",{versions," + termOf(list) + "}}}"
			return nil, e
		}
		if seen[p] {
			return nil, invalid(name, v, p.String()+" is listed twice")
		}
		seen[p] = true
	}
	out := append([]Protocol(nil), list...)
	sortVersions(out)
	// As OTP: TLS 1.3 with older versions but not TLS 1.2 would trip the
	// downgrade protection of RFC 8446, Section 4.1.3.
	if proto == TLS && seen[TLSv1_3] && len(out) >= 2 && !seen[TLSv1_2] {
		return nil, &OptionError{
			Name: name, Value: v, Reason: "missing_version",
			Detail: "TLS 1.3 together with older versions needs TLS 1.2 too",
			term:   "{options,missing_version,{'tlsv1.2',{versions," + termOf(out) + "}}}",
		}
	}
	return out, nil
}

// hasVersion reports whether one of the configured versions is (the TLS
// equivalent of) one of allowed.
func (r *resolver) hasVersion(allowed ...Protocol) bool {
	for _, v := range r.c.versions {
		for _, a := range allowed {
			if tlsEquivalent(v) == a {
				return true
			}
		}
	}
	return false
}

// needVersion refuses an option given without any of the versions it
// works with, as Erlang's assert_version_dep: {options,incompatible,
// [Option,{versions,Versions}]}.
func (r *resolver) needVersion(name string, allowed ...Protocol) error {
	if r.hasVersion(allowed...) {
		return nil
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = a.String()
	}
	return incompatible(fmt.Sprintf("%s needs one of the versions %s", name, strings.Join(names, ", ")),
		bare(name), Option{"versions", r.c.versions})
}

var (
	tls13Only = []Protocol{TLSv1_3}
	preTLS13  = []Protocol{SSLv3, TLSv1, TLSv1_1, TLSv1_2}
	tls12Up   = []Protocol{TLSv1_2, TLSv1_3}
)

// needVersionIfGiven is needVersion for an option that was given.
func (r *resolver) needVersionIfGiven(name string, allowed []Protocol) error {
	if !r.given(name) {
		return nil
	}
	return r.needVersion(name, allowed...)
}

// Stage: protocol, logging, secrets, versions.

func (r *resolver) stageVersions() error {
	c := r.c
	if v, ok := r.get("protocol"); ok {
		p, ok := enumOf(v, TLS, DTLS)
		if !ok {
			return invalid("protocol", v, "the value must be tls or dtls")
		}
		c.protocol = p
	}

	c.logLevel = LevelNotice
	if v, ok := r.get("log_level"); ok {
		l, ok := enumOf(v, LevelNone, LevelEmergency, LevelAlert, LevelCritical, LevelError,
			LevelWarning, LevelNotice, LevelInfo, LevelDebug, LevelAll)
		if !ok {
			return invalid("log_level", v, "the value must be one of none, emergency, alert, critical, error, warning, notice, info, debug, all")
		}
		c.logLevel = l
	} else if b, given, err := r.getBool("log_alert", true); err != nil {
		return err
	} else if given && !b {
		c.logLevel = LevelNone
	}
	c.logger = slog.Default()
	if v, ok := r.get("logger"); ok {
		l, isLogger := v.(*slog.Logger)
		if !isLogger || l == nil {
			return invalid("logger", v, "the value must be a *slog.Logger")
		}
		c.logger = l
	}

	var err error
	if c.keepSecrets, _, err = r.getBool("keep_secrets", false); err != nil {
		return err
	}
	if v, ok := r.get("keylog"); ok {
		w, isWriter := v.(io.Writer)
		if !isWriter || isNil(v) {
			return invalid("keylog", v, "the value must be an io.Writer")
		}
		c.keylog = w
	}

	if v, ok := r.get("versions"); ok {
		if c.versions, err = validateVersions("versions", v, c.protocol); err != nil {
			return err
		}
	} else if c.protocol == DTLS {
		c.versions = append([]Protocol(nil), r.env.dtlsVersions...)
	} else {
		c.versions = append([]Protocol(nil), r.env.protocolVersions...)
	}
	c.maxVersion, c.minVersion = c.versions[0], c.versions[len(c.versions)-1]

	if c.middleboxCompat, _, err = r.getBool("middlebox_comp_mode", true); err != nil {
		return err
	}
	return r.needVersionIfGiven("middlebox_comp_mode", tls13Only)
}

// Stage: verification.

// derCache remembers which DER certificates parse, so that a client
// resolving its options for every connection parses a large cacerts list
// once. It is keyed by the encodings themselves, which a map looks up
// faster than a digest of each could be computed, and bounded by their
// total size (derCacheMaxBytes): when full it starts over.
var derCache = struct {
	sync.Mutex
	ok    map[string]struct{}
	bytes int
}{ok: make(map[string]struct{})}

const derCacheMaxBytes = 8 << 20

// checkDER reports whether der parses as a certificate.
func checkDER(der []byte) error {
	derCache.Lock()
	_, ok := derCache.ok[string(der)]
	derCache.Unlock()
	if ok {
		return nil
	}
	if _, err := x509.ParseCertificate(der); err != nil {
		return err
	}
	if len(der) > derCacheMaxBytes {
		return nil
	}
	derCache.Lock()
	if derCache.bytes+len(der) > derCacheMaxBytes {
		clear(derCache.ok)
		derCache.bytes = 0
	}
	if _, ok := derCache.ok[string(der)]; !ok {
		derCache.ok[string(der)] = struct{}{}
		derCache.bytes += len(der)
	}
	derCache.Unlock()
	return nil
}

func (r *resolver) stageVerification() error {
	c := r.c
	c.verify = VerifyNone
	if r.role == RoleClient {
		c.verify = VerifyPeer
	}
	if v, ok := r.get("verify"); ok {
		m, ok := enumOf(v, VerifyNone, VerifyPeer)
		if !ok {
			return invalid("verify", v, "the value must be verify_none or verify_peer")
		}
		c.verify = m
	}

	if err := r.trustAnchors(); err != nil {
		return err
	}

	if v, ok := r.get("partial_chain"); ok {
		switch f := v.(type) {
		case x509path.PartialChainFun:
			c.partialChain = f
		case func([][]byte) ([]byte, bool):
			c.partialChain = f
		}
		if c.partialChain == nil {
			return invalid("partial_chain", v, "the value must be a x509path.PartialChainFun")
		}
	}

	fail, given, err := r.getBool("fail_if_no_peer_cert", r.role == RoleServer && c.verify == VerifyPeer)
	if err != nil {
		return err
	}
	if given && fail && c.verify == VerifyNone {
		return incompatible("fail_if_no_peer_cert needs verify_peer",
			Option{"verify", VerifyNone}, Option{"fail_if_no_peer_cert", true})
	}
	c.failIfNoPeerCert = fail && r.role == RoleServer

	depth, _, err := r.getInt("depth", 0, 255, defaultDepth)
	if err != nil {
		return err
	}
	c.depth = int(depth)

	if v, ok := r.get("verify_fun"); ok {
		switch f := v.(type) {
		case VerifyFunSpec:
			c.verifyFun, c.verifyUserState = f.Fun, f.UserState
		case x509path.VerifyFun:
			c.verifyFun = f
		case func(*x509.Certificate, x509path.Event, any) (x509path.Verdict, any):
			c.verifyFun = f
		}
		if c.verifyFun == nil {
			return invalid("verify_fun", v, "the value must be a VerifyFunSpec (see VerifyFun) or an x509path.VerifyFun")
		}
	} else if c.verify == VerifyPeer {
		c.verifyFun = x509path.DefaultVerifyPeer
	} else {
		c.verifyFun = x509path.DefaultVerifyNone
	}
	return nil
}

// trustAnchors resolves cacerts, cacertfile and the system default.
func (r *resolver) trustAnchors() error {
	c := r.c
	if v, ok := r.get("cacerts"); ok {
		list, ok := asDERList(v)
		if !ok {
			return invalid("cacerts", v, "the value must be a list of DER certificates")
		}
		for i, der := range list {
			if err := checkDER(der); err != nil {
				e := invalid("cacerts", v, fmt.Sprintf("certificate %d does not parse: %v", i, err))
				e.Err = err
				return e
			}
		}
		c.trusted, c.trustSource = append([][]byte{}, list...), "cacerts"
		return nil
	}
	path, given, err := r.getPath("cacertfile")
	if err != nil {
		return err
	}
	if given {
		entries, err := pem.Default.Get(path)
		if err != nil {
			return fileError("cacertfile", path, err)
		}
		certs := pem.Certificates(entries)
		if len(certs) == 0 {
			return fileError("cacertfile", path, atomErr("no_certificates"))
		}
		c.trusted, c.trustSource = certs, "cacertfile"
		return nil
	}
	if c.verify != VerifyPeer {
		return nil
	}
	if r.role == RoleServer {
		return incompatible("a server with verify_peer needs cacerts or cacertfile to validate clients",
			Option{"verify", VerifyPeer}, undefinedOpt("cacerts"))
	}
	certs, err := systemCACerts()
	if err != nil {
		e := incompatible("verify_peer without cacerts or cacertfile uses the operating system's CA certificates, and "+err.Error(),
			Option{"verify", VerifyPeer}, undefinedOpt("cacerts"))
		e.Err = err
		return e
	}
	c.trusted, c.trustSource = certs, "system"
	return nil
}

// The places the operating system's CA certificates are looked for, in
// order: the SSL_CERT_FILE and SSL_CERT_DIR environment variables (as
// OpenSSL reads them), then the bundles of the common Linux and BSD
// distributions, then their hashed directories. The first bundle found
// counts; directories are read only when no bundle is found.
var (
	systemCAFiles = []string{
		"/etc/ssl/certs/ca-certificates.crt",                // Debian, Ubuntu, Gentoo, Arch
		"/etc/pki/tls/certs/ca-bundle.crt",                  // Fedora, RHEL 6
		"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", // RHEL 7 and later
		"/etc/ssl/ca-bundle.pem",                            // openSUSE
		"/etc/pki/tls/cacert.pem",                           // OpenELEC
		"/etc/ssl/cert.pem",                                 // Alpine, macOS, OpenBSD
		"/usr/local/etc/ssl/cert.pem",                       // FreeBSD
		"/usr/local/share/certs/ca-root-nss.crt",            // FreeBSD
	}
	systemCADirs = []string{
		"/etc/ssl/certs",
		"/etc/pki/tls/certs",
	}
	lookupEnv = os.LookupEnv
)

// maxCADirFiles bounds how many files of a certificate directory are read.
const maxCADirFiles = 10000

// readCADir returns the certificates of the PEM files in dir, each once.
func readCADir(dir string) [][]byte {
	files, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out [][]byte
	seen := make(map[string]bool)
	for i, f := range files {
		if i == maxCADirFiles {
			break
		}
		if f.IsDir() {
			continue
		}
		entries, err := pem.Default.Get(filepath.Join(dir, f.Name()))
		if err != nil {
			continue
		}
		for _, der := range pem.Certificates(entries) {
			if !seen[string(der)] {
				seen[string(der)] = true
				out = append(out, der)
			}
		}
	}
	return out
}

// ErrNoSystemCAs is wrapped by the error of resolving a client's options
// with verify_peer, no cacerts or cacertfile, and no CA certificates found
// where the operating system keeps them.
var ErrNoSystemCAs = errors.New("no CA certificates were found in the operating system's certificate store")

// systemCACerts returns the operating system's CA certificates as DER,
// read through the PEM cache. It does not use x509.SystemCertPool, which
// gives no DER list.
func systemCACerts() ([][]byte, error) {
	files := systemCAFiles
	dirs := systemCADirs
	if f, ok := lookupEnv("SSL_CERT_FILE"); ok && f != "" {
		files = append([]string{f}, files...)
	}
	if d, ok := lookupEnv("SSL_CERT_DIR"); ok && d != "" {
		dirs = append(strings.Split(d, ":"), dirs...)
	}
	for _, f := range files {
		entries, err := pem.Default.Get(f)
		if err != nil {
			continue
		}
		if certs := pem.Certificates(entries); len(certs) > 0 {
			return certs, nil
		}
	}
	for _, d := range dirs {
		if d == "" {
			continue
		}
		certs := readCADir(d)
		if len(certs) > 0 {
			return certs, nil
		}
	}
	return nil, ErrNoSystemCAs
}

// Stage: this side's certificate and key.

func (r *resolver) stageCerts() error {
	c := r.c
	var certFile string
	if v, ok := r.get("cert"); ok {
		list, ok := asDERList(v)
		if !ok || len(list) == 0 {
			return invalid("cert", v, "the value must be one or more DER certificates")
		}
		for i, der := range list {
			if err := checkDER(der); err != nil {
				e := invalid("cert", v, fmt.Sprintf("certificate %d does not parse: %v", i, err))
				e.Err = err
				return e
			}
		}
		c.certChain, r.certO = append([][]byte(nil), list...), "cert"
	} else {
		path, given, err := r.getPath("certfile")
		if err != nil {
			return err
		}
		if given {
			entries, err := pem.Default.Get(path)
			if err != nil {
				return fileError("certfile", path, err)
			}
			certs := pem.Certificates(entries)
			if len(certs) == 0 {
				return fileError("certfile", path, atomErr("no_certificates"))
			}
			for _, der := range certs {
				if err := checkDER(der); err != nil {
					return fileError("certfile", path, err)
				}
			}
			c.certChain, r.certO, certFile = certs, "certfile", path
		}
	}

	if v, ok := r.get("key"); ok {
		switch k := v.(type) {
		case DERKey:
			if !k.Kind.IsPrivateKey() {
				return invalid("key", v, "the kind must be RSAPrivateKey, DSAPrivateKey, ECPrivateKey or PrivateKeyInfo")
			}
			key, err := pem.ParsePrivateKey(k.Kind, k.DER)
			if err != nil {
				e := invalid("key", v, err.Error())
				e.Err = err
				return e
			}
			c.key = key
		case crypto.Signer:
			if isNil(k) {
				return invalid("key", v, "the key is nil")
			}
			c.key = k
		default:
			return invalid("key", v, "the value must be a crypto.Signer or a DERKey (see KeyDER)")
		}
		r.keyO = "key"
	} else {
		path, given, err := r.getPath("keyfile")
		if err != nil {
			return err
		}
		if !given && certFile != "" {
			path, given = certFile, true
		}
		if given {
			var pw []byte
			if v, ok := r.get("password"); ok {
				switch p := v.(type) {
				case string:
					pw = []byte(p)
				case []byte:
					pw = p
				case func() string:
					if p == nil {
						return invalid("password", v, "the value must be a string")
					}
					var got string
					if err := safely("password", v, func() { got = p() }); err != nil {
						return err
					}
					pw = []byte(got)
				default:
					return invalid("password", v, "the value must be a string")
				}
			}
			entries, err := pem.Default.Get(path)
			if err != nil {
				return fileError("keyfile", path, err)
			}
			key, err := pem.PrivateKey(entries, pw)
			if err != nil {
				return fileError("keyfile", path, err)
			}
			c.key, r.keyO = key, "keyfile"
		}
	}
	return nil
}

// Stage: TLS 1.3 session tickets and early data.

func (r *resolver) stageTickets() error {
	c := r.c
	if r.role == RoleClient {
		if v, ok := r.get("session_tickets"); ok {
			m, ok := enumOf(v, TicketsDisabled, TicketsManual, TicketsAuto)
			if !ok {
				return invalid("session_tickets", v, "a client takes disabled, manual or auto")
			}
			c.sessionTickets = m
		}
		if c.sessionTickets != TicketsDisabled {
			if err := r.needVersion("session_tickets", tls13Only...); err != nil {
				return err
			}
		}
		if v, ok := r.get("use_ticket"); ok {
			list, ok := asDERList(v)
			if !ok || len(list) == 0 {
				return invalid("use_ticket", v, "the value must be one or more tickets")
			}
			for _, t := range list {
				if len(t) == 0 {
					return invalid("use_ticket", v, "a ticket is empty")
				}
			}
			if c.sessionTickets != TicketsManual {
				return incompatible("use_ticket needs session_tickets manual",
					Option{"use_ticket", v}, Option{"session_tickets", c.sessionTickets})
			}
			c.useTicket = append([][]byte(nil), list...)
		}
		if v, ok := r.get("early_data"); ok {
			data, isBytes := v.([]byte)
			if !isBytes {
				return invalid("early_data", v, "a client gives the early data as []byte")
			}
			switch {
			case c.sessionTickets == TicketsDisabled:
				return incompatible("early data needs session tickets",
					bare("early_data"), Option{"session_tickets", TicketsDisabled})
			case c.sessionTickets == TicketsManual && c.useTicket == nil:
				return incompatible("early data with manual session tickets needs use_ticket",
					bare("early_data"), Option{"session_tickets", TicketsManual}, undefinedOpt("use_ticket"))
			}
			c.earlyData = append([]byte{}, data...)
		}
		return nil
	}

	if v, ok := r.get("session_tickets"); ok {
		m, ok := enumOf(v, TicketsDisabled, TicketsStateful, TicketsStateless, TicketsStatefulWithCert, TicketsStatelessWithCert)
		if !ok {
			return invalid("session_tickets", v, "a server takes disabled, stateful, stateless, stateful_with_cert or stateless_with_cert")
		}
		c.sessionTickets = m
	}
	if c.sessionTickets != TicketsDisabled {
		if err := r.needVersion("session_tickets", tls13Only...); err != nil {
			return err
		}
	}
	if v, ok := r.get("early_data"); ok {
		switch x := v.(type) {
		case bool:
			c.earlyDataEnabled = x
		case string:
			switch x {
			case "enabled":
				c.earlyDataEnabled = true
			case "disabled":
			default:
				return invalid("early_data", v, "a server takes enabled or disabled")
			}
		default:
			return invalid("early_data", v, "a server takes enabled or disabled")
		}
		if c.earlyDataEnabled && c.sessionTickets == TicketsDisabled {
			return incompatible("early data needs session tickets",
				bare("early_data"), Option{"session_tickets", TicketsDisabled})
		}
	}
	if v, ok := r.get("anti_replay"); ok {
		var b BloomFilter
		switch x := v.(type) {
		case BloomFilter:
			b = x
		case string:
			switch x {
			case "10k":
				b = AntiReplay10K
			case "100k":
				b = AntiReplay100K
			default:
				return invalid("anti_replay", v, "the value must be '10k', '100k' or a BloomFilter")
			}
		default:
			return invalid("anti_replay", v, "the value must be '10k', '100k' or a BloomFilter")
		}
		if b.Window < time.Second || b.Window%time.Second != 0 || b.K < 1 || b.K > maxBloomHashes || b.M < 1 || int64(b.M) > maxBloomBits {
			return invalid("anti_replay", v, "the window must be whole seconds, K from 1 to 64 and M from 1 to 2^32")
		}
		if c.sessionTickets != TicketsStateless && c.sessionTickets != TicketsStatelessWithCert {
			return incompatible("anti_replay needs stateless session tickets",
				Option{"anti_replay", v}, Option{"session_tickets", c.sessionTickets})
		}
		c.antiReplay = &b
	}
	return nil
}

// Stage: server name indication.

// normalizeHost lowercases a DNS name and drops one trailing dot.
func normalizeHost(h string) string {
	return strings.ToLower(strings.TrimSuffix(h, "."))
}

// checkHostname checks a DNS host name: ASCII letters, digits, hyphens and
// underscores in labels of 1 to 63 bytes, at most 253 bytes without the
// trailing dot, which is allowed.
func checkHostname(h string) error {
	h = strings.TrimSuffix(h, ".")
	if h == "" {
		return errors.New("the host name is empty")
	}
	if len(h) > 253 {
		return errors.New("the host name is longer than 253 bytes")
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" {
			return errors.New("the host name has an empty label")
		}
		if len(label) > 63 {
			return errors.New("a label of the host name is longer than 63 bytes")
		}
		for i := 0; i < len(label); i++ {
			ch := label[i]
			if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '_') {
				return fmt.Errorf("the host name has the character %q, not allowed in a DNS name (use the ASCII form of international names)", ch)
			}
		}
	}
	return nil
}

func (r *resolver) stageSNI() error {
	c := r.c
	if r.role == RoleClient {
		v, ok := r.get("server_name_indication")
		if !ok {
			return nil
		}
		switch x := v.(type) {
		case bool:
			if x {
				return invalid("server_name_indication", v, "the value must be a host name or disable")
			}
			c.sniDisabled = true
		case string:
			if x == "disable" {
				c.sniDisabled = true
				return nil
			}
			if ip, err := netip.ParseAddr(strings.Trim(x, "[]")); err == nil {
				c.sni, c.sniIsIP = ip.String(), true
				return nil
			}
			if err := checkHostname(x); err != nil {
				return invalid("server_name_indication", v, err.Error())
			}
			c.sni = strings.TrimSuffix(x, ".")
		default:
			return invalid("server_name_indication", v, "the value must be a host name or disable")
		}
		return nil
	}

	if v, ok := r.get("sni_fun"); ok {
		switch f := v.(type) {
		case SNIFunc:
			c.sniFun = f
		case func(string) []Option:
			c.sniFun = f
		}
		if c.sniFun == nil {
			return invalid("sni_fun", v, "the value must be an SNIFunc")
		}
	}
	if v, ok := r.get("sni_hosts"); ok {
		hosts, isMap := v.(map[string][]Option)
		if !isMap {
			return invalid("sni_hosts", v, "the value must be a map from host names to options")
		}
		if len(hosts) > maxSNIHostConfigs {
			return invalid("sni_hosts", v, fmt.Sprintf("at most %d hosts", maxSNIHostConfigs))
		}
		for h, opts := range hosts {
			if err := checkHostname(h); err != nil {
				return invalid("sni_hosts", v, fmt.Sprintf("%q: %v", h, err))
			}
			for _, o := range opts {
				if o.Name == "sni_hosts" || o.Name == "sni_fun" {
					e := invalid("sni_hosts", v, fmt.Sprintf("the options of %q hold %s", h, o.Name))
					e.term = "{options,{sni_hosts," + renderValue(o.Name, o.Value) + "}}"
					return e
				}
			}
		}
		if c.sniFun != nil {
			return incompatible("sni_fun and sni_hosts exclude each other", bare("sni_fun"), bare("sni_hosts"))
		}
	}
	return nil
}

// stageSNIHosts resolves the options of every sni_hosts entry over the
// others, so that a mistake in them is found at Listen and a client's
// server name only needs a map lookup.
func (r *resolver) stageSNIHosts() error {
	v, ok := r.get("sni_hosts")
	if !ok {
		return nil
	}
	hosts := v.(map[string][]Option)
	base := withoutSNI(r.opts)
	names := make([]string, 0, len(hosts))
	for h := range hosts {
		names = append(names, h)
	}
	sort.Strings(names)
	r.c.sniHosts = make(map[string]*config, len(hosts))
	for _, h := range names {
		hc, err := resolveEnv(r.role, concatOptions(base, hosts[h]), r.env)
		if err != nil {
			var oe *OptionError
			if errors.As(err, &oe) {
				oe.Detail = fmt.Sprintf("for SNI host %q: %s", h, oe.Detail)
			}
			return err
		}
		r.c.sniHosts[normalizeHost(h)] = hc
	}
	return nil
}

func withoutSNI(opts []Option) []Option {
	out := make([]Option, 0, len(opts))
	for _, o := range opts {
		if o.Name != "sni_hosts" && o.Name != "sni_fun" {
			out = append(out, o)
		}
	}
	return out
}

func concatOptions(a, b []Option) []Option {
	out := make([]Option, 0, len(a)+len(b))
	return append(append(out, a...), b...)
}

// Stage: signature algorithms.

// parseSchemes reads a list of signature schemes.
func parseSchemes(v any) ([]SignatureScheme, bool) {
	switch x := v.(type) {
	case []SignatureScheme:
		return x, true
	case string:
		list, err := handshake.ParseSignatureAlgs(x)
		return list, err == nil
	}
	names, ok := asStrings(v)
	if !ok {
		return nil, false
	}
	out := make([]SignatureScheme, len(names))
	for i, n := range names {
		s, err := handshake.ParseSignatureScheme(n)
		if err != nil {
			return nil, false
		}
		out[i] = s
	}
	return out, true
}

func (r *resolver) schemes(name, emptyAtom string) ([]SignatureScheme, error) {
	v, _ := r.get(name)
	list, ok := parseSchemes(v)
	if !ok {
		return nil, invalid(name, v, "the value must be a list of signature schemes (rsa_pss_rsae_sha256, {sha256,rsa}, ...)")
	}
	if len(list) == 0 {
		e := invalid(name, v, "at least one signature algorithm is needed")
		e.term = "{options,{" + emptyAtom + ",{" + name + ",[]}}}"
		return nil, e
	}
	out := make([]SignatureScheme, 0, len(list))
	seen := make(map[SignatureScheme]bool, len(list))
	for _, s := range list {
		if !s.Supported() {
			return nil, invalid(name, v, s.String()+" is not supported")
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out, nil
}

func (r *resolver) stageSignatureAlgs() error {
	c := r.c
	if !r.hasVersion(tls12Up...) {
		for _, name := range []string{"signature_algs", "signature_algs_cert"} {
			if r.given(name) {
				return r.needVersion(name, tls12Up...)
			}
		}
		return nil
	}
	var err error
	if r.given("signature_algs") {
		if c.sigAlgs, err = r.schemes("signature_algs", "no_supported_algorithms"); err != nil {
			return err
		}
	} else {
		c.sigAlgs = handshake.DefaultSignatureSchemes()
	}
	if r.given("signature_algs_cert") {
		if c.sigAlgsCert, err = r.schemes("signature_algs_cert", "no_supported_signature_schemes"); err != nil {
			return err
		}
	}
	return nil
}

// Stage: ALPN and NPN.

// protocolList checks a list of ALPN or NPN protocol names.
func protocolList(name string, v any) ([]string, error) {
	list, ok := asBinaries(v)
	if !ok {
		return nil, invalid(name, v, "the value must be a list of protocol names")
	}
	if len(list) == 0 {
		return nil, invalid(name, v, "at least one protocol is needed")
	}
	total := 0
	for _, p := range list {
		if len(p) == 0 || len(p) > maxProtocolNameLen {
			e := invalid(name, v, "a protocol name must have 1 to 255 bytes")
			e.term = "{options,{" + name + ",{invalid_protocol," + erlBinary([]byte(p)) + "}}}"
			return nil, e
		}
		total += 1 + len(p)
	}
	if total > maxALPNListLen-2 {
		return nil, invalid(name, v, "the protocol list is too long for the extension")
	}
	return append([]string(nil), list...), nil
}

func (r *resolver) stageALPN() error {
	c := r.c
	var err error
	if r.role == RoleServer {
		if v, ok := r.get("alpn_preferred_protocols"); ok {
			if c.alpnPreferred, err = protocolList("alpn_preferred_protocols", v); err != nil {
				return err
			}
		}
		if v, ok := r.get("next_protocols_advertised"); ok {
			if c.npnAdvertised, err = protocolList("next_protocols_advertised", v); err != nil {
				return err
			}
			if err := r.needVersion("next_protocols_advertised", preTLS13[1:]...); err != nil {
				return err
			}
		}
		return nil
	}
	if v, ok := r.get("alpn_advertised_protocols"); ok {
		if c.alpnAdvertised, err = protocolList("alpn_advertised_protocols", v); err != nil {
			return err
		}
	}
	if v, ok := r.get("client_preferred_next_protocols"); ok {
		n, isNP := v.(NextProtocols)
		if !isNP {
			return invalid("client_preferred_next_protocols", v, "the value must be a NextProtocols")
		}
		if _, ok := n.Precedence.atom(); !ok {
			e := invalid("client_preferred_next_protocols", v, "the precedence must be client or server")
			e.term = "{options,{client_preferred_next_protocols,{invalid_precedence," + integerOf(n.Precedence) + "}}}"
			return e
		}
		list, err := protocolList("client_preferred_next_protocols", n.Protocols)
		if err != nil {
			return err
		}
		if len(n.Default) > maxProtocolNameLen {
			return invalid("client_preferred_next_protocols", v, "the default protocol must have at most 255 bytes")
		}
		if err := r.needVersion("client_preferred_next_protocols", preTLS13[1:]...); err != nil {
			return err
		}
		c.npnClient = &NextProtocols{Precedence: n.Precedence, Protocols: list, Default: n.Default}
	}
	return nil
}

// Stage: the legacy mitigations.

func (r *resolver) stageMitigation() error {
	c := r.c
	c.rec.BeastMitigation = OneNMinusOne
	if v, ok := r.get("beast_mitigation"); ok {
		switch x := v.(type) {
		case BeastMitigationMode:
			if x != OneNMinusOne && x != ZeroN && x != BeastDisabled {
				return invalid("beast_mitigation", v, "the value must be one_n_minus_one, zero_n or disabled")
			}
			c.rec.BeastMitigation = x
		case string:
			switch x {
			case "one_n_minus_one":
				c.rec.BeastMitigation = OneNMinusOne
			case "zero_n":
				c.rec.BeastMitigation = ZeroN
			case "disabled":
				c.rec.BeastMitigation = BeastDisabled
			default:
				return invalid("beast_mitigation", v, "the value must be one_n_minus_one, zero_n or disabled")
			}
		default:
			return invalid("beast_mitigation", v, "the value must be one_n_minus_one, zero_n or disabled")
		}
		if err := r.needVersion("beast_mitigation", SSLv3, TLSv1); err != nil {
			return err
		}
	}
	check, given, err := r.getBool("padding_check", true)
	if err != nil {
		return err
	}
	if given {
		if err := r.needVersion("padding_check", TLSv1); err != nil {
			return err
		}
	}
	c.rec.DisablePaddingCheck = !check
	return nil
}

// Stage: server options.

func (r *resolver) stageServer() error {
	if r.role != RoleServer {
		return nil
	}
	c := r.c
	var err error
	if c.honorEccOrder, _, err = r.getBool("honor_ecc_order", false); err != nil {
		return err
	}
	if c.honorCipherOrder, _, err = r.getBool("honor_cipher_order", false); err != nil {
		return err
	}
	if c.cookie, _, err = r.getBool("cookie", true); err != nil {
		return err
	}
	if err := r.needVersionIfGiven("cookie", tls13Only); err != nil {
		return err
	}
	if c.clientReneg, _, err = r.getBool("client_renegotiation", true); err != nil {
		return err
	}
	if err := r.needVersionIfGiven("client_renegotiation", preTLS13); err != nil {
		return err
	}
	if c.rec.V2HelloCompatible, _, err = r.getBool("v2_hello_compatible", false); err != nil {
		return err
	}
	if v, ok := r.get("dh"); ok {
		der, isBytes := v.([]byte)
		if !isBytes || len(der) > maxDHParamsDERLen {
			return invalid("dh", v, "the value must be DER Diffie-Hellman parameters")
		}
		p, err := pem.ParseDHParams(der)
		if err != nil {
			e := invalid("dh", v, err.Error())
			e.Err = err
			return e
		}
		c.dh = p
	} else if path, given, err := r.getPath("dhfile"); err != nil {
		return err
	} else if given {
		entries, err := pem.Default.Get(path)
		if err != nil {
			return fileError("dhfile", path, err)
		}
		p, err := pem.FirstDHParams(entries)
		if err != nil {
			return fileError("dhfile", path, err)
		}
		c.dh = p
	} else {
		c.dh = handshake.DefaultDHParams()
	}
	return nil
}

// Stage: client options.

func (r *resolver) stageClient() error {
	if r.role != RoleClient {
		return nil
	}
	var err error
	if r.c.fallback, _, err = r.getBool("fallback", false); err != nil {
		return err
	}
	return r.needVersionIfGiven("fallback", preTLS13[1:])
}

// Stage: renegotiation and key updates.

func (r *resolver) stageRenegotiation() error {
	c := r.c
	var err error
	if c.keyUpdateAt, _, err = r.getInt("key_update_at", 1, math.MaxInt64, defaultKeyUpdateAt); err != nil {
		return err
	}
	if err := r.needVersionIfGiven("key_update_at", tls13Only); err != nil {
		return err
	}
	if c.secureRenegotiate, _, err = r.getBool("secure_renegotiate", true); err != nil {
		return err
	}
	return r.needVersionIfGiven("secure_renegotiate", preTLS13)
}

// Stage: session reuse of TLS 1.0-1.2.

func (r *resolver) stageReuseSessions() error {
	c := r.c
	c.reuseSessions = true
	if v, ok := r.get("reuse_sessions"); ok {
		if b, ok := asBool(v); ok {
			c.reuseSessions = b
		} else if v == "save" && r.role == RoleClient {
			c.saveSessions = true
		} else if r.role == RoleClient {
			return invalid("reuse_sessions", v, "a client takes true, false or save")
		} else {
			return invalid("reuse_sessions", v, "the value must be true or false")
		}
		if err := r.needVersion("reuse_sessions", preTLS13...); err != nil {
			return err
		}
	}
	if err := r.stageTickets12(); err != nil {
		return err
	}
	if v, ok := r.get("reuse_session"); ok {
		if sd, isData := v.(SessionData); isData && r.role == RoleClient {
			s, err := sd.session()
			if err != nil {
				return invalid("reuse_session", v, err.Error())
			}
			c.reuseSessionData = s
			return r.needVersion("reuse_session", preTLS13...)
		}
		if r.role == RoleClient {
			id, isBytes := v.([]byte)
			if !isBytes || len(id) == 0 || len(id) > 32 {
				return invalid("reuse_session", v, "a client gives the ID (1 to 32 bytes) of a session to resume")
			}
			c.reuseSessionID = append([]byte(nil), id...)
		} else {
			switch f := v.(type) {
			case ReuseSessionFun:
				c.reuseSessionFun = f
			case func([]byte, []byte, int, CipherSuite) bool:
				c.reuseSessionFun = f
			}
			if c.reuseSessionFun == nil {
				return invalid("reuse_session", v, "a server gives a ReuseSessionFun")
			}
		}
		if err := r.needVersion("reuse_session", preTLS13...); err != nil {
			return err
		}
	}
	return nil
}

// Stage: PSK and SRP.

func (r *resolver) stageIdentity() error {
	c := r.c
	if v, ok := r.get("psk_identity"); ok {
		id, isStr := v.(string)
		if !isStr || len(id) > maxPSKIdentityLen {
			return invalid("psk_identity", v, "the value must be a string of less than 65536 bytes")
		}
		if err := r.needVersion("psk_identity", preTLS13...); err != nil {
			return err
		}
		c.pskIdentity = id
	}
	if v, ok := r.get("srp_identity"); ok {
		var cred SRPCredentials
		switch x := v.(type) {
		case SRPCredentials:
			cred = x
		case []string:
			if len(x) != 2 {
				return invalid("srp_identity", v, "the value must be a user name and a password")
			}
			cred = SRPCredentials{Username: x[0], Password: x[1]}
		default:
			return invalid("srp_identity", v, "the value must be an SRPCredentials")
		}
		if len(cred.Username) == 0 || len(cred.Username) > maxPSKIdentityLen {
			return invalid("srp_identity", v, "the user name must have 1 to 65535 bytes")
		}
		if err := r.needVersion("srp_identity", preTLS13...); err != nil {
			return err
		}
		c.srp = &cred
	}
	if v, ok := r.get("user_lookup_fun"); ok {
		switch x := v.(type) {
		case UserLookupSpec:
			c.userLookup, c.userLookupState = x.Fun, x.UserState
		case UserLookupFunc:
			c.userLookup = x
		case func(LookupKind, string, any) (LookupResult, bool):
			c.userLookup = x
		}
		if c.userLookup == nil {
			return invalid("user_lookup_fun", v, "the value must be a UserLookupSpec (see UserLookupFun)")
		}
		if err := r.needVersion("user_lookup_fun", preTLS13...); err != nil {
			return err
		}
	}
	return nil
}

// Stage: groups, cipher suites and curves.

// parseGroups reads a list of groups; ok is false when an element is not
// a registered group this library knows by name.
func parseGroups(v any) (list []NamedCurve, bad string, ok bool) {
	switch x := v.(type) {
	case []NamedCurve:
		for _, g := range x {
			if strings.HasPrefix(g.String(), "0x") {
				return nil, g.String(), false
			}
		}
		return x, "", true
	}
	names, isList := asStrings(v)
	if !isList {
		return nil, "", false
	}
	out := make([]NamedCurve, len(names))
	for i, n := range names {
		g, err := handshake.ParseNamedGroup(n)
		if err != nil {
			return nil, n, false
		}
		out[i] = g
	}
	return out, "", true
}

// groupList resolves the eccs or supported_groups option: unknown names
// are refused, known but unimplemented groups dropped, and none left is
// {options,{Name,none_valid}}.
func groupList(name string, v any, keep func(NamedCurve) bool) ([]NamedCurve, error) {
	list, bad, ok := parseGroups(v)
	if !ok {
		detail := "the value must be a list of named groups (x25519, secp256r1, ...)"
		if bad != "" {
			detail = fmt.Sprintf("%q is not a named group", bad)
		}
		return nil, invalid(name, v, detail)
	}
	out := make([]NamedCurve, 0, len(list))
	seen := make(map[NamedCurve]bool, len(list))
	for _, g := range list {
		if g.Supported() && keep(g) && !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	if len(out) == 0 {
		e := invalid(name, v, "none of the groups is implemented")
		e.term = "{options,{" + name + ",none_valid}}"
		return nil, e
	}
	return out, nil
}

// parseSuites reads the ciphers option.
func parseSuites(v any) ([]CipherSuite, error) {
	switch x := v.(type) {
	case []CipherSuite:
		for _, s := range x {
			if s.Suite() == nil {
				return nil, fmt.Errorf("%s is not a cipher suite this library implements", s)
			}
		}
		return x, nil
	case CipherSuite:
		if x.Suite() == nil {
			return nil, fmt.Errorf("%s is not a cipher suite this library implements", x)
		}
		return []CipherSuite{x}, nil
	case string:
		if strings.TrimSpace(x) == "" {
			return nil, nil
		}
		return ParseCipherSuites(x)
	case []uint16:
		out := make([]CipherSuite, len(x))
		for i, id := range x {
			s, ok := CipherSuiteFromID(id)
			if !ok {
				return nil, fmt.Errorf("%#04x is not a cipher suite this library implements", id)
			}
			out[i] = s
		}
		return out, nil
	}
	names, ok := asStrings(v)
	if !ok {
		return nil, errors.New("the value must be a list of cipher suites or an OpenSSL-style string")
	}
	out := make([]CipherSuite, len(names))
	for i, n := range names {
		s := cipher.SuiteByName(n)
		if s == nil {
			return nil, fmt.Errorf("%w: %q", ErrUnknownCipherSuite, n)
		}
		out[i] = suiteOf(s)
	}
	return out, nil
}

// validForConfigured reports whether s may be negotiated in a configured
// version.
func (r *resolver) validForConfigured(s *cipher.Suite) bool {
	for _, v := range r.c.versions {
		if s.ValidFor(cipher.Version(tlsEquivalent(v))) {
			return true
		}
	}
	return false
}

// defaultSuites returns the default suites for the configured versions:
// cipher.DefaultSuites valid for them and, for a configured version that
// none of those fits (TLS 1.1 and older, where AEAD suites do not exist),
// the forward-secret AES-CBC and 3DES suites with SHA-1 that Erlang's
// defaults for those versions hold, in the order of CipherSuites(SuitesAll).
func (r *resolver) defaultSuites() []*cipher.Suite {
	var out []*cipher.Suite
	covered := make(map[Protocol]bool)
	for _, s := range cipher.DefaultSuites() {
		if r.validForConfigured(s) {
			out = append(out, s)
			for _, v := range r.c.versions {
				if s.ValidFor(cipher.Version(tlsEquivalent(v))) {
					covered[v] = true
				}
			}
		}
	}
	for _, v := range r.c.versions {
		if covered[v] {
			continue
		}
		for _, cs := range CipherSuites(SuitesAll) {
			s := cs.Suite()
			kx := s.KeyExchange
			legacyOK := kx.ForwardSecret() && !kx.Anonymous() &&
				kx != cipher.KXDHEPSK && kx != cipher.KXECDHEPSK && kx != cipher.KXSRPRSA && kx != cipher.KXSRPDSS && kx != cipher.KXSRPAnon &&
				(s.Cipher == cipher.BulkAES128CBC || s.Cipher == cipher.BulkAES256CBC || s.Cipher == cipher.Bulk3DESEDECBC) &&
				s.MAC == cipher.MACSHA1
			if legacyOK && s.ValidFor(cipher.Version(tlsEquivalent(v))) && !containsSuite(out, s) {
				out = append(out, s)
			}
		}
	}
	return out
}

func containsSuite(list []*cipher.Suite, s *cipher.Suite) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (r *resolver) stageGroupsAndCiphers() error {
	c := r.c
	var err error
	if v, ok := r.get("supported_groups"); ok {
		if err := r.needVersion("supported_groups", tls13Only...); err != nil {
			return err
		}
		if c.groups, err = groupList("supported_groups", v, func(NamedCurve) bool { return true }); err != nil {
			return err
		}
	} else {
		c.groups = handshake.DefaultGroups()
	}

	if v, ok := r.get("ciphers"); ok {
		list, perr := parseSuites(v)
		if perr != nil {
			e := invalid("ciphers", v, perr.Error())
			e.Err = perr
			return e
		}
		if len(list) == 0 {
			c.suites = r.defaultSuites()
		} else {
			seen := make(map[uint16]bool, len(list))
			for _, cs := range list {
				s := cs.Suite()
				if !seen[s.ID] && r.validForConfigured(s) {
					seen[s.ID] = true
					c.suites = append(c.suites, s)
				}
			}
		}
	} else {
		c.suites = r.defaultSuites()
	}
	if len(c.suites) == 0 {
		return incompatible("no cipher suite is valid for the configured versions",
			bare("ciphers"), Option{"versions", c.versions})
	}
	c.suiteIDs = make([]uint16, len(c.suites))
	for i, s := range c.suites {
		c.suiteIDs[i] = s.ID
	}

	// As Erlang, eccs only matters before TLS 1.3; with TLS 1.3 alone the
	// option is accepted and has no effect.
	if r.hasVersion(TLSv1, TLSv1_1, TLSv1_2) {
		if v, ok := r.get("eccs"); ok {
			if c.eccs, err = groupList("eccs", v, func(g NamedCurve) bool { return g.IsEC() }); err != nil {
				return err
			}
		} else {
			c.eccs = handshake.DefaultEccs()
		}
	}
	return nil
}

// Stage: revocation.

func (r *resolver) stageCRL() error {
	c := r.c
	if v, ok := r.get("crl_check"); ok {
		switch x := v.(type) {
		case crl.CheckMode:
			if x < crl.Off || x > crl.BestEffort {
				return invalid("crl_check", v, "the value must be false, true, peer or best_effort")
			}
			c.crlCheck = x
		case bool:
			if x {
				c.crlCheck = crl.On
			}
		case string:
			switch x {
			case "false":
				c.crlCheck = crl.Off
			case "true":
				c.crlCheck = crl.On
			case "peer":
				c.crlCheck = crl.Peer
			case "best_effort":
				c.crlCheck = crl.BestEffort
			default:
				return invalid("crl_check", v, "the value must be false, true, peer or best_effort")
			}
		default:
			return invalid("crl_check", v, "the value must be false, true, peer or best_effort")
		}
	}
	if v, ok := r.get("crl_cache"); ok {
		cache, isCache := v.(crl.Cache)
		if !isCache || isNil(v) {
			return invalid("crl_cache", v, "the value must be a crl.Cache")
		}
		c.crlCache = cache
	} else {
		c.crlCache = DefaultCRLCache()
	}
	return nil
}

// Stage: handshake mode and limits.

func (r *resolver) stageHandshake() error {
	c := r.c
	if v, ok := r.get("handshake"); ok {
		m, ok := enumOf(v, HandshakeFull, HandshakeHello)
		if !ok {
			return invalid("handshake", v, "the value must be full or hello")
		}
		if m == HandshakeHello {
			return &OptionError{Name: "handshake", Value: v, Reason: "unsupported",
				Detail: "pausing after the hello messages (handshake_continue) is not supported yet"}
		}
	}
	n, _, err := r.getInt("max_handshake_size", 1, maxUint24, record.DefaultMaxHandshakeSize)
	if err != nil {
		return err
	}
	c.rec.MaxHandshakeSize = int(n)
	if c.maxVersion == SSLv3 {
		c.rec.InitialVersion = cipher.VersionSSL30
	}
	return nil
}

// Stage: process-related options.

func (r *resolver) stageProcess() error {
	c := r.c
	var err error
	if c.hibernateAfter, _, err = r.getDuration("hibernate_after", Infinity, true); err != nil {
		return err
	}
	if c.alertTimeout, _, err = r.getDuration("alert_timeout", r.env.alertTimeout, false); err != nil {
		return err
	}
	ca, given, err := r.getBool("certificate_authorities", r.role == RoleServer)
	if err != nil {
		return err
	}
	if given && r.role == RoleClient {
		if err := r.needVersion("certificate_authorities", tls13Only...); err != nil {
			return err
		}
	}
	c.certAuthorities = ca
	if v, ok := r.get("cb_info"); ok {
		cb, isCB := v.(CallbackInfo)
		if !isCB || (cb.Dial == nil && cb.Listen == nil) {
			return invalid("cb_info", v, "the value must be a CallbackInfo with a Dial or Listen function")
		}
		c.cbInfo = &cb
	}
	return nil
}

// Stage: socket options.

func (r *resolver) stageSocket() error {
	s := defaultSocketOptions()
	for _, o := range r.opts {
		if optSpecs[o.Name].class != classSocket {
			continue
		}
		if err := s.set(o); err != nil {
			return err
		}
	}
	r.c.sock = s
	return nil
}

// set applies one socket option.
func (s *socketOptions) set(o Option) error {
	v := o.Value
	intIn := func(lo, hi int64, what string) (int, error) {
		n, ok := asInt(v)
		if !ok || n < lo || n > hi {
			return 0, invalid(o.Name, v, fmt.Sprintf("the value must be %s from %d to %d", what, lo, hi))
		}
		return int(n), nil
	}
	boolean := func() (bool, error) {
		b, ok := asBool(v)
		if !ok {
			return false, invalid(o.Name, v, "the value must be true or false")
		}
		return b, nil
	}
	var err error
	switch o.Name {
	case "active":
		switch x := v.(type) {
		case bool:
			if x {
				s.active = activeMode{kind: activeTrue}
			} else {
				s.active = activeMode{kind: activeFalse}
			}
		case string:
			switch x {
			case "true":
				s.active = activeMode{kind: activeTrue}
			case "false":
				s.active = activeMode{kind: activeFalse}
			case "once":
				s.active = activeMode{kind: activeOnce}
			default:
				return invalid("active", v, "the value must be true, false, once or an integer from -32768 to 32767")
			}
		default:
			n, ok := asInt(v)
			if !ok || n < -32768 || n > 32767 {
				return invalid("active", v, "the value must be true, false, once or an integer from -32768 to 32767")
			}
			s.active = activeMode{kind: activeN, n: int(n)}
		}
	case "mode":
		m, ok := enumOf(v, Binary, List)
		if !ok {
			return invalid("mode", v, "the value must be binary or list")
		}
		s.mode = m
	case "packet":
		p, err := parsePacket(v)
		if err != nil {
			return err
		}
		s.packet = p
	case "packet_size":
		s.packetSize, err = intIn(0, math.MaxInt32, "a size")
	case "header":
		s.header, err = intIn(0, math.MaxInt32, "a length")
	case "deliver":
		if v == "port" {
			return &OptionError{Name: "deliver", Value: v, Reason: "unsupported", Detail: "only term delivery exists"}
		}
		d, ok := enumOf(v, DeliverTerm)
		if !ok {
			return invalid("deliver", v, "the value must be term")
		}
		s.deliver = d
	case "line_delimiter":
		c, ok := asDelimiter(v)
		if !ok {
			return invalid("line_delimiter", v, "the value must be a character from 0 to 255")
		}
		s.lineDelimiter = c
	case "show_econnreset":
		s.showEconnreset, err = boolean()
	case "exit_on_close":
		s.exitOnClose, err = boolean()
	case "send_timeout":
		d, ok := asDuration(v)
		if !ok || (d < 0 && d != Infinity) {
			return invalid("send_timeout", v, "the value must be a duration of 0 or more (integers are milliseconds), or infinity")
		}
		s.sendTimeout = d
	case "send_timeout_close":
		s.sendTimeoutClose, err = boolean()
	case "delay_send":
		s.delaySend, err = boolean()
	case "backlog":
		s.backlog, err = intIn(0, math.MaxInt32, "a length")
	case "reuseaddr":
		s.reuseAddr.v, err = boolean()
		s.reuseAddr.set = true
	case "nodelay":
		s.nodelay.v, err = boolean()
		s.nodelay.set = true
	case "keepalive":
		s.keepalive.v, err = boolean()
		s.keepalive.set = true
	case "buffer":
		s.buffer.v, err = intIn(1, maxSocketBufferSizeOpts, "a size")
		s.buffer.set = true
	case "recbuf":
		s.recbuf.v, err = intIn(1, maxSocketBufferSizeOpts, "a size")
		s.recbuf.set = true
	case "sndbuf":
		s.sndbuf.v, err = intIn(1, maxSocketBufferSizeOpts, "a size")
		s.sndbuf.set = true
	case "tos":
		s.tos.v, err = intIn(0, 255, "an integer")
		s.tos.set = true
	case "priority":
		s.priority.v, err = intIn(0, 255, "an integer")
		s.priority.set = true
	case "port":
		s.port.v, err = intIn(0, 65535, "a port")
		s.port.set = true
	case "linger":
		l, ok := v.(Linger)
		if !ok || l.Timeout < 0 || l.Timeout/time.Second > math.MaxInt32 {
			return invalid("linger", v, "the value must be a Linger with a timeout of 0 or more")
		}
		s.linger = &l
	case "ip":
		var addr netip.Addr
		switch x := v.(type) {
		case netip.Addr:
			addr = x
		case net.IP:
			a, ok := netip.AddrFromSlice(x)
			if ok {
				addr = a.Unmap()
			}
		case string:
			addr, _ = netip.ParseAddr(x)
		}
		if !addr.IsValid() {
			return invalid("ip", v, "the value must be an IP address")
		}
		s.ip = addr
	case "inet", "inet6":
		if v != nil && v != true {
			return invalid(o.Name, v, "the option takes no value")
		}
		s.family = o.Name
	}
	return err
}

// asDelimiter reads a line_delimiter value: a byte, an integer or rune
// from 0 to 255, or a string of one such character.
func asDelimiter(v any) (byte, bool) {
	switch x := v.(type) {
	case byte:
		return x, true
	case rune:
		return byte(x), x >= 0 && x <= 255
	case string:
		r := []rune(x)
		if len(r) == 1 && r[0] <= 255 {
			return byte(r[0]), true
		}
		return 0, false
	}
	n, ok := asInt(v)
	return byte(n), ok && n >= 0 && n <= 255
}

// parsePacket reads the packet option.
func parsePacket(v any) (PacketType, error) {
	switch x := v.(type) {
	case PacketType:
		switch x {
		case PacketRaw, Packet1, Packet2, Packet4, PacketLine, PacketASN1, PacketCDR, PacketSunRM, PacketFCGI, PacketTPKT:
			return x, nil
		}
	case string:
		switch x {
		case "raw", "0":
			return PacketRaw, nil
		case "1":
			return Packet1, nil
		case "2":
			return Packet2, nil
		case "4":
			return Packet4, nil
		case "http", "httph", "http_bin", "httph_bin":
			return 0, &OptionError{Name: "packet", Value: v, Reason: "unsupported", Detail: "HTTP packet decoding is not supported"}
		}
		for _, p := range []PacketType{PacketLine, PacketASN1, PacketCDR, PacketSunRM, PacketFCGI, PacketTPKT} {
			if a, _ := p.atom(); a == x {
				return p, nil
			}
		}
	default:
		if n, ok := asInt(v); ok {
			switch n {
			case 0:
				return PacketRaw, nil
			case 1, 2, 4:
				return PacketType(n), nil
			}
		}
	}
	return 0, invalid("packet", v, "the value must be raw, 0, 1, 2, 4, line, asn1, cdr, sunrm, fcgi or tpkt")
}

// Cross-option checks, once every stage has run.

func (r *resolver) stageCross() error {
	c := r.c
	switch {
	case c.certChain != nil && c.key == nil:
		return incompatible("a certificate needs its private key (key or keyfile)", bare(r.certO), undefinedOpt("key"))
	case c.key != nil && c.certChain == nil:
		return incompatible("a private key needs its certificate (cert or certfile)", bare(r.keyO), undefinedOpt("cert"))
	}
	if c.certChain == nil {
		return nil
	}
	leaf, err := x509.ParseCertificate(c.certChain[0])
	if err != nil {
		return invalid(r.certO, nil, err.Error())
	}
	c.leaf = leaf
	// The key may be anyone's crypto.Signer: a failure in it is an error,
	// not a crash.
	var pub crypto.PublicKey
	match := false
	if err := safely(r.keyO, nil, func() {
		pub = c.key.Public()
		match = publicKeysEqual(leaf.PublicKey, pub)
	}); err != nil {
		return err
	}
	if !match {
		return incompatible("the private key does not belong to the certificate", bare(r.certO), bare(r.keyO))
	}
	switch pub.(type) {
	case *dsa.PublicKey:
		// TLS 1.3 has no DSA (RFC 8446, Section 4.2.3).
		if !r.hasVersion(SSLv3, TLSv1, TLSv1_1, TLSv1_2) {
			return incompatible("a DSA key cannot sign in TLS 1.3", bare(r.keyO), Option{"versions", c.versions})
		}
	case ed25519.PublicKey:
		// Ed25519 signs in handshakes from TLS 1.2 on (RFC 8422, RFC 8446).
		if !r.hasVersion(tls12Up...) {
			return incompatible("an Ed25519 key signs only in TLS 1.2 and 1.3", bare(r.keyO), Option{"versions", c.versions})
		}
	}
	return nil
}

// safely runs f, code that belongs to a value the user gave (a
// crypto.Signer, a password fun), turning a panic in it into an error about
// the option name.
func safely(name string, v any, f func()) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = invalid(name, v, fmt.Sprintf("the value failed when used: %v", p))
		}
	}()
	f()
	return nil
}

// publicKeysEqual compares two public keys of the types crypto/x509 gives.
func publicKeysEqual(a, b crypto.PublicKey) bool {
	if da, ok := a.(*dsa.PublicKey); ok {
		db, ok := b.(*dsa.PublicKey)
		return ok && da.Y != nil && db.Y != nil && da.P != nil && db.P != nil &&
			da.Y.Cmp(db.Y) == 0 && da.P.Cmp(db.P) == 0 && da.Q.Cmp(db.Q) == 0 && da.G.Cmp(db.G) == 0
	}
	eq, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && eq.Equal(b)
}

// Using a config.

// merge resolves the config's options again with extra after them, so
// that they win: the options given to SSLAccept on a socket from
// TransportAccept, over the listen options. It does not check that a
// server has a certificate; see checkServerCredentials.
func (c *config) merge(extra []Option) (*config, error) {
	if len(extra) == 0 {
		return c, nil
	}
	n, err := resolve(c.role, concatOptions(c.opts, extra))
	if n != nil {
		n.ticketState = c.ticketState
	}
	return n, err
}

// forServerName returns the config of a server for the server name a
// client sent: the sni_hosts entry for it, or the options sni_fun returns
// merged over the others, or c itself when neither applies. A name the
// server has no entry for is served by c. The fun's options are checked
// as any others; an error makes the handshake fail.
func (c *config) forServerName(name string) (*config, error) {
	if c.role != RoleServer || name == "" {
		return c, nil
	}
	if c.sniHosts != nil {
		if hc, ok := c.sniHosts[normalizeHost(name)]; ok {
			return hc, nil
		}
		return c, nil
	}
	if c.sniFun == nil {
		return c, nil
	}
	opts, err := callSNIFun(c.sniFun, name)
	if err != nil {
		return nil, err
	}
	if len(opts) == 0 {
		return c, nil
	}
	for _, o := range opts {
		if o.Name == "sni_hosts" || o.Name == "sni_fun" {
			return nil, invalid("sni_fun", o.Value, "the options sni_fun returns may not hold "+o.Name)
		}
	}
	return resolve(RoleServer, concatOptions(withoutSNI(c.opts), opts))
}

func callSNIFun(f SNIFunc, name string) (opts []Option, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = invalid("sni_fun", f, fmt.Sprintf("the fun failed for %q: %v", name, p))
		}
	}()
	return f(name), nil
}

// checkServerCredentials reports whether a server can run a handshake:
// it needs a certificate and key, unless one of its cipher suites needs
// none (anonymous, PSK and SRP suites), or it names per-host configurations
// (sni_hosts, sni_fun) that may provide them. It is Erlang's
// {options,{certs_keys,cert_and_key_required}}, checked at SSLAccept (after
// merging its options), not at Listen.
func (c *config) checkServerCredentials() error {
	if c.role != RoleServer || c.certChain != nil || c.sniHosts != nil || c.sniFun != nil {
		return nil
	}
	for _, s := range c.suites {
		switch s.KeyExchange {
		case cipher.KXDHAnon, cipher.KXECDHAnon, cipher.KXSRPAnon, cipher.KXPSK, cipher.KXDHEPSK, cipher.KXECDHEPSK:
			return nil
		}
	}
	return &OptionError{Name: "certs_keys", Reason: "invalid",
		Detail: "a server needs a certificate and key (cert or certfile, key or keyfile) unless it offers anonymous, PSK or SRP suites",
		term:   "{options,{certs_keys,cert_and_key_required}}"}
}

// peerIdentity returns, for a client connecting to host (the Connect
// argument; "" for an upgraded connection), the SNI host name to send
// ("" for none) and the name or address the server's certificate must
// match. server_name_indication overrides host; disable sends nothing and
// checks nothing. An address literal, from either, is checked as an
// address and not sent (RFC 6066, Section 3). Without any name, as Erlang
// does, the peer's address peerIP is checked (if valid).
func (c *config) peerIdentity(host string, peerIP netip.Addr) (sni, checkName string, checkIP netip.Addr) {
	if c.sniDisabled {
		return "", "", netip.Addr{}
	}
	name := c.sni
	if name == "" {
		name = strings.TrimSuffix(host, ".")
	}
	if name == "" {
		return "", "", peerIP
	}
	// An address literal has a colon (IPv6) or ends in a digit (IPv4);
	// other names are not parsed (a failed parse costs an error value).
	if lit := strings.Trim(name, "[]"); strings.Contains(lit, ":") || (lit != "" && lit[len(lit)-1] >= '0' && lit[len(lit)-1] <= '9') {
		if ip, err := netip.ParseAddr(lit); err == nil {
			return "", "", ip
		}
	}
	return name, name, netip.Addr{}
}

// pathOptions returns the settings of path validation for the peer's
// certificate chain: the trust anchors, Erlang's depth mapped to
// x509path's convention (depth 0 means no intermediates, x509path's -1; any
// other depth is the same number), the verify fun with its user state,
// partial_chain, the name or address to check (see peerIdentity; none on a
// server), the purpose the peer's certificate must serve, and the CRL
// settings.
func (c *config) pathOptions(checkName string, checkIP netip.Addr) x509path.Options {
	depth := c.depth
	if depth == 0 {
		depth = -1
	}
	purpose := x509path.ServerAuth
	if c.role == RoleServer {
		purpose = x509path.ClientAuth
	}
	return x509path.Options{
		TrustedCerts: c.trusted,
		MaxDepth:     depth,
		VerifyFun:    c.verifyFun,
		UserState:    c.verifyUserState,
		PartialChain: c.partialChain,
		Hostname:     checkName,
		IP:           checkIP,
		Purpose:      purpose,
		CRLCheck:     c.crlCheck,
		CRLCache:     c.crlCache,
	}
}

// logEnabled reports whether messages of severity s are logged.
func (c *config) logEnabled(s Severity) bool {
	return c.logLevel != LevelNone && s != LevelNone && s <= c.logLevel
}

// getopts returns the socket options named (Erlang names; all of them, in
// Erlang's order, when none are named) as the config has them. The
// emulated options always have a value. The operating system's options
// (reuseaddr, nodelay, keepalive, ip, port, buffer, recbuf, sndbuf, linger,
// tos, priority) have a nil Value unless they were set: the socket layer
// fills those in from the live socket. An ssl option or an unknown name is
// refused.
func (c *config) getopts(names ...string) ([]Option, error) {
	if len(names) == 0 {
		names = socketOptionNames
	}
	s := &c.sock
	out := make([]Option, 0, len(names))
	for _, n := range names {
		var v any
		switch n {
		case "active":
			v = s.active.value()
		case "mode":
			v = s.mode
		case "packet":
			v = s.packet
		case "packet_size":
			v = s.packetSize
		case "header":
			v = s.header
		case "line_delimiter":
			v = s.lineDelimiter
		case "show_econnreset":
			v = s.showEconnreset
		case "deliver":
			v = s.deliver
		case "exit_on_close":
			v = s.exitOnClose
		case "send_timeout":
			v = s.sendTimeout
		case "send_timeout_close":
			v = s.sendTimeoutClose
		case "delay_send":
			v = s.delaySend
		case "backlog":
			v = s.backlog
		case "reuseaddr":
			v = s.reuseAddr.get()
		case "nodelay":
			v = s.nodelay.get()
		case "keepalive":
			v = s.keepalive.get()
		case "ip":
			if s.ip.IsValid() {
				v = s.ip
			}
		case "port":
			v = s.port.get()
		case "buffer":
			v = s.buffer.get()
		case "recbuf":
			v = s.recbuf.get()
		case "sndbuf":
			v = s.sndbuf.get()
		case "tos":
			v = s.tos.get()
		case "priority":
			v = s.priority.get()
		case "linger":
			if s.linger != nil {
				v = *s.linger
			}
		default:
			if _, ok := optSpecs[n]; ok {
				return nil, &OptionError{Name: n, Reason: "not_a_socket_option",
					Detail: "getopts reports socket options; ConnectionInformation reports the ssl options",
					term:   "{options,{socket_options," + quoteAtom(n) + "}}"}
			}
			return nil, &OptionError{Name: n, Reason: "unknown_option", Detail: "no socket option has this name",
				term: "{options,{socket_options," + quoteAtom(n) + "}}"}
		}
		out = append(out, Option{n, v})
	}
	return out, nil
}

func (b optBool) get() any {
	if b.set {
		return b.v
	}
	return nil
}

func (n optInt) get() any {
	if n.set {
		return n.v
	}
	return nil
}

// setopts returns a copy of the config with the socket options opts
// applied (the rule of Erlang's ssl:setopts): only socket options, and not
// those fixed once the socket exists (ip, port, backlog, inet, inet6).
// An ssl option is refused: the handshake has used it and it cannot change.
// On error c is unchanged. Erlang's {active, N} adds N to the socket's
// current count; that count lives in the socket, which applies the rule.
func (c *config) setopts(opts ...Option) (*config, error) {
	s := c.sock
	given := make([]Option, 0, len(opts))
	for _, o := range opts {
		if o.Name == "binary" || o.Name == "list" {
			m := Binary
			if o.Name == "list" {
				m = List
			}
			if o.Value != nil && o.Value != true {
				return nil, invalid(o.Name, o.Value, "the bare "+o.Name+" option takes no value")
			}
			o = Option{"mode", m}
		}
		// The terms are OTP's: the options the ssl connection emulates
		// (active, mode, packet, header, packet_size) are checked by it,
		// {options,{socket_options,Opt}}; the others go to
		// inet:setopts, which refuses what it does not take with einval,
		// {options,{socket_options,[Opt],einval}}.
		inetTerm := "{options,{socket_options,[" + renderOption(o) + "],einval}}"
		spec, ok := optSpecs[o.Name]
		switch {
		case !ok:
			return nil, &OptionError{Name: o.Name, Value: o.Value, Reason: "unknown_option", Detail: "no socket option has this name",
				term: inetTerm}
		case spec.class == classSSL:
			return nil, &OptionError{Name: o.Name, Value: o.Value, Reason: "not_settable",
				Detail: "ssl options are fixed when the connection is set up; only socket options can be changed",
				term:   inetTerm}
		case !spec.settable:
			return nil, &OptionError{Name: o.Name, Value: o.Value, Reason: "not_settable",
				Detail: "the option is fixed once the socket exists",
				term:   inetTerm}
		}
		if err := s.set(o); err != nil {
			var oe *OptionError
			if errors.As(err, &oe) {
				e := *oe
				if emulatedOptions[o.Name] {
					e.term = "{options,{socket_options," + renderOption(o) + "}}"
				} else {
					e.term = inetTerm
				}
				return nil, &e
			}
			return nil, err
		}
		given = append(given, o)
	}
	n := *c
	n.sock = s
	n.opts = replaceOptions(c.opts, given)
	return &n, nil
}

// emulatedOptions are the socket options Erlang's ssl connection keeps
// itself; setopts passes the others to inet.
var emulatedOptions = map[string]bool{"active": true, "mode": true, "packet": true, "header": true, "packet_size": true}

// replaceOptions returns opts with given appended and the earlier values
// of the options given left out: a socket that calls Setopts again and
// again (ActiveOnce after every message) keeps a list of bounded length.
func replaceOptions(opts, given []Option) []Option {
	names := make(map[string]bool, len(given))
	for _, o := range given {
		names[o.Name] = true
	}
	out := make([]Option, 0, len(opts)+len(given))
	for _, o := range opts {
		if !names[o.Name] {
			out = append(out, o)
		}
	}
	return append(out, given...)
}

// definedOptions returns the ssl options that were given, each once with
// its last value, in the order first given: what ConnectionInformation
// reports. Secrets (password, key) are left out.
func (c *config) definedOptions() []Option {
	last := make(map[string]Option, len(c.opts))
	var order []string
	for _, o := range c.opts {
		if optSpecs[o.Name].class != classSSL {
			continue
		}
		if _, seen := last[o.Name]; !seen {
			order = append(order, o.Name)
		}
		last[o.Name] = o
	}
	out := make([]Option, 0, len(order))
	for _, n := range order {
		if n == "password" || n == "key" {
			continue
		}
		out = append(out, last[n])
	}
	return out
}
