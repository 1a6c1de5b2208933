package ssl

import (
	"errors"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/internal/peertest"
)

func TestCipherSuiteString(t *testing.T) {
	for _, tc := range []struct {
		cs   CipherSuite
		want string
	}{
		{
			CipherSuite{cipher.KXECDHERSA, cipher.BulkAES128GCM, cipher.MACAEAD, cipher.PRFSHA256},
			"#{cipher => aes_128_gcm,key_exchange => ecdhe_rsa,mac => aead,prf => sha256}",
		},
		{
			CipherSuite{cipher.KXRSA, cipher.Bulk3DESEDECBC, cipher.MACSHA1, cipher.PRFDefault},
			"#{cipher => '3des_ede_cbc',key_exchange => rsa,mac => sha,prf => default_prf}",
		},
		{
			CipherSuite{cipher.KXAny, cipher.BulkChaCha20Poly1305, cipher.MACAEAD, cipher.PRFSHA256},
			"#{cipher => chacha20_poly1305,key_exchange => any,mac => aead,prf => sha256}",
		},
		{
			CipherSuite{cipher.KXDHAnon, cipher.BulkAES256CBC, cipher.MACSHA256, cipher.PRFSHA256},
			"#{cipher => aes_256_cbc,key_exchange => dh_anon,mac => sha256,prf => sha256}",
		},
	} {
		if got := tc.cs.String(); got != tc.want {
			t.Errorf("String() = %s\n        want %s", got, tc.want)
		}
	}
}

func TestCipherSuiteFromID(t *testing.T) {
	for _, s := range cipher.Suites() {
		cs, ok := CipherSuiteFromID(s.ID)
		if !ok {
			t.Fatalf("CipherSuiteFromID(%#04x) not found", s.ID)
		}
		if cs.KeyExchange != s.KeyExchange || cs.Cipher != s.Cipher || cs.MAC != s.MAC || cs.PRF != s.PRF {
			t.Errorf("%s: fields %v", s, cs)
		}
		if cs.ID() != s.ID || cs.IANAName() != s.IANAName || cs.OpenSSLName() != s.OpenSSLName || cs.Suite() != s {
			t.Errorf("%s: ID %#04x IANA %q OpenSSL %q", s, cs.ID(), cs.IANAName(), cs.OpenSSLName())
		}
		if cs.Canonical() != cs {
			t.Errorf("%s: not canonical", s)
		}
	}
	for _, id := range []uint16{0, 0x00FF, 0x5600, 0x0041, 0xFFFF} {
		if cs, ok := CipherSuiteFromID(id); ok || cs != (CipherSuite{}) {
			t.Errorf("CipherSuiteFromID(%#04x) = %v, %v", id, cs, ok)
		}
	}
	unknown := CipherSuite{cipher.KXRSA, cipher.BulkChaCha20Poly1305, cipher.MACAEAD, cipher.PRFSHA256}
	if unknown.ID() != 0 || unknown.IANAName() != "" || unknown.OpenSSLName() != "" || unknown.Suite() != nil || unknown.Canonical() != unknown {
		t.Error("a tuple no suite has got an identity")
	}
	if (CipherSuite{KeyExchange: 200, Cipher: 200, MAC: 200, PRF: 200}).String() != "#{cipher => unknown,key_exchange => unknown,mac => unknown,prf => unknown}" {
		t.Error("out-of-range enums not rendered as unknown")
	}
}

// Erlang/OTP's own table (ssl_cipher_format:suite_bin_to_map/1) writes
// these TLS 1.2-only suites with prf => default_prf.
func TestCipherSuiteErlangPRFSpelling(t *testing.T) {
	for _, tc := range []struct {
		cs CipherSuite
		id uint16
	}{
		{CipherSuite{cipher.KXRSA, cipher.BulkAES128CBC, cipher.MACSHA256, cipher.PRFDefault}, 0x003C},
		{CipherSuite{cipher.KXDHERSA, cipher.BulkAES256CBC, cipher.MACSHA256, cipher.PRFDefault}, 0x006B},
		{CipherSuite{cipher.KXECDHEECDSA, cipher.BulkAES128CCM, cipher.MACAEAD, cipher.PRFDefault}, 0xC0AC},
		{CipherSuite{cipher.KXPSK, cipher.BulkNull, cipher.MACSHA256, cipher.PRFDefault}, 0x00B0},
	} {
		if tc.cs.ID() != tc.id {
			t.Errorf("%v: ID %#04x, want %#04x", tc.cs, tc.cs.ID(), tc.id)
		}
		if c := tc.cs.Canonical(); c.PRF != cipher.PRFSHA256 || c.ID() != tc.id {
			t.Errorf("%v: canonical %v", tc.cs, c)
		}
	}
	// A SHA-384 suite is not reachable through default_prf.
	wrong := CipherSuite{cipher.KXECDHERSA, cipher.BulkAES256GCM, cipher.MACAEAD, cipher.PRFDefault}
	if wrong.ID() != 0 {
		t.Errorf("%v found as %#04x", wrong, wrong.ID())
	}
}

func TestCipherSuitesKinds(t *testing.T) {
	def := CipherSuites(SuitesDefault)
	want := cipher.DefaultSuites()
	if len(def) != len(want) || len(def) == 0 {
		t.Fatalf("%d default suites, want %d", len(def), len(want))
	}
	for i := range def {
		if def[i].ID() != want[i].ID {
			t.Errorf("default #%d is %s, want %s", i, def[i].IANAName(), want[i].IANAName)
		}
	}
	if def[0].IANAName() != "TLS_AES_128_GCM_SHA256" {
		t.Errorf("first default suite %s", def[0].IANAName())
	}

	ossl := CipherSuites(SuitesOpenSSL)
	if len(ossl) == 0 {
		t.Fatal("no OpenSSL suites")
	}
	for _, cs := range ossl {
		if cs.OpenSSLName() == "" {
			t.Errorf("%s in SuitesOpenSSL without an OpenSSL name", cs.IANAName())
		}
	}

	all := CipherSuites(SuitesAll)
	if len(all) != len(cipher.Suites()) {
		t.Fatalf("SuitesAll has %d suites, the registry %d", len(all), len(cipher.Suites()))
	}
	seen := map[CipherSuite]bool{}
	for i, cs := range all {
		if seen[cs] {
			t.Errorf("%s twice in SuitesAll", cs.IANAName())
		}
		seen[cs] = true
		if i < len(def) && cs != def[i] {
			t.Errorf("SuitesAll #%d is %s, not the default %s", i, cs.IANAName(), def[i].IANAName())
		}
	}
	// In the tail, nothing weak comes before something strong.
	rank := func(cs CipherSuite) int {
		s := cs.Suite()
		switch {
		case s.Cipher == cipher.BulkNull:
			return 3
		case s.KeyExchange.Anonymous():
			return 2
		case s.Cipher == cipher.BulkRC4128 || s.Cipher == cipher.BulkDESCBC:
			return 1
		}
		return 0
	}
	for i := len(def) + 1; i < len(all); i++ {
		if rank(all[i-1]) > rank(all[i]) {
			t.Errorf("%s comes before %s", all[i-1].IANAName(), all[i].IANAName())
		}
	}
	if last := all[len(all)-1]; last.Cipher != cipher.BulkNull {
		t.Errorf("last suite of SuitesAll is %s, expected a NULL cipher", last.IANAName())
	}

	if CipherSuites(SuiteKind(42)) != nil {
		t.Error("unknown kind gave suites")
	}
	for k, s := range map[SuiteKind]string{SuitesDefault: "erlang", SuitesAll: "all", SuitesOpenSSL: "openssl", 42: "SuiteKind(42)"} {
		if k.String() != s {
			t.Errorf("%d.String() = %q", int(k), k.String())
		}
	}
}

func TestParseCipherSuites(t *testing.T) {
	got, err := ParseCipherSuites("ECDHE-RSA-AES128-GCM-SHA256:AES256-SHA")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID() != 0xC02F || got[1].ID() != 0x0035 {
		t.Errorf("got %v", got)
	}
	got, err = ParseCipherSuites(" TLS_AES_256_GCM_SHA384, tls_chacha20_poly1305_sha256\tEDH-RSA-DES-CBC3-SHA\nECDHE-ECDSA-AES256-GCM-SHA384:: TLS_AES_256_GCM_SHA384 ")
	if err != nil {
		t.Fatal(err)
	}
	wantIDs := []uint16{0x1302, 0x1303, 0x0016, 0xC02C}
	if len(got) != len(wantIDs) {
		t.Fatalf("got %d suites, want %d (a duplicate counts once)", len(got), len(wantIDs))
	}
	for i, id := range wantIDs {
		if got[i].ID() != id {
			t.Errorf("#%d: %#04x, want %#04x", i, got[i].ID(), id)
		}
	}
	// Every registry name parses to its suite.
	for _, s := range cipher.Suites() {
		for _, name := range []string{s.IANAName, s.OpenSSLName} {
			if name == "" {
				continue
			}
			cs, err := ParseCipherSuites(name)
			if err != nil || len(cs) != 1 || cs[0].ID() != s.ID {
				t.Errorf("ParseCipherSuites(%q) = %v, %v", name, cs, err)
			}
		}
	}
	for _, bad := range []struct{ list, name string }{
		{"ECDHE-RSA-AES128-GCM-SHA256:NOPE-SHA", "NOPE-SHA"},
		{"HIGH:!aNULL", "HIGH"},
		{"AES256-SHA CAMELLIA128-SHA", "CAMELLIA128-SHA"},
		{"TLS_EMPTY_RENEGOTIATION_INFO_SCSV", "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"},
	} {
		_, err := ParseCipherSuites(bad.list)
		if !errors.Is(err, ErrUnknownCipherSuite) {
			t.Errorf("ParseCipherSuites(%q) error %v, want ErrUnknownCipherSuite", bad.list, err)
		} else if !strings.Contains(err.Error(), strconv.Quote(bad.name)) {
			t.Errorf("error %q does not name %q", err, bad.name)
		}
	}
	for _, empty := range []string{"", " ", ":::", ", \n"} {
		if _, err := ParseCipherSuites(empty); err == nil {
			t.Errorf("ParseCipherSuites(%q) accepted an empty list", empty)
		}
	}
	if _, err := ParseCipherSuites(strings.Repeat("AES256-SHA:", 10000)); err == nil {
		t.Error("a 110 KB list was accepted")
	}
	if _, err := ParseCipherSuites(strings.Repeat("A", 5000)); err == nil || len(err.Error()) > 200 {
		t.Errorf("a 5000-byte name: error %.100q", err)
	}
}

var opensslCipherLine = regexp.MustCompile(`0x([0-9A-Fa-f]{2}),0x([0-9A-Fa-f]{2}) - (\S+)`)

// opensslCiphers runs `openssl ciphers -V` and returns name -> code point.
func opensslCiphers(t *testing.T, openssl string, args ...string) map[string]uint16 {
	t.Helper()
	out, err := exec.Command(openssl, append([]string{"ciphers", "-V"}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("openssl ciphers %v: %v\n%s", args, err, out)
	}
	m := map[string]uint16{}
	for _, match := range opensslCipherLine.FindAllStringSubmatch(string(out), -1) {
		hi, _ := strconv.ParseUint(match[1], 16, 8)
		lo, _ := strconv.ParseUint(match[2], 16, 8)
		m[match[3]] = uint16(hi<<8 | lo)
	}
	return m
}

// TestCipherSuiteOpenSSLNames asks the openssl binary about every OpenSSL
// name we print, in two calls: our names as one cipher list, and the
// build's whole table. Every name the build knows must have our code
// point; a name it does not know must be a suite the build lacks
// altogether (single DES, RC4, static ECDH and, in many builds, 3DES are
// compiled out of current OpenSSL), not one it lists under another name.
func TestCipherSuiteOpenSSLNames(t *testing.T) {
	openssl := peertest.Require(t, "openssl")
	var tls12, tls13 []string
	for _, cs := range CipherSuites(SuitesAll) {
		switch name := cs.OpenSSLName(); {
		case name == "":
		case cs.Suite().TLS13():
			tls13 = append(tls13, name)
		default:
			tls12 = append(tls12, name)
		}
	}
	ours := opensslCiphers(t, openssl, "-ciphersuites", strings.Join(tls13, ":"), strings.Join(tls12, ":")+":@SECLEVEL=0")
	build := opensslCiphers(t, openssl, "-ciphersuites", strings.Join(tls13, ":"), "ALL:COMPLEMENTOFALL:@SECLEVEL=0")
	byID := map[uint16]string{}
	for name, id := range build {
		byID[id] = name
	}
	known, missing := 0, []string{}
	for _, cs := range CipherSuites(SuitesAll) {
		name := cs.OpenSSLName()
		if name == "" {
			if other, ok := byID[cs.ID()]; ok {
				t.Errorf("%s has no OpenSSL name here, but openssl calls %#04x %s", cs.IANAName(), cs.ID(), other)
			}
			continue
		}
		if id, ok := ours[name]; ok {
			known++
			if id != cs.ID() {
				t.Errorf("openssl says %s is %#04x, we say %#04x", name, id, cs.ID())
			}
			continue
		}
		if other, ok := byID[cs.ID()]; ok {
			t.Errorf("openssl does not accept %s, but lists %#04x as %s", name, cs.ID(), other)
			continue
		}
		missing = append(missing, name)
	}
	// Every suite of the build that we implement was matched by name.
	for id, name := range byID {
		if cs, ok := CipherSuiteFromID(id); ok && cs.OpenSSLName() != name {
			t.Errorf("openssl lists %#04x as %s, we call it %q", id, name, cs.OpenSSLName())
		}
	}
	if known == 0 {
		t.Fatal("openssl accepted none of our names")
	}
	t.Logf("openssl accepted %d names; %d suites are not in this build: %s", known, len(missing), strings.Join(missing, " "))
}

// FuzzParseCipherSuites checks that any input either parses into registry
// suites, with no duplicates, or is refused with an error; never a panic.
func FuzzParseCipherSuites(f *testing.F) {
	for _, seed := range []string{"", "ECDHE-RSA-AES128-GCM-SHA256:AES256-SHA", "TLS_AES_128_GCM_SHA256, EDH-RSA-DES-CBC3-SHA",
		"HIGH:!aNULL", "::,,  ", "edh-", "\xff\xfe", strings.Repeat("A:", 50)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseCipherSuites(s)
		if err != nil {
			if got != nil {
				t.Fatalf("suites and an error for %q", s)
			}
			return
		}
		if len(got) == 0 {
			t.Fatalf("no suites and no error for %q", s)
		}
		seen := map[CipherSuite]bool{}
		for _, cs := range got {
			if cs.ID() == 0 || seen[cs] {
				t.Fatalf("%q gave %v", s, got)
			}
			seen[cs] = true
		}
	})
}
