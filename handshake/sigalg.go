package handshake

import (
	"crypto"
	"crypto/dsa" //nolint:staticcheck // DSA certificates of old peers are verified with it
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/record"
)

// SignatureScheme is a TLS signature algorithm as it travels in the
// signature_algorithms extension, in CertificateRequest and in signed
// handshake messages: a SignatureScheme of TLS 1.3 (RFC 8446, Section
// 4.2.3) or, in TLS 1.2, a SignatureAndHashAlgorithm pair (RFC 5246,
// Section 7.4.1.4.1) read as one 16-bit value, the hash in the high byte
// and the signature algorithm in the low byte. The two share one code
// space: 0x0401 is rsa_pkcs1_sha256 in TLS 1.3 and {sha256, rsa} in TLS
// 1.2. One difference of meaning matters: in TLS 1.2 the ECDSA values
// (0x0403, 0x0503, 0x0603) name only the hash and allow any curve, while in
// TLS 1.3 they also fix the curve.
//
// Versions before TLS 1.2 have no negotiable algorithm: the key type fixes
// it (RSA signs MD5 || SHA-1 without a DigestInfo, DSA and ECDSA sign
// SHA-1). The functions of this file take the version and use that fixed
// algorithm below TLS 1.2, where the scheme argument is ignored; see
// LegacySignatureHash.
type SignatureScheme uint16

// Signature schemes. The names follow the IANA registry; String gives the
// Erlang form.
const (
	// RSASSA-PKCS1-v1_5. In TLS 1.3 only for certificates, never for
	// CertificateVerify.
	RSAPKCS1SHA1   SignatureScheme = 0x0201
	RSAPKCS1SHA224 SignatureScheme = 0x0301 // TLS 1.2 {sha224, rsa}
	RSAPKCS1SHA256 SignatureScheme = 0x0401
	RSAPKCS1SHA384 SignatureScheme = 0x0501
	RSAPKCS1SHA512 SignatureScheme = 0x0601

	// DSA, TLS 1.2 only (RFC 5246 pairs {Hash, dsa}).
	DSASHA1   SignatureScheme = 0x0202
	DSASHA224 SignatureScheme = 0x0302
	DSASHA256 SignatureScheme = 0x0402

	// ECDSA. The SHA-1 and SHA-224 ones are TLS 1.2 pairs; the others are
	// curve-bound in TLS 1.3 and hash-only pairs in TLS 1.2.
	ECDSASHA1            SignatureScheme = 0x0203
	ECDSASHA224          SignatureScheme = 0x0303 // TLS 1.2 {sha224, ecdsa}
	ECDSASecp256r1SHA256 SignatureScheme = 0x0403
	ECDSASecp384r1SHA384 SignatureScheme = 0x0503
	ECDSASecp521r1SHA512 SignatureScheme = 0x0603

	// RSASSA-PSS with MGF1 and a salt as long as the hash, for keys of
	// type rsaEncryption (TLS 1.2 and 1.3).
	RSAPSSRSAESHA256 SignatureScheme = 0x0804
	RSAPSSRSAESHA384 SignatureScheme = 0x0805
	RSAPSSRSAESHA512 SignatureScheme = 0x0806

	// EdDSA (RFC 8422 for TLS 1.2, RFC 8446 for TLS 1.3).
	Ed25519 SignatureScheme = 0x0807
	Ed448   SignatureScheme = 0x0808 // known, not supported

	// RSASSA-PSS for keys of type RSASSA-PSS. Known, not supported: Go's
	// crypto/x509 does not parse such keys, so there is never a key to use
	// them with.
	RSAPSSPSSSHA256 SignatureScheme = 0x0809
	RSAPSSPSSSHA384 SignatureScheme = 0x080a
	RSAPSSPSSSHA512 SignatureScheme = 0x080b
)

// sigKind is the signature algorithm family of a scheme.
type sigKind uint8

const (
	sigUnknown sigKind = iota
	sigPKCS1
	sigPSS    // rsa_pss_rsae
	sigPSSPSS // rsa_pss_pss (unsupported)
	sigECDSA
	sigEd25519
	sigEd448 // unsupported
	sigDSA
)

type schemeInfo struct {
	atom  string      // Erlang atom, empty when Erlang prints a tuple
	hash  crypto.Hash // 0 for EdDSA
	kind  sigKind
	curve elliptic.Curve // the TLS 1.3 curve of an ECDSA scheme, nil for TLS 1.2-only ones
	// tls13 is true for schemes usable in TLS 1.3 handshake signatures.
	tls13 bool
}

var schemeTable = map[SignatureScheme]schemeInfo{
	RSAPKCS1SHA1:         {"rsa_pkcs1_sha1", crypto.SHA1, sigPKCS1, nil, false},
	RSAPKCS1SHA224:       {"", crypto.SHA224, sigPKCS1, nil, false},
	RSAPKCS1SHA256:       {"rsa_pkcs1_sha256", crypto.SHA256, sigPKCS1, nil, false},
	RSAPKCS1SHA384:       {"rsa_pkcs1_sha384", crypto.SHA384, sigPKCS1, nil, false},
	RSAPKCS1SHA512:       {"rsa_pkcs1_sha512", crypto.SHA512, sigPKCS1, nil, false},
	DSASHA1:              {"", crypto.SHA1, sigDSA, nil, false},
	DSASHA224:            {"", crypto.SHA224, sigDSA, nil, false},
	DSASHA256:            {"", crypto.SHA256, sigDSA, nil, false},
	ECDSASHA1:            {"ecdsa_sha1", crypto.SHA1, sigECDSA, nil, false},
	ECDSASHA224:          {"", crypto.SHA224, sigECDSA, nil, false},
	ECDSASecp256r1SHA256: {"ecdsa_secp256r1_sha256", crypto.SHA256, sigECDSA, elliptic.P256(), true},
	ECDSASecp384r1SHA384: {"ecdsa_secp384r1_sha384", crypto.SHA384, sigECDSA, elliptic.P384(), true},
	ECDSASecp521r1SHA512: {"ecdsa_secp521r1_sha512", crypto.SHA512, sigECDSA, elliptic.P521(), true},
	RSAPSSRSAESHA256:     {"rsa_pss_rsae_sha256", crypto.SHA256, sigPSS, nil, true},
	RSAPSSRSAESHA384:     {"rsa_pss_rsae_sha384", crypto.SHA384, sigPSS, nil, true},
	RSAPSSRSAESHA512:     {"rsa_pss_rsae_sha512", crypto.SHA512, sigPSS, nil, true},
	Ed25519:              {"eddsa_ed25519", 0, sigEd25519, nil, true},
	Ed448:                {"eddsa_ed448", 0, sigEd448, nil, true},
	RSAPSSPSSSHA256:      {"rsa_pss_pss_sha256", crypto.SHA256, sigPSSPSS, nil, true},
	RSAPSSPSSSHA384:      {"rsa_pss_pss_sha384", crypto.SHA384, sigPSSPSS, nil, true},
	RSAPSSPSSSHA512:      {"rsa_pss_pss_sha512", crypto.SHA512, sigPSSPSS, nil, true},
}

// Erlang's names of the TLS 1.2 HashAlgorithm and SignatureAlgorithm
// values (RFC 5246, Section 7.4.1.4.1).
var (
	erlHashNames = map[uint8]string{1: "md5", 2: "sha", 3: "sha224", 4: "sha256", 5: "sha384", 6: "sha512"}
	erlSignNames = map[uint8]string{1: "rsa", 2: "dsa", 3: "ecdsa"}
)

// String returns the scheme as Erlang's ssl prints it: the atom of a
// scheme that has a name ("rsa_pss_rsae_sha256", "ecdsa_secp256r1_sha256",
// "eddsa_ed25519", "rsa_pkcs1_sha1", "ecdsa_sha1"), the {Hash, Sign} tuple
// of a TLS 1.2 pair that has none ("{sha256,dsa}", "{sha224,rsa}",
// "{md5,rsa}"), and the hexadecimal value of anything else ("0x0a0a").
func (s SignatureScheme) String() string {
	if info, ok := schemeTable[s]; ok && info.atom != "" {
		return info.atom
	}
	if t, ok := s.erlangTuple(); ok {
		return t
	}
	return fmt.Sprintf("0x%04x", uint16(s))
}

// erlangTuple returns the {Hash, Sign} form of a TLS 1.2 pair.
func (s SignatureScheme) erlangTuple() (string, bool) {
	h, okh := erlHashNames[uint8(s>>8)]
	g, okg := erlSignNames[uint8(s)]
	if !okh || !okg {
		return "", false
	}
	return "{" + h + "," + g + "}", true
}

// Hash returns the hash function the scheme signs with: zero for EdDSA,
// which signs the message itself, and for unknown schemes.
func (s SignatureScheme) Hash() crypto.Hash {
	return schemeTable[s].hash
}

// Supported reports whether this library can sign and verify with the
// scheme in some version. Ed448 and the rsa_pss_pss schemes are known but
// not supported, and so is {md5, rsa}.
func (s SignatureScheme) Supported() bool {
	info, ok := schemeTable[s]
	return ok && info.kind != sigEd448 && info.kind != sigPSSPSS
}

// allowedIn reports whether the scheme may sign handshake messages in
// version v (TLS 1.2 or 1.3; older versions use the fixed algorithms).
func (s SignatureScheme) allowedIn(v cipher.Version) bool {
	info, ok := schemeTable[s]
	if !ok || !s.Supported() {
		return false
	}
	if v >= cipher.VersionTLS13 {
		return info.tls13
	}
	return v == cipher.VersionTLS12
}

// defaultSignatureSchemes is the default preference list, strongest hash
// first within each family and the families in the order Erlang's ssl
// lists them: EdDSA, ECDSA, RSA-PSS, then RSASSA-PKCS1-v1_5. SHA-1,
// SHA-224 and DSA are left out, as OTP 26 and later leave them out; they
// can still be configured.
var defaultSignatureSchemes = []SignatureScheme{
	Ed25519,
	ECDSASecp521r1SHA512, ECDSASecp384r1SHA384, ECDSASecp256r1SHA256,
	RSAPSSRSAESHA512, RSAPSSRSAESHA384, RSAPSSRSAESHA256,
	RSAPKCS1SHA512, RSAPKCS1SHA384, RSAPKCS1SHA256,
}

// DefaultSignatureSchemes returns the default of Erlang's signature_algs
// option, in preference order (a new slice each call):
//
//	eddsa_ed25519,
//	ecdsa_secp521r1_sha512, ecdsa_secp384r1_sha384, ecdsa_secp256r1_sha256,
//	rsa_pss_rsae_sha512, rsa_pss_rsae_sha384, rsa_pss_rsae_sha256,
//	rsa_pkcs1_sha512, rsa_pkcs1_sha384, rsa_pkcs1_sha256
//
// The same list serves TLS 1.2 and 1.3: in TLS 1.3 the rsa_pkcs1 entries
// only speak of certificate signatures, and in TLS 1.2 the ECDSA entries
// allow any curve. SHA-1, SHA-224 and DSA are not in it (as in OTP 26 and
// later) but may be configured for old peers.
func DefaultSignatureSchemes() []SignatureScheme {
	return append([]SignatureScheme(nil), defaultSignatureSchemes...)
}

// MaxSignatureSchemes bounds the number of schemes UnmarshalSignatureSchemes
// accepts in one list. The wire format allows 32767; no implementation
// sends more than a few dozen.
const MaxSignatureSchemes = 1024

// UnmarshalSignatureSchemes parses a supported_signature_algorithms vector
// as it appears in the signature_algorithms and signature_algorithms_cert
// extensions and in CertificateRequest (RFC 5246, Section 7.4.1.4.1; RFC
// 8446, Section 4.2.3): a two-byte length, then two bytes per scheme,
// at least one. The input must be exactly the vector. Unknown values are
// kept (the peer may know schemes we do not; selection skips them).
// Malformed input is a decode_error alert.
func UnmarshalSignatureSchemes(b []byte) ([]SignatureScheme, error) {
	s := cryptobyte.String(b)
	var list cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&list) || !s.Empty() {
		return nil, kxAlert(record.DecodeError, "malformed signature algorithm list")
	}
	if len(list) == 0 || len(list)%2 != 0 {
		return nil, kxAlert(record.DecodeError, "signature algorithm list of odd or zero length")
	}
	if len(list)/2 > MaxSignatureSchemes {
		return nil, kxAlert(record.DecodeError, "signature algorithm list too long")
	}
	out := make([]SignatureScheme, 0, len(list)/2)
	for !list.Empty() {
		var v uint16
		list.ReadUint16(&v) // cannot fail: the length is even
		out = append(out, SignatureScheme(v))
	}
	return out, nil
}

// AppendSignatureSchemes appends the wire form of list (a two-byte length
// and the values) to b. The list must not be empty and must have fewer than
// 32768 entries.
func AppendSignatureSchemes(b []byte, list []SignatureScheme) ([]byte, error) {
	if len(list) == 0 || len(list) > 0x7fff {
		return b, errors.New("handshake: signature algorithm list empty or too long")
	}
	n := 2 * len(list)
	b = append(b, byte(n>>8), byte(n))
	for _, s := range list {
		b = append(b, byte(s>>8), byte(s))
	}
	return b, nil
}

// ParseSignatureScheme parses one scheme in any of the forms Erlang's
// signature_algs option takes: a TLS 1.3 atom ("rsa_pss_rsae_sha256",
// "ecdsa_secp384r1_sha384", "eddsa_ed25519", "rsa_pkcs1_sha1",
// "ecdsa_sha1"; "ed25519" is taken for "eddsa_ed25519"), or a {Hash, Sign}
// tuple with Hash one of sha, sha224, sha256, sha384, sha512 and Sign one
// of rsa, dsa, ecdsa, rsa_pss_rsae, rsa_pss_pss ("{sha256, rsa}"). Atoms are
// matched without regard to case. {md5, rsa} and schemes this library
// cannot use (Ed448, rsa_pss_pss) are refused with an error naming them.
func ParseSignatureScheme(text string) (SignatureScheme, error) {
	t := strings.TrimSpace(text)
	if strings.HasPrefix(t, "{") {
		return parseSchemeTuple(t)
	}
	name := strings.ToLower(t)
	if name == "ed25519" {
		return Ed25519, nil
	}
	for s, info := range schemeTable {
		if info.atom != "" && info.atom == name {
			if !s.Supported() {
				return 0, fmt.Errorf("handshake: signature algorithm %s is not supported", name)
			}
			return s, nil
		}
	}
	return 0, fmt.Errorf("handshake: unknown signature algorithm %q", shortText(t))
}

func parseSchemeTuple(t string) (SignatureScheme, error) {
	if !strings.HasSuffix(t, "}") {
		return 0, fmt.Errorf("handshake: malformed signature algorithm %q", shortText(t))
	}
	parts := strings.Split(t[1:len(t)-1], ",")
	if len(parts) != 2 {
		return 0, fmt.Errorf("handshake: malformed signature algorithm %q", shortText(t))
	}
	h := strings.ToLower(strings.TrimSpace(parts[0]))
	g := strings.ToLower(strings.TrimSpace(parts[1]))
	hashes := map[string]uint8{"sha": 2, "sha224": 3, "sha256": 4, "sha384": 5, "sha512": 6}
	hv, ok := hashes[h]
	if !ok {
		return 0, fmt.Errorf("handshake: unsupported hash %q in signature algorithm", shortText(h))
	}
	switch g {
	case "rsa":
		return SignatureScheme(uint16(hv)<<8 | 1), nil
	case "dsa":
		if hv > 4 {
			return 0, fmt.Errorf("handshake: signature algorithm {%s,dsa} is not supported", h)
		}
		return SignatureScheme(uint16(hv)<<8 | 2), nil
	case "ecdsa":
		return SignatureScheme(uint16(hv)<<8 | 3), nil
	case "rsa_pss_rsae", "rsa_pss_pss":
		base := RSAPSSRSAESHA256
		if g == "rsa_pss_pss" {
			return 0, fmt.Errorf("handshake: signature algorithm {%s,%s} is not supported", h, g)
		}
		if hv < 4 {
			return 0, fmt.Errorf("handshake: signature algorithm {%s,%s} does not exist", h, g)
		}
		return base + SignatureScheme(hv-4), nil
	}
	return 0, fmt.Errorf("handshake: unknown signature algorithm %q", shortText(g))
}

// ParseSignatureAlgs parses the value of Erlang's signature_algs option
// written as text: an Erlang list of schemes, with or without the
// brackets, "[{sha256, rsa}, rsa_pss_rsae_sha256, {sha, ecdsa}]", each in a
// form ParseSignatureScheme takes. Order is kept (it is the preference
// order) and repeated entries are dropped. An empty list is an error: a
// peer could then never be satisfied.
func ParseSignatureAlgs(text string) ([]SignatureScheme, error) {
	t := strings.TrimSpace(text)
	if strings.HasPrefix(t, "[") {
		if !strings.HasSuffix(t, "]") {
			return nil, errors.New("handshake: signature_algs list not closed")
		}
		t = t[1 : len(t)-1]
	}
	var out []SignatureScheme
	seen := make(map[SignatureScheme]bool)
	depth, start := 0, 0
	flush := func(end int) error {
		item := strings.TrimSpace(t[start:end])
		if item == "" {
			return errors.New("handshake: empty entry in signature_algs")
		}
		s, err := ParseSignatureScheme(item)
		if err != nil {
			return err
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
		return nil
	}
	if strings.TrimSpace(t) == "" {
		return nil, errors.New("handshake: signature_algs must not be empty")
	}
	for i := 0; i < len(t); i++ {
		switch t[i] {
		case '{':
			depth++
			if depth > 1 {
				return nil, errors.New("handshake: nested tuple in signature_algs")
			}
		case '}':
			depth--
			if depth < 0 {
				return nil, errors.New("handshake: unbalanced braces in signature_algs")
			}
		case ',':
			if depth == 0 {
				if err := flush(i); err != nil {
					return nil, err
				}
				start = i + 1
			}
		}
	}
	if depth != 0 {
		return nil, errors.New("handshake: unbalanced braces in signature_algs")
	}
	if err := flush(len(t)); err != nil {
		return nil, err
	}
	return out, nil
}

// FormatSignatureAlgs renders a list as an Erlang list term, the inverse
// of ParseSignatureAlgs: "[eddsa_ed25519,rsa_pss_rsae_sha256,{sha256,dsa}]".
func FormatSignatureAlgs(list []SignatureScheme) string {
	parts := make([]string, len(list))
	for i, s := range list {
		parts[i] = s.String()
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// shortText cuts text for error messages.
func shortText(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// keyFitsScheme checks that pub can make or check signatures of scheme s
// in version v (TLS 1.2 or later). It returns a reason when it cannot.
func keyFitsScheme(s SignatureScheme, v cipher.Version, pub crypto.PublicKey) error {
	if !s.allowedIn(v) {
		return fmt.Errorf("signature algorithm %s not allowed in %s", s, v)
	}
	info := schemeTable[s]
	switch k := pub.(type) {
	case *rsa.PublicKey:
		switch info.kind {
		case sigPKCS1:
			return nil
		case sigPSS:
			// EMSA-PSS needs emLen >= hLen + sLen + 2 with sLen = hLen
			// (RFC 8017, Section 9.1.1).
			if k.N == nil || (k.N.BitLen()-1+7)/8 < 2*info.hash.Size()+2 {
				return fmt.Errorf("RSA key too small for %s", s)
			}
			return nil
		}
	case *ecdsa.PublicKey:
		if info.kind != sigECDSA {
			break
		}
		if v >= cipher.VersionTLS13 && (k.Curve == nil || info.curve == nil || k.Curve.Params().Name != info.curve.Params().Name) {
			return fmt.Errorf("ECDSA key on another curve than %s requires", s)
		}
		return nil
	case ed25519.PublicKey:
		if info.kind == sigEd25519 {
			return nil
		}
	case *dsa.PublicKey:
		if info.kind == sigDSA {
			return nil
		}
	default:
		return fmt.Errorf("unsupported key type %T", pub)
	}
	return fmt.Errorf("signature algorithm %s does not fit a %s key", s, keyTypeName(pub))
}

func keyTypeName(pub crypto.PublicKey) string {
	switch pub.(type) {
	case *rsa.PublicKey:
		return "RSA"
	case *ecdsa.PublicKey:
		return "ECDSA"
	case ed25519.PublicKey:
		return "Ed25519"
	case *dsa.PublicKey:
		return "DSA"
	}
	return fmt.Sprintf("%T", pub)
}

// SelectSignatureScheme chooses the scheme this side signs with in version
// v (TLS 1.2 or 1.3) with the key whose public half is pub, given the
// schemes the peer offered (peer) and the ones we allow (ours; nil means
// DefaultSignatureSchemes).
//
// The choice follows the peer's preference, as Erlang's ssl and Go's
// crypto/tls do: the first scheme of peer that is in ours, allowed in v and
// usable with the key (an RSA key large enough for PSS with that hash; in
// TLS 1.3 an ECDSA key on the scheme's curve, and no rsa_pkcs1, SHA-1 or
// DSA scheme).
//
// A nil peer means the peer did not send the extension. In TLS 1.2 the
// defaults of RFC 5246, Section 7.4.1.4.1 then apply: {sha, rsa},
// {sha, dsa} or {sha, ecdsa} for the key type, provided ours allows it
// (the default list does not: a TLS 1.2 peer without signature_algorithms
// must be allowed SHA-1 explicitly). In TLS 1.3 the extension is mandatory
// and a nil peer selects nothing.
//
// Before TLS 1.2 there is nothing to choose: it returns 0 and nil for an
// RSA, ECDSA or DSA key, whose fixed algorithm LegacySignatureHash gives.
//
// When nothing fits, the error is a handshake_failure alert (RFC 8446,
// Section 4.4.2.2; RFC 5246, Section 7.4.1.4.1).
func SelectSignatureScheme(v cipher.Version, pub crypto.PublicKey, peer, ours []SignatureScheme) (SignatureScheme, error) {
	if v < cipher.VersionTLS12 {
		if _, err := LegacySignatureHash(pub); err != nil {
			return 0, kxAlert(record.HandshakeFailure, "%v", err)
		}
		return 0, nil
	}
	if ours == nil {
		ours = defaultSignatureSchemes
	}
	if peer == nil && v == cipher.VersionTLS12 {
		var def SignatureScheme
		switch pub.(type) {
		case *rsa.PublicKey:
			def = RSAPKCS1SHA1
		case *dsa.PublicKey:
			def = DSASHA1
		case *ecdsa.PublicKey:
			def = ECDSASHA1
		}
		if def != 0 && schemeIn(def, ours) && keyFitsScheme(def, v, pub) == nil {
			return def, nil
		}
		return 0, kxAlert(record.HandshakeFailure, "peer sent no signature_algorithms and the default for a %s key is not allowed", keyTypeName(pub))
	}
	for _, s := range peer {
		if schemeIn(s, ours) && keyFitsScheme(s, v, pub) == nil {
			return s, nil
		}
	}
	return 0, kxAlert(record.HandshakeFailure, "no common signature algorithm for a %s key", keyTypeName(pub))
}

func schemeIn(s SignatureScheme, list []SignatureScheme) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// LegacySignatureHash returns the hash of the fixed signature algorithm of
// SSL 3.0, TLS 1.0 and TLS 1.1 for a key: crypto.MD5SHA1 for RSA (the
// 36 bytes MD5 || SHA-1, signed with PKCS #1 v1.5 type 1 padding and no
// DigestInfo), crypto.SHA1 for DSA and ECDSA (RFC 4346, Section 7.4.3;
// RFC 4492, Section 5.4). Other keys (Ed25519) cannot sign before TLS 1.2.
func LegacySignatureHash(pub crypto.PublicKey) (crypto.Hash, error) {
	switch pub.(type) {
	case *rsa.PublicKey:
		return crypto.MD5SHA1, nil
	case *ecdsa.PublicKey, *dsa.PublicKey:
		return crypto.SHA1, nil
	}
	return 0, fmt.Errorf("a %s key cannot sign before TLS 1.2", keyTypeName(pub))
}

// hashMessage returns h(msg); h may be crypto.MD5SHA1.
func hashMessage(h crypto.Hash, msg []byte) []byte {
	if h == crypto.MD5SHA1 {
		m := md5.Sum(msg)
		s := sha1.Sum(msg)
		return append(m[:], s[:]...)
	}
	hh := h.New()
	hh.Write(msg)
	return hh.Sum(nil)
}

// signatureHash returns the hash a signature with scheme s in version v
// by a key pub is computed over, checking that they fit together.
func signatureHash(v cipher.Version, s SignatureScheme, pub crypto.PublicKey) (crypto.Hash, sigKind, error) {
	if v < cipher.VersionTLS12 {
		h, err := LegacySignatureHash(pub)
		if err != nil {
			return 0, 0, err
		}
		kind := sigPKCS1
		switch pub.(type) {
		case *ecdsa.PublicKey:
			kind = sigECDSA
		case *dsa.PublicKey:
			kind = sigDSA
		}
		return h, kind, nil
	}
	if err := keyFitsScheme(s, v, pub); err != nil {
		return 0, 0, err
	}
	info := schemeTable[s]
	return info.hash, info.kind, nil
}

// Sign signs msg, the data a handshake signature covers (the randoms
// and parameters of a ServerKeyExchange, the transcript of a TLS 1.2
// CertificateVerify, the CertificateVerifyContent of TLS 1.3), with key in
// version v. From TLS 1.2 on it uses scheme s, which must fit the key and
// the version; before TLS 1.2 it uses the key's fixed algorithm and ignores
// s. key may be any crypto.Signer whose public key is an *rsa.PublicKey,
// *ecdsa.PublicKey, ed25519.PublicKey or *dsa.PublicKey (pem.DSASigner),
// such as a key held by an HSM. RSA-PSS signatures use a salt as long as
// the hash (RFC 8446, Section 4.2.3). rand nil means crypto/rand.
//
// A key or scheme that does not fit is an internal_error alert: the caller
// chose them (see SelectSignatureScheme).
func Sign(rand io.Reader, key crypto.Signer, v cipher.Version, s SignatureScheme, msg []byte) ([]byte, error) {
	if key == nil {
		return nil, kxAlert(record.InternalError, "no signing key")
	}
	h, kind, err := signatureHash(v, s, key.Public())
	if err != nil {
		return nil, kxAlert(record.InternalError, "cannot sign: %v", err)
	}
	if kind == sigEd25519 {
		return signWith(rand, key, msg, crypto.Hash(0))
	}
	return signDigest(rand, key, h, kind, hashMessage(h, msg))
}

// SignDigest is Sign for a caller that already hashed the message with the
// hash of the scheme (s.Hash()) or, before TLS 1.2, of the key's fixed
// algorithm (LegacySignatureHash): the SSL 3.0 CertificateVerify, whose
// digest is a construction of its own, needs it. Ed25519 signs messages,
// not digests, and is refused.
func SignDigest(rand io.Reader, key crypto.Signer, v cipher.Version, s SignatureScheme, digest []byte) ([]byte, error) {
	if key == nil {
		return nil, kxAlert(record.InternalError, "no signing key")
	}
	h, kind, err := signatureHash(v, s, key.Public())
	if err != nil {
		return nil, kxAlert(record.InternalError, "cannot sign: %v", err)
	}
	if kind == sigEd25519 {
		return nil, kxAlert(record.InternalError, "Ed25519 cannot sign a digest")
	}
	if len(digest) != h.Size() {
		return nil, kxAlert(record.InternalError, "digest of %d bytes for a %d-byte hash", len(digest), h.Size())
	}
	return signDigest(rand, key, h, kind, digest)
}

func signDigest(rand io.Reader, key crypto.Signer, h crypto.Hash, kind sigKind, digest []byte) ([]byte, error) {
	var opts crypto.SignerOpts = h
	if kind == sigPSS {
		opts = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: h}
	}
	return signWith(rand, key, digest, opts)
}

func signWith(r io.Reader, key crypto.Signer, data []byte, opts crypto.SignerOpts) ([]byte, error) {
	if r == nil {
		r = rand.Reader
	}
	sig, err := key.Sign(r, data, opts)
	if err != nil {
		return nil, kxAlert(record.InternalError, "signing failed: %v", err)
	}
	return sig, nil
}

// Verify checks sig, a signature of msg made with scheme s in version v,
// against pub, the public key of the peer's certificate. Before TLS 1.2
// the key's fixed algorithm is used and s is ignored.
//
// A scheme not allowed in the version or not fitting the key (an
// rsa_pkcs1 scheme in TLS 1.3, an ECDSA key on another curve than a TLS
// 1.3 scheme names, an RSA scheme with an ECDSA key) is an
// illegal_parameter alert; a signature that does not verify is a
// decrypt_error alert (RFC 5246, Section 7.2.2; RFC 8446, Section 4.4.3).
// Whether s is one this side offered is the caller's check.
func Verify(pub crypto.PublicKey, v cipher.Version, s SignatureScheme, msg, sig []byte) error {
	h, kind, err := signatureHash(v, s, pub)
	if err != nil {
		return kxAlert(record.IllegalParameter, "%v", err)
	}
	if kind == sigEd25519 {
		k := pub.(ed25519.PublicKey)
		if len(k) != ed25519.PublicKeySize || !ed25519.Verify(k, msg, sig) {
			return kxAlert(record.DecryptError, "bad %s signature", s)
		}
		return nil
	}
	return verifyDigest(pub, h, kind, hashMessage(h, msg), sig)
}

// VerifyDigest is Verify for a digest the caller computed (see
// SignDigest). Ed25519 is refused with illegal_parameter.
func VerifyDigest(pub crypto.PublicKey, v cipher.Version, s SignatureScheme, digest, sig []byte) error {
	h, kind, err := signatureHash(v, s, pub)
	if err != nil {
		return kxAlert(record.IllegalParameter, "%v", err)
	}
	if kind == sigEd25519 {
		return kxAlert(record.IllegalParameter, "Ed25519 signatures cover messages, not digests")
	}
	if len(digest) != h.Size() {
		return kxAlert(record.InternalError, "digest of %d bytes for a %d-byte hash", len(digest), h.Size())
	}
	return verifyDigest(pub, h, kind, digest, sig)
}

func verifyDigest(pub crypto.PublicKey, h crypto.Hash, kind sigKind, digest, sig []byte) error {
	ok := false
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k.N == nil || k.N.Sign() <= 0 {
			break
		}
		if kind == sigPSS {
			ok = rsa.VerifyPSS(k, h, digest, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: h}) == nil
		} else {
			ok = rsa.VerifyPKCS1v15(k, h, digest, sig) == nil
		}
	case *ecdsa.PublicKey:
		if k.Curve == nil || k.X == nil || k.Y == nil {
			break
		}
		ok = ecdsa.VerifyASN1(k, digest, sig)
	case *dsa.PublicKey:
		ok = verifyDSA(k, digest, sig)
	}
	if !ok {
		return kxAlert(record.DecryptError, "bad signature")
	}
	return nil
}

// Bounds on the DSA keys a peer's certificate may carry: FIPS 186-4 sizes
// go to L = 3072, N = 256; anything far beyond is refused rather than
// computed with.
const (
	maxDSAPBits = 8192
	maxDSAQBits = 512
)

// verifyDSA checks a DER Dss-Sig-Value (RFC 3279, Section 2.2.2) over
// digest, which is cut to the leftmost bit length of Q bits (FIPS 186-4,
// Section 4.6), with crypto/dsa.
func verifyDSA(pub *dsa.PublicKey, digest, sig []byte) bool {
	if pub.P == nil || pub.Q == nil || pub.G == nil || pub.Y == nil ||
		pub.P.Sign() <= 0 || pub.Q.Sign() <= 0 || pub.G.Sign() <= 0 || pub.Y.Sign() <= 0 ||
		pub.P.BitLen() > maxDSAPBits || pub.Q.BitLen() > maxDSAQBits || pub.Q.BitLen() < 8 {
		return false
	}
	input := cryptobyte.String(sig)
	var seq cryptobyte.String
	r, s := new(big.Int), new(big.Int)
	if !input.ReadASN1(&seq, cbasn1.SEQUENCE) || !input.Empty() ||
		!seq.ReadASN1Integer(r) || !seq.ReadASN1Integer(s) || !seq.Empty() {
		return false
	}
	n := pub.Q.BitLen()
	if len(digest)*8 > n {
		digest = digest[:(n+7)/8]
	}
	z := new(big.Int).SetBytes(digest)
	if excess := len(digest)*8 - n; excess > 0 {
		z.Rsh(z, uint(excess))
	}
	return dsa.Verify(pub, z.Bytes(), r, s)
}

// TLS 1.3 CertificateVerify context strings (RFC 8446, Section 4.4.3).
const (
	serverCertificateVerifyContext = "TLS 1.3, server CertificateVerify"
	clientCertificateVerifyContext = "TLS 1.3, client CertificateVerify"
)

// CertificateVerifyContent returns what a TLS 1.3 CertificateVerify signs
// (RFC 8446, Section 4.4.3): 64 spaces, the context string "TLS 1.3,
// server CertificateVerify" (or "client"), a zero byte, and the transcript
// hash up to and including Certificate. Sign it with Sign(rand, key,
// VersionTLS13, scheme, content) and check it with Verify.
func CertificateVerifyContent(server bool, transcriptHash []byte) []byte {
	ctx := clientCertificateVerifyContext
	if server {
		ctx = serverCertificateVerifyContext
	}
	b := make([]byte, 0, 64+len(ctx)+1+len(transcriptHash))
	for i := 0; i < 64; i++ {
		b = append(b, 0x20)
	}
	b = append(b, ctx...)
	b = append(b, 0)
	return append(b, transcriptHash...)
}

// kxAlert returns a fatal alert raised by this side.
func kxAlert(d record.Description, format string, args ...any) error {
	return record.Alert{Level: record.Fatal, Description: d, Reason: fmt.Sprintf(format, args...)}
}
