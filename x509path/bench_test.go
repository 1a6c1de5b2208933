package x509path

import (
	"fmt"
	"testing"

	"github.com/otpssl/ssl/internal/testpki"
)

// BenchmarkValidate validates a three-certificate chain against a trust
// store of 150 roots, as a client with the system roots does.
func BenchmarkValidate(b *testing.B) {
	pki := testpki.New(b)
	root := pki.Root("Root", testpki.Key(testpki.RSA2048))
	ica := root.Issue("ICA", testpki.CA(-1), testpki.Key(testpki.RSA2048))
	leaf := ica.Issue("leaf", testpki.DNS("example.com"))
	trusted := [][]byte{}
	for i := 0; i < 149; i++ {
		trusted = append(trusted, pki.Root(fmt.Sprintf("Root %d", i)).DER)
	}
	trusted = append(trusted, root.DER)
	o := Options{TrustedCerts: trusted, Hostname: "example.com", Time: pki.Now}
	chain := leaf.Chain()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Validate(chain, o); err != nil {
			b.Fatal(err)
		}
	}
}
