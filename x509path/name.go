package x509path

import (
	"bytes"
	"encoding/asn1"
	"encoding/binary"
	"sort"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Limits on distinguished names. A name beyond them is compared by its
// bytes only.
const (
	maxRDNs         = 64
	maxAttrsPerRDN  = 16
	maxAttrValueLen = 4096
)

// Distinguished name comparison (RFC 5280, Section 7.1), simplified from
// the string preparation of RFC 4518 the way Erlang's public_key and most
// validators do it: attribute values of the directory string types are
// decoded, surrounding white space is removed, inner runs of white space
// become one space and letters are lower-cased; values of other types are
// compared byte for byte. The attributes of a multi-valued RDN compare as
// a set.

// dname is a parsed distinguished name: one canonical key per RDN.
type dname struct {
	rdns []string
	// ok is false when the DER does not parse as a Name within the limits;
	// such a name equals only a name with the same bytes.
	ok  bool
	raw []byte
}

// parseDName parses the DER of a Name (the SEQUENCE, tag included).
func parseDName(der []byte) dname {
	d := dname{raw: der}
	s := cryptobyte.String(der)
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !s.Empty() {
		return d
	}
	for !seq.Empty() {
		if len(d.rdns) >= maxRDNs {
			return dname{raw: der}
		}
		var set cryptobyte.String
		if !seq.ReadASN1(&set, cbasn1.SET) {
			return dname{raw: der}
		}
		var attrs []string
		for !set.Empty() {
			if len(attrs) >= maxAttrsPerRDN {
				return dname{raw: der}
			}
			key, ok := parseATV(&set)
			if !ok {
				return dname{raw: der}
			}
			attrs = append(attrs, key)
		}
		if len(attrs) == 0 {
			return dname{raw: der}
		}
		sort.Strings(attrs)
		var b []byte
		for _, a := range attrs {
			b = binary.AppendUvarint(b, uint64(len(a)))
			b = append(b, a...)
		}
		d.rdns = append(d.rdns, string(b))
	}
	d.ok = true
	return d
}

// parseATV reads one AttributeTypeAndValue and returns its canonical key.
func parseATV(s *cryptobyte.String) (string, bool) {
	var atv, oid cryptobyte.String
	var valTag cbasn1.Tag
	var val cryptobyte.String
	if !s.ReadASN1(&atv, cbasn1.SEQUENCE) ||
		!atv.ReadASN1(&oid, cbasn1.OBJECT_IDENTIFIER) ||
		!atv.ReadAnyASN1(&val, &valTag) || !atv.Empty() {
		return "", false
	}
	if len(oid) == 0 || len(val) > maxAttrValueLen {
		return "", false
	}
	var b []byte
	b = binary.AppendUvarint(b, uint64(len(oid)))
	b = append(b, oid...)
	if str, ok := decodeDirectoryString(valTag, val); ok {
		b = append(b, 's')
		b = append(b, normalizeDirectoryString(str)...)
	} else {
		b = append(b, 'r', byte(valTag))
		b = append(b, val...)
	}
	return string(b), true
}

// decodeDirectoryString decodes the string types a DirectoryString or an
// IA5String attribute may use.
func decodeDirectoryString(tag cbasn1.Tag, v []byte) (string, bool) {
	switch tag {
	case cbasn1.PrintableString, cbasn1.IA5String, cbasn1.UTF8String, cbasn1.Tag(26): // 26: VisibleString
		if !utf8.Valid(v) {
			return "", false
		}
		return string(v), true
	case cbasn1.T61String: // TeletexString, read as Latin-1 like most decoders
		r := make([]rune, len(v))
		for i, c := range v {
			r[i] = rune(c)
		}
		return string(r), true
	case cbasn1.Tag(30): // BMPString: UTF-16 big endian
		if len(v)%2 != 0 {
			return "", false
		}
		u := make([]uint16, len(v)/2)
		for i := range u {
			u[i] = uint16(v[2*i])<<8 | uint16(v[2*i+1])
		}
		return string(utf16.Decode(u)), true
	case cbasn1.Tag(28): // UniversalString: UTF-32 big endian
		if len(v)%4 != 0 {
			return "", false
		}
		r := make([]rune, len(v)/4)
		for i := range r {
			r[i] = rune(binary.BigEndian.Uint32(v[4*i:]))
		}
		return string(r), true
	}
	return "", false
}

func normalizeDirectoryString(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// empty reports whether the name has no RDN.
func (d dname) empty() bool {
	if d.ok {
		return len(d.rdns) == 0
	}
	// An unparsable name that is an empty SEQUENCE cannot happen (that
	// parses); anything else is not empty.
	return len(d.raw) == 0
}

// equal reports whether two names are the same name.
func (d dname) equal(o dname) bool {
	if bytes.Equal(d.raw, o.raw) {
		return true
	}
	if !d.ok || !o.ok || len(d.rdns) != len(o.rdns) {
		return false
	}
	for i := range d.rdns {
		if d.rdns[i] != o.rdns[i] {
			return false
		}
	}
	return true
}

// hasPrefix reports whether p's RDNs are the first RDNs of d (the
// directoryName constraint test, RFC 5280 Section 4.2.1.10).
func (d dname) hasPrefix(p dname) bool {
	if !d.ok || !p.ok {
		return bytes.Equal(d.raw, p.raw)
	}
	if len(p.rdns) > len(d.rdns) {
		return false
	}
	for i := range p.rdns {
		if d.rdns[i] != p.rdns[i] {
			return false
		}
	}
	return true
}

// key returns a string that is equal for equal names: the index key for
// issuer lookup.
func (d dname) key() string {
	if !d.ok {
		return "r" + string(d.raw)
	}
	var b []byte
	b = append(b, 'n')
	for _, r := range d.rdns {
		b = binary.AppendUvarint(b, uint64(len(r)))
		b = append(b, r...)
	}
	return string(b)
}

// nameStrings returns the decoded values of the attributes of type oid in
// the Name der, in order; values that are not strings are skipped.
func nameStrings(der []byte, oid asn1.ObjectIdentifier) []string {
	want, err := asn1.Marshal(oid)
	if err != nil {
		return nil
	}
	// want is the full TLV; compare contents only.
	wantBody := cryptobyte.String(want)
	var body cryptobyte.String
	if !wantBody.ReadASN1(&body, cbasn1.OBJECT_IDENTIFIER) {
		return nil
	}
	var out []string
	s := cryptobyte.String(der)
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) {
		return nil
	}
	for n := 0; !seq.Empty() && n < maxRDNs; n++ {
		var set cryptobyte.String
		if !seq.ReadASN1(&set, cbasn1.SET) {
			return out
		}
		for m := 0; !set.Empty() && m < maxAttrsPerRDN; m++ {
			var atv, o, val cryptobyte.String
			var tag cbasn1.Tag
			if !set.ReadASN1(&atv, cbasn1.SEQUENCE) || !atv.ReadASN1(&o, cbasn1.OBJECT_IDENTIFIER) ||
				!atv.ReadAnyASN1(&val, &tag) {
				return out
			}
			if bytes.Equal(o, body) {
				if str, ok := decodeDirectoryString(tag, val); ok {
					out = append(out, str)
				}
			}
		}
	}
	return out
}

var (
	oidCommonName   = asn1.ObjectIdentifier{2, 5, 4, 3}
	oidEmailAddress = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}
)
