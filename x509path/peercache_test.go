package x509path

import (
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/otpssl/ssl/internal/testpki"
)

// A certificate a peer sends again is not parsed again while the first
// parse is still held, a certificate that differs by one byte is parsed
// on its own, and the entry goes away once nothing holds the data.
func TestPeerCacheInternsSentCertificates(t *testing.T) {
	pki := testpki.New(t)
	root := pki.Root("Root")
	leaf := root.Issue("leaf", testpki.DNS("example.com"))
	o := Options{TrustedCerts: [][]byte{root.DER}, Hostname: "example.com", Time: pki.Now}

	first, err := Validate(leaf.Chain(), o)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Validate([][]byte{append([]byte(nil), leaf.DER...)}, o)
	if err != nil {
		t.Fatal(err)
	}
	if first.Path[0] != again.Path[0] {
		t.Fatal("the same certificate sent twice was parsed twice")
	}

	// One byte of the signature changed: another certificate, parsed
	// from its own bytes, which no longer verifies.
	bad := append([]byte(nil), leaf.DER...)
	bad[len(bad)-1] ^= 1
	if _, err := Validate([][]byte{bad}, o); err == nil {
		t.Fatal("a certificate with a changed signature validated")
	}
	cd, err := chainCertData(bad)
	if err != nil {
		t.Fatal(err)
	}
	if cd.c == first.Path[0] || string(cd.c.Raw) != string(bad) {
		t.Fatal("the changed certificate shares the original's parsed data")
	}
	runtime.KeepAlive(first)
	runtime.KeepAlive(again)

	// Once nothing holds it, the collector reclaims it and its entry is
	// removed by the cleanup (which runs in its own goroutine, after a
	// collection).
	key := string(leaf.DER)
	first, again, cd = nil, nil, nil
	for i := 0; i < 200; i++ {
		runtime.GC()
		peerCache.Lock()
		_, ok := peerCache.m[key]
		peerCache.Unlock()
		if !ok {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the entry of a certificate nobody holds stayed in the cache")
}

// A signature found good is remembered for that issuer only: another
// issuer of the same name, with another key, still fails, however often
// the first one validated the certificate.
func TestSignersMemoIsPerIssuer(t *testing.T) {
	pki := testpki.New(t)
	good := pki.Root("Root")
	other := pki.Root("Root")
	leaf := good.Issue("leaf", testpki.DNS("example.com"))
	for i := 0; i < 2; i++ {
		res, err := Validate(leaf.Chain(), Options{TrustedCerts: [][]byte{good.DER}, Hostname: "example.com", Time: pki.Now})
		if err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			cd, err := chainCertData(leaf.DER)
			if err != nil {
				t.Fatal(err)
			}
			if cd.c != res.Path[0] || len(cd.signers) != 1 || cd.signers[0].c != res.Anchor {
				t.Fatalf("the leaf's signers memo holds %d issuers, not its root", len(cd.signers))
			}
		}
		if _, err := Validate(leaf.Chain(), Options{TrustedCerts: [][]byte{other.DER}, Hostname: "example.com", Time: pki.Now}); err == nil {
			t.Fatal("a root with the issuer's name but another key validated the leaf")
		}
	}
}

// Validations running at once share the interned certificates and their
// signers memo safely (run with -race), and all agree.
func TestPeerCacheConcurrentValidations(t *testing.T) {
	pki := testpki.New(t)
	root := pki.Root("Root")
	ica := root.Issue("ICA", testpki.CA(-1))
	leaf := ica.Issue("leaf", testpki.DNS("example.com"))
	other := pki.Root("Root")
	good := Options{TrustedCerts: [][]byte{root.DER}, Hostname: "example.com", Time: pki.Now}
	bad := Options{TrustedCerts: [][]byte{other.DER}, Hostname: "example.com", Time: pki.Now}
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		go func() {
			var err error
			for i := 0; i < 20 && err == nil; i++ {
				if _, e := Validate(leaf.Chain(), good); e != nil {
					err = e
				} else if _, e := Validate(leaf.Chain(), bad); e == nil {
					err = errors.New("validated against a root of the same name with another key")
				}
			}
			errs <- err
		}()
	}
	for g := 0; g < 8; g++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
