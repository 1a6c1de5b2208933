package crl

import (
	"bytes"
	"testing"
)

// oneAttr is a Name with one RDN holding one CN of the given ASN.1 tag.
func oneAttr(t testing.TB, tag int, value []byte) []byte {
	return rawName(t, []attr{{oidCN, tag, value}})
}

func TestSubjectNameHashVectors(t *testing.T) {
	// Hashes printed by `openssl crl -hash` (OpenSSL 3.0.19) for CRLs
	// whose issuer is the name.
	cases := []struct {
		name string
		raw  []byte
		want uint32
	}{
		{"UTF8String", oneAttr(t, 12, []byte("Ab  C")), 0x2589326a},
		{"PrintableString", oneAttr(t, 19, []byte("Ab  C")), 0x2589326a},
		{"T61String", oneAttr(t, 20, []byte("Ab  C")), 0x2589326a},
		{"IA5String", oneAttr(t, 22, []byte("Ab  C")), 0x2589326a},
		{"BMPString", oneAttr(t, 30, []byte{0, 'A', 0, 'b', 0, ' ', 0, ' ', 0, 'C'}), 0x2589326a},
		{"UniversalString", oneAttr(t, 28, []byte{0, 0, 0, 'A', 0, 0, 0, 'b', 0, 0, 0, ' ', 0, 0, 0, ' ', 0, 0, 0, 'C'}), 0x2589326a},
		{"NumericString kept as is", oneAttr(t, 18, []byte("12 34")), 0x4bb064b7},
		{"T61String as Latin-1", oneAttr(t, 20, []byte{'A', 0xc9, 'B'}), 0x3b5d15a2},
		{"UTF8 upper non-ASCII kept", oneAttr(t, 12, []byte("a\u00c9b")), 0x3b5d15a2},
		{"UTF8 lower non-ASCII", oneAttr(t, 12, []byte("a\u00e9b")), 0x53e59bb5},
		{"PrintableString with a Latin-1 byte", oneAttr(t, 19, []byte{'A', 0xe9, 'B'}), 0x53e59bb5},
		{"no-break spaces are not whitespace", oneAttr(t, 12, []byte("a\u00a0 \u00a0b")), 0xe7c84a52},
		{"all ASCII whitespace", oneAttr(t, 12, []byte("\v A\t\n\f\rB \r")), 0x49cdc5e0},
		{"NUL", oneAttr(t, 12, []byte("a\x00b")), 0x5e04e6bb},
		{"DEL", oneAttr(t, 12, []byte("a\x7fB")), 0xcf0c2a1f},
		{"empty UTF8String", oneAttr(t, 12, nil), 0x5da78770},
		{"BIT STRING", oneAttr(t, 3, []byte{0, 'A'}), 0x4a52359e},
		{"ObjectDescriptor kept as is", oneAttr(t, 7, []byte("Ab  C")), 0x040cc27b},
		{"SEQUENCE kept as is", rawSeqValue(t), 0x14edf020},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := SubjectNameHash(tc.raw)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("hash %08x, want %08x", got, tc.want)
			}
		})
	}
}

// rawSeqValue is a Name whose CN value is a SEQUENCE holding a
// UTF8String "A".
func rawSeqValue(t testing.TB) []byte {
	// 30 0e 31 0c 30 0a 06 03 55 04 03 30 03 0c 01 41
	return []byte{0x30, 0x0e, 0x31, 0x0c, 0x30, 0x0a, 0x06, 0x03, 0x55, 0x04, 0x03, 0x30, 0x03, 0x0c, 0x01, 0x41}
}

func TestSubjectNameHashRefused(t *testing.T) {
	// Names OpenSSL 3.0.19 refuses to decode, and malformed input.
	cases := map[string][]byte{
		"odd BMPString":               oneAttr(t, 30, []byte{0, 'A', 0}),
		"BMPString surrogate":         oneAttr(t, 30, []byte{0xd8, 0x00, 0xdc, 0x00}),
		"UniversalString length":      oneAttr(t, 28, []byte("Ab  C")),
		"UniversalString surrogate":   oneAttr(t, 28, []byte{0, 0, 0xd8, 0}),
		"UniversalString too large":   oneAttr(t, 28, []byte{0, 0x11, 0, 0}),
		"UTF8String surrogate":        oneAttr(t, 12, []byte{0xed, 0xa0, 0x80}),
		"UTF8String overlong":         oneAttr(t, 12, []byte{0xc0, 0x80}),
		"UTF8String above U+10FFFF":   oneAttr(t, 12, []byte{0xf4, 0x90, 0x80, 0x80}),
		"UTF8String truncated":        oneAttr(t, 12, []byte{0xe2, 0x82}),
		"VisibleString":               oneAttr(t, 26, []byte("A")),
		"OCTET STRING":                oneAttr(t, 4, []byte("A")),
		"INTEGER":                     oneAttr(t, 2, []byte{1}),
		"UTCTime":                     oneAttr(t, 23, []byte("250101000000Z")),
		"bad BIT STRING":              oneAttr(t, 3, []byte{8, 0}),
		"BIT STRING nonzero padding":  oneAttr(t, 3, []byte{1, 0xff}),
		"context-specific value":      {0x30, 0x0c, 0x31, 0x0a, 0x30, 0x08, 0x06, 0x03, 0x55, 0x04, 0x03, 0x80, 0x01, 0x41},
		"constructed PrintableString": {0x30, 0x0e, 0x31, 0x0c, 0x30, 0x0a, 0x06, 0x03, 0x55, 0x04, 0x03, 0x33, 0x03, 0x04, 0x01, 0x41},
		"primitive SEQUENCE":          {0x30, 0x0c, 0x31, 0x0a, 0x30, 0x08, 0x06, 0x03, 0x55, 0x04, 0x03, 0x10, 0x01, 0x41},
		"OID with padding":            {0x30, 0x0c, 0x31, 0x0a, 0x30, 0x08, 0x06, 0x03, 0x55, 0x80, 0x03, 0x0c, 0x01, 0x41},
		"OID unfinished":              {0x30, 0x0c, 0x31, 0x0a, 0x30, 0x08, 0x06, 0x03, 0x55, 0x04, 0x83, 0x0c, 0x01, 0x41},
		"empty OID":                   {0x30, 0x09, 0x31, 0x07, 0x30, 0x05, 0x06, 0x00, 0x0c, 0x01, 0x41},
		"trailing data":               append(oneAttr(t, 12, []byte("A")), 0),
		"not a SEQUENCE":              {0x31, 0x00},
		"RDN not a SET":               {0x30, 0x02, 0x30, 0x00},
		"extra field in attribute":    {0x30, 0x0f, 0x31, 0x0d, 0x30, 0x0b, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x01, 0x41, 0x0c, 0x01, 0x41},
		"nothing":                     nil,
		"too large":                   oneAttr(t, 12, bytes.Repeat([]byte("a"), maxNameSize)),
	}
	for name, raw := range cases {
		if h, err := SubjectNameHash(raw); err == nil {
			t.Errorf("%s: hash %08x, want an error", name, h)
		}
	}
}

func TestCanonicalName(t *testing.T) {
	a := rawName(t,
		[]attr{{oidC, 19, []byte("SE")}},
		[]attr{{oidO, 19, []byte("Example  Org")}, {oidOU, 12, []byte("Unit")}})
	same := rawName(t,
		[]attr{{oidC, 12, []byte(" se ")}},
		[]attr{{oidOU, 30, []byte{0, 'U', 0, 'N', 0, 'I', 0, 'T'}}, {oidO, 22, []byte("example org")}})
	reordered := rawName(t,
		[]attr{{oidO, 19, []byte("Example  Org")}, {oidOU, 12, []byte("Unit")}},
		[]attr{{oidC, 19, []byte("SE")}})
	split := rawName(t,
		[]attr{{oidC, 19, []byte("SE")}},
		[]attr{{oidO, 19, []byte("Example  Org")}},
		[]attr{{oidOU, 12, []byte("Unit")}})
	if !namesEqual(a, same) {
		t.Error("equivalent names differ")
	}
	for name, b := range map[string][]byte{"RDNs reordered": reordered, "multi-valued RDN split": split} {
		if namesEqual(a, b) {
			t.Errorf("%s: names compare equal", name)
		}
	}
	ha, _ := SubjectNameHash(a)
	hs, _ := SubjectNameHash(same)
	if ha != hs {
		t.Errorf("hashes %08x and %08x of equivalent names", ha, hs)
	}
	if nameKey(a) != nameKey(same) || nameKey(a) == nameKey(split) {
		t.Error("nameKey does not follow namesEqual")
	}
	// An empty name and empty RDNs canonicalize to nothing: SHA-1 of the
	// empty string.
	for _, raw := range [][]byte{{0x30, 0x00}, {0x30, 0x04, 0x31, 0x00, 0x31, 0x00}} {
		if h, err := SubjectNameHash(raw); err != nil || h != 0xeea339da {
			t.Errorf("empty name %x: hash %08x, %v", raw, h, err)
		}
	}
	// Names that cannot be canonicalized compare byte for byte.
	bad := oneAttr(t, 4, []byte("x"))
	if !namesEqual(bad, bad) || namesEqual(bad, oneAttr(t, 4, []byte("y"))) || namesEqual(bad, a) {
		t.Error("raw comparison of names that cannot be canonicalized")
	}
	// Canonicalization is idempotent.
	canon, err := canonicalName(a)
	if err != nil {
		t.Fatal(err)
	}
	again, err := canonicalName(appendTLV(nil, 0x30, canon))
	if err != nil || !bytes.Equal(canon, again) {
		t.Errorf("canonical form not stable: %x vs %x (%v)", canon, again, err)
	}
}
