package ssl

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/otpssl/ssl/internal/testpki"
)

// BenchmarkResolveClient measures what Connect does with its options
// before dialling: their resolution into a config and the translation of
// the config into the handshake's settings, for a client that trusts 150
// roots given as cacerts (DER) or in a cacertfile (PEM, from the cache of
// PEM files).
func BenchmarkResolveClient(b *testing.B) {
	pki := testpki.New(b)
	var ders [][]byte
	var pemData []byte
	for i := 0; i < 150; i++ {
		r := pki.Root(fmt.Sprintf("Root %d", i))
		ders = append(ders, r.DER)
		pemData = append(pemData, r.PEM()...)
	}
	file := filepath.Join(b.TempDir(), "cacerts.pem")
	if err := os.WriteFile(file, pemData, 0o600); err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		opt  Option
	}{
		{"trust=cacerts", CACerts(ders...)},
		{"trust=cacertfile", CACertFile(file)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			opts := []Option{Verify(VerifyPeer), tc.opt, Versions(TLSv1_3, TLSv1_2), ServerNameIndication("example.com")}
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				cfg, err := resolve(RoleClient, opts)
				if err != nil {
					b.Fatal(err)
				}
				if hc := cfg.handshakeConfig("example.com", netip.Addr{}); len(hc.PathOptions.TrustedCerts) != 150 {
					b.Fatalf("%d trusted certificates", len(hc.PathOptions.TrustedCerts))
				}
			}
		})
	}
}
