package x509path

import (
	"encoding/asn1"
	"errors"
	"math/big"
	"testing"

	"github.com/otpssl/ssl/internal/testpki"
)

func TestStrictProfile(t *testing.T) {
	f := newFixture(t)
	o := f.opts()
	o.Profile = ProfileStrict
	if _, err := Validate(f.leaf.Chain(), o); err != nil {
		t.Fatalf("a well-formed chain: %v", err)
	}
	critical := testpki.Extension(asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 55738, 666, 1}, true, []byte{5, 0})
	cases := []struct {
		name  string
		build func() ([][]byte, [][]byte) // chain, trusted
		want  Reason
	}{
		{"leaf without authority key identifier", func() ([][]byte, [][]byte) {
			return [][]byte{f.ica.Issue("leaf", testpki.DNS("example.com"), testpki.NoAuthorityKeyID()).DER, f.ica.DER}, nil
		}, ProfileViolation{Rule: "missing_authority_key_identifier"}},
		{"small RSA key", func() ([][]byte, [][]byte) {
			return [][]byte{f.ica.Issue("leaf", testpki.DNS("example.com"), testpki.Key(testpki.RSA1024)).DER, f.ica.DER}, nil
		}, ProfileViolation{Rule: "rsa_key_too_small"}},
		{"no subject alternative name", func() ([][]byte, [][]byte) {
			return [][]byte{f.ica.Issue("example.com").DER, f.ica.DER}, nil
		}, ProfileViolation{Rule: "missing_subject_alt_name"}},
		{"serial zero", func() ([][]byte, [][]byte) {
			return [][]byte{f.ica.Issue("leaf", testpki.DNS("example.com"), testpki.Serial(big.NewInt(0))).DER, f.ica.DER}, nil
		}, ProfileViolation{Rule: "serial_number_not_positive"}},
		{"serial too long", func() ([][]byte, [][]byte) {
			n := new(big.Int).Lsh(big.NewInt(1), 160)
			return [][]byte{f.ica.Issue("leaf", testpki.DNS("example.com"), testpki.Serial(n)).DER, f.ica.DER}, nil
		}, ProfileViolation{Rule: "serial_number_too_long"}},
		{"trust anchor with an unknown critical extension", func() ([][]byte, [][]byte) {
			root := f.pki.Root("Root", critical)
			return [][]byte{root.Issue("leaf", testpki.DNS("example.com")).DER}, [][]byte{root.DER}
		}, UnknownCriticalExtension},
		{"trust anchor whose key identifiers differ", func() ([][]byte, [][]byte) {
			root := f.pki.Root("Root", testpki.AuthorityKeyID([]byte{1, 2, 3}))
			return [][]byte{root.Issue("leaf", testpki.DNS("example.com")).DER}, [][]byte{root.DER}
		}, ProfileViolation{Rule: "authority_key_identifier_mismatch"}},
	}
	for _, c := range cases {
		chain, trusted := c.build()
		o := f.opts()
		if trusted != nil {
			o.TrustedCerts = trusted
		}
		if _, err := Validate(chain, o); err != nil {
			t.Errorf("%s: ProfileDefault refuses it: %v", c.name, err)
		}
		o.Profile = ProfileStrict
		if _, err := Validate(chain, o); !errors.Is(err, BadCertError{Reason: c.want}) {
			t.Errorf("%s: got %v, want %s", c.name, err, c.want)
		}
	}
}
