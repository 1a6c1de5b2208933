package testpki

import (
	"crypto/x509"
	"testing"
	"time"
)

func TestChainVerifiesWithCryptoX509(t *testing.T) {
	pki := New(t)
	root := pki.Root("Root CA", Key(RSA2048))
	ica := root.Issue("Intermediate", CA(0))
	leaf := ica.Issue("server", DNS("example.com"))

	roots := x509.NewCertPool()
	roots.AddCert(root.Cert)
	inter := x509.NewCertPool()
	inter.AddCert(ica.Cert)
	if _, err := leaf.Cert.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, DNSName: "example.com"}); err != nil {
		t.Fatalf("generated chain does not verify: %v", err)
	}
	if got := len(leaf.Chain()); got != 2 {
		t.Fatalf("Chain() has %d certificates, want 2", got)
	}
}

func TestOptionsShapeTheCertificate(t *testing.T) {
	pki := New(t)
	root := pki.Root("Root CA")
	expired := root.Issue("old", Expired())
	if !expired.Cert.NotAfter.Before(pki.Now) {
		t.Errorf("Expired: NotAfter %v is not before %v", expired.Cert.NotAfter, pki.Now)
	}
	noBC := root.Issue("nobc", NoBasicConstraints())
	if noBC.Cert.BasicConstraintsValid {
		t.Error("NoBasicConstraints: extension present")
	}
	ee := root.Issue("ee", ExtKeyUsage(x509.ExtKeyUsageClientAuth))
	if len(ee.Cert.ExtKeyUsage) != 1 || ee.Cert.ExtKeyUsage[0] != x509.ExtKeyUsageClientAuth {
		t.Errorf("ExtKeyUsage: got %v", ee.Cert.ExtKeyUsage)
	}
	forged := root.Issue("forged", SignWith(pki.NewKey(ECDSAP256)))
	if err := forged.Cert.CheckSignatureFrom(root.Cert); err == nil {
		t.Error("SignWith: signature verifies under the issuer's key")
	}
	crlDER := root.CRL([]Revocation{ee.Revoke(1)}, CRLValidity(pki.Now, pki.Now.Add(time.Hour)))
	rl, err := x509.ParseRevocationList(crlDER)
	if err != nil {
		t.Fatal(err)
	}
	if err := rl.CheckSignatureFrom(root.Cert); err != nil {
		t.Fatalf("CRL signature: %v", err)
	}
	if len(rl.RevokedCertificateEntries) != 1 || rl.RevokedCertificateEntries[0].ReasonCode != 1 {
		t.Errorf("CRL entries: %+v", rl.RevokedCertificateEntries)
	}
}
