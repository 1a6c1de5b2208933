package crl

import (
	"bytes"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"sort"
	"unicode/utf8"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// maxNameSize bounds the DER names the package canonicalizes; OpenSSL
// refuses names above the same size.
const maxNameSize = 1 << 20

var (
	errMalformedName = errors.New("crl: malformed distinguished name")
	errNameTooLarge  = errors.New("crl: distinguished name larger than 1 MiB")
)

// SubjectNameHash returns OpenSSL's hash of a DER-encoded X.509 Name, the
// value `openssl x509 -subject_hash` prints for a certificate's subject,
// `openssl crl -hash` for a CRL's issuer, and c_rehash uses to name files
// in a hash directory (X509_NAME_hash_ex): the first four bytes, read
// little-endian, of the SHA-1 digest of the name's canonical encoding.
//
// The canonical encoding is OpenSSL's: every attribute value of a
// directory string type (UTF8String, PrintableString, T61String taken as
// Latin-1, IA5String, BMPString, UniversalString) is converted to UTF-8,
// ASCII whitespace is trimmed at both ends and collapsed to one space
// inside, ASCII letters are lowercased, and the value is re-encoded as a
// UTF8String; values of other types are kept as they are. Each
// relative distinguished name becomes a DER SET (its attributes sorted by
// encoding) and the SETs are concatenated without the outer SEQUENCE.
//
// It returns an error for input that is not one DER Name, for a name
// larger than 1 MiB, and for names OpenSSL itself refuses to decode: an
// attribute value of a type a Name may not hold (for example BOOLEAN,
// INTEGER, OCTET STRING, VisibleString), invalid UTF-8, an odd-length
// BMPString, a UniversalString whose length is not a multiple of four, a
// surrogate or a code point above U+10FFFF. Unlike OpenSSL it also refuses
// BER constructed string encodings, which DER does not allow.
func SubjectNameHash(rawName []byte) (uint32, error) {
	canon, err := canonicalName(rawName)
	if err != nil {
		return 0, err
	}
	sum := sha1.Sum(canon)
	return binary.LittleEndian.Uint32(sum[:4]), nil
}

// namesEqual reports whether two DER Names are the same name: equal
// canonical encodings (see SubjectNameHash), or, when either cannot be
// canonicalized, equal bytes.
func namesEqual(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	ca, err := canonicalName(a)
	if err != nil {
		return false
	}
	cb, err := canonicalName(b)
	if err != nil {
		return false
	}
	return bytes.Equal(ca, cb)
}

// nameKey returns a map key under which equal names (namesEqual) meet:
// the canonical encoding, or the raw bytes behind a distinct prefix when
// the name cannot be canonicalized.
func nameKey(raw []byte) string {
	canon, err := canonicalName(raw)
	if err != nil {
		return "raw:" + string(raw)
	}
	return "canon:" + string(canon)
}

// canonicalName returns OpenSSL's canonical encoding of the DER Name raw
// (x509_name_canon): the concatenation of one DER SET per non-empty
// relative distinguished name, each holding its canonicalized attributes
// in DER order. An empty name has an empty encoding.
func canonicalName(raw []byte) ([]byte, error) {
	if len(raw) > maxNameSize {
		return nil, errNameTooLarge
	}
	in := cryptobyte.String(raw)
	var rdns cryptobyte.String
	if !in.ReadASN1(&rdns, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, errMalformedName
	}
	out := []byte{}
	for !rdns.Empty() {
		var set cryptobyte.String
		if !rdns.ReadASN1(&set, cbasn1.SET) {
			return nil, errMalformedName
		}
		var atvs [][]byte
		for !set.Empty() {
			atv, err := canonicalATV(&set)
			if err != nil {
				return nil, err
			}
			atvs = append(atvs, atv)
		}
		if len(atvs) == 0 {
			// OpenSSL keeps no trace of an empty relative
			// distinguished name.
			continue
		}
		sort.Slice(atvs, func(i, j int) bool { return bytes.Compare(atvs[i], atvs[j]) < 0 })
		out = appendTLV(out, byte(cbasn1.SET), bytes.Join(atvs, nil))
	}
	return out, nil
}

// canonicalATV reads one AttributeTypeAndValue from s and returns its
// canonical DER encoding.
func canonicalATV(s *cryptobyte.String) ([]byte, error) {
	var atv, oid, value cryptobyte.String
	var tag cbasn1.Tag
	if !s.ReadASN1(&atv, cbasn1.SEQUENCE) ||
		!atv.ReadASN1(&oid, cbasn1.OBJECT_IDENTIFIER) ||
		!validOID(oid) ||
		!atv.ReadAnyASN1Element(&value, &tag) ||
		!atv.Empty() {
		return nil, errMalformedName
	}
	canon, err := canonicalValue(value, tag)
	if err != nil {
		return nil, err
	}
	body := appendTLV(nil, byte(cbasn1.OBJECT_IDENTIFIER), oid)
	body = append(body, canon...)
	return appendTLV(nil, byte(cbasn1.SEQUENCE), body), nil
}

// validOID reports whether an OBJECT IDENTIFIER's contents are well formed
// as OpenSSL requires: not empty, no sub-identifier padded with a leading
// 0x80 byte, and the last byte ends a sub-identifier.
func validOID(oid []byte) bool {
	if len(oid) == 0 || oid[len(oid)-1]&0x80 != 0 {
		return false
	}
	for i, c := range oid {
		if c == 0x80 && (i == 0 || oid[i-1]&0x80 == 0) {
			return false
		}
	}
	return true
}

// Universal tag numbers of the attribute value types a Name may hold in
// OpenSSL (the ASN1_PRINTABLE set).
const (
	tagBitString       = 3
	tagUTF8String      = 12
	tagSequence        = 16
	tagNumericString   = 18
	tagPrintableString = 19
	tagT61String       = 20
	tagIA5String       = 22
	tagUniversalString = 28
	tagBMPString       = 30
)

// canonicalValue returns the canonical encoding of an attribute value,
// given as a whole DER element with its tag.
func canonicalValue(elem cryptobyte.String, tag cbasn1.Tag) ([]byte, error) {
	if tag&0xc0 != 0 {
		// Only universal types are accepted.
		return nil, errMalformedName
	}
	constructed := tag&0x20 != 0
	number := uint8(tag & 0x1f)
	content := elem
	if !content.ReadASN1(&content, tag) {
		return nil, errMalformedName
	}
	if number == tagSequence {
		if !constructed {
			return nil, errMalformedName
		}
		// OpenSSL keeps a SEQUENCE value in its encoded form.
		return elem, nil
	}
	if constructed {
		return nil, errMalformedName
	}
	var runes []rune
	switch number {
	case tagUTF8String:
		if !utf8.Valid(content) {
			return nil, errMalformedName
		}
		return canonicalString(content), nil
	case tagPrintableString, tagT61String, tagIA5String:
		// One byte per character; bytes above 0x7f are Latin-1.
		runes = make([]rune, len(content))
		for i, c := range content {
			runes[i] = rune(c)
		}
	case tagBMPString:
		if len(content)%2 != 0 {
			return nil, errMalformedName
		}
		runes = make([]rune, 0, len(content)/2)
		for i := 0; i < len(content); i += 2 {
			runes = append(runes, rune(content[i])<<8|rune(content[i+1]))
		}
	case tagUniversalString:
		if len(content)%4 != 0 {
			return nil, errMalformedName
		}
		runes = make([]rune, 0, len(content)/4)
		for i := 0; i < len(content); i += 4 {
			runes = append(runes, rune(binary.BigEndian.Uint32(content[i:i+4])))
		}
	case tagBitString:
		if len(content) == 0 || content[0] > 7 || len(content) == 1 && content[0] != 0 {
			return nil, errMalformedName
		}
		if pad := content[0]; pad > 0 && content[len(content)-1]&(1<<pad-1) != 0 {
			return nil, errMalformedName
		}
		return elem, nil
	case tagNumericString, 7, 8, 9, 11, 13, 14, 15, 29:
		// Accepted by OpenSSL and hashed as they are.
		return elem, nil
	default:
		return nil, errMalformedName
	}
	buf := make([]byte, 0, len(runes))
	for _, r := range runes {
		if !utf8.ValidRune(r) {
			// A surrogate or a code point above U+10FFFF.
			return nil, errMalformedName
		}
		buf = utf8.AppendRune(buf, r)
	}
	return canonicalString(buf), nil
}

// isSpace reports whether c is ASCII whitespace as OpenSSL's
// ossl_isspace counts it.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// canonicalString trims, collapses and lowercases a UTF-8 string as
// OpenSSL's asn1_string_canon does and returns it encoded as a DER
// UTF8String.
func canonicalString(s []byte) []byte {
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case isSpace(c):
			out = append(out, ' ')
			for i < len(s) && isSpace(s[i]) {
				i++
			}
		case 'A' <= c && c <= 'Z':
			out = append(out, c+'a'-'A')
			i++
		default:
			out = append(out, c)
			i++
		}
	}
	return appendTLV(nil, byte(cbasn1.UTF8String), out)
}

// appendTLV appends a DER element with a one-byte tag, the definite
// length in its shortest form, and content.
func appendTLV(dst []byte, tag byte, content []byte) []byte {
	dst = append(dst, tag)
	n := len(content)
	switch {
	case n < 0x80:
		dst = append(dst, byte(n))
	case n <= 0xff:
		dst = append(dst, 0x81, byte(n))
	case n <= 0xffff:
		dst = append(dst, 0x82, byte(n>>8), byte(n))
	case n <= 0xffffff:
		dst = append(dst, 0x83, byte(n>>16), byte(n>>8), byte(n))
	default:
		dst = append(dst, 0x84, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(dst, content...)
}
