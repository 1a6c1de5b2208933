package crl

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/otpssl/ssl/internal/testpki"
)

func TestCheckBasics(t *testing.T) {
	w := newWorld(t)
	now := w.pki.Now
	good := w.ca.RawCRL([]testpki.CRLEntry{w.other.Entry(1)})
	revoked := w.ca.RawCRL([]testpki.CRLEntry{w.other.Entry(1), w.leaf.Entry(int(KeyCompromise))})
	expired := w.ca.RawCRL([]testpki.CRLEntry{w.leaf.Entry(1)},
		testpki.CRLValidity(now.Add(-48*time.Hour), now.Add(-time.Hour)))
	future := w.ca.RawCRL(nil, testpki.CRLValidity(now.Add(time.Hour), now.Add(48*time.Hour)))
	otherCA := w.other.RawCRL([]testpki.CRLEntry{w.leaf.Entry(1)})
	badSig := w.ca.CRLSignedBy(w.pki.NewKey(testpki.ECDSAP256), []testpki.CRLEntry{w.leaf.Entry(1)})
	outOfScope := w.ca.RawCRL([]testpki.CRLEntry{w.leaf.Entry(1)},
		testpki.IDP(testpki.IDPSpec{URIs: []string{"http://crl.example/elsewhere.crl"}}))
	inScope := w.ca.RawCRL([]testpki.CRLEntry{w.leaf.Entry(int(Superseded))},
		testpki.IDP(testpki.IDPSpec{URIs: []string{dpURI}, OnlyUser: true}))
	onlyCA := w.ca.RawCRL(nil, testpki.IDP(testpki.IDPSpec{URIs: []string{dpURI}, OnlyCA: true}))
	onlyAttr := w.ca.RawCRL(nil, testpki.IDP(testpki.IDPSpec{URIs: []string{dpURI}, OnlyAttr: true}))
	delta := w.ca.RawCRL(nil, testpki.DeltaIndicator(1))
	unknownCrit := w.ca.RawCRL(nil, testpki.CRLExtension(asn1.ObjectIdentifier{1, 2, 3, 4}, true, []byte{5, 0}))
	unknownNonCrit := w.ca.RawCRL(nil, testpki.CRLExtension(asn1.ObjectIdentifier{1, 2, 3, 4}, false, []byte{5, 0}))
	entryCrit := w.ca.RawCRL([]testpki.CRLEntry{{Serial: big.NewInt(7), Time: now, Reason: -1,
		Extra: []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 2, 3, 5}, Critical: true, Value: []byte{5, 0}}}}})
	withoutReason := w.ca.RawCRL([]testpki.CRLEntry{w.leaf.Entry(-1)})

	cases := []struct {
		name   string
		cache  Cache
		status Status
		reason Reason
		detail string
	}{
		{"good", onURI(good), Good, 0, ""},
		{"revoked", onURI(revoked), Revoked, KeyCompromise, ""},
		{"revoked without reason code", onURI(withoutReason), Revoked, Unspecified, ""},
		{"no CRL", onURI(), Undetermined, 0, "{bad_crls,no_relevant_crls}"},
		{"nothing in cache", &fakeCache{}, Undetermined, 0, "{bad_crls,no_relevant_crls}"},
		{"CRL of another CA", both(otherCA), Undetermined, 0, "{bad_crls,[{bad_crl,invalid_issuer}]}"},
		{"expired CRL", both(expired), Undetermined, 0, "{bad_crls,no_relevant_crls}"},
		{"CRL not yet valid", both(future), Undetermined, 0, "{bad_crls,[{bad_crl,not_yet_valid}]}"},
		{"bad signature", both(badSig), Undetermined, 0, "{bad_crls,[{bad_crl,invalid_signature}]}"},
		{"IDP names another distribution point", both(outOfScope), Undetermined, 0, "{bad_crls,[{bad_crl,scope_error}]}"},
		{"IDP in scope", onURI(inScope), Revoked, Superseded, ""},
		{"IDP only CA certificates", both(onlyCA), Undetermined, 0, "{bad_crls,[{bad_crl,scope_error}]}"},
		{"IDP only attribute certificates", both(onlyAttr), Undetermined, 0, "{bad_crls,[{bad_crl,scope_error}]}"},
		{"delta CRL alone", both(delta), Undetermined, 0, "{bad_crls,[{bad_crl,delta_crl_not_supported}]}"},
		{"delta CRL beside a complete one", onURI(delta, revoked), Revoked, KeyCompromise, ""},
		{"unknown critical CRL extension", both(unknownCrit), Undetermined, 0, "{bad_crls,[{bad_crl,unknown_critical_extension}]}"},
		{"unknown non-critical CRL extension", onURI(unknownNonCrit), Good, 0, ""},
		{"unknown critical entry extension", both(entryCrit), Undetermined, 0, "{bad_crls,[{bad_crl,unknown_critical_extension}]}"},
		{"not a CRL", both([]byte{0x30, 0x03, 0x02, 0x01, 0x01}), Undetermined, 0, "{bad_crls,[{bad_crl,decode_error}]}"},
		{"bad and good", onURI(badSig, otherCA, good), Good, 0, ""},
		{"several problems", both(badSig, otherCA), Undetermined, 0,
			"{bad_crls,[{bad_crl,invalid_signature},{bad_crl,invalid_issuer}]}"},
		{"issuer's CRL by Select", &fakeCache{selected: [][]byte{revoked}}, Revoked, KeyCompromise, ""},
		{"only the distribution point step finds fault", onURI(badSig), Undetermined, 0, "{bad_crls,no_relevant_crls}"},
		{"valid CRL covering some reasons", both(w.ca.RawCRL(nil, testpki.IDP(testpki.IDPSpec{OnlySomeReasons: []int{1}}))),
			Undetermined, 0, "{bad_crls,[]}"},
		{"Select gives an out of scope CRL", &fakeCache{selected: [][]byte{inScope}}, Undetermined, 0,
			"{bad_crls,[{bad_crl,scope_error}]}"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantResult(t, Check(w.req(tc.cache)), tc.status, tc.reason, tc.detail)
		})
	}
}

func TestCheckEachReason(t *testing.T) {
	w := newWorld(t)
	for _, r := range []Reason{Unspecified, KeyCompromise, CACompromise, AffiliationChanged, Superseded,
		CessationOfOperation, CertificateHold, RemoveFromCRL, PrivilegeWithdrawn, AACompromise} {
		t.Run(r.String(), func(t *testing.T) {
			crl := w.ca.RawCRL([]testpki.CRLEntry{w.leaf.Entry(int(r))})
			got := Check(w.req(onURI(crl)))
			if r == RemoveFromCRL {
				wantResult(t, got, Good, 0, "")
				return
			}
			wantResult(t, got, Revoked, r, "")
			if !got.RevocationTime.Equal(w.pki.Now.Add(-30 * time.Minute)) {
				t.Errorf("revocation time %v", got.RevocationTime)
			}
		})
	}
}

func TestCheckEntryDetails(t *testing.T) {
	w := newWorld(t)
	inv := w.pki.Now.Add(-72 * time.Hour)
	e := w.leaf.Entry(int(CertificateHold))
	e.InvalidityDate = inv
	got := Check(w.req(onURI(w.ca.RawCRL([]testpki.CRLEntry{e}))))
	wantResult(t, got, Revoked, CertificateHold, "")
	if !got.InvalidityDate.Equal(inv) {
		t.Errorf("invalidity date %v, want %v", got.InvalidityDate, inv)
	}
}

func TestCheckRequestTime(t *testing.T) {
	w := newWorld(t)
	now := w.pki.Now
	crl := w.ca.RawCRL([]testpki.CRLEntry{w.leaf.Entry(1)}, testpki.CRLValidity(now.Add(-2*time.Hour), now.Add(time.Hour)))
	for _, tc := range []struct {
		at     time.Time
		status Status
		detail string
	}{
		{now, Revoked, ""},
		{now.Add(-3 * time.Hour), Undetermined, "{bad_crls,[{bad_crl,not_yet_valid}]}"},
		{now.Add(time.Hour), Undetermined, "{bad_crls,no_relevant_crls}"}, // nextUpdate itself is stale
		{now.Add(time.Hour - time.Second), Revoked, ""},
	} {
		req := w.req(both(crl))
		req.Time = tc.at
		wantResult(t, Check(req), tc.status, KeyCompromise, tc.detail)
	}
}

func TestCheckFreshCRL(t *testing.T) {
	w := newWorld(t)
	now := w.pki.Now
	stale := w.ca.RawCRL(nil, testpki.CRLValidity(now.Add(-48*time.Hour), now.Add(-time.Hour)))
	fresh := w.ca.RawCRL([]testpki.CRLEntry{w.leaf.Entry(int(CessationOfOperation))})
	stillStale := w.ca.RawCRL(nil, testpki.CRLValidity(now.Add(-47*time.Hour), now.Add(-time.Minute)))

	t.Run("replaced", func(t *testing.T) {
		c := onURI(stale)
		c.fresh = func(dp DistributionPoint, crls [][]byte) [][]byte {
			if len(dp.URIs) != 1 || dp.URIs[0] != dpURI {
				t.Errorf("FreshCRL for %+v", dp)
			}
			return [][]byte{fresh}
		}
		wantResult(t, Check(w.req(c)), Revoked, CessationOfOperation, "")
		if c.freshCalls != 1 || len(c.freshGot) != 1 || string(c.freshGot[0]) != string(stale) {
			t.Errorf("FreshCRL called %d times with %d CRLs", c.freshCalls, len(c.freshGot))
		}
	})
	t.Run("none fresher", func(t *testing.T) {
		c := onURI(stale)
		got := Check(w.req(c))
		wantResult(t, got, Undetermined, 0, "{bad_crls,no_relevant_crls}")
		wantProblems(t, got, "{bad_crl,no_fresh_crl}")
		if c.freshCalls != 1 {
			t.Errorf("FreshCRL called %d times", c.freshCalls)
		}
	})
	t.Run("replacement also stale", func(t *testing.T) {
		c := onURI(stale)
		c.fresh = func(DistributionPoint, [][]byte) [][]byte { return [][]byte{stillStale} }
		got := Check(w.req(c))
		wantResult(t, got, Undetermined, 0, "{bad_crls,no_relevant_crls}")
		wantProblems(t, got, "{bad_crl,no_fresh_crl}")
		if string(got.Problems[0].CRL) != string(stillStale) {
			t.Error("the problem is not the replacement's")
		}
	})
	t.Run("replacement empty", func(t *testing.T) {
		c := onURI(stale)
		c.fresh = func(DistributionPoint, [][]byte) [][]byte { return nil }
		got := Check(w.req(c))
		wantResult(t, got, Undetermined, 0, "{bad_crls,no_relevant_crls}")
		wantProblems(t, got, "{bad_crl,no_fresh_crl}")
	})
	t.Run("current CRL needs no refresh", func(t *testing.T) {
		c := onURI(fresh)
		wantResult(t, Check(w.req(c)), Revoked, CessationOfOperation, "")
		if c.freshCalls != 0 {
			t.Errorf("FreshCRL called for a current CRL")
		}
	})
}

func TestCheckCacheErrors(t *testing.T) {
	w := newWorld(t)
	crl := w.ca.RawCRL(nil)
	boom := errors.New("database on fire")
	c := &fakeCache{lookupErr: boom, selected: [][]byte{crl}}
	got := Check(w.req(c))
	wantResult(t, got, Good, 0, "")
	if len(got.Problems) != 1 || got.Problems[0].Reason != "cache_error" || !errors.Is(got.Problems[0].Err, boom) {
		t.Errorf("problems %s", problemsString(got.Problems))
	}
	c = &fakeCache{selectErr: ErrNotAvailable}
	got = Check(w.req(c))
	wantResult(t, got, Undetermined, 0, "{bad_crls,no_relevant_crls}")
	if len(got.Problems) != 0 {
		t.Errorf("ErrNotAvailable from Select is not a cache error: %s", problemsString(got.Problems))
	}
	c = &fakeCache{selectErr: boom}
	got = Check(w.req(c))
	wantResult(t, got, Undetermined, 0, "{bad_crls,no_relevant_crls}")
	if len(got.Problems) != 1 || !errors.Is(got.Problems[0].Err, boom) {
		t.Errorf("problems %s", problemsString(got.Problems))
	}
}

func TestCheckFallsBackToSelect(t *testing.T) {
	w := newWorld(t)
	crl := w.ca.RawCRL([]testpki.CRLEntry{w.leaf.Entry(int(AffiliationChanged))})
	// The certificate has a distribution point the cache does not know:
	// the issuer's CRLs from Select decide, as in Erlang.
	c := &fakeCache{selected: [][]byte{crl}}
	wantResult(t, Check(w.req(c)), Revoked, AffiliationChanged, "")
	if c.lookups != 1 || c.selects != 1 {
		t.Errorf("lookups %d selects %d", c.lookups, c.selects)
	}
	// A certificate without distribution points goes straight to Select.
	plain := w.ca.Issue("no dp")
	c = &fakeCache{selected: [][]byte{crl}}
	req := w.req(c)
	req.Cert = plain.Cert
	wantResult(t, Check(req), Good, 0, "")
	if c.lookups != 0 || c.selects != 1 {
		t.Errorf("lookups %d selects %d", c.lookups, c.selects)
	}
	// A decision from the distribution points does not consult Select.
	c = onURI(crl)
	wantResult(t, Check(w.req(c)), Revoked, AffiliationChanged, "")
	if c.selects != 0 {
		t.Errorf("Select called after a decision")
	}
}

func TestCheckBadRequests(t *testing.T) {
	w := newWorld(t)
	wantResult(t, Check(Request{}), Undetermined, 0, "{bad_crls,no_relevant_crls}")
	req := w.req(nil)
	wantResult(t, Check(req), Undetermined, 0, "{bad_crls,no_relevant_crls}")
	req = w.req(onURI(w.ca.RawCRL(nil)))
	req.Cert = &x509.Certificate{}
	wantResult(t, Check(req), Undetermined, 0, "{bad_crls,no_relevant_crls}")
}

func TestCheckCRLSignBit(t *testing.T) {
	pki := testpki.New(t)
	root := pki.Root("Root")
	ca := root.Issue("No CRL sign", testpki.CA(0), testpki.KeyUsage(x509.KeyUsageCertSign))
	leaf := ca.Issue("leaf")
	req := Request{Cert: leaf.Cert, Issuer: ca.Cert, Cache: &fakeCache{selected: [][]byte{ca.RawCRL(nil)}}}
	wantResult(t, Check(req), Undetermined, 0, "{bad_crls,[{bad_crl,crl_sign_bit_not_set}]}")
}

func TestCheckCAScope(t *testing.T) {
	w := newWorld(t)
	// The issuing CA itself, checked against the root's CRLs.
	onlyUser := w.root.RawCRL(nil, testpki.IDP(testpki.IDPSpec{DirNames: [][]byte{w.root.Cert.RawSubject}, OnlyUser: true}))
	onlyCA := w.root.RawCRL([]testpki.CRLEntry{w.ca.Entry(int(CACompromise))},
		testpki.IDP(testpki.IDPSpec{DirNames: [][]byte{w.root.Cert.RawSubject}, OnlyCA: true}))
	req := Request{Cert: w.ca.Cert, Issuer: w.root.Cert, Trusted: []*x509.Certificate{w.root.Cert}}
	req.Cache = &fakeCache{selected: [][]byte{onlyUser}}
	wantResult(t, Check(req), Undetermined, 0, "{bad_crls,[{bad_crl,scope_error}]}")
	req.Cache = &fakeCache{selected: [][]byte{onlyCA}}
	wantResult(t, Check(req), Revoked, CACompromise, "")
}

func TestCheckCanonicalIssuerName(t *testing.T) {
	pki := testpki.New(t)
	root := pki.Root("Root")
	ca := root.Issue("Mixed Case  CA", testpki.CA(0), testpki.Subject(pkix.Name{CommonName: "Mixed Case  CA", Organization: []string{"Example Org"}}))
	leaf := ca.Issue("leaf")
	// The same name, as another encoder might write it: lower case, other
	// spacing, UTF8String instead of PrintableString.
	alias := rawName(t,
		[]attr{{oidO, 12, []byte("  example   ORG ")}},
		[]attr{{oidCN, 12, []byte("mixed case ca")}})
	crl := ca.CRLNamed(alias, []testpki.CRLEntry{leaf.Entry(1)})
	req := Request{Cert: leaf.Cert, Issuer: ca.Cert, Cache: &fakeCache{selected: [][]byte{crl}}}
	wantResult(t, Check(req), Revoked, KeyCompromise, "")
	different := rawName(t,
		[]attr{{oidO, 12, []byte("example org")}},
		[]attr{{oidCN, 12, []byte("mixed case cb")}})
	crl = ca.CRLNamed(different, []testpki.CRLEntry{leaf.Entry(1)})
	req.Cache = &fakeCache{selected: [][]byte{crl}}
	wantResult(t, Check(req), Undetermined, 0, "{bad_crls,[{bad_crl,invalid_issuer}]}")
}

func TestCheckKeyRollover(t *testing.T) {
	// The CA has a second certificate with the same name and another key;
	// CRLs signed with the new key are accepted when that certificate is
	// trusted or chains to a trusted one.
	pki := testpki.New(t)
	root := pki.Root("Root")
	ca := root.Issue("CA", testpki.CA(0))
	leaf := ca.Issue("leaf")
	caNew := root.Issue("CA", testpki.CA(0))
	crl := caNew.RawCRL([]testpki.CRLEntry{leaf.Entry(int(Superseded))})
	req := Request{Cert: leaf.Cert, Issuer: ca.Cert, Cache: &fakeCache{selected: [][]byte{crl}}}
	wantResult(t, Check(req), Undetermined, 0, "{bad_crls,[{bad_crl,invalid_signature}]}")
	req.Intermediates = []*x509.Certificate{caNew.Cert}
	wantResult(t, Check(req), Undetermined, 0, "{bad_crls,[{bad_crl,no_issuer_cert_chain}]}")
	req.Trusted = []*x509.Certificate{root.Cert}
	wantResult(t, Check(req), Revoked, Superseded, "")
	req.Intermediates = nil
	req.Trusted = []*x509.Certificate{caNew.Cert}
	wantResult(t, Check(req), Revoked, Superseded, "")
	// An expired signer certificate is not accepted.
	caOld := root.Issue("CA", testpki.CA(0), testpki.Expired())
	crl = caOld.RawCRL([]testpki.CRLEntry{leaf.Entry(1)})
	req = Request{Cert: leaf.Cert, Issuer: ca.Cert, Cache: &fakeCache{selected: [][]byte{crl}},
		Trusted: []*x509.Certificate{root.Cert, caOld.Cert}}
	wantResult(t, Check(req), Undetermined, 0, "{bad_crls,[{bad_crl,no_issuer_cert_chain}]}")
}

// indirectWorld: root → ca → leaf, and root → signer, a certificate that
// only signs CRLs; the leaf's distribution point names the signer as
// cRLIssuer.
type indirectWorld struct {
	*world
	signer *testpki.Cert
	leaf   *testpki.Cert
}

func newIndirectWorld(t *testing.T) *indirectWorld {
	w := newWorld(t)
	signer := w.root.Issue("CRL Signer", testpki.NotCA(), testpki.KeyUsage(x509.KeyUsageCRLSign),
		testpki.Template(func(c *x509.Certificate) { c.SubjectKeyId = []byte{0xc1, 0x51} }))
	leaf := w.ca.Issue("indirect leaf", testpki.DistributionPoints(testpki.DPSpec{
		URIs:      []string{dpURI},
		CRLIssuer: [][]byte{signer.Cert.RawSubject},
	}))
	return &indirectWorld{world: w, signer: signer, leaf: leaf}
}

func TestCheckIndirectCRL(t *testing.T) {
	iw := newIndirectWorld(t)
	idp := testpki.IDP(testpki.IDPSpec{URIs: []string{dpURI}, Indirect: true})
	entry := iw.leaf.Entry(int(KeyCompromise))
	entry.CertificateIssuer = [][]byte{iw.ca.Cert.RawSubject}
	revoked := iw.signer.RawCRL([]testpki.CRLEntry{entry}, idp)
	// Same serial number, but of a certificate of another CA.
	otherEntry := iw.leaf.Entry(int(KeyCompromise))
	otherEntry.CertificateIssuer = [][]byte{iw.other.Cert.RawSubject}
	otherIssuer := iw.signer.RawCRL([]testpki.CRLEntry{otherEntry}, idp)
	// An entry without certificateIssuer first: it is the CRL issuer's.
	plainEntry := iw.signer.RawCRL([]testpki.CRLEntry{iw.leaf.Entry(1)}, idp)
	// The second entry inherits the certificate issuer of the first.
	first := iw.other.Entry(1)
	first.CertificateIssuer = [][]byte{iw.ca.Cert.RawSubject}
	inherited := iw.signer.RawCRL([]testpki.CRLEntry{first, iw.leaf.Entry(int(AACompromise))}, idp)
	notIndirect := iw.signer.RawCRL([]testpki.CRLEntry{entry}, testpki.IDP(testpki.IDPSpec{URIs: []string{dpURI}}))

	req := func(crl []byte, trusted, inter []*x509.Certificate) Request {
		return Request{Cert: iw.leaf.Cert, Issuer: iw.ca.Cert, Cache: onURI(crl), Trusted: trusted, Intermediates: inter}
	}
	roots := []*x509.Certificate{iw.root.Cert}
	signer := []*x509.Certificate{iw.signer.Cert}
	wantResult(t, Check(req(revoked, roots, signer)), Revoked, KeyCompromise, "")
	wantResult(t, Check(req(revoked, signer, nil)), Revoked, KeyCompromise, "")
	noChain := Check(req(revoked, roots, nil))
	wantResult(t, noChain, Undetermined, 0, "{bad_crls,no_relevant_crls}")
	wantProblems(t, noChain, "{bad_crl,no_issuer_cert_chain}")
	noChain = Check(req(revoked, nil, signer))
	wantResult(t, noChain, Undetermined, 0, "{bad_crls,no_relevant_crls}")
	wantProblems(t, noChain, "{bad_crl,no_issuer_cert_chain}")
	wantResult(t, Check(req(otherIssuer, roots, signer)), Good, 0, "")
	wantResult(t, Check(req(plainEntry, roots, signer)), Good, 0, "")
	wantResult(t, Check(req(inherited, roots, signer)), Revoked, AACompromise, "")
	// Without indirectCRL the CRL must come from the certificate's issuer.
	wrongIssuer := Check(req(notIndirect, roots, signer))
	wantResult(t, wrongIssuer, Undetermined, 0, "{bad_crls,no_relevant_crls}")
	wantProblems(t, wrongIssuer, "{bad_crl,invalid_issuer}")

	// A signer certificate that does not chain: made by another root.
	pki2 := testpki.New(t)
	root2 := pki2.Root("Root CA")
	fakeSigner := root2.Issue("CRL Signer", testpki.NotCA(), testpki.KeyUsage(x509.KeyUsageCRLSign),
		testpki.Template(func(c *x509.Certificate) { c.SubjectKeyId = []byte{0xc1, 0x52} }))
	forged := fakeSigner.RawCRL([]testpki.CRLEntry{entry}, idp)
	forgedRes := Check(req(forged, roots, []*x509.Certificate{fakeSigner.Cert}))
	wantResult(t, forgedRes, Undetermined, 0, "{bad_crls,no_relevant_crls}")
	wantProblems(t, forgedRes, "{bad_crl,no_issuer_cert_chain}")
}

func TestCheckReasonsSplitAcrossCRLs(t *testing.T) {
	w := newWorld(t)
	first := []int{int(KeyCompromise), int(CACompromise)}
	rest := []int{int(AffiliationChanged), int(Superseded), int(CessationOfOperation), int(CertificateHold),
		int(PrivilegeWithdrawn), int(AACompromise)}
	leaf := w.ca.Issue("split", testpki.DistributionPoints(
		testpki.DPSpec{URIs: []string{dpURI}, Reasons: first},
		testpki.DPSpec{URIs: []string{dpURI2}, Reasons: rest},
	))
	crl1 := w.ca.RawCRL(nil, testpki.IDP(testpki.IDPSpec{URIs: []string{dpURI}, OnlySomeReasons: first}))
	crl2 := w.ca.RawCRL(nil, testpki.IDP(testpki.IDPSpec{URIs: []string{dpURI2}, OnlySomeReasons: rest}))
	crl2r := w.ca.RawCRL([]testpki.CRLEntry{leaf.Entry(int(Superseded))},
		testpki.IDP(testpki.IDPSpec{URIs: []string{dpURI2}, OnlySomeReasons: rest}))
	req := func(c Cache) Request { r := w.req(c); r.Cert = leaf.Cert; return r }

	both := &fakeCache{byURI: map[string][][]byte{dpURI: {crl1}, dpURI2: {crl2}}}
	wantResult(t, Check(req(both)), Good, 0, "")
	onlyFirst := &fakeCache{byURI: map[string][][]byte{dpURI: {crl1}}}
	wantResult(t, Check(req(onlyFirst)), Undetermined, 0, "{bad_crls,no_relevant_crls}")
	revoked := &fakeCache{byURI: map[string][][]byte{dpURI: {crl1}, dpURI2: {crl2r}}}
	wantResult(t, Check(req(revoked)), Revoked, Superseded, "")
	// The same partial CRL twice adds nothing the second time.
	twice := &fakeCache{byURI: map[string][][]byte{dpURI: {crl1, crl1}}}
	twiceRes := Check(req(twice))
	wantResult(t, twiceRes, Undetermined, 0, "{bad_crls,no_relevant_crls}")
	wantProblems(t, twiceRes, "{bad_crl,mask_error}")

	// One distribution point for all reasons, served by two CRLs that
	// split the reasons with onlySomeReasons.
	part1 := w.ca.RawCRL(nil, testpki.IDP(testpki.IDPSpec{URIs: []string{dpURI}, OnlySomeReasons: first}))
	part2 := w.ca.RawCRL(nil, testpki.IDP(testpki.IDPSpec{URIs: []string{dpURI}, OnlySomeReasons: rest}))
	wantResult(t, Check(w.req(onURI(part1, part2))), Good, 0, "")
	wantResult(t, Check(w.req(onURI(part2))), Undetermined, 0, "{bad_crls,no_relevant_crls}")
}

func TestCheckDistributionPointNames(t *testing.T) {
	w := newWorld(t)
	rdn := rawName(t, []attr{{oidCN, 19, []byte("CRL Partition 7")}})
	rdnSet := rdn[2:] // the single SET inside the Name SEQUENCE
	full, ok := appendRDN(w.ca.Cert.RawSubject, rdnSet)
	if !ok {
		t.Fatal("appendRDN")
	}
	cases := []struct {
		name string
		dp   testpki.DPSpec
		idp  testpki.IDPSpec
		ok   bool
	}{
		{"URI", testpki.DPSpec{URIs: []string{dpURI}}, testpki.IDPSpec{URIs: []string{"ldap://x/", dpURI}}, true},
		{"URI mismatch", testpki.DPSpec{URIs: []string{dpURI}}, testpki.IDPSpec{URIs: []string{dpURI2}}, false},
		{"directory name", testpki.DPSpec{DirNames: [][]byte{full}}, testpki.IDPSpec{DirNames: [][]byte{full}}, true},
		{"relative name vs full name", testpki.DPSpec{RelativeName: rdnSet}, testpki.IDPSpec{DirNames: [][]byte{full}}, true},
		{"full name vs relative name", testpki.DPSpec{DirNames: [][]byte{full}}, testpki.IDPSpec{RelativeName: rdnSet}, true},
		{"relative names", testpki.DPSpec{RelativeName: rdnSet}, testpki.IDPSpec{RelativeName: rdnSet}, true},
		{"directory name mismatch", testpki.DPSpec{DirNames: [][]byte{w.ca.Cert.RawSubject}}, testpki.IDPSpec{DirNames: [][]byte{full}}, false},
		{"IDP without name", testpki.DPSpec{URIs: []string{dpURI}}, testpki.IDPSpec{OnlyUser: true}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// crypto/x509 refuses to parse a certificate whose
			// distribution point is a relative name, so the test puts
			// the extension into a parsed certificate by hand.
			parsed := w.ca.Issue("dp names")
			cert := *parsed.Cert
			cert.Extensions = append(append([]pkix.Extension(nil), cert.Extensions...), pkix.Extension{
				Id: testpki.OIDCRLDistributionPoints, Value: testpki.EncodeDistributionPoints(tc.dp)})
			crl := w.ca.RawCRL([]testpki.CRLEntry{parsed.Entry(1)}, testpki.IDP(tc.idp))
			req := w.req(lookupAll{crls: [][]byte{crl}})
			req.Cert = &cert
			got := Check(req)
			if tc.ok {
				wantResult(t, got, Revoked, KeyCompromise, "")
			} else {
				wantResult(t, got, Undetermined, 0, "{bad_crls,no_relevant_crls}")
				wantProblems(t, got, "{bad_crl,scope_error}")
			}
		})
	}
}

// lookupAll answers every Lookup with the same CRLs and Select with none.
type lookupAll struct{ crls [][]byte }

func (l lookupAll) Lookup(DistributionPoint, []byte) ([][]byte, error)   { return l.crls, nil }
func (l lookupAll) Select([]byte) ([][]byte, error)                      { return nil, nil }
func (l lookupAll) FreshCRL(_ DistributionPoint, crls [][]byte) [][]byte { return crls }

func TestCheckBudget(t *testing.T) {
	w := newWorld(t)
	junk := make([][]byte, 1000)
	for i := range junk {
		junk[i] = []byte{0x30, 0x00}
	}
	got := Check(w.req(onURI(junk...)))
	if got.Status != Undetermined {
		t.Fatalf("status %v", got.Status)
	}
	// Identical junk is reported once.
	if len(got.Problems) != 1 {
		t.Errorf("%d problems", len(got.Problems))
	}
}

func TestCheckNewestCRLFirst(t *testing.T) {
	w := newWorld(t)
	now := w.pki.Now
	older := testpki.CRLValidity(now.Add(-3*time.Hour), now.Add(time.Hour))
	oldGood := w.ca.RawCRL(nil, older)
	oldHold := w.ca.RawCRL([]testpki.CRLEntry{w.leaf.Entry(int(CertificateHold))}, older)
	newRevoked := w.ca.RawCRL([]testpki.CRLEntry{w.leaf.Entry(int(KeyCompromise))})
	newGood := w.ca.RawCRL(nil)
	// Same thisUpdate: the higher CRL number wins.
	newerNumber := w.ca.RawCRL([]testpki.CRLEntry{w.leaf.Entry(int(Superseded))})
	wantResult(t, Check(w.req(onURI(oldGood, newRevoked))), Revoked, KeyCompromise, "")
	wantResult(t, Check(w.req(onURI(newRevoked, oldGood))), Revoked, KeyCompromise, "")
	wantResult(t, Check(w.req(onURI(oldHold, newGood))), Good, 0, "")
	wantResult(t, Check(w.req(onURI(newGood, newerNumber))), Revoked, Superseded, "")
}

func TestCheckUnknownReasonCode(t *testing.T) {
	w := newWorld(t)
	for _, code := range []int{7, 11, 300} {
		got := Check(w.req(onURI(w.ca.RawCRL([]testpki.CRLEntry{w.leaf.Entry(code)}))))
		wantResult(t, got, Revoked, Reason(code), "")
		if got.Reason.String() != "unknown" {
			t.Errorf("code %d: %s", code, got.Reason)
		}
	}
}
