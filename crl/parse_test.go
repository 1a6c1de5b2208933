package crl

import (
	"bytes"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"reflect"
	"testing"
	"time"

	"github.com/otpssl/ssl/internal/testpki"
)

func TestParseDistributionPoints(t *testing.T) {
	w := newWorld(t)
	dn1, dn2 := w.ca.Cert.RawSubject, w.root.Cert.RawSubject
	rdn := rawName(t, []attr{{oidCN, 19, []byte("part 1")}})[2:]
	specs := []testpki.DPSpec{
		{URIs: []string{dpURI, "ldap://dir.example/cn=CA?certificateRevocationList"}},
		{DirNames: [][]byte{dn1}, URIs: []string{dpURI2}, Reasons: []int{1, 2, 9, 10}},
		{RelativeName: rdn, Reasons: []int{6}},
		{CRLIssuer: [][]byte{dn2, dn1}},
		{URIs: []string{dpURI}, Reasons: []int{}},
		{Reasons: []int{0, 3, 4, 5}},
	}
	got, err := ParseDistributionPoints(testpki.EncodeDistributionPoints(specs...))
	if err != nil {
		t.Fatal(err)
	}
	want := []DistributionPoint{
		{URIs: specs[0].URIs},
		{URIs: specs[1].URIs, DirNames: [][]byte{dn1},
			Reasons: 1<<KeyCompromise | 1<<CACompromise | 1<<PrivilegeWithdrawn | 1<<AACompromise},
		{RelativeName: rdn[:len(rdn):len(rdn)], Reasons: 1 << CertificateHold},
		{CRLIssuer: [][]byte{dn2, dn1}},
		{URIs: []string{dpURI}},
		{Reasons: 1<<Unspecified | 1<<AffiliationChanged | 1<<Superseded | 1<<CessationOfOperation},
	}
	if len(got) != len(want) {
		t.Fatalf("%d distribution points", len(got))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("DP %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	if !got[1].Reasons.Has(AACompromise) || got[1].Reasons.Has(Superseded) || got[1].Reasons.Has(Reason(-1)) {
		t.Error("ReasonFlags.Has")
	}

	// The certificate extension, as crypto/x509 also sees it.
	cert := w.leaf.Cert
	dps, err := CertificateDistributionPoints(cert)
	if err != nil || len(dps) != 1 || !reflect.DeepEqual(dps[0].URIs, cert.CRLDistributionPoints) {
		t.Fatalf("CertificateDistributionPoints = %+v, %v", dps, err)
	}
	if dps, err := CertificateDistributionPoints(w.root.Cert); dps != nil || err != nil {
		t.Errorf("no extension: %+v, %v", dps, err)
	}
	if dps, err := CertificateDistributionPoints(nil); dps != nil || err != nil {
		t.Errorf("nil certificate: %+v, %v", dps, err)
	}
}

func TestParseDistributionPointsOtherNames(t *testing.T) {
	// fullName with a dNSName and an IP address besides a URI; cRLIssuer
	// with a URI only.
	der := []byte{0x30, 0x22, 0x30, 0x20,
		0xa0, 0x16, 0xa0, 0x14,
		0x82, 0x06, 'c', 'r', 'l', '.', 'e', 'x',
		0x86, 0x04, 'h', 't', 't', 'p',
		0x87, 0x04, 10, 0, 0, 1,
		0xa2, 0x06, 0x86, 0x04, 'h', 't', 't', 'p'}
	dps, err := ParseDistributionPoints(der)
	if err != nil {
		t.Fatal(err)
	}
	want := DistributionPoint{
		URIs:       []string{"http"},
		OtherNames: [][]byte{{0x82, 0x06, 'c', 'r', 'l', '.', 'e', 'x'}, {0x87, 0x04, 10, 0, 0, 1}},
	}
	if len(dps) != 1 || !reflect.DeepEqual(dps[0], want) {
		t.Fatalf("got %+v", dps)
	}
	if !dps[0].hasName() || (DistributionPoint{Reasons: 2}).hasName() {
		t.Error("hasName")
	}
}

func TestParseDistributionPointsMalformed(t *testing.T) {
	many := make([]testpki.DPSpec, maxDistributionPoints+1)
	for i := range many {
		many[i] = testpki.DPSpec{URIs: []string{dpURI}}
	}
	valid := testpki.EncodeDistributionPoints(testpki.DPSpec{URIs: []string{dpURI}})
	cases := map[string][]byte{
		"empty input":             nil,
		"trailing data":           append(append([]byte(nil), valid...), 0),
		"not a SEQUENCE":          {0x31, 0x00},
		"DP not a SEQUENCE":       {0x30, 0x02, 0x31, 0x00},
		"unknown DP field":        {0x30, 0x04, 0x30, 0x02, 0x83, 0x00},
		"fields out of order":     {0x30, 0x0a, 0x30, 0x08, 0x81, 0x02, 0x07, 0x80, 0xa0, 0x02, 0xa0, 0x00},
		"reasons pad 8":           {0x30, 0x06, 0x30, 0x04, 0x81, 0x02, 0x08, 0x80},
		"reasons empty":           {0x30, 0x04, 0x30, 0x02, 0x81, 0x00},
		"reasons pad, no bytes":   {0x30, 0x05, 0x30, 0x03, 0x81, 0x01, 0x01},
		"name with two choices":   {0x30, 0x08, 0x30, 0x06, 0xa0, 0x04, 0xa0, 0x00, 0xa1, 0x00},
		"name of unknown choice":  {0x30, 0x06, 0x30, 0x04, 0xa0, 0x02, 0xa2, 0x00},
		"general name universal":  {0x30, 0x08, 0x30, 0x06, 0xa0, 0x04, 0xa0, 0x02, 0x0c, 0x00},
		"general name tag 9":      {0x30, 0x08, 0x30, 0x06, 0xa0, 0x04, 0xa0, 0x02, 0x89, 0x00},
		"directoryName not a SEQ": {0x30, 0x0a, 0x30, 0x08, 0xa0, 0x06, 0xa0, 0x04, 0xa4, 0x02, 0x31, 0x00},
		"directoryName trailing":  {0x30, 0x0c, 0x30, 0x0a, 0xa0, 0x08, 0xa0, 0x06, 0xa4, 0x04, 0x30, 0x00, 0x30, 0x00},
		"relative name not ATVs":  {0x30, 0x08, 0x30, 0x06, 0xa0, 0x04, 0xa1, 0x02, 0x05, 0x00},
		"non-DER length":          {0x30, 0x81, 0x02, 0x30, 0x00},
		"too many DPs":            testpki.EncodeDistributionPoints(many...),
	}
	for name, der := range cases {
		if dps, err := ParseDistributionPoints(der); err == nil {
			t.Errorf("%s: parsed as %+v", name, dps)
		}
	}
	if dps, err := ParseDistributionPoints([]byte{0x30, 0x00}); err != nil || dps != nil {
		t.Errorf("empty SEQUENCE: %+v, %v", dps, err)
	}
	var names []byte
	for i := 0; i <= maxGeneralNames; i++ {
		names = append(names, 0x86, 0x01, 'x')
	}
	fullName := appendTLV(nil, 0xa0, names)
	der := appendTLV(nil, 0x30, appendTLV(nil, 0x30, appendTLV(nil, 0xa0, fullName)))
	if _, err := ParseDistributionPoints(der); err == nil {
		t.Error("too many general names parsed")
	}
}

func TestParseIssuingDistributionPoint(t *testing.T) {
	w := newWorld(t)
	rdn := rawName(t, []attr{{oidCN, 19, []byte("part 2")}})[2:]
	cases := []struct {
		spec testpki.IDPSpec
		want IssuingDistributionPoint
	}{
		{testpki.IDPSpec{}, IssuingDistributionPoint{}},
		{testpki.IDPSpec{URIs: []string{dpURI}, OnlyUser: true},
			IssuingDistributionPoint{URIs: []string{dpURI}, OnlyContainsUserCerts: true}},
		{testpki.IDPSpec{DirNames: [][]byte{w.ca.Cert.RawSubject}, OnlyCA: true, Indirect: true},
			IssuingDistributionPoint{DirNames: [][]byte{w.ca.Cert.RawSubject}, OnlyContainsCACerts: true, IndirectCRL: true}},
		{testpki.IDPSpec{RelativeName: rdn, OnlySomeReasons: []int{1, 10}, OnlyAttr: true},
			IssuingDistributionPoint{RelativeName: rdn, OnlySomeReasons: 1<<KeyCompromise | 1<<AACompromise,
				HasOnlySomeReasons: true, OnlyContainsAttributeCerts: true}},
		{testpki.IDPSpec{OnlySomeReasons: []int{}},
			IssuingDistributionPoint{HasOnlySomeReasons: true}},
	}
	for i, tc := range cases {
		got, err := ParseIssuingDistributionPoint(testpki.EncodeIDP(tc.spec))
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if !reflect.DeepEqual(*got, tc.want) {
			t.Errorf("case %d:\n got %+v\nwant %+v", i, *got, tc.want)
		}
	}
	bad := map[string][]byte{
		"empty input":          nil,
		"BER boolean":          {0x30, 0x03, 0x81, 0x01, 0x01},
		"long boolean":         {0x30, 0x04, 0x81, 0x02, 0xff, 0xff},
		"fields out of order":  {0x30, 0x06, 0x82, 0x01, 0xff, 0x81, 0x01, 0xff},
		"unknown field":        {0x30, 0x03, 0x86, 0x01, 0xff},
		"bad reasons":          {0x30, 0x04, 0x83, 0x02, 0x09, 0x00},
		"trailing data":        {0x30, 0x00, 0x00},
		"bad distribution pt.": {0x30, 0x04, 0xa0, 0x02, 0x05, 0x00},
	}
	for name, der := range bad {
		if idp, err := ParseIssuingDistributionPoint(der); err == nil {
			t.Errorf("%s: parsed as %+v", name, idp)
		}
	}
	// DER allows FALSE to be left out only, but an explicit FALSE is read.
	idp, err := ParseIssuingDistributionPoint([]byte{0x30, 0x03, 0x84, 0x01, 0x00})
	if err != nil || idp.IndirectCRL {
		t.Errorf("explicit FALSE: %+v, %v", idp, err)
	}
}

func TestParseCRL(t *testing.T) {
	w := newWorld(t)
	now := w.pki.Now
	e1 := w.leaf.Entry(int(KeyCompromise))
	e1.InvalidityDate = now.Add(-24 * time.Hour)
	e2 := w.other.Entry(-1)
	e2.CertificateIssuer = [][]byte{w.other.Cert.RawSubject, w.root.Cert.RawSubject}
	e3 := testpki.CRLEntry{Serial: big.NewInt(99), Time: now, Reason: 0}
	der := w.ca.RawCRL([]testpki.CRLEntry{e1, e2, e3},
		testpki.IDP(testpki.IDPSpec{URIs: []string{dpURI}, Indirect: true}))
	crl, err := ParseCRL(der)
	if err != nil {
		t.Fatal(err)
	}
	if crl.IssuingDistributionPoint == nil || !crl.IssuingDistributionPoint.IndirectCRL ||
		crl.DeltaCRLIndicator != nil || crl.UnknownCritical != nil || !bytes.Equal(crl.Raw, der) {
		t.Fatalf("CRL fields: %+v", crl)
	}
	if len(crl.Entries) != 3 {
		t.Fatalf("%d entries", len(crl.Entries))
	}
	caName := [][]byte{w.ca.Cert.RawSubject}
	want := []Entry{
		{SerialNumber: w.leaf.Cert.SerialNumber, RevocationTime: e1.Time.UTC(), Reason: KeyCompromise, HasReason: true,
			InvalidityDate: e1.InvalidityDate.UTC(), CertificateIssuer: caName},
		{SerialNumber: w.other.Cert.SerialNumber, RevocationTime: e2.Time.UTC(), CertificateIssuer: e2.CertificateIssuer},
		{SerialNumber: big.NewInt(99), RevocationTime: now.UTC(), Reason: Unspecified, HasReason: true,
			CertificateIssuer: e2.CertificateIssuer},
	}
	for i := range want {
		g := crl.Entries[i]
		if g.SerialNumber.Cmp(want[i].SerialNumber) != 0 || !g.RevocationTime.Equal(want[i].RevocationTime) ||
			g.Reason != want[i].Reason || g.HasReason != want[i].HasReason ||
			!g.InvalidityDate.Equal(want[i].InvalidityDate) ||
			!reflect.DeepEqual(g.CertificateIssuer, want[i].CertificateIssuer) {
			t.Errorf("entry %d:\n got %+v\nwant %+v", i, g, want[i])
		}
	}

	delta, err := ParseCRL(w.ca.RawCRL(nil, testpki.DeltaIndicator(12)))
	if err != nil || delta.DeltaCRLIndicator == nil || delta.DeltaCRLIndicator.Int64() != 12 {
		t.Errorf("delta indicator: %v", err)
	}
	unknown := asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1}
	crit, err := ParseCRL(w.ca.RawCRL([]testpki.CRLEntry{{Serial: big.NewInt(5), Time: now, Reason: -1,
		Extra: []pkix.Extension{{Id: unknown, Critical: true, Value: []byte{5, 0}}}}}))
	if err != nil || !crit.UnknownCritical.Equal(unknown) {
		t.Errorf("unknown critical entry extension: %v, %v", crit.UnknownCritical, err)
	}
}

func TestParseCRLMalformed(t *testing.T) {
	w := newWorld(t)
	now := w.pki.Now
	valid := w.ca.RawCRL(nil)
	idp := testpki.EncodeIDP(testpki.IDPSpec{URIs: []string{dpURI}})
	entryExt := func(id asn1.ObjectIdentifier, value []byte) []byte {
		return w.ca.RawCRL([]testpki.CRLEntry{{Serial: big.NewInt(5), Time: now, Reason: -1,
			Extra: []pkix.Extension{{Id: id, Value: value}}}})
	}
	cases := map[string][]byte{
		"trailing data":          append(append([]byte(nil), valid...), 0x00),
		"two CRLs":               append(append([]byte(nil), valid...), valid...),
		"duplicate IDP":          w.ca.RawCRL(nil, testpki.CRLExtension(testpki.OIDIssuingDistributionPoint, true, idp), testpki.CRLExtension(testpki.OIDIssuingDistributionPoint, true, idp)),
		"bad IDP":                w.ca.RawCRL(nil, testpki.CRLExtension(testpki.OIDIssuingDistributionPoint, true, []byte{5, 0})),
		"bad delta indicator":    w.ca.RawCRL(nil, testpki.CRLExtension(testpki.OIDDeltaCRLIndicator, true, []byte{5, 0})),
		"negative delta base":    w.ca.RawCRL(nil, testpki.CRLExtension(testpki.OIDDeltaCRLIndicator, true, []byte{2, 1, 0xff})),
		"bad invalidity date":    entryExt(testpki.OIDInvalidityDate, []byte{5, 0}),
		"bad certificate issuer": entryExt(testpki.OIDCertificateIssuer, []byte{0x30, 0x02, 0x0c, 0x00}),
		"two reason codes": w.ca.RawCRL([]testpki.CRLEntry{{Serial: big.NewInt(5), Time: now, Reason: 1,
			Extra: []pkix.Extension{{Id: testpki.OIDReasonCode, Value: []byte{0x0a, 0x01, 0x02}}}}}),
		"negative reason code": w.ca.RawCRL([]testpki.CRLEntry{{Serial: big.NewInt(5), Time: now, Reason: -1,
			Extra: []pkix.Extension{{Id: testpki.OIDReasonCode, Value: []byte{0x0a, 0x01, 0xff}}}}}),
		"not a CRL": {0x30, 0x00},
		"nothing":   nil,
	}
	for name, der := range cases {
		if _, err := ParseCRL(der); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
	if _, err := ParseCRL(make([]byte, MaxCRLSize+1)); err == nil {
		t.Error("oversized CRL parsed")
	}
}

func TestDecodeCRLs(t *testing.T) {
	w := newWorld(t)
	a, b := w.ca.RawCRL(nil), w.other.RawCRL(nil)
	cases := []struct {
		name string
		data []byte
		want [][]byte
	}{
		{"DER", a, [][]byte{a}},
		{"two DER", append(append([]byte(nil), a...), b...), [][]byte{a, b}},
		{"PEM with text and a certificate", append(append([]byte("text\n"), w.leaf.PEM()...), append(pemCRL(a), pemCRL(b)...)...), [][]byte{a, b}},
		{"DER prefix then junk", append(append([]byte(nil), a...), "x"...), nil},
		{"PEM without CRL", w.leaf.PEM(), nil},
		{"empty", nil, nil},
		{"junk", []byte("junk"), nil},
	}
	for _, tc := range cases {
		got, err := decodeCRLs(tc.data)
		if tc.want == nil {
			if err == nil {
				t.Errorf("%s: decoded %d CRLs", tc.name, len(got))
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %d CRLs, %v", tc.name, len(got), err)
		}
	}
}
