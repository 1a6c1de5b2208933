package x509path

import (
	"crypto/x509/pkix"
	"errors"
	"testing"

	"github.com/otpssl/ssl/internal/testpki"
)

type gn = testpki.GeneralName

func TestNameConstraints(t *testing.T) {
	dn := func(cn string) gn {
		return testpki.DirName(pkix.Name{CommonName: cn, Organization: []string{"otpssl test"}})
	}
	cases := []struct {
		name      string
		permitted []gn
		excluded  []gn
		leafOpts  []testpki.Option
		ok        bool
	}{
		{"dns permitted exact", []gn{testpki.DNSName("example.com")}, nil,
			[]testpki.Option{testpki.DNS("example.com")}, true},
		{"dns permitted subdomain", []gn{testpki.DNSName("example.com")}, nil,
			[]testpki.Option{testpki.DNS("a.b.example.com")}, true},
		{"dns permitted case", []gn{testpki.DNSName("Example.COM")}, nil,
			[]testpki.Option{testpki.DNS("a.example.com")}, true},
		{"dns not a label boundary", []gn{testpki.DNSName("example.com")}, nil,
			[]testpki.Option{testpki.DNS("badexample.com")}, false},
		{"dns leading dot excludes apex", []gn{testpki.DNSName(".example.com")}, nil,
			[]testpki.Option{testpki.DNS("example.com")}, false},
		{"dns leading dot subdomain", []gn{testpki.DNSName(".example.com")}, nil,
			[]testpki.Option{testpki.DNS("a.example.com")}, true},
		{"dns second name not permitted", []gn{testpki.DNSName("example.com")}, nil,
			[]testpki.Option{testpki.DNS("a.example.com", "evil.org")}, false},
		{"dns excluded", nil, []gn{testpki.DNSName("bad.example.com")},
			[]testpki.Option{testpki.DNS("x.bad.example.com")}, false},
		{"dns excluded wins over permitted", []gn{testpki.DNSName("example.com")}, []gn{testpki.DNSName("example.com")},
			[]testpki.Option{testpki.DNS("example.com")}, false},
		{"dns wildcard constraint is malformed", []gn{testpki.DNSName("*.example.com")}, nil,
			[]testpki.Option{testpki.DNS("a.example.com")}, false},
		{"dns empty constraint permits all", []gn{testpki.DNSName("")}, nil,
			[]testpki.Option{testpki.DNS("anything.org")}, true},
		{"other form unconstrained", []gn{testpki.IPNet("192.0.2.0/24")}, nil,
			[]testpki.Option{testpki.DNS("example.com")}, true},
		{"ip permitted", []gn{testpki.IPNet("192.0.2.0/24")}, nil,
			[]testpki.Option{testpki.IP("192.0.2.9")}, true},
		{"ip not permitted", []gn{testpki.IPNet("192.0.2.0/24")}, nil,
			[]testpki.Option{testpki.IP("192.0.3.9")}, false},
		{"ip excluded", nil, []gn{testpki.IPNet("192.0.2.0/24")},
			[]testpki.Option{testpki.IP("192.0.2.9")}, false},
		{"ipv6 permitted", []gn{testpki.IPNet("2001:db8::/32")}, nil,
			[]testpki.Option{testpki.IP("2001:db8::5")}, true},
		{"ipv4 under ipv6-only constraints", []gn{testpki.IPNet("2001:db8::/32")}, nil,
			[]testpki.Option{testpki.IP("192.0.2.9")}, false},
		{"email mailbox", []gn{testpki.EmailName("a@example.com")}, nil,
			[]testpki.Option{testpki.Email("a@EXAMPLE.com")}, true},
		{"email mailbox local part exact", []gn{testpki.EmailName("a@example.com")}, nil,
			[]testpki.Option{testpki.Email("A@example.com")}, false},
		{"email host", []gn{testpki.EmailName("example.com")}, nil,
			[]testpki.Option{testpki.Email("x@example.com")}, true},
		{"email host not subdomain", []gn{testpki.EmailName("example.com")}, nil,
			[]testpki.Option{testpki.Email("x@a.example.com")}, false},
		{"email domain", []gn{testpki.EmailName(".example.com")}, nil,
			[]testpki.Option{testpki.Email("x@a.example.com")}, true},
		{"email excluded", nil, []gn{testpki.EmailName("example.com")},
			[]testpki.Option{testpki.Email("x@example.com")}, false},
		{"subject email without SAN", []gn{testpki.EmailName("example.com")}, nil,
			[]testpki.Option{testpki.Subject(pkix.Name{CommonName: "leaf", ExtraNames: []pkix.AttributeTypeAndValue{
				{Type: oidEmailAddress, Value: "x@example.org"}}})}, false},
		{"uri host", []gn{testpki.URIName("example.com")}, nil,
			[]testpki.Option{testpki.URI("https://example.com/path")}, true},
		{"uri subdomain needs dot", []gn{testpki.URIName("example.com")}, nil,
			[]testpki.Option{testpki.URI("https://a.example.com/")}, false},
		{"uri domain", []gn{testpki.URIName(".example.com")}, nil,
			[]testpki.Option{testpki.URI("https://a.example.com:8443/")}, true},
		{"uri ip host", []gn{testpki.URIName(".example.com")}, nil,
			[]testpki.Option{testpki.URI("https://192.0.2.1/")}, false},
		{"uri excluded", nil, []gn{testpki.URIName("evil.example")},
			[]testpki.Option{testpki.URI("https://evil.example/")}, false},
		{"dirname permitted subject", []gn{dn("leaf")}, nil, nil, true},
		{"dirname not permitted subject", []gn{dn("other")}, nil, nil, false},
		{"dirname excluded subject", nil, []gn{dn("leaf")}, nil, false},
		{"dirname prefix", []gn{testpki.DirName(pkix.Name{Organization: []string{"otpssl test"}})}, nil, nil, true},
		{"dirname in SAN", []gn{dn("leaf")}, nil,
			[]testpki.Option{testpki.SubjectAltNames(false, testpki.DNSName("a.example"), dn("elsewhere"))}, false},
		{"common name as dns", []gn{testpki.DNSName("example.com")}, nil,
			[]testpki.Option{testpki.Subject(pkix.Name{CommonName: "www.evil.org"})}, false},
		{"common name not a host name", []gn{testpki.DNSName("example.com")}, nil,
			[]testpki.Option{testpki.Subject(pkix.Name{CommonName: "Some Person"})}, true},
		{"unsupported form present", nil, []gn{{Tag: 0, Constructed: true, Content: []byte{6, 1, 42, 0xa0, 2, 5, 0}}},
			[]testpki.Option{testpki.SubjectAltNames(false, testpki.GeneralName{Tag: 0, Constructed: true, Content: []byte{6, 1, 42, 0xa0, 2, 5, 0}})}, false},
		{"unsupported form absent", nil, []gn{{Tag: 8, Content: []byte{42}}},
			[]testpki.Option{testpki.DNS("a.example")}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pki := testpki.New(t)
			root := pki.Root("Root")
			ica := root.Issue("ICA", testpki.CA(-1), testpki.NameConstraints(true, c.permitted, c.excluded))
			leaf := ica.Issue("leaf", c.leafOpts...)
			o := Options{TrustedCerts: [][]byte{root.DER}, Time: pki.Now, Purpose: AnyPurpose}
			_, err := Validate(leaf.Chain(), o)
			if c.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !c.ok && !errors.Is(err, BadCertError{Reason: NameNotPermitted}) {
				t.Fatalf("got %v, want name_not_permitted", err)
			}
		})
	}
}

// TestMalformedNameConstraints: constraints crypto/x509 refuses make the CA
// unparsable (a DecodeFailure when sent, ignored when trusted); the
// parser of this package refuses them as well.
func TestMalformedNameConstraints(t *testing.T) {
	pki := testpki.New(t)
	root := pki.Root("Root")
	bad := root.Issue("ICA", testpki.CA(-1), testpki.NameConstraints(true,
		[]gn{testpki.IPName([]byte{192, 0, 2, 0, 255, 0, 255, 0})}, nil))
	if bad.Cert != nil {
		t.Fatal("crypto/x509 parsed a non-contiguous mask")
	}
	leaf := root.Issue("leaf")
	_, err := Validate([][]byte{leaf.DER, bad.DER}, Options{TrustedCerts: [][]byte{root.DER}, Time: pki.Now})
	if !errors.Is(err, BadCertError{Reason: DecodeFailure{Index: 1}}) && !isDecodeFailure(err) {
		t.Fatalf("got %v", err)
	}
	for _, v := range [][]byte{
		{0x30, 0x0e, 0xa0, 0x0c, 0x30, 0x0a, 0x87, 0x08, 192, 0, 2, 0, 255, 0, 255, 0}, // mask 255.0.255.0
		{0x30, 0x0a, 0xa0, 0x08, 0x30, 0x06, 0x87, 0x04, 192, 0, 2, 0},                 // no mask
		{0x30, 0x00},                         // empty
		{0x30, 0x04, 0xa0, 0x00, 0xa1, 0x00}, // empty subtrees
		{0x30, 0x09, 0xa0, 0x07, 0x30, 0x05, 0x82, 0x01, 'a', 0x81, 0x00}, // maximum
	} {
		if _, err := parseNameConstraints(v); err == nil {
			t.Errorf("parsed % x", v)
		}
	}
}

func isDecodeFailure(err error) bool {
	var bad BadCertError
	if !errors.As(err, &bad) {
		return false
	}
	_, ok := bad.Reason.(DecodeFailure)
	return ok
}

// TestNameConstraintsIntersect: two CAs with permitted subtrees; a name must
// be in both.
func TestNameConstraintsIntersect(t *testing.T) {
	pki := testpki.New(t)
	root := pki.Root("Root", testpki.NameConstraints(true, []gn{testpki.DNSName("example.com")}, nil))
	ica := root.Issue("ICA", testpki.CA(-1), testpki.NameConstraints(true,
		[]gn{testpki.DNSName("a.example.com"), testpki.DNSName("example.org")}, nil))
	o := Options{TrustedCerts: [][]byte{root.DER}, Time: pki.Now}
	for host, ok := range map[string]bool{"x.a.example.com": true, "b.example.com": false, "example.org": false} {
		leaf := ica.Issue("leaf", testpki.DNS(host))
		_, err := Validate(leaf.Chain(), o)
		if (err == nil) != ok {
			t.Errorf("%s: %v", host, err)
		}
	}
	// Self-issued intermediates are not checked against the constraints
	// (RFC 5280 6.1.3 (b)), the peer always.
	self := ica.Issue("ignored", testpki.CA(-1), testpki.SameSubjectAs(ica), testpki.DNS("evil.org"))
	leaf := self.Issue("leaf", testpki.DNS("x.a.example.com"))
	if _, err := Validate(leaf.Chain(), o); err != nil {
		t.Errorf("self-issued intermediate: %v", err)
	}
	selfLeaf := ica.Issue("ignored", testpki.SameSubjectAs(ica), testpki.DNS("evil.org"))
	if _, err := Validate(selfLeaf.Chain(), o); !errors.Is(err, BadCertError{Reason: NameNotPermitted}) {
		t.Errorf("self-issued peer: %v", err)
	}
}
