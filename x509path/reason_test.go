package x509path

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"testing"

	"github.com/otpssl/ssl/crl"
)

func TestReasonTerms(t *testing.T) {
	cases := []struct {
		r    Reason
		want string
	}{
		{UnknownCA, "unknown_ca"},
		{SelfSignedPeer, "selfsigned_peer"},
		{CertExpired, "cert_expired"},
		{InvalidIssuer, "invalid_issuer"},
		{InvalidSignature, "invalid_signature"},
		{UnsupportedSignature, "unsupported_signature"},
		{NameNotPermitted, "name_not_permitted"},
		{MissingBasicConstraint, "missing_basic_constraint"},
		{InvalidKeyUsage, "invalid_key_usage"},
		{HostnameCheckFailed, "hostname_check_failed"},
		{UnknownCriticalExtension, "unknown_critical_extension"},
		{MaxPathLengthReached, "max_path_length_reached"},
		{Revoked{Reason: crl.KeyCompromise}, "{revoked,keyCompromise}"},
		{Revoked{Reason: crl.CACompromise}, "{revoked,cACompromise}"},
		{Revoked{Reason: crl.Unspecified}, "{revoked,unspecified}"},
		{RevocationStatusUndetermined{Detail: "{bad_crls,no_relevant_crls}"}, "{revocation_status_undetermined,{bad_crls,no_relevant_crls}}"},
		{RevocationStatusUndetermined{}, "revocation_status_undetermined"},
		{InvalidExtKeyUsage{Purposes: "[{1,3,6,1,5,5,7,3,2}]"}, "{invalid_ext_keyusage,[{1,3,6,1,5,5,7,3,2}]}"},
		{InvalidExtKeyUsage{CA: true, Purposes: "[]"}, "{ca_invalid_ext_keyusage,[]}"},
		{KeyUsageMismatch{KeyUsage: "[keyCertSign]", ExtKeyUsage: "[{1,3,6,1,5,5,7,3,1}]"}, "{key_usage_mismatch,{[keyCertSign],[{1,3,6,1,5,5,7,3,1}]}}"},
		{ProfileViolation{Rule: "missing_authority_key_identifier"}, "{profile_violation,missing_authority_key_identifier}"},
		{DecodeFailure{Index: 2, Detail: "x"}, "{failed_to_decode_certificate,2}"},
	}
	for _, c := range cases {
		if got := c.r.String(); got != c.want {
			t.Errorf("%#v: %s, want %s", c.r, got, c.want)
		}
		err := error(BadCertError{Reason: c.r})
		if got := err.(BadCertError).Term(); got != "{bad_cert,"+c.want+"}" {
			t.Errorf("Term %s", got)
		}
		wrapped := errors.Join(errors.New("handshake"), err)
		var bad BadCertError
		if !errors.As(wrapped, &bad) || bad.Reason.String() != c.want {
			t.Errorf("errors.As %v", wrapped)
		}
		if !errors.Is(wrapped, BadCertError{Reason: c.r}) || !errors.Is(wrapped, BadCertError{}) ||
			!errors.Is(wrapped, &BadCertError{Reason: c.r}) {
			t.Errorf("errors.Is %v", wrapped)
		}
		if errors.Is(wrapped, BadCertError{Reason: Atom("other")}) {
			t.Errorf("errors.Is matched another reason")
		}
	}
	if got := oidListTerm(nil); got != "[]" {
		t.Errorf("empty list %s", got)
	}
	if got := keyUsageTerm(0x1ff); got != "[digitalSignature,nonRepudiation,keyEncipherment,dataEncipherment,keyAgreement,keyCertSign,cRLSign,encipherOnly,decipherOnly]" {
		t.Errorf("key usage %s", got)
	}
}

func TestEventTermsAndKinds(t *testing.T) {
	cases := []struct {
		ev   Event
		want string
	}{
		{Event{Kind: Valid}, "valid"},
		{Event{Kind: ValidPeer}, "valid_peer"},
		{Event{Kind: BadCert, Reason: UnknownCA}, "{bad_cert,unknown_ca}"},
		{Event{Kind: Extension, Extension: pkix.Extension{Id: asn1.ObjectIdentifier{1, 2, 3}, Critical: true, Value: []byte{5, 0}}},
			"{extension,{'Extension',{1,2,3},true,<<16#0500>>}}"},
	}
	for _, c := range cases {
		if got := c.ev.String(); got != c.want {
			t.Errorf("%s, want %s", got, c.want)
		}
	}
	for k, s := range map[Kind]string{BadCert: "bad_cert", Extension: "extension", Valid: "valid", ValidPeer: "valid_peer", Unknown: "unknown", Kind(0): "undefined"} {
		if k.String() != s {
			t.Errorf("%d: %s", k, k)
		}
	}
	if r, ok := FailReason(Fail(UnknownCA)); !ok || r != UnknownCA {
		t.Error("FailReason")
	}
	if _, ok := FailReason(Valid); ok {
		t.Error("Valid is a failure")
	}
}

// TestDefaultVerifyFuns checks the two default funs clause by clause
// against the seed.
func TestDefaultVerifyFuns(t *testing.T) {
	crit := Event{Kind: Extension, Extension: pkix.Extension{Id: asn1.ObjectIdentifier{1, 2}, Critical: true}}
	nonCrit := Event{Kind: Extension, Extension: pkix.Extension{Id: asn1.ObjectIdentifier{1, 2}}}
	bad := Event{Kind: BadCert, Reason: CertExpired}
	cases := []struct {
		fun  VerifyFun
		name string
		ev   Event
		want Verdict
	}{
		{DefaultVerifyPeer, "peer bad_cert", bad, Fail(CertExpired)},
		{DefaultVerifyPeer, "peer critical extension", crit, Unknown},
		{DefaultVerifyPeer, "peer extension", nonCrit, Unknown},
		{DefaultVerifyPeer, "peer valid", Event{Kind: Valid}, Valid},
		{DefaultVerifyPeer, "peer valid_peer", Event{Kind: ValidPeer}, Valid},
		{DefaultVerifyNone, "none bad_cert", bad, Valid},
		{DefaultVerifyNone, "none critical extension", crit, Valid},
		{DefaultVerifyNone, "none extension", nonCrit, Unknown},
		{DefaultVerifyNone, "none valid", Event{Kind: Valid}, Valid},
		{DefaultVerifyNone, "none valid_peer", Event{Kind: ValidPeer}, Valid},
	}
	for _, c := range cases {
		v, s := c.fun(nil, c.ev, "state")
		if v != c.want || s != "state" {
			t.Errorf("%s: %v %v", c.name, v, s)
		}
	}
}

func TestDNameComparison(t *testing.T) {
	enc := func(rdns ...[]pkix.AttributeTypeAndValue) []byte {
		var seq pkix.RDNSequence
		for _, r := range rdns {
			seq = append(seq, pkix.RelativeDistinguishedNameSET(r))
		}
		b, err := asn1.Marshal(seq)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cn := asn1.ObjectIdentifier{2, 5, 4, 3}
	o := asn1.ObjectIdentifier{2, 5, 4, 10}
	attr := func(id asn1.ObjectIdentifier, v any) []pkix.AttributeTypeAndValue {
		return []pkix.AttributeTypeAndValue{{Type: id, Value: v}}
	}
	printable := func(s string) asn1.RawValue {
		return asn1.RawValue{Tag: asn1.TagPrintableString, Bytes: []byte(s)}
	}
	utf8 := func(s string) asn1.RawValue { return asn1.RawValue{Tag: asn1.TagUTF8String, Bytes: []byte(s)} }
	bmp := func(s string) asn1.RawValue {
		var b []byte
		for _, r := range s {
			b = append(b, byte(r>>8), byte(r))
		}
		return asn1.RawValue{Tag: 30, Bytes: b}
	}
	base := enc(attr(o, printable("Example Org")), attr(cn, printable("Root CA")))
	same := []struct {
		name string
		der  []byte
	}{
		{"case", enc(attr(o, printable("EXAMPLE org")), attr(cn, printable("root ca")))},
		{"spaces", enc(attr(o, printable("  Example   Org ")), attr(cn, printable("Root CA")))},
		{"utf8", enc(attr(o, utf8("Example Org")), attr(cn, utf8("Root CA")))},
		{"bmp", enc(attr(o, bmp("Example Org")), attr(cn, bmp("ROOT CA")))},
	}
	a := parseDName(base)
	for _, s := range same {
		b := parseDName(s.der)
		if !a.ok || !b.ok || !a.equal(b) || a.key() != b.key() {
			t.Errorf("%s: names differ", s.name)
		}
	}
	differ := []struct {
		name string
		der  []byte
	}{
		{"value", enc(attr(o, printable("Example Org")), attr(cn, printable("Root CB")))},
		{"order", enc(attr(cn, printable("Root CA")), attr(o, printable("Example Org")))},
		{"type", enc(attr(o, printable("Example Org")), attr(o, printable("Root CA")))},
		{"shorter", enc(attr(o, printable("Example Org")))},
	}
	for _, d := range differ {
		b := parseDName(d.der)
		if a.equal(b) || a.key() == b.key() {
			t.Errorf("%s: names equal", d.name)
		}
	}
	// Multi-valued RDNs compare as sets.
	mv1 := enc([]pkix.AttributeTypeAndValue{{Type: cn, Value: "a"}, {Type: o, Value: "b"}})
	mv2 := enc([]pkix.AttributeTypeAndValue{{Type: o, Value: "B"}, {Type: cn, Value: "A"}})
	if !parseDName(mv1).equal(parseDName(mv2)) {
		t.Error("multi-valued RDN order matters")
	}
	// Prefixes.
	if !a.hasPrefix(parseDName(enc(attr(o, printable("example org"))))) || a.hasPrefix(parseDName(enc(attr(cn, printable("Root CA"))))) {
		t.Error("hasPrefix")
	}
	// Garbage compares by bytes.
	g := parseDName([]byte{1, 2, 3})
	if g.ok || !g.equal(parseDName([]byte{1, 2, 3})) || g.equal(a) || g.empty() {
		t.Error("garbage name")
	}
	if e := parseDName([]byte{0x30, 0}); !e.ok || !e.empty() {
		t.Error("empty name")
	}
	if got := nameStrings(base, cn); len(got) != 1 || got[0] != "Root CA" {
		t.Errorf("nameStrings %q", got)
	}
}
