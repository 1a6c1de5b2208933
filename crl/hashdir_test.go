package crl

import (
	"crypto/x509"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/otpssl/ssl/internal/testpki"
)

func hashName(t *testing.T, raw []byte, n int) string {
	t.Helper()
	h, err := SubjectNameHash(raw)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%08x.r%d", h, n)
}

func TestHashDirSelect(t *testing.T) {
	w := newWorld(t)
	now := w.pki.Now
	caName := w.ca.Cert.RawSubject
	crl1 := w.ca.RawCRL(nil)
	crl2 := w.ca.RawCRL([]testpki.CRLEntry{w.leaf.Entry(1)})
	expired := w.ca.RawCRL(nil, testpki.CRLValidity(now.Add(-48*time.Hour), now.Add(-time.Hour)))
	dir := t.TempDir()
	writeFile(t, dir, hashName(t, caName, 0), crl1)                                         // DER
	writeFile(t, dir, hashName(t, caName, 1), append(pemCRL(expired), pemCRL(crl2)...))     // PEM, two CRLs
	writeFile(t, dir, hashName(t, caName, 2), []byte("garbage"))                            // skipped
	writeFile(t, dir, hashName(t, caName, 3), w.other.RawCRL(nil))                          // another CA: skipped
	writeFile(t, dir, hashName(t, caName, 4), pemCRL([]byte{0x30, 0x03, 0x02, 0x01, 0x01})) // unparsable: skipped
	writeFile(t, dir, hashName(t, w.other.Cert.RawSubject, 0), w.other.RawCRL(nil))         // not asked for
	writeFile(t, dir, hashName(t, caName, 6), crl1)                                         // after the gap: not read
	h := NewHashDirCache(dir)
	if h.Dir() != dir {
		t.Errorf("Dir() = %s", h.Dir())
	}
	got, err := h.Select(caName)
	if len(got) != 2 || string(got[0]) != string(crl1) || string(got[1]) != string(crl2) {
		t.Fatalf("Select = %d CRLs", len(got))
	}
	if err == nil {
		t.Error("no error for the bad files")
	}
	// Check reads the directory through Select.
	wantResult(t, Check(w.req(h)), Revoked, KeyCompromise, "")

	// The time is the time of the call.
	h.now = func() time.Time { return now.Add(48 * time.Hour) }
	if got, _ := h.Select(caName); len(got) != 0 {
		t.Errorf("Select of expired CRLs = %d CRLs", len(got))
	}
}

func TestHashDirErrors(t *testing.T) {
	w := newWorld(t)
	missing := NewHashDirCache(filepath.Join(t.TempDir(), "missing"))
	if got, err := missing.Select(w.ca.Cert.RawSubject); err == nil || len(got) != 0 {
		t.Errorf("Select of a missing directory: %d CRLs, %v", len(got), err)
	}
	file := writeFile(t, t.TempDir(), "file", []byte("x"))
	if _, err := NewHashDirCache(file).Select(w.ca.Cert.RawSubject); err == nil {
		t.Error("Select of a file: no error")
	}
	if _, err := NewHashDirCache(t.TempDir()).Select([]byte{1, 2, 3}); err == nil {
		t.Error("Select of a bad name: no error")
	}
	if _, err := missing.Lookup(DistributionPoint{URIs: []string{dpURI}}, w.ca.Cert.RawSubject); !errors.Is(err, ErrNotAvailable) {
		t.Errorf("Lookup of a missing directory: %v", err)
	}
	// The directory cache in Check: nothing there.
	wantResult(t, Check(w.req(missing)), Undetermined, 0, "{bad_crls,no_relevant_crls}")
	crls := [][]byte{w.ca.RawCRL(nil)}
	if got := missing.FreshCRL(DistributionPoint{}, crls); len(got) != 1 || &got[0][0] != &crls[0][0] {
		t.Error("FreshCRL changed the CRLs")
	}
}

func TestHashDirLookup(t *testing.T) {
	iw := newIndirectWorld(t)
	w := iw.world
	dir := t.TempDir()
	caName := w.ca.Cert.RawSubject
	inScope := w.ca.RawCRL([]testpki.CRLEntry{w.leaf.Entry(int(Superseded))}, testpki.IDP(testpki.IDPSpec{URIs: []string{dpURI}}))
	elsewhere := w.ca.RawCRL(nil, testpki.IDP(testpki.IDPSpec{URIs: []string{dpURI2}}))
	noIDP := w.ca.RawCRL(nil, testpki.CRLValidity(w.pki.Now.Add(-2*time.Hour), w.pki.Now.Add(time.Hour)))
	writeFile(t, dir, hashName(t, caName, 0), inScope)
	writeFile(t, dir, hashName(t, caName, 1), elsewhere)
	writeFile(t, dir, hashName(t, caName, 2), noIDP)
	h := NewHashDirCache(dir)
	got, err := h.Lookup(DistributionPoint{URIs: []string{dpURI}}, caName)
	if err != nil || len(got) != 2 || string(got[0]) != string(inScope) || string(got[1]) != string(noIDP) {
		t.Fatalf("Lookup = %d CRLs, %v", len(got), err)
	}
	if _, err := h.Lookup(DistributionPoint{CRLIssuer: [][]byte{caName}}, caName); err != nil {
		t.Errorf("Lookup by cRLIssuer: %v", err)
	}
	// A CRL with an issuing distribution point is usable through Lookup:
	// Erlang's hash directory hands it over with the distribution point.
	// It is also the newest, so it decides.
	wantResult(t, Check(w.req(h)), Revoked, Superseded, "")
	if got, _ := h.Select(caName); len(got) != 3 {
		t.Fatalf("Select = %d CRLs", len(got))
	}

	// An indirect CRL is found under the cRLIssuer's hash.
	entry := iw.leaf.Entry(int(KeyCompromise))
	entry.CertificateIssuer = [][]byte{caName}
	indirect := iw.signer.RawCRL([]testpki.CRLEntry{entry}, testpki.IDP(testpki.IDPSpec{URIs: []string{dpURI}, Indirect: true}))
	writeFile(t, dir, hashName(t, iw.signer.Cert.RawSubject, 0), indirect)
	req := w.req(h)
	req.Cert = iw.leaf.Cert
	req.Intermediates = []*x509.Certificate{iw.signer.Cert}
	wantResult(t, Check(req), Revoked, KeyCompromise, "")
}
