package x509path

import (
	"crypto/x509/pkix"
	"errors"
	"net/netip"
	"testing"

	"github.com/otpssl/ssl/internal/testpki"
)

func TestMatchHostPattern(t *testing.T) {
	cases := []struct {
		pattern, host string
		want          bool
	}{
		{"example.com", "example.com", true},
		{"Example.COM", "eXample.com", true},
		{"example.com.", "example.com", true},
		{"example.com", "example.com.", true},
		{"example.com", "example2.com", false},
		{"abc.example.com", "def.example.com", false},
		{"example.com", "abc.example.com", false},
		{"abc.example.com", "example.com", false},
		{"*.example.com", "foo.example.com", true},
		{"*.example.com", "FOO.example.com", true},
		{"*.example.com", "example.com", false},
		{"*.example.com", "foo.bar.example.com", false},
		{"*.example.com", ".example.com", false},
		{"*.com", "example.com", false},
		{"*.", "com", false},
		{"*", "com", false},
		{"ba*.example.com", "baz.example.com", false},
		{"*z.example.com", "baz.example.com", false},
		{"foo.*.example.com", "foo.bar.example.com", false},
		{"*.*.example.com", "a.b.example.com", false},
		{"xn--*-1b3c148a.example.com", "xn--bliss-1b3c148a.example.com", false},
		{"*.example.com", "xn--bcher-kva.example.com", true},
		{"*.example..com", "a.example..com", false},
		{"", "example.com", false},
		{"example.com", "", false},
		{"example.com", "*.example.com", false},
		{"*.example.com", "*.example.com", false},
	}
	for _, c := range cases {
		ref, ok := referenceHost(c.host)
		got := ok && matchHostPattern(c.pattern, ref)
		if got != c.want {
			t.Errorf("pattern %q host %q: got %v, want %v", c.pattern, c.host, got, c.want)
		}
	}
}

func TestVerifyHostname(t *testing.T) {
	pki := testpki.New(t)
	root := pki.Root("Root")
	san := root.Issue("www.example.com", testpki.DNS("a.example.com", "*.b.example.com"),
		testpki.IP("192.0.2.1", "2001:db8::1"))
	cnOnly := root.Issue("cn.example.com")
	cnWild := root.Issue("*.wild.example.com")
	emailOnly := root.Issue("mail.example.com", testpki.SubjectAltNames(false, testpki.EmailName("a@example.com")))
	ipOnly := root.Issue("ip.example.com", testpki.IP("192.0.2.7"))
	dirOnly := root.Issue("dir.example.com", testpki.SubjectAltNames(false, testpki.DirName(pkix.Name{CommonName: "x"})))
	cases := []struct {
		name string
		cert *testpki.Cert
		host string
		want bool
	}{
		{"dns", san, "a.example.com", true},
		{"dns case", san, "A.EXAMPLE.COM", true},
		{"dns trailing dot", san, "a.example.com.", true},
		{"wildcard", san, "x.b.example.com", true},
		{"wildcard apex", san, "b.example.com", false},
		{"cn ignored when dns present", san, "www.example.com", false},
		{"ipv4", san, "192.0.2.1", true},
		{"ipv4 mapped", san, "::ffff:192.0.2.1", true},
		{"ipv6", san, "2001:db8::1", true},
		{"ipv6 brackets", san, "[2001:db8::1]", true},
		{"ipv6 other", san, "2001:db8::2", false},
		{"ip not as dns", san, "192.0.2.2", false},
		{"cn fallback", cnOnly, "cn.example.com", true},
		{"cn fallback other", cnOnly, "other.example.com", false},
		{"cn wildcard", cnWild, "x.wild.example.com", true},
		{"cn with email san", emailOnly, "mail.example.com", true},
		{"cn with dirname san", dirOnly, "dir.example.com", true},
		{"no cn with ip san", ipOnly, "ip.example.com", false},
		{"no cn for ip", cnOnly, "192.0.2.1", false},
		{"empty", san, "", false},
	}
	for _, c := range cases {
		err := VerifyHostname(c.cert.Cert, c.host)
		if (err == nil) != c.want {
			t.Errorf("%s: VerifyHostname(%q) = %v, want match %v", c.name, c.host, err, c.want)
		}
		if err != nil && !errors.Is(err, BadCertError{Reason: HostnameCheckFailed}) {
			t.Errorf("%s: error %v is not hostname_check_failed", c.name, err)
		}
	}
	if err := verifyHostname(cnOnly.Cert, "cn.example.com", false); err == nil {
		t.Error("common name used without the fallback")
	}
	if err := VerifyIP(san.Cert, netip.MustParseAddr("2001:db8::1")); err != nil {
		t.Error(err)
	}
	if err := VerifyIP(san.Cert, netip.Addr{}); err == nil {
		t.Error("invalid address matched")
	}
	if err := VerifyHostname(nil, "example.com"); err == nil {
		t.Error("nil certificate matched")
	}
}

// TestHostnameAndIPOptions: Hostname and IP in Options, alone and
// together (either suffices).
func TestHostnameAndIPOptions(t *testing.T) {
	f := newFixture(t)
	leaf := f.ica.Issue("leaf", testpki.DNS("example.com"), testpki.IP("192.0.2.1"))
	chain := [][]byte{leaf.DER, f.ica.DER}
	for _, c := range []struct {
		host string
		ip   string
		ok   bool
	}{
		{"example.com", "", true},
		{"", "192.0.2.1", true},
		{"", "192.0.2.2", false},
		{"example.org", "192.0.2.1", true},
		{"example.com", "192.0.2.2", true},
		{"example.org", "192.0.2.2", false},
		{"192.0.2.1", "", true},
	} {
		o := f.opts()
		o.Hostname = c.host
		if c.ip != "" {
			o.IP = netip.MustParseAddr(c.ip)
		}
		_, err := Validate(chain, o)
		if (err == nil) != c.ok {
			t.Errorf("host %q ip %q: %v", c.host, c.ip, err)
		}
	}
}
