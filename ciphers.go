package ssl

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/otpssl/ssl/cipher"
)

// SuiteKind selects a list of cipher suites for CipherSuites: the argument
// of Erlang's ssl:cipher_suites/1.
type SuiteKind int

// The kinds of cipher suite lists.
const (
	// SuitesDefault is Erlang's cipher_suites(erlang), cipher_suites()
	// and, in newer OTP, cipher_suites(default, Version): the suites used
	// when the ciphers option is not given. They are the forward-secret
	// AEAD suites with certificate authentication: the TLS 1.3 suites
	// except TLS_AES_128_CCM_8_SHA256, then ECDHE and DHE with AES-GCM,
	// ChaCha20-Poly1305 and AES-CCM, in the order cipher.DefaultSuites
	// explains.
	SuitesDefault SuiteKind = iota
	// SuitesAll is Erlang's cipher_suites(all): every suite this library
	// implements, including the weak, anonymous, PSK and SRP suites that
	// are only used when configured explicitly. The default suites come
	// first in their order; the others follow, strongest first (see
	// CipherSuites).
	SuitesAll
	// SuitesOpenSSL is Erlang's cipher_suites(openssl), which returned
	// the default suites as OpenSSL names: here the default suites that
	// OpenSSL can name, which today is all of them (OpenSSL names TLS 1.3
	// suites with their IANA names). Use OpenSSLName for the strings.
	SuitesOpenSSL
)

// String returns the Erlang atom of the kind as the ssl(3) manual of OTP
// 20 names it: "erlang", "all" or "openssl" (newer OTP calls the default
// list "default").
func (k SuiteKind) String() string {
	switch k {
	case SuitesDefault:
		return "erlang"
	case SuitesAll:
		return "all"
	case SuitesOpenSSL:
		return "openssl"
	}
	return fmt.Sprintf("SuiteKind(%d)", int(k))
}

// CipherSuite is a cipher suite in Erlang's map form,
// #{key_exchange, cipher, mac, prf}. It is comparable, so it can be a map
// key and suites can be compared with ==.
//
// Erlang/OTP writes the PRF of some TLS 1.2-only suites as default_prf
// (TLS_RSA_WITH_AES_128_CBC_SHA256, the ECDHE_ECDSA AES-CCM suites, ...)
// where this library writes sha256; in TLS 1.2 they are the same function.
// The methods accept both spellings; CipherSuiteFromID, CipherSuites and
// ParseCipherSuites return this library's, which Canonical also gives.
type CipherSuite struct {
	KeyExchange cipher.KeyExchange
	Cipher      cipher.Bulk
	MAC         cipher.MAC
	PRF         cipher.PRF
}

var suiteByTuple = func() map[CipherSuite]*cipher.Suite {
	m := make(map[CipherSuite]*cipher.Suite)
	for _, s := range cipher.Suites() {
		m[suiteOf(s)] = s
	}
	return m
}()

func suiteOf(s *cipher.Suite) CipherSuite {
	return CipherSuite{KeyExchange: s.KeyExchange, Cipher: s.Cipher, MAC: s.MAC, PRF: s.PRF}
}

// Suite returns the registry record of the suite, or nil when no suite
// has these algorithms.
func (c CipherSuite) Suite() *cipher.Suite {
	if s := suiteByTuple[c]; s != nil {
		return s
	}
	if c.PRF == cipher.PRFDefault {
		c.PRF = cipher.PRFSHA256
		if s := suiteByTuple[c]; s != nil && !s.ValidFor(cipher.VersionTLS11) {
			return s
		}
	}
	return nil
}

// Canonical returns the suite with the registry's spelling of its PRF
// (sha256 rather than Erlang's default_prf for TLS 1.2-only suites), or c
// itself when no suite has these algorithms.
func (c CipherSuite) Canonical() CipherSuite {
	if s := c.Suite(); s != nil {
		return suiteOf(s)
	}
	return c
}

// ID returns the IANA code point, or 0 (TLS_NULL_WITH_NULL_NULL, which is
// never negotiated) when no suite has these algorithms.
func (c CipherSuite) ID() uint16 {
	if s := c.Suite(); s != nil {
		return s.ID
	}
	return 0
}

// IANAName returns the IANA name ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
// or "" when no suite has these algorithms.
func (c CipherSuite) IANAName() string {
	if s := c.Suite(); s != nil {
		return s.IANAName
	}
	return ""
}

// OpenSSLName returns OpenSSL's name ("ECDHE-RSA-AES128-GCM-SHA256"; the
// IANA name for TLS 1.3 suites), or "" when OpenSSL has none or no suite
// has these algorithms.
func (c CipherSuite) OpenSSLName() string {
	if s := c.Suite(); s != nil {
		return s.OpenSSLName
	}
	return ""
}

// String renders the suite as Erlang prints the map:
// #{cipher => aes_128_gcm,key_exchange => ecdhe_rsa,mac => aead,prf => sha256}.
func (c CipherSuite) String() string {
	return "#{cipher => " + erlAtom(c.Cipher.String()) +
		",key_exchange => " + erlAtom(c.KeyExchange.String()) +
		",mac => " + erlAtom(c.MAC.String()) +
		",prf => " + erlAtom(c.PRF.String()) + "}"
}

// erlAtom quotes an atom as Erlang prints it when it does not start with
// a lower-case letter ('3des_ede_cbc').
func erlAtom(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return "'" + s + "'"
	}
	return s
}

// CipherSuiteFromID returns the suite with IANA code point id, and whether
// the registry has it.
func CipherSuiteFromID(id uint16) (CipherSuite, bool) {
	s := cipher.SuiteByID(id)
	if s == nil {
		return CipherSuite{}, false
	}
	return suiteOf(s), true
}

// CipherSuites returns the suites of kind k (Erlang's
// ssl:cipher_suites/1), in preference order; nil for an unknown kind.
//
// For SuitesAll the suites after the defaults are ordered, from the first
// rule to the last: TLS 1.3 first; then by class (forward-secret
// certificate suites, certificate suites without forward secrecy, PSK and
// SRP suites, suites with RC4 or single DES, anonymous suites, suites
// without encryption); then by cipher (AES-GCM, ChaCha20-Poly1305,
// AES-CCM, AES-CCM_8, AES-CBC, 3DES, RC4, DES, NULL; 128-bit keys before
// 256-bit ones, as in the defaults), by MAC (SHA-2 before SHA-1 before
// MD5), and by code point.
func CipherSuites(k SuiteKind) []CipherSuite {
	var list []*cipher.Suite
	switch k {
	case SuitesDefault:
		list = cipher.DefaultSuites()
	case SuitesOpenSSL:
		for _, s := range cipher.DefaultSuites() {
			if s.OpenSSLName != "" {
				list = append(list, s)
			}
		}
	case SuitesAll:
		list = allByPreference()
	default:
		return nil
	}
	out := make([]CipherSuite, len(list))
	for i, s := range list {
		out[i] = suiteOf(s)
	}
	return out
}

func allByPreference() []*cipher.Suite {
	def := cipher.DefaultSuites()
	inDefault := make(map[uint16]bool, len(def))
	for _, s := range def {
		inDefault[s.ID] = true
	}
	var rest []*cipher.Suite
	for _, s := range cipher.Suites() {
		if !inDefault[s.ID] {
			rest = append(rest, s)
		}
	}
	sort.SliceStable(rest, func(i, j int) bool {
		a, b := preferenceKey(rest[i]), preferenceKey(rest[j])
		for n := range a {
			if a[n] != b[n] {
				return a[n] < b[n]
			}
		}
		return false
	})
	return append(def, rest...)
}

var bulkRank = map[cipher.Bulk]int{
	cipher.BulkAES128GCM: 0, cipher.BulkAES256GCM: 1, cipher.BulkChaCha20Poly1305: 2,
	cipher.BulkAES128CCM: 3, cipher.BulkAES256CCM: 4, cipher.BulkAES128CCM8: 5, cipher.BulkAES256CCM8: 6,
	cipher.BulkAES128CBC: 7, cipher.BulkAES256CBC: 8, cipher.Bulk3DESEDECBC: 9,
	cipher.BulkRC4128: 10, cipher.BulkDESCBC: 11, cipher.BulkNull: 12,
}

var macRank = map[cipher.MAC]int{
	cipher.MACAEAD: 0, cipher.MACSHA256: 1, cipher.MACSHA384: 1, cipher.MACSHA1: 2, cipher.MACMD5: 3,
}

// preferenceKey is the sort key of the suites outside the defaults.
func preferenceKey(s *cipher.Suite) [5]int {
	tls13 := 1
	if s.TLS13() {
		tls13 = 0
	}
	var class int
	kx := s.KeyExchange
	switch {
	case s.Cipher == cipher.BulkNull:
		class = 5
	case kx.Anonymous():
		class = 4
	case s.Cipher == cipher.BulkRC4128 || s.Cipher == cipher.BulkDESCBC:
		class = 3
	case kx == cipher.KXPSK || kx == cipher.KXDHEPSK || kx == cipher.KXRSAPSK || kx == cipher.KXECDHEPSK ||
		kx == cipher.KXSRPRSA || kx == cipher.KXSRPDSS:
		class = 2
	case kx.ForwardSecret():
		class = 0
	default:
		class = 1
	}
	return [5]int{tls13, class, bulkRank[s.Cipher], macRank[s.MAC], int(s.ID)}
}

// ErrUnknownCipherSuite is wrapped by the error ParseCipherSuites returns
// for a name it does not know.
var ErrUnknownCipherSuite = errors.New("ssl: unknown cipher suite")

// maxCipherList bounds the input of ParseCipherSuites.
const maxCipherList = 64 << 10

// ParseCipherSuites parses a list of cipher suite names, as Erlang's
// ciphers option accepts it in string form: OpenSSL names
// ("ECDHE-RSA-AES128-GCM-SHA256:AES256-SHA") or IANA names
// ("TLS_AES_128_GCM_SHA256"), mixed freely, separated by colons, commas
// or white space. Names are matched without regard to case, and OpenSSL's
// old "EDH-" spelling of "DHE-" is accepted. The order is kept; a name
// given twice counts once, at its first place.
//
// It accepts names only, not OpenSSL's selection language ("HIGH",
// "!aNULL", "+RSA", "@STRENGTH"): an unknown name is an error that wraps
// ErrUnknownCipherSuite and quotes the name. A list with no names is an
// error too; use CipherSuites(SuitesDefault) for the defaults.
func ParseCipherSuites(s string) ([]CipherSuite, error) {
	if len(s) > maxCipherList {
		return nil, fmt.Errorf("ssl: cipher suite list of %d bytes is too long", len(s))
	}
	names := strings.FieldsFunc(s, func(r rune) bool {
		return r == ':' || r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	})
	if len(names) == 0 {
		return nil, errors.New("ssl: empty cipher suite list")
	}
	out := make([]CipherSuite, 0, len(names))
	seen := make(map[uint16]bool, len(names))
	for _, name := range names {
		cs := cipher.SuiteByName(name)
		if cs == nil {
			if len(name) > 80 {
				name = name[:80] + "..."
			}
			return nil, fmt.Errorf("%w: %q", ErrUnknownCipherSuite, name)
		}
		if seen[cs.ID] {
			continue
		}
		seen[cs.ID] = true
		out = append(out, suiteOf(cs))
	}
	return out, nil
}
