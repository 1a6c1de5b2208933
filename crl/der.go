package crl

import (
	"errors"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// maxGeneralNames bounds the number of names in one GeneralNames value;
// far more than any real certificate or CRL carries.
const maxGeneralNames = 1024

// GeneralName forms (RFC 5280, Section 4.2.1.6): context-specific tags.
var (
	tagGNDirectoryName = cbasn1.Tag(4).ContextSpecific().Constructed()
	tagGNURI           = cbasn1.Tag(6).ContextSpecific()
)

// generalNames is a GeneralNames value sorted into the forms the package
// works with.
type generalNames struct {
	uris     []string
	dirNames [][]byte
	others   [][]byte
}

func (g generalNames) empty() bool {
	return len(g.uris) == 0 && len(g.dirNames) == 0 && len(g.others) == 0
}

// parseGeneralNames parses the contents of a GeneralNames SEQUENCE (or of
// an implicitly tagged one): every element is a context-specific
// GeneralName.
func parseGeneralNames(s cryptobyte.String) (generalNames, error) {
	var g generalNames
	for n := 0; !s.Empty(); n++ {
		if n == maxGeneralNames {
			return generalNames{}, errors.New("crl: too many general names")
		}
		var elem cryptobyte.String
		var tag cbasn1.Tag
		if !s.ReadAnyASN1Element(&elem, &tag) {
			return generalNames{}, errors.New("crl: malformed general name")
		}
		if tag&0xc0 != 0x80 || tag&0x1f > 8 {
			return generalNames{}, errors.New("crl: malformed general name")
		}
		content := elem
		if !content.ReadASN1(&content, tag) {
			return generalNames{}, errors.New("crl: malformed general name")
		}
		switch tag {
		case tagGNURI:
			g.uris = append(g.uris, string(content))
		case tagGNDirectoryName:
			// directoryName is explicitly tagged: the Name SEQUENCE is
			// inside.
			var name cryptobyte.String
			if !content.ReadASN1Element(&name, cbasn1.SEQUENCE) || !content.Empty() {
				return generalNames{}, errors.New("crl: malformed directoryName")
			}
			g.dirNames = append(g.dirNames, clone(name))
		default:
			g.others = append(g.others, clone(elem))
		}
	}
	return g, nil
}

// distributionPointName is a parsed DistributionPointName CHOICE.
type distributionPointName struct {
	full     generalNames
	relative []byte // DER RelativeDistinguishedName (a SET)
}

// parseDistributionPointName parses the contents of the explicit [0]
// wrapper of a distribution point name: exactly one of fullName [0]
// GeneralNames or nameRelativeToCRLIssuer [1] RelativeDistinguishedName.
func parseDistributionPointName(s cryptobyte.String) (distributionPointName, error) {
	var dpn distributionPointName
	var body cryptobyte.String
	var tag cbasn1.Tag
	if !s.ReadAnyASN1(&body, &tag) || !s.Empty() {
		return dpn, errors.New("crl: malformed distribution point name")
	}
	switch tag {
	case cbasn1.Tag(0).ContextSpecific().Constructed():
		full, err := parseGeneralNames(body)
		if err != nil {
			return dpn, err
		}
		dpn.full = full
	case cbasn1.Tag(1).ContextSpecific().Constructed():
		// Check that it holds attribute type and value pairs, then keep
		// it as a DER SET.
		check := body
		for !check.Empty() {
			var atv, oid cryptobyte.String
			var value cryptobyte.String
			var vtag cbasn1.Tag
			if !check.ReadASN1(&atv, cbasn1.SEQUENCE) ||
				!atv.ReadASN1(&oid, cbasn1.OBJECT_IDENTIFIER) ||
				!atv.ReadAnyASN1Element(&value, &vtag) || !atv.Empty() {
				return dpn, errors.New("crl: malformed nameRelativeToCRLIssuer")
			}
		}
		dpn.relative = appendTLV(nil, byte(cbasn1.SET), body)
	default:
		return dpn, errors.New("crl: malformed distribution point name")
	}
	return dpn, nil
}

// parseReasonFlags decodes the contents of a ReasonFlags BIT STRING
// (RFC 5280, Section 4.2.1.13) into ReasonFlags. The BIT STRING numbers
// the reasons differently from CRLReason: bit 0 is "unused", bits 1 to 6
// are the reasons of the same number, bit 7 is privilegeWithdrawn (reason
// 9) and bit 8 aACompromise (reason 10). Bit 0 maps to Unspecified and
// bits above 8 are ignored.
func parseReasonFlags(content []byte) (ReasonFlags, error) {
	if len(content) == 0 || content[0] > 7 || len(content) == 1 && content[0] != 0 {
		return 0, errors.New("crl: malformed reason flags")
	}
	pad := int(content[0])
	bits := content[1:]
	nbits := len(bits)*8 - pad
	var f ReasonFlags
	for i := 0; i < nbits && i <= 8; i++ {
		if bits[i/8]&(0x80>>(i%8)) == 0 {
			continue
		}
		switch {
		case i <= 6:
			f |= 1 << i
		case i == 7:
			f |= 1 << PrivilegeWithdrawn
		case i == 8:
			f |= 1 << AACompromise
		}
	}
	return f, nil
}

// readOptionalImplicitBool reads an optional implicitly tagged BOOLEAN;
// absent means false. Only the DER values 0x00 and 0xff are accepted.
func readOptionalImplicitBool(s *cryptobyte.String, tag cbasn1.Tag, out *bool) bool {
	if !s.PeekASN1Tag(tag) {
		*out = false
		return true
	}
	var v cryptobyte.String
	if !s.ReadASN1(&v, tag) || len(v) != 1 || v[0] != 0 && v[0] != 0xff {
		return false
	}
	*out = v[0] == 0xff
	return true
}

func clone(b []byte) []byte {
	return append([]byte(nil), b...)
}
