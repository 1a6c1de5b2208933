package x509path

import (
	"encoding/asn1"
	"errors"
	"net/netip"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Parsers for the extensions crypto/x509 does not expose, or exposes
// without what path validation needs: general names (all forms, for
// subject alternative names and name constraints), name constraints with
// directory names and the forms crypto/x509 drops, the authority key
// identifier's fields, and the authority information access syntax. Each
// parses completely or fails, and bounds every count.

// Extension OIDs (RFC 5280, Section 4.2).
var (
	oidExtSubjectKeyID     = asn1.ObjectIdentifier{2, 5, 29, 14}
	oidExtKeyUsage         = asn1.ObjectIdentifier{2, 5, 29, 15}
	oidExtSubjectAltName   = asn1.ObjectIdentifier{2, 5, 29, 17}
	oidExtBasicConstraints = asn1.ObjectIdentifier{2, 5, 29, 19}
	oidExtNameConstraints  = asn1.ObjectIdentifier{2, 5, 29, 30}
	oidExtAuthorityKeyID   = asn1.ObjectIdentifier{2, 5, 29, 35}
	oidExtExtKeyUsage      = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidExtAuthorityInfo    = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 1}
)

// Limits on parsed structures.
const (
	maxGeneralNames = 1024 // entries of one GeneralNames
	maxSubtrees     = 1024 // subtrees of one name constraints extension
)

// The GeneralName choices (RFC 5280, Section 4.2.1.6).
const (
	gnOtherName     = 0
	gnRFC822Name    = 1
	gnDNSName       = 2
	gnX400Address   = 3
	gnDirectoryName = 4
	gnEDIPartyName  = 5
	gnURI           = 6
	gnIPAddress     = 7
	gnRegisteredID  = 8
)

// generalName is one GeneralName: its choice and its contents (for a
// directoryName, the DER of the Name inside the explicit tag).
type generalName struct {
	tag  int
	data []byte
}

var errMalformed = errors.New("x509path: malformed extension")

// parseGeneralNames parses a GeneralNames SEQUENCE (tag included).
func parseGeneralNames(der []byte) ([]generalName, error) {
	s := cryptobyte.String(der)
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !s.Empty() {
		return nil, errMalformed
	}
	var out []generalName
	for !seq.Empty() {
		if len(out) >= maxGeneralNames {
			return nil, errMalformed
		}
		gn, err := readGeneralName(&seq)
		if err != nil {
			return nil, err
		}
		out = append(out, gn)
	}
	return out, nil
}

// readGeneralName reads one GeneralName from s.
func readGeneralName(s *cryptobyte.String) (generalName, error) {
	var body cryptobyte.String
	var tag cbasn1.Tag
	if !s.ReadAnyASN1(&body, &tag) {
		return generalName{}, errMalformed
	}
	const ctx = 0x80
	const constructed = 0x20
	if tag&0xc0 != ctx {
		return generalName{}, errMalformed
	}
	n := int(tag & 0x1f)
	isConstructed := tag&constructed != 0
	switch n {
	case gnOtherName, gnX400Address, gnEDIPartyName:
		if !isConstructed {
			return generalName{}, errMalformed
		}
	case gnDirectoryName:
		// Explicitly tagged: the contents are one Name.
		if !isConstructed {
			return generalName{}, errMalformed
		}
		var name cryptobyte.String
		inner := body
		if !inner.ReadASN1Element(&name, cbasn1.SEQUENCE) || !inner.Empty() {
			return generalName{}, errMalformed
		}
		return generalName{tag: n, data: name}, nil
	case gnRFC822Name, gnDNSName, gnURI:
		if isConstructed {
			return generalName{}, errMalformed
		}
		for _, c := range body {
			if c >= 0x80 { // IA5String is ASCII
				return generalName{}, errMalformed
			}
		}
	case gnIPAddress, gnRegisteredID:
		if isConstructed {
			return generalName{}, errMalformed
		}
	default:
		return generalName{}, errMalformed
	}
	return generalName{tag: n, data: body}, nil
}

// subtree is one GeneralSubtree base of a name constraints extension.
type subtree struct {
	generalName
	// For gnIPAddress: the constrained prefix.
	prefix netip.Prefix
	// For gnDirectoryName: the parsed name.
	dn dname
}

// nameConstraints is a parsed name constraints extension.
type nameConstraints struct {
	permitted []subtree
	excluded  []subtree
}

// parseNameConstraints parses the value of a name constraints extension
// (RFC 5280, Section 4.2.1.10). Subtrees with a minimum other than 0 or a
// maximum, which the profile forbids, and iPAddress bases that are not an
// address and a contiguous mask, make it malformed.
func parseNameConstraints(der []byte) (*nameConstraints, error) {
	s := cryptobyte.String(der)
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !s.Empty() {
		return nil, errMalformed
	}
	nc := &nameConstraints{}
	count := 0
	for i, tag := range []cbasn1.Tag{cbasn1.Tag(0).ContextSpecific().Constructed(), cbasn1.Tag(1).ContextSpecific().Constructed()} {
		var trees cryptobyte.String
		var present bool
		if !seq.ReadOptionalASN1(&trees, &present, tag) {
			return nil, errMalformed
		}
		if !present {
			continue
		}
		if trees.Empty() {
			// GeneralSubtrees is SIZE (1..MAX).
			return nil, errMalformed
		}
		for !trees.Empty() {
			count++
			if count > maxSubtrees {
				return nil, errMalformed
			}
			st, err := readSubtree(&trees)
			if err != nil {
				return nil, err
			}
			if i == 0 {
				nc.permitted = append(nc.permitted, st)
			} else {
				nc.excluded = append(nc.excluded, st)
			}
		}
	}
	if !seq.Empty() {
		return nil, errMalformed
	}
	if len(nc.permitted) == 0 && len(nc.excluded) == 0 {
		// "Conforming CAs MUST NOT issue certificates where name constraints
		// is an empty sequence."
		return nil, errMalformed
	}
	return nc, nil
}

func readSubtree(s *cryptobyte.String) (subtree, error) {
	var st cryptobyte.String
	if !s.ReadASN1(&st, cbasn1.SEQUENCE) {
		return subtree{}, errMalformed
	}
	gn, err := readGeneralName(&st)
	if err != nil {
		return subtree{}, err
	}
	if st.PeekASN1Tag(cbasn1.Tag(0).ContextSpecific()) {
		var m cryptobyte.String
		if !st.ReadASN1(&m, cbasn1.Tag(0).ContextSpecific()) {
			return subtree{}, errMalformed
		}
		// BaseDistance is an INTEGER with implicit tagging.
		if len(m) != 1 || m[0] != 0 {
			return subtree{}, errMalformed
		}
	}
	if !st.Empty() {
		// A maximum, or trailing data.
		return subtree{}, errMalformed
	}
	t := subtree{generalName: gn}
	switch gn.tag {
	case gnIPAddress:
		p, ok := ipConstraintPrefix(gn.data)
		if !ok {
			return subtree{}, errMalformed
		}
		t.prefix = p
	case gnDirectoryName:
		t.dn = parseDName(gn.data)
		if !t.dn.ok {
			return subtree{}, errMalformed
		}
	}
	return t, nil
}

// ipConstraintPrefix turns an iPAddress constraint (an address followed by
// a mask of the same length) into a prefix; the mask must be contiguous.
func ipConstraintPrefix(b []byte) (netip.Prefix, bool) {
	if len(b) != 8 && len(b) != 32 {
		return netip.Prefix{}, false
	}
	n := len(b) / 2
	addrBytes, mask := b[:n], b[n:]
	bits := 0
	seenZero := false
	for _, m := range mask {
		for i := 7; i >= 0; i-- {
			if m&(1<<i) != 0 {
				if seenZero {
					return netip.Prefix{}, false
				}
				bits++
			} else {
				seenZero = true
			}
		}
	}
	addr, ok := netip.AddrFromSlice(addrBytes)
	if !ok {
		return netip.Prefix{}, false
	}
	p, err := addr.Prefix(bits)
	if err != nil {
		return netip.Prefix{}, false
	}
	return p, true
}

// authorityKeyID is a parsed authority key identifier extension.
type authorityKeyID struct {
	keyID        []byte
	hasKeyID     bool
	hasIssuer    bool
	hasSerial    bool
	issuerNames  []generalName
	serialNumber []byte
}

// parseAuthorityKeyID parses the value of an authority key identifier
// extension (RFC 5280, Section 4.2.1.1).
func parseAuthorityKeyID(der []byte) (*authorityKeyID, error) {
	s := cryptobyte.String(der)
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !s.Empty() {
		return nil, errMalformed
	}
	a := &authorityKeyID{}
	var kid cryptobyte.String
	if !seq.ReadOptionalASN1(&kid, &a.hasKeyID, cbasn1.Tag(0).ContextSpecific()) {
		return nil, errMalformed
	}
	a.keyID = kid
	var issuer cryptobyte.String
	if !seq.ReadOptionalASN1(&issuer, &a.hasIssuer, cbasn1.Tag(1).ContextSpecific().Constructed()) {
		return nil, errMalformed
	}
	if a.hasIssuer {
		// The implicit tag replaces the SEQUENCE tag of GeneralNames.
		inner := issuer
		for !inner.Empty() {
			if len(a.issuerNames) >= maxGeneralNames {
				return nil, errMalformed
			}
			gn, err := readGeneralName(&inner)
			if err != nil {
				return nil, err
			}
			a.issuerNames = append(a.issuerNames, gn)
		}
		if len(a.issuerNames) == 0 {
			return nil, errMalformed
		}
	}
	var serial cryptobyte.String
	if !seq.ReadOptionalASN1(&serial, &a.hasSerial, cbasn1.Tag(2).ContextSpecific()) {
		return nil, errMalformed
	}
	if a.hasSerial && len(serial) == 0 {
		return nil, errMalformed
	}
	a.serialNumber = serial
	if !seq.Empty() {
		return nil, errMalformed
	}
	// "authorityCertIssuer and authorityCertSerialNumber MUST both be
	// present or both be absent" (X.509).
	if a.hasIssuer != a.hasSerial {
		return nil, errMalformed
	}
	return a, nil
}

// parseAuthorityInfoAccess checks the syntax of an authority information
// access extension value: a non-empty SEQUENCE of AccessDescription
// (RFC 5280, Section 4.2.2.1).
func parseAuthorityInfoAccess(der []byte) error {
	s := cryptobyte.String(der)
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !s.Empty() || seq.Empty() {
		return errMalformed
	}
	for n := 0; !seq.Empty(); n++ {
		if n >= maxGeneralNames {
			return errMalformed
		}
		var ad cryptobyte.String
		var method asn1.ObjectIdentifier
		if !seq.ReadASN1(&ad, cbasn1.SEQUENCE) || !ad.ReadASN1ObjectIdentifier(&method) {
			return errMalformed
		}
		if _, err := readGeneralName(&ad); err != nil || !ad.Empty() {
			return errMalformed
		}
	}
	return nil
}
