package ssl

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/crl"
	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/pem"
	"github.com/otpssl/ssl/session"
)

// appVersion is the library's version, VersionsInfo.AppVsn.
const appVersion = "0.1.0"

// handshakeVersions lists, highest first, the protocol versions whose
// handshake this library implements: what it can actually negotiate. It is
// the one place VersionInfo's Supported and Available lists derive from,
// and the handshake code adds each version here as its handshake lands.
// Today the SSL 3.0 and TLS 1.0-1.3 handshakes are implemented; the options
// still accept and resolve every version (DTLS too), so that
// configurations are checked ahead of time.
var handshakeVersions = []Protocol{TLSv1_3, TLSv1_2, TLSv1_1, TLSv1, SSLv3}

// appEnv is the application environment (Erlang's application:get_env
// (ssl, ...)).
type appEnv struct {
	sessionLifetime  time.Duration
	sessionClientMax int
	sessionServerMax int
	protocolVersions []Protocol // TLS versions, highest first
	dtlsVersions     []Protocol // DTLS versions, highest first
	alertTimeout     time.Duration
	pemCacheClean    time.Duration // 0: not set, the pem package's default
	tickets          ticketEnv     // TLS 1.3 session tickets (tickets13.go)
	sessionCB        session.Factory
	sessionCBArgs    []any
}

func defaultEnv() *appEnv {
	return &appEnv{
		sessionLifetime:  24 * time.Hour,
		sessionClientMax: 1000,
		sessionServerMax: 1000,
		protocolVersions: []Protocol{TLSv1_3, TLSv1_2},
		dtlsVersions:     []Protocol{DTLSv1_2},
		alertTimeout:     5 * time.Second,
		tickets:          defaultTicketEnv(),
	}
}

var app struct {
	mu      sync.Mutex
	started bool
	env     atomic.Pointer[appEnv]
}

// currentEnv returns the environment in force: the one Start set, or the
// defaults.
func currentEnv() *appEnv {
	if e := app.env.Load(); e != nil {
		return e
	}
	return sharedDefaultEnv
}

// sharedDefaultEnv is the environment before Start, shared by every
// resolution and never modified (Start builds its own from defaultEnv).
var sharedDefaultEnv = defaultEnv()

// EnvOption is one setting of the application environment, given to
// Start. Name is the Erlang name (session_lifetime, protocol_version, ...)
// and Value the Go value of its constructor; like Option, it can be written
// by hand, with integers in Erlang's units (seconds for session_lifetime,
// milliseconds for alert_timeout and ssl_pem_cache_clean).
//
// Erlang's session_cb (a session cache module) is SessionCB, a
// session.Factory.
type EnvOption struct {
	Name  string
	Value any
}

// SessionLifetime is session_lifetime: how long a TLS 1.0-1.2 session may
// be resumed (default 24 hours; whole seconds).
func SessionLifetime(d time.Duration) EnvOption { return EnvOption{"session_lifetime", d} }

// SessionCacheClientMax is session_cache_client_max: how many sessions the
// client cache holds (default 1000). When it is full, the default cache
// (session.MemoryCache) drops its expired sessions or, if none has
// expired, invalidates all of them, as the seed says.
func SessionCacheClientMax(n int) EnvOption { return EnvOption{"session_cache_client_max", n} }

// SessionCB is session_cb: the factory of the session caches, called
// once for each role when Start runs (or when the first connection needs
// a cache, without Start); each cache gets Init with its role, the
// session lifetime, its role's maximum size and SessionCBInitArgs. A
// factory returning nil for a role gives that role the default
// session.MemoryCache. An Init error makes Start fail. Stop, and a later
// Start, call Terminate on the caches.
func SessionCB(f session.Factory) EnvOption { return EnvOption{"session_cb", f} }

// SessionCBInitArgs is session_cb_init_args: the arguments given to the
// caches' Init (InitArgs.Args), for the cache to interpret.
func SessionCBInitArgs(args ...any) EnvOption { return EnvOption{"session_cb_init_args", args} }

// SessionCacheServerMax is session_cache_server_max: how many sessions the
// server cache holds (default 1000), as SessionCacheClientMax.
func SessionCacheServerMax(n int) EnvOption { return EnvOption{"session_cache_server_max", n} }

// ProtocolVersion is protocol_version: the versions used when the versions
// option is not given (default TLS 1.3 and 1.2; DTLS 1.2 for DTLS). TLS and
// DTLS versions may be mixed: each protocol takes its own. The rules of the
// versions option apply.
func ProtocolVersion(v ...Protocol) EnvOption { return EnvOption{"protocol_version", v} }

// AlertTimeout is alert_timeout: how long to wait after sending a fatal
// alert before closing the transport (default 5 seconds).
func AlertTimeout(d time.Duration) EnvOption { return EnvOption{"alert_timeout", d} }

// PEMCacheClean is ssl_pem_cache_clean: how often the PEM cache
// (pem.Default) drops files not used since the last clean (default 2
// minutes). Zero or less turns cleaning off.
func PEMCacheClean(d time.Duration) EnvOption { return EnvOption{"ssl_pem_cache_clean", d} }

// Start starts the ssl application with the given environment; settings
// not given keep their defaults. Calling it is optional: without it the
// library runs with the defaults. It applies PEMCacheClean to pem.Default.
// An invalid setting is an *OptionError and nothing changes; starting a
// started application is ErrAlreadyStarted (Erlang's {error,
// {already_started, ssl}}): Stop first to change the environment.
func Start(env ...EnvOption) error {
	app.mu.Lock()
	defer app.mu.Unlock()
	if app.started {
		return ErrAlreadyStarted
	}
	e, err := buildEnv(env)
	if err != nil {
		return err
	}
	client, server, err := newSessionCaches(e)
	if err != nil {
		return &OptionError{Name: "session_cb", Value: e.sessionCB, Reason: "invalid", Detail: "the cache's Init failed: " + err.Error()}
	}
	if e.pemCacheClean != 0 {
		pem.Default.SetCleanInterval(e.pemCacheClean)
	}
	app.env.Store(e)
	installSessionCaches(e, client, server)
	app.started = true
	return nil
}

// Stop stops the ssl application: it closes the PEM cache (stopping its
// cleaner and emptying it; it is read again when next used). Open sockets keep working, and the library goes on working with the
// environment Start set, as an Erlang node keeps its application
// environment after application:stop. Stopping a stopped application is
// not an error.
func Stop() error {
	app.mu.Lock()
	defer app.mu.Unlock()
	if !app.started {
		return nil
	}
	app.started = false
	terminateSessionCaches()
	return pem.Default.Close()
}

// buildEnv checks the settings and returns the environment they make.
func buildEnv(opts []EnvOption) (*appEnv, error) {
	e := defaultEnv()
	for _, o := range opts {
		bad := func(detail string) error {
			return &OptionError{Name: o.Name, Value: o.Value, Reason: "invalid", Detail: detail}
		}
		switch o.Name {
		case "session_lifetime":
			d, ok := o.Value.(time.Duration)
			if !ok {
				n, isInt := asInt(o.Value)
				if !isInt || n > int64(1<<31) {
					return nil, bad("the value must be a duration (integers are seconds)")
				}
				d = time.Duration(n) * time.Second
			}
			if d <= 0 {
				return nil, bad("the lifetime must be positive")
			}
			e.sessionLifetime = d
		case "session_cache_client_max", "session_cache_server_max":
			n, ok := asInt(o.Value)
			if !ok || n < 1 || n > 1<<31-1 {
				return nil, bad("the value must be a positive integer")
			}
			if o.Name == "session_cache_client_max" {
				e.sessionClientMax = int(n)
			} else {
				e.sessionServerMax = int(n)
			}
		case "session_cb":
			switch f := o.Value.(type) {
			case session.Factory:
				e.sessionCB = f
			case func(session.Role) session.Cache:
				e.sessionCB = f
			default:
				return nil, bad("the value must be a session.Factory")
			}
		case "session_cb_init_args":
			args, ok := o.Value.([]any)
			if !ok {
				return nil, bad("the value must be a list ([]any)")
			}
			e.sessionCBArgs = args
		case "protocol_version":
			all, ok := parseVersions(o.Value)
			if !ok || len(all) == 0 {
				return nil, bad("the value must be a list of protocol versions")
			}
			var tls, dtls []Protocol
			for _, p := range all {
				if isDTLS(p) {
					dtls = append(dtls, p)
				} else {
					tls = append(tls, p)
				}
			}
			if len(tls) > 0 {
				v, err := validateVersions(o.Name, tls, TLS)
				if err != nil {
					return nil, err
				}
				e.protocolVersions = v
			}
			if len(dtls) > 0 {
				v, err := validateVersions(o.Name, dtls, DTLS)
				if err != nil {
					return nil, err
				}
				e.dtlsVersions = v
			}
		case "alert_timeout", "ssl_pem_cache_clean":
			d, ok := asDuration(o.Value)
			if !ok || (o.Name == "alert_timeout" && d < 0) {
				return nil, bad("the value must be a duration of 0 or more (integers are milliseconds)")
			}
			if o.Name == "alert_timeout" {
				e.alertTimeout = d
			} else {
				if d <= 0 {
					d = -1 // cleaning off; 0 means "not set" in appEnv
				}
				e.pemCacheClean = d
			}
		default:
			if known, why := e.tickets.set(o.Name, o.Value); known {
				if why != "" {
					return nil, bad(why)
				}
				continue
			}
			return nil, &OptionError{Name: o.Name, Value: o.Value, Reason: "unknown_option",
				Detail: "no setting of the application environment has this name"}
		}
	}
	return e, nil
}

// VersionsInfo is what VersionInfo returns (Erlang's ssl:versions/0).
type VersionsInfo struct {
	// AppVsn is the library's version.
	AppVsn string
	// Supported are the TLS versions used by default (the default versions
	// or the environment's ProtocolVersion) that this library can
	// negotiate, highest first.
	Supported []Protocol
	// Available are the TLS versions this library can negotiate when
	// configured, highest first.
	Available []Protocol
	// SupportedDTLS and AvailableDTLS are the same for DTLS.
	SupportedDTLS []Protocol
	AvailableDTLS []Protocol
}

// VersionInfo returns version information, as Erlang's ssl:versions/0:
// the library version and the protocol versions supported by default and
// available. Only versions whose handshake is implemented are listed (none
// yet: see the package's status); the options accept every version. (The Go
// name Versions is the constructor of the versions option.)
func VersionInfo() VersionsInfo {
	env := currentEnv()
	info := VersionsInfo{AppVsn: appVersion}
	implemented := make(map[Protocol]bool, len(handshakeVersions))
	for _, p := range handshakeVersions {
		implemented[p] = true
		if isDTLS(p) {
			info.AvailableDTLS = append(info.AvailableDTLS, p)
		} else {
			info.Available = append(info.Available, p)
		}
	}
	for _, p := range env.protocolVersions {
		if implemented[p] {
			info.Supported = append(info.Supported, p)
		}
	}
	for _, p := range env.dtlsVersions {
		if implemented[p] {
			info.SupportedDTLS = append(info.SupportedDTLS, p)
		}
	}
	sortVersions(info.Available)
	sortVersions(info.AvailableDTLS)
	return info
}

// Eccs returns the elliptic curves this library can use for key exchange
// in some protocol version, in its default order of preference (Erlang's
// ssl:eccs/0): x25519, secp256r1, secp384r1, secp521r1. (The eccs option's
// constructor is EccsOption.)
func Eccs() []NamedCurve {
	return handshake.DefaultEccs()
}

// EccsFor returns the elliptic curves usable for key exchange in protocol
// version p (Erlang's ssl:eccs/1): the curves of Eccs for TLS 1.0 to 1.3 and
// the DTLS versions, none for SSL 3.0 (which has no ECC), and nil for a
// value that is not a protocol version.
func EccsFor(p Protocol) []NamedCurve {
	if !knownProtocol(p) {
		return nil
	}
	v := cipher.Version(tlsEquivalent(p))
	out := []NamedCurve{}
	for _, g := range handshake.DefaultEccs() {
		if g.AllowedIn(v) {
			out = append(out, g)
		}
	}
	return out
}

// DefaultCRLCache returns the CRL cache used when the crl_cache option is
// not given: Erlang's internal ssl_crl_cache, shared by every connection.
// Add CRLs to it with its Insert and InsertURI methods (Erlang's
// ssl_crl_cache:insert/1,2).
func DefaultCRLCache() *crl.InternalCache {
	return defaultCRLCache()
}

var defaultCRLCache = sync.OnceValue(func() *crl.InternalCache { return crl.NewInternalCache() })

// envString renders the environment for debugging.
func (e *appEnv) String() string {
	return fmt.Sprintf("[{session_lifetime,%d},{session_cache_client_max,%d},{session_cache_server_max,%d},{protocol_version,%s},{alert_timeout,%d}]",
		int64(e.sessionLifetime/time.Second), e.sessionClientMax, e.sessionServerMax,
		termOf(append(append([]Protocol(nil), e.protocolVersions...), e.dtlsVersions...)), e.alertTimeout.Milliseconds())
}
