package x509path

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/otpssl/ssl/crl"
	"github.com/otpssl/ssl/internal/testpki"
)

// TestCRLCheckModes runs each crl_check mode on a revoked, a good and an
// unknown-status peer, and on a revoked intermediate, with the internal CRL
// cache of package crl.
func TestCRLCheckModes(t *testing.T) {
	f := newFixture(t)
	revokedLeaf := f.ica.Issue("revoked", testpki.DNS("example.com"))
	goodLeaf := f.ica.Issue("good", testpki.DNS("example.com"))
	// A second intermediate whose CRL nobody has: its peer's status is
	// unknown.
	silentICA := f.root.Issue("Silent ICA", testpki.CA(-1))
	unknownLeaf := silentICA.Issue("unknown", testpki.DNS("example.com"))
	// An intermediate revoked by the root, with a good peer.
	revokedICA := f.root.Issue("Revoked ICA", testpki.CA(-1))
	underRevoked := revokedICA.Issue("under revoked", testpki.DNS("example.com"))
	revokedICALeafCRL := revokedICA.CRL(nil)

	cache := crl.NewInternalCache()
	for _, der := range [][]byte{
		f.ica.CRL([]testpki.Revocation{revokedLeaf.Revoke(int(crl.KeyCompromise))}),
		f.root.CRL([]testpki.Revocation{revokedICA.Revoke(int(crl.CACompromise))}),
		revokedICALeafCRL,
	} {
		if err := cache.Insert(crl.FromDER(der)); err != nil {
			t.Fatal(err)
		}
	}

	const (
		ok           = ""
		revoked      = "{revoked,keyCompromise}"
		caRevoked    = "{revoked,cACompromise}"
		undetermined = "{revocation_status_undetermined,"
	)
	chains := map[string][][]byte{
		"revoked peer":         {revokedLeaf.DER, f.ica.DER},
		"good peer":            {goodLeaf.DER, f.ica.DER},
		"unknown peer":         {unknownLeaf.DER, silentICA.DER},
		"revoked intermediate": {underRevoked.DER, revokedICA.DER},
	}
	want := map[crl.CheckMode]map[string]string{
		crl.Off:        {"revoked peer": ok, "good peer": ok, "unknown peer": ok, "revoked intermediate": ok},
		crl.On:         {"revoked peer": revoked, "good peer": ok, "unknown peer": undetermined, "revoked intermediate": caRevoked},
		crl.Peer:       {"revoked peer": revoked, "good peer": ok, "unknown peer": undetermined, "revoked intermediate": ok},
		crl.BestEffort: {"revoked peer": revoked, "good peer": ok, "unknown peer": ok, "revoked intermediate": caRevoked},
	}
	for mode, cases := range want {
		for name, w := range cases {
			o := f.opts()
			o.CRLCheck, o.CRLCache = mode, cache
			_, err := Validate(chains[name], o)
			switch {
			case w == ok && err != nil:
				t.Errorf("%s, %s: %v", mode, name, err)
			case w == ok:
			case err == nil:
				t.Errorf("%s, %s: accepted, want %s", mode, name, w)
			default:
				var bad BadCertError
				if !errors.As(err, &bad) || !strings.HasPrefix(bad.Reason.String(), w) {
					t.Errorf("%s, %s: %v, want %s", mode, name, err, w)
				}
			}
		}
	}

	// The revocation event comes after the certificate's Valid or
	// ValidPeer, and accepting it lets validation go on.
	o := f.opts()
	o.CRLCheck, o.CRLCache = crl.On, cache
	r := &recorder{}
	o.VerifyFun = r.fun
	if _, err := Validate(chains["revoked intermediate"], o); err != nil {
		t.Fatal(err)
	}
	wantEvents := []string{"Revoked ICA:valid", "Revoked ICA:{bad_cert,{revoked,cACompromise}}", "under revoked:valid_peer"}
	if !reflect.DeepEqual(r.log, wantEvents) {
		t.Fatalf("events %v, want %v", r.log, wantEvents)
	}

	// Without a cache every status is undetermined.
	o = f.opts()
	o.CRLCheck = crl.Peer
	if _, err := Validate(chains["good peer"], o); err == nil || !strings.Contains(err.Error(), "revocation_status_undetermined") {
		t.Fatalf("no cache: %v", err)
	}
	o.CRLCheck = crl.BestEffort
	if _, err := Validate(chains["good peer"], o); err != nil {
		t.Fatalf("no cache, best effort: %v", err)
	}
}
