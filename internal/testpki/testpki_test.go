package testpki

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
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

func TestKeyAndNameOptions(t *testing.T) {
	pki := New(t)
	root := pki.Root("Root CA")
	ica := root.Issue("Intermediate", CA(-1))
	renamed := root.Issue("Renamed", CA(-1), UseKey(ica.Key))
	if !bytes.Equal(renamed.Cert.RawSubjectPublicKeyInfo, ica.Cert.RawSubjectPublicKeyInfo) {
		t.Error("UseKey: keys differ")
	}
	self := ica.Issue("ignored", CA(-1), SameSubjectAs(ica))
	if !bytes.Equal(self.Cert.RawSubject, self.Cert.RawIssuer) {
		t.Error("SameSubjectAs: not self-issued")
	}
	noAKI := root.Issue("no aki", NoAuthorityKeyID())
	if len(noAKI.Cert.AuthorityKeyId) != 0 {
		t.Errorf("NoAuthorityKeyID: %x", noAKI.Cert.AuthorityKeyId)
	}
	if err := noAKI.Cert.CheckSignatureFrom(root.Cert); err != nil {
		t.Errorf("NoAuthorityKeyID: %v", err)
	}
	aki := root.Issue("aki", AuthorityKeyID([]byte{1, 2, 3}))
	if !bytes.Equal(aki.Cert.AuthorityKeyId, []byte{1, 2, 3}) {
		t.Errorf("AuthorityKeyID: %x", aki.Cert.AuthorityKeyId)
	}
	rootAKI := pki.Root("Root with AKI", AuthorityKeyID([]byte{9}))
	if !bytes.Equal(rootAKI.Cert.AuthorityKeyId, []byte{9}) {
		t.Errorf("self-signed AuthorityKeyID: %x", rootAKI.Cert.AuthorityKeyId)
	}
	forgedRoot := pki.Root("Forged", SignWith(pki.NewKey(ECDSAP256)))
	if err := forgedRoot.Cert.CheckSignatureFrom(forgedRoot.Cert); err == nil {
		t.Error("self-signed SignWith: signature verifies")
	}
}

func TestHandEncodedExtensions(t *testing.T) {
	pki := New(t)
	ca := pki.Root("Root CA", NameConstraints(true,
		[]GeneralName{DNSName("example.com"), IPNet("192.0.2.0/24"), DirName(pkix.Name{CommonName: "foo"})},
		[]GeneralName{EmailName("bad@example.com"), URIName(".evil.example")}))
	if len(ca.Cert.PermittedDNSDomains) != 1 || len(ca.Cert.PermittedIPRanges) != 1 ||
		ca.Cert.PermittedIPRanges[0].String() != "192.0.2.0/24" || len(ca.Cert.ExcludedEmailAddresses) != 1 ||
		len(ca.Cert.ExcludedURIDomains) != 1 {
		t.Errorf("NameConstraints: %v %v %v %v", ca.Cert.PermittedDNSDomains, ca.Cert.PermittedIPRanges,
			ca.Cert.ExcludedEmailAddresses, ca.Cert.ExcludedURIDomains)
	}
	leaf := ca.Issue("leaf", SubjectAltNames(true, DNSName("a.example.com"), IPName([]byte{192, 0, 2, 1}),
		DirName(pkix.Name{CommonName: "foo"})))
	if len(leaf.Cert.DNSNames) != 1 || len(leaf.Cert.IPAddresses) != 1 {
		t.Errorf("SubjectAltNames: %v %v", leaf.Cert.DNSNames, leaf.Cert.IPAddresses)
	}
	n := 0
	for _, e := range leaf.Cert.Extensions {
		if e.Id.Equal(asn1.ObjectIdentifier{2, 5, 29, 17}) {
			n++
			if !e.Critical {
				t.Error("SubjectAltNames: not critical")
			}
		}
	}
	if n != 1 {
		t.Errorf("%d subject alternative name extensions", n)
	}
}

func TestCRLEncodesReasonUnspecified(t *testing.T) {
	pki := New(t)
	root := pki.Root("Root CA")
	leaf := root.Issue("leaf")
	rl, err := x509.ParseRevocationList(root.CRL([]Revocation{leaf.Revoke(0)}))
	if err != nil {
		t.Fatal(err)
	}
	if len(rl.RevokedCertificateEntries) != 1 {
		t.Fatalf("%d entries, want 1", len(rl.RevokedCertificateEntries))
	}
	found := false
	for _, ext := range rl.RevokedCertificateEntries[0].Extensions {
		if ext.Id.Equal(OIDReasonCode) {
			found = true
		}
	}
	if !found {
		t.Fatal("reason code 0 was not encoded")
	}
}
