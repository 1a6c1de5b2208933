package cipher

import (
	"crypto"
	"strings"
	"testing"
)

// ianaKX maps the key exchange part of IANA names to the enum. SRP_SHA is
// SRP without a certificate (RFC 5054, Section 2.7); PSK_DHE is how the
// registry spells DHE_PSK in two RFC 6655 names (0xC0AA, 0xC0AB).
var ianaKX = map[string]KeyExchange{
	"RSA": KXRSA, "DHE_RSA": KXDHERSA, "DHE_DSS": KXDHEDSS, "DH_anon": KXDHAnon,
	"ECDHE_RSA": KXECDHERSA, "ECDHE_ECDSA": KXECDHEECDSA, "ECDH_RSA": KXECDHRSA,
	"ECDH_ECDSA": KXECDHECDSA, "ECDH_anon": KXECDHAnon, "PSK": KXPSK,
	"DHE_PSK": KXDHEPSK, "PSK_DHE": KXDHEPSK, "RSA_PSK": KXRSAPSK, "ECDHE_PSK": KXECDHEPSK,
	"SRP_SHA": KXSRPAnon, "SRP_SHA_RSA": KXSRPRSA, "SRP_SHA_DSS": KXSRPDSS,
}

// ianaCiphers lists the cipher parts of IANA names, longest first so that
// AES_128_CCM_8 is not read as AES_128_CCM.
var ianaCiphers = []struct {
	name string
	bulk Bulk
}{
	{"CHACHA20_POLY1305", BulkChaCha20Poly1305},
	{"3DES_EDE_CBC", Bulk3DESEDECBC},
	{"AES_128_CCM_8", BulkAES128CCM8}, {"AES_256_CCM_8", BulkAES256CCM8},
	{"AES_128_CBC", BulkAES128CBC}, {"AES_256_CBC", BulkAES256CBC},
	{"AES_128_GCM", BulkAES128GCM}, {"AES_256_GCM", BulkAES256GCM},
	{"AES_128_CCM", BulkAES128CCM}, {"AES_256_CCM", BulkAES256CCM},
	{"RC4_128", BulkRC4128}, {"DES_CBC", BulkDESCBC}, {"NULL", BulkNull},
}

var ianaHashes = map[string]MAC{"MD5": MACMD5, "SHA": MACSHA1, "SHA256": MACSHA256, "SHA384": MACSHA384}

// parseIANA reads key exchange, cipher, MAC and PRF back from an IANA
// name, independently of the table: TLS_<kx>_WITH_<cipher>_<mac> before
// TLS 1.3, TLS_<cipher>_<hash> in TLS 1.3. An AEAD suite's trailing hash
// is its PRF (SHA-256 when the name has none, as for RFC 6655 CCM); a
// SHA-256/384 MAC means a TLS 1.2 suite with that PRF hash.
func parseIANA(t *testing.T, name string) (kx KeyExchange, bulk Bulk, mac MAC, prf PRF, ok bool) {
	t.Helper()
	rest, found := strings.CutPrefix(name, "TLS_")
	if !found {
		return
	}
	kxPart, rest, found := strings.Cut(rest, "_WITH_")
	if found {
		if kx, found = ianaKX[kxPart]; !found {
			return
		}
	} else {
		rest, kx = kxPart, KXAny
	}
	matched := false
	for _, c := range ianaCiphers {
		if tail, found := strings.CutPrefix(rest, c.name); found {
			bulk, rest, matched = c.bulk, tail, true
			break
		}
	}
	if !matched || (rest != "" && !strings.HasPrefix(rest, "_")) {
		return
	}
	hashName := strings.TrimPrefix(rest, "_")
	if bulk.Params().Kind == KindAEAD {
		mac, prf = MACAEAD, PRFSHA256
		switch hashName {
		case "", "SHA256":
		case "SHA384":
			prf = PRFSHA384
		default:
			return
		}
		return kx, bulk, mac, prf, true
	}
	if mac, found = ianaHashes[hashName]; !found {
		return
	}
	switch mac {
	case MACSHA256:
		prf = PRFSHA256
	case MACSHA384:
		prf = PRFSHA384
	default:
		prf = PRFDefault
	}
	return kx, bulk, mac, prf, true
}

func TestRegistryNamesAgreeWithFields(t *testing.T) {
	for _, s := range Suites() {
		kx, bulk, mac, prf, ok := parseIANA(t, s.IANAName)
		if !ok {
			t.Errorf("%#04x: cannot parse IANA name %q", s.ID, s.IANAName)
			continue
		}
		if kx != s.KeyExchange || bulk != s.Cipher || mac != s.MAC || prf != s.PRF {
			t.Errorf("%s: name says {%s,%s,%s,%s}, fields say {%s,%s,%s,%s}",
				s.IANAName, kx, bulk, mac, prf, s.KeyExchange, s.Cipher, s.MAC, s.PRF)
		}
	}
}

// TestRegistryOpenSSLNamesAgreeWithFields checks the OpenSSL names against
// OpenSSL's naming scheme, loosely: the key exchange prefix and the cipher
// and hash tokens. The interop test in the root package checks them
// against the openssl binary.
func TestRegistryOpenSSLNamesAgreeWithFields(t *testing.T) {
	prefixes := map[KeyExchange][]string{
		KXRSA: {""}, KXDHERSA: {"DHE-RSA-", "EDH-RSA-"}, KXDHEDSS: {"DHE-DSS-", "EDH-DSS-"},
		KXDHAnon: {"ADH-"}, KXECDHERSA: {"ECDHE-RSA-"}, KXECDHEECDSA: {"ECDHE-ECDSA-"},
		KXECDHRSA: {"ECDH-RSA-"}, KXECDHECDSA: {"ECDH-ECDSA-"}, KXECDHAnon: {"AECDH-"},
		KXPSK: {"PSK-"}, KXDHEPSK: {"DHE-PSK-"}, KXRSAPSK: {"RSA-PSK-"}, KXECDHEPSK: {"ECDHE-PSK-"},
		KXSRPAnon: {"SRP-"}, KXSRPRSA: {"SRP-RSA-"}, KXSRPDSS: {"SRP-DSS-"},
	}
	tokens := map[Bulk]string{
		BulkNull: "NULL", BulkRC4128: "RC4", BulkDESCBC: "DES-CBC-", Bulk3DESEDECBC: "3",
		BulkAES128CBC: "AES", BulkAES256CBC: "AES", BulkAES128GCM: "AES128-GCM", BulkAES256GCM: "AES256-GCM",
		BulkChaCha20Poly1305: "CHACHA20-POLY1305", BulkAES128CCM: "AES128-CCM", BulkAES256CCM: "AES256-CCM",
		BulkAES128CCM8: "AES128-CCM8", BulkAES256CCM8: "AES256-CCM8",
	}
	macSuffix := map[MAC]string{MACMD5: "-MD5", MACSHA1: "-SHA", MACSHA256: "-SHA256", MACSHA384: "-SHA384"}
	for _, s := range Suites() {
		name := s.OpenSSLName
		switch {
		case name == "":
			if s.KeyExchange != KXECDHEPSK || s.Cipher.Params().Kind != KindAEAD || s.Cipher == BulkChaCha20Poly1305 {
				t.Errorf("%s: no OpenSSL name, but OpenSSL names every suite except the RFC 8442 ones", s)
			}
			continue
		case s.TLS13():
			if name != s.IANAName {
				t.Errorf("%s: OpenSSL name %q, want the IANA name for TLS 1.3", s, name)
			}
			continue
		}
		okPrefix := false
		for _, p := range prefixes[s.KeyExchange] {
			rest, found := strings.CutPrefix(name, p)
			if !found {
				continue
			}
			// A bare prefix ("" for RSA, "SRP-" for SRP) must not swallow a
			// longer one: "DHE-PSK-..." is not an RSA suite.
			if p == "" && (strings.HasPrefix(name, "DHE-") || strings.HasPrefix(name, "EDH-") ||
				strings.HasPrefix(name, "ECDH") || strings.HasPrefix(name, "PSK-") ||
				strings.HasPrefix(name, "ADH-") || strings.HasPrefix(name, "AECDH-") || strings.HasPrefix(name, "SRP-")) {
				continue
			}
			if p == "SRP-" && (strings.HasPrefix(rest, "RSA-") || strings.HasPrefix(rest, "DSS-")) {
				continue
			}
			if p == "" && strings.HasPrefix(name, "RSA-") {
				continue
			}
			okPrefix = true
		}
		if !okPrefix {
			t.Errorf("%s: OpenSSL name %q does not start as a %s suite does", s, name, s.KeyExchange)
		}
		if tok := tokens[s.Cipher]; !strings.Contains(name, tok) {
			t.Errorf("%s: OpenSSL name %q lacks %q", s, name, tok)
		}
		if s.Cipher == BulkAES128CCM || s.Cipher == BulkAES256CCM {
			if strings.Contains(name, "CCM8") {
				t.Errorf("%s: OpenSSL name %q says CCM8", s, name)
			}
		}
		if suf, isMAC := macSuffix[s.MAC]; isMAC && !strings.HasSuffix(name, suf) {
			t.Errorf("%s: OpenSSL name %q does not end in %q", s, name, suf)
		}
		if s.Cipher == BulkAES128CBC && !strings.Contains(name, "128") || s.Cipher == BulkAES256CBC && !strings.Contains(name, "256") {
			t.Errorf("%s: OpenSSL name %q has the wrong AES key size", s, name)
		}
	}
}

func TestRegistryUnique(t *testing.T) {
	ids := map[uint16]string{}
	names := map[string]uint16{}
	type tuple struct {
		kx  KeyExchange
		c   Bulk
		mac MAC
		prf PRF
	}
	tuples := map[tuple]string{}
	var prev uint16
	for i, s := range Suites() {
		if i > 0 && s.ID <= prev {
			t.Errorf("%s: code point %#04x not after %#04x: the table must be in code point order", s, s.ID, prev)
		}
		prev = s.ID
		if other, dup := ids[s.ID]; dup {
			t.Errorf("code point %#04x used by %s and %s", s.ID, other, s.IANAName)
		}
		ids[s.ID] = s.IANAName
		for _, n := range []string{s.IANAName, s.OpenSSLName} {
			if n == "" {
				continue
			}
			up := strings.ToUpper(n)
			if other, dup := names[up]; dup && other != s.ID {
				t.Errorf("name %q used by %#04x and %#04x", n, other, s.ID)
			}
			names[up] = s.ID
		}
		k := tuple{s.KeyExchange, s.Cipher, s.MAC, s.PRF}
		if other, dup := tuples[k]; dup {
			t.Errorf("%s and %s have the same algorithms", other, s.IANAName)
		}
		tuples[k] = s.IANAName
		// Erlang writes some TLS 1.2-only suites with default_prf where we
		// write sha256 (it is the same function in TLS 1.2); such a
		// spelling must still name one suite only.
		if s.PRF == PRFSHA256 {
			alias := tuple{s.KeyExchange, s.Cipher, s.MAC, PRFDefault}
			if other, dup := tuples[alias]; dup {
				t.Errorf("%s and %s differ only in default_prf/sha256", other, s.IANAName)
			}
		}
	}
	for k, name := range tuples {
		if k.prf == PRFDefault {
			if other, dup := tuples[tuple{k.kx, k.c, k.mac, PRFSHA256}]; dup {
				t.Errorf("%s and %s differ only in default_prf/sha256", other, name)
			}
		}
	}
	if len(ids) < 160 {
		t.Errorf("registry has %d suites; expected the full set (166)", len(ids))
	}
}

func TestRegistryVersionRanges(t *testing.T) {
	for _, s := range Suites() {
		p := s.Cipher.Params()
		var lo, hi Version
		switch {
		case s.KeyExchange == KXAny:
			lo, hi = VersionTLS13, VersionTLS13
		case p.Kind == KindAEAD || s.MAC == MACSHA256 || s.MAC == MACSHA384:
			lo, hi = VersionTLS12, VersionTLS12
		case s.Cipher == BulkDESCBC:
			lo, hi = VersionSSL30, VersionTLS11
		default:
			lo, hi = VersionSSL30, VersionTLS12
			switch s.KeyExchange {
			case KXECDHERSA, KXECDHEECDSA, KXECDHRSA, KXECDHECDSA, KXECDHAnon,
				KXPSK, KXDHEPSK, KXRSAPSK, KXECDHEPSK, KXSRPAnon, KXSRPRSA, KXSRPDSS:
				lo = VersionTLS10
			}
		}
		if s.MinVersion != lo || s.MaxVersion != hi {
			t.Errorf("%s: versions %s..%s, want %s..%s", s, s.MinVersion, s.MaxVersion, lo, hi)
		}
		if (s.PRF == PRFDefault) != (s.MinVersion < VersionTLS12) {
			t.Errorf("%s: PRF %s with versions from %s", s, s.PRF, s.MinVersion)
		}
		if s.KeyExchange == KXAny && s.MAC != MACAEAD {
			t.Errorf("%s: TLS 1.3 suite with MAC %s", s, s.MAC)
		}
		if (p.Kind == KindAEAD) != (s.MAC == MACAEAD) {
			t.Errorf("%s: cipher kind %d with MAC %s", s, p.Kind, s.MAC)
		}
		for v := VersionSSL30; v <= VersionTLS13; v++ {
			if got, want := s.ValidFor(v), lo <= v && v <= hi; got != want {
				t.Errorf("%s.ValidFor(%s) = %v", s, v, got)
			}
		}
		if s.ValidFor(0x0305) || s.ValidFor(0x0200) {
			t.Errorf("%s: valid for an unknown version", s)
		}
	}
}

func TestSuiteLookup(t *testing.T) {
	for _, s := range Suites() {
		if SuiteByID(s.ID) != s {
			t.Errorf("SuiteByID(%#04x) != %s", s.ID, s)
		}
		if SuiteByName(s.IANAName) != s || SuiteByName(strings.ToLower(s.IANAName)) != s {
			t.Errorf("SuiteByName(%q) != %s", s.IANAName, s)
		}
		if s.OpenSSLName != "" && SuiteByName(s.OpenSSLName) != s {
			t.Errorf("SuiteByName(%q) != %s", s.OpenSSLName, s)
		}
		if s.String() != s.IANAName {
			t.Errorf("String() = %q", s.String())
		}
	}
	for name, id := range map[string]uint16{
		"EDH-RSA-DES-CBC3-SHA":        0x0016, // the spelling of OpenSSL before 1.1.0
		"EDH-DSS-DES-CBC3-SHA":        0x0013,
		"DHE-RSA-DES-CBC-SHA":         0x0015, // the current header's name for a suite OpenSSL dropped
		"ecdhe-rsa-aes128-gcm-sha256": 0xC02F,
	} {
		if s := SuiteByName(name); s == nil || s.ID != id {
			t.Errorf("SuiteByName(%q) = %v, want %#04x", name, s, id)
		}
	}
	for _, name := range []string{"", "TLS_", "AES", "TLS_EMPTY_RENEGOTIATION_INFO_SCSV", "TLS_FALLBACK_SCSV",
		"CAMELLIA128-SHA", "TLS_RSA_WITH_IDEA_CBC_SHA", "EDH-", strings.Repeat("A", 1000)} {
		if s := SuiteByName(name); s != nil {
			t.Errorf("SuiteByName(%q) = %s, want nil", name, s)
		}
	}
	for _, id := range []uint16{0x0000, 0x00FF, 0x5600, 0x0003, 0xC0B0, 0xFFFF, 0x1306} {
		if s := SuiteByID(id); s != nil {
			t.Errorf("SuiteByID(%#04x) = %s, want nil", id, s)
		}
	}
	var nilSuite *Suite
	if nilSuite.ValidFor(VersionTLS12) || nilSuite.TLS13() || nilSuite.String() != "<nil>" || nilSuite.Hash() != crypto.SHA256 {
		t.Error("nil suite methods misbehave")
	}
	// The returned slices are copies.
	a := Suites()
	a[0] = nil
	if Suites()[0] == nil {
		t.Error("Suites returned the registry's own slice")
	}
	d := DefaultSuites()
	d[0] = nil
	if DefaultSuites()[0] == nil {
		t.Error("DefaultSuites returned its own slice")
	}
}

func TestSuiteHash(t *testing.T) {
	for _, s := range Suites() {
		want := crypto.SHA256
		if s.PRF == PRFSHA384 {
			want = crypto.SHA384
		}
		if s.Hash() != want {
			t.Errorf("%s: Hash() = %v, want %v", s, s.Hash(), want)
		}
		if s.HashFor(VersionTLS10) != crypto.MD5SHA1 || s.HashFor(VersionTLS12) != want {
			t.Errorf("%s: HashFor wrong", s)
		}
		// The names of suites with their own PRF end in its hash.
		if s.PRF == PRFSHA384 && !strings.HasSuffix(s.IANAName, "SHA384") {
			t.Errorf("%s: SHA-384 PRF but the name does not say so", s)
		}
	}
}

func TestDefaultSuites(t *testing.T) {
	def := DefaultSuites()
	if len(def) != len(defaultIDs) {
		t.Fatalf("DefaultSuites has %d suites, defaultIDs %d: an ID is not in the registry", len(def), len(defaultIDs))
	}
	seen := map[uint16]bool{}
	sawTLS12 := false
	for _, s := range def {
		if seen[s.ID] {
			t.Errorf("%s twice", s)
		}
		seen[s.ID] = true
		if s.Cipher.Params().Kind != KindAEAD || !s.KeyExchange.ForwardSecret() || s.KeyExchange.Anonymous() {
			t.Errorf("%s: not a forward-secret authenticated AEAD suite", s)
		}
		switch s.KeyExchange {
		case KXAny, KXECDHERSA, KXECDHEECDSA, KXDHERSA, KXDHEDSS:
		default:
			t.Errorf("%s: key exchange %s needs explicit configuration", s, s.KeyExchange)
		}
		if s.Cipher == BulkAES128CCM8 || s.Cipher == BulkAES256CCM8 {
			t.Errorf("%s: CCM_8 is not a default", s)
		}
		if s.TLS13() && sawTLS12 {
			t.Errorf("%s after a TLS 1.2 suite", s)
		}
		sawTLS12 = sawTLS12 || !s.TLS13()
	}
	// The suites every modern peer offers must be there.
	for _, id := range []uint16{0x1301, 0x1302, 0x1303, 0xC02B, 0xC02C, 0xC02F, 0xC030, 0xCCA8, 0xCCA9} {
		if !seen[id] {
			t.Errorf("%#04x missing from the defaults", id)
		}
	}
	// ECDHE before DHE.
	lastECDHE, firstDHE := -1, len(def)
	for i, s := range def {
		switch s.KeyExchange {
		case KXECDHERSA, KXECDHEECDSA:
			lastECDHE = i
		case KXDHERSA, KXDHEDSS:
			if i < firstDHE {
				firstDHE = i
			}
		}
	}
	if lastECDHE > firstDHE {
		t.Error("a DHE suite comes before an ECDHE suite")
	}
}
