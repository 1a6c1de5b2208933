package handshake

import (
	"crypto/ecdh"
	"crypto/mlkem"
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"io"
	"strings"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/record"
)

// NamedGroup is a group of the TLS Supported Groups registry (RFC 8446,
// Section 4.2.7; RFC 8422, Section 5.1.1; RFC 7919): an elliptic curve,
// a finite-field group or a hybrid post-quantum group, as named in the
// supported_groups extension, a TLS 1.3 key share, and the ECParameters of
// a TLS 1.2 ServerKeyExchange. Erlang calls the elliptic ones named curves
// (the eccs option) and all of them groups (supported_groups).
type NamedGroup uint16

// The groups this library implements.
const (
	Secp256r1 NamedGroup = 23 // NIST P-256
	Secp384r1 NamedGroup = 24 // NIST P-384
	Secp521r1 NamedGroup = 25 // NIST P-521
	X25519    NamedGroup = 29 // RFC 7748

	// Finite-field groups of RFC 7919, Appendix A.
	FFDHE2048 NamedGroup = 256
	FFDHE3072 NamedGroup = 257
	FFDHE4096 NamedGroup = 258
	FFDHE6144 NamedGroup = 259
	FFDHE8192 NamedGroup = 260

	// X25519MLKEM768 is the hybrid of ML-KEM-768 (FIPS 203) and X25519 of
	// draft-ietf-tls-ecdhe-mlkem, for TLS 1.3 only.
	X25519MLKEM768 NamedGroup = 0x11EC
)

// X448 is a registered group this library knows by name but does not
// implement (Go has no X448).
const X448 NamedGroup = 30

// groupNames maps registered groups to their Erlang atoms: the curves of
// RFC 4492 (all in Erlang's named_curve() type), the RFC 7919 groups and the
// hybrid. Only the groups of the constants above are Supported.
var groupNames = map[NamedGroup]string{
	1: "sect163k1", 2: "sect163r1", 3: "sect163r2", 4: "sect193r1", 5: "sect193r2",
	6: "sect233k1", 7: "sect233r1", 8: "sect239k1", 9: "sect283k1", 10: "sect283r1",
	11: "sect409k1", 12: "sect409r1", 13: "sect571k1", 14: "sect571r1",
	15: "secp160k1", 16: "secp160r1", 17: "secp160r2", 18: "secp192k1", 19: "secp192r1",
	20: "secp224k1", 21: "secp224r1", 22: "secp256k1",
	Secp256r1: "secp256r1", Secp384r1: "secp384r1", Secp521r1: "secp521r1",
	26: "brainpoolP256r1", 27: "brainpoolP384r1", 28: "brainpoolP512r1",
	X25519: "x25519", X448: "x448",
	FFDHE2048: "ffdhe2048", FFDHE3072: "ffdhe3072", FFDHE4096: "ffdhe4096",
	FFDHE6144: "ffdhe6144", FFDHE8192: "ffdhe8192",
	X25519MLKEM768: "x25519mlkem768",
}

// Other names ParseNamedGroup accepts: the ones OpenSSL and the IANA
// registry use.
var groupAliases = map[string]NamedGroup{
	"p-256": Secp256r1, "prime256v1": Secp256r1,
	"p-384": Secp384r1, "p-521": Secp521r1,
}

// String returns the Erlang atom of the group ("x25519", "secp256r1",
// "ffdhe2048", "x25519mlkem768", "brainpoolP256r1"), or its hexadecimal
// value ("0x1234") when it is not a registered group this library knows.
func (g NamedGroup) String() string {
	if n, ok := groupNames[g]; ok {
		return n
	}
	return fmt.Sprintf("0x%04x", uint16(g))
}

// ParseNamedGroup returns the group named by an Erlang atom ("secp384r1",
// "x25519mlkem768"), matched without regard to case so that the IANA
// spelling ("X25519MLKEM768") works too, or by an OpenSSL or NIST name
// ("prime256v1", "P-256"). Registered groups that are not supported (the
// binary curves, brainpool, X448) are parsed — so that a configuration
// naming them can be told apart from a typing error — and Supported reports
// false for them.
func ParseNamedGroup(name string) (NamedGroup, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	for g, atom := range groupNames {
		if strings.ToLower(atom) == n {
			return g, nil
		}
	}
	if g, ok := groupAliases[n]; ok {
		return g, nil
	}
	return 0, fmt.Errorf("handshake: unknown group %q", shortText(name))
}

// Supported reports whether this library can do key exchange in the group.
func (g NamedGroup) Supported() bool {
	return g.IsEC() || g.IsFFDHE() || g == X25519MLKEM768
}

// IsEC reports whether g is one of the supported elliptic curves (x25519,
// secp256r1, secp384r1, secp521r1): the groups of ECDHE in every TLS version.
func (g NamedGroup) IsEC() bool {
	switch g {
	case X25519, Secp256r1, Secp384r1, Secp521r1:
		return true
	}
	return false
}

// IsFFDHE reports whether g is one of the RFC 7919 finite-field groups.
func (g NamedGroup) IsFFDHE() bool {
	return g >= FFDHE2048 && g <= FFDHE8192
}

// AllowedIn reports whether g can be used for key exchange in version v:
// every supported group in TLS 1.3; in TLS 1.0-1.2 the elliptic curves
// (ECDHE names its curve; finite-field DHE sends its parameters instead,
// see FFDHEParams); none in SSL 3.0, which has no ECC.
func (g NamedGroup) AllowedIn(v cipher.Version) bool {
	switch {
	case v >= cipher.VersionTLS13:
		return g.Supported()
	case v >= cipher.VersionTLS10:
		return g.IsEC()
	}
	return false
}

// DefaultGroups returns the default groups for TLS 1.3 (Erlang's
// supported_groups option) in preference order, a new slice each call:
// x25519mlkem768, x25519, secp256r1, secp384r1, secp521r1 — the hybrid
// first for protection against future quantum computers, then the curves
// by speed, as Go's crypto/tls orders them. The RFC 7919 groups can be
// configured but are not in the default: they are slow and rarely
// supported.
func DefaultGroups() []NamedGroup {
	return []NamedGroup{X25519MLKEM768, X25519, Secp256r1, Secp384r1, Secp521r1}
}

// DefaultEccs returns the default of Erlang's eccs option, the curves of
// ECDHE in TLS 1.0-1.2, in preference order: x25519, secp256r1, secp384r1,
// secp521r1. (OTP orders by size, largest first; this library puts the
// fastest first, as Go does, since all four are considered secure.)
func DefaultEccs() []NamedGroup {
	return []NamedGroup{X25519, Secp256r1, Secp384r1, Secp521r1}
}

// NegotiateGroup picks the group of a key exchange from the peer's list
// (its supported_groups extension) and ours, keeping only groups for which
// usable returns true (nil: every supported group). With serverOrder
// (Erlang's honor_ecc_order) our order decides, otherwise the peer's order
// does, as Erlang's ssl does by default. A nil peer list means the peer
// sent no supported_groups extension: RFC 8422, Section 4 then lets the
// server choose, and the first usable group of ours is taken. ok is false
// when there is no common group.
func NegotiateGroup(peer, ours []NamedGroup, serverOrder bool, usable func(NamedGroup) bool) (g NamedGroup, ok bool) {
	fits := func(x NamedGroup) bool {
		return x.Supported() && (usable == nil || usable(x))
	}
	if peer == nil {
		for _, x := range ours {
			if fits(x) {
				return x, true
			}
		}
		return 0, false
	}
	first, second := peer, ours
	if serverOrder {
		first, second = ours, peer
	}
	for _, x := range first {
		if !fits(x) {
			continue
		}
		for _, y := range second {
			if x == y {
				return x, true
			}
		}
	}
	return 0, false
}

// Sizes of the hybrid key shares (draft-ietf-tls-ecdhe-mlkem, Section 4.1).
const (
	x25519Len          = 32
	mlkemClientLen     = mlkem.EncapsulationKeySize768
	mlkemServerLen     = mlkem.CiphertextSize768
	hybridClientLen    = mlkemClientLen + x25519Len
	hybridServerLen    = mlkemServerLen + x25519Len
	maxECKeyGenRetries = 32
)

// ecdhCurve returns the crypto/ecdh curve of an elliptic group.
func ecdhCurve(g NamedGroup) ecdh.Curve {
	switch g {
	case X25519:
		return ecdh.X25519()
	case Secp256r1:
		return ecdh.P256()
	case Secp384r1:
		return ecdh.P384()
	case Secp521r1:
		return ecdh.P521()
	}
	return nil
}

// newECKey makes a private key on curve c (group g) from bytes read from
// r, so that a test may inject its randomness: for X25519 any 32 bytes; for
// the NIST curves a scalar below the order, drawn by rejection (for P-521
// the top byte is masked to the curve's 521 bits first).
func newECKey(r io.Reader, g NamedGroup) (*ecdh.PrivateKey, error) {
	c := ecdhCurve(g)
	if c == nil {
		return nil, kxAlert(record.InternalError, "group %s is not an elliptic curve", g)
	}
	n := 32
	switch g {
	case Secp384r1:
		n = 48
	case Secp521r1:
		n = 66
	}
	buf := make([]byte, n)
	for i := 0; i < maxECKeyGenRetries; i++ {
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, kxAlert(record.InternalError, "random source failed: %v", err)
		}
		if g == Secp521r1 {
			buf[0] &= 1
		}
		if k, err := c.NewPrivateKey(buf); err == nil {
			return k, nil
		}
	}
	return nil, kxAlert(record.InternalError, "random source gives no valid %s scalar", g)
}

// ecShared computes the ECDH shared secret of priv with the peer's public
// value, refusing invalid points (not on the curve, compressed, the point
// at infinity: crypto/ecdh checks) and an all-zero X25519 result (a
// low-order point, RFC 7748, Section 6.1; RFC 8446, Section 7.4.2) with
// illegal_parameter.
func ecShared(g NamedGroup, priv *ecdh.PrivateKey, peer []byte) ([]byte, error) {
	pub, err := priv.Curve().NewPublicKey(peer)
	if err != nil {
		return nil, kxAlert(record.IllegalParameter, "invalid %s public value", g)
	}
	return ecSharedKey(g, priv, pub)
}

// ecSharedKey is ecShared for a peer value already parsed.
func ecSharedKey(g NamedGroup, priv *ecdh.PrivateKey, pub *ecdh.PublicKey) ([]byte, error) {
	z, err := priv.ECDH(pub)
	if err != nil {
		return nil, kxAlert(record.IllegalParameter, "invalid %s public value", g)
	}
	if g == X25519 && subtle.ConstantTimeCompare(z, make([]byte, len(z))) == 1 {
		return nil, kxAlert(record.IllegalParameter, "x25519 shared secret is zero")
	}
	return z, nil
}

// EphemeralKey is the private half of an ephemeral key exchange in one
// group: a TLS 1.3 key share of the client (RFC 8446, Section 4.2.8), or
// the ECDHE key of a TLS 1.0-1.2 server. It is used once and dropped.
//
// For the finite-field groups the public value and the shared secret are
// padded to the size of the prime, as TLS 1.3 requires (RFC 8446, Sections
// 4.2.8.1 and 7.4.1); TLS 1.0-1.2 DHE does not go through EphemeralKey.
type EphemeralKey struct {
	group  NamedGroup
	ec     *ecdh.PrivateKey
	kem    *mlkem.DecapsulationKey768
	dh     *dhKey
	public []byte
}

// GenerateEphemeral makes a fresh key in group g from rand (nil:
// crypto/rand). For X25519MLKEM768 the ML-KEM-768 key is derived from a
// 64-byte seed read from rand.
func GenerateEphemeral(r io.Reader, g NamedGroup) (*EphemeralKey, error) {
	if r == nil {
		r = rand.Reader
	}
	k := &EphemeralKey{group: g}
	switch {
	case g.IsEC():
		ec, err := newECKey(r, g)
		if err != nil {
			return nil, err
		}
		k.ec = ec
		k.public = ec.PublicKey().Bytes()
	case g == X25519MLKEM768:
		seed := make([]byte, mlkem.SeedSize)
		if _, err := io.ReadFull(r, seed); err != nil {
			return nil, kxAlert(record.InternalError, "random source failed: %v", err)
		}
		dk, err := mlkem.NewDecapsulationKey768(seed)
		if err != nil {
			return nil, kxAlert(record.InternalError, "ML-KEM key: %v", err)
		}
		ec, err := newECKey(r, X25519)
		if err != nil {
			return nil, err
		}
		k.kem, k.ec = dk, ec
		// ML-KEM first, then X25519 (draft-ietf-tls-ecdhe-mlkem, Section 4.1).
		k.public = append(dk.EncapsulationKey().Bytes(), ec.PublicKey().Bytes()...)
	case g.IsFFDHE():
		params := ffdheGroup(g)
		dh, err := newDHKey(r, params.p, params.g, nil, 0)
		if err != nil {
			return nil, err
		}
		k.dh = dh
		k.public = dh.publicPadded()
	default:
		return nil, kxAlert(record.InternalError, "unsupported group %s", g)
	}
	return k, nil
}

// Group returns the key's group.
func (k *EphemeralKey) Group() NamedGroup { return k.group }

// Public returns the public value to send: the key_exchange of a
// KeyShareEntry, or the point of a TLS 1.2 ServerECDHParams. For
// X25519MLKEM768 it is the ML-KEM-768 encapsulation key followed by the
// X25519 public key (1216 bytes). The caller must not modify it.
func (k *EphemeralKey) Public() []byte { return k.public }

// SharedSecret completes the exchange with the peer's public value (for
// X25519MLKEM768: the ML-KEM ciphertext followed by the peer's X25519
// public key) and returns the shared secret: the x-coordinate for the
// NIST curves, the X25519 output, the ML-KEM shared key followed by the
// X25519 output for the hybrid (64 bytes), and Z padded to the size of p
// for the finite-field groups. An invalid peer value is an
// illegal_parameter alert.
func (k *EphemeralKey) SharedSecret(peer []byte) ([]byte, error) {
	switch {
	case k.group == X25519MLKEM768:
		if len(peer) != hybridServerLen {
			return nil, kxAlert(record.IllegalParameter, "x25519mlkem768 server share of %d bytes", len(peer))
		}
		ss, err := k.kem.Decapsulate(peer[:mlkemServerLen])
		if err != nil {
			return nil, kxAlert(record.IllegalParameter, "invalid ML-KEM ciphertext")
		}
		z, err := ecShared(X25519, k.ec, peer[mlkemServerLen:])
		if err != nil {
			return nil, err
		}
		return append(ss, z...), nil
	case k.ec != nil:
		return ecShared(k.group, k.ec, peer)
	case k.dh != nil:
		if len(peer) != k.dh.size() {
			return nil, kxAlert(record.IllegalParameter, "%s share of %d bytes, want %d", k.group, len(peer), k.dh.size())
		}
		return k.dh.shared(peer, true)
	}
	return nil, kxAlert(record.InternalError, "empty ephemeral key")
}

// Encapsulate is the other side of EphemeralKey: given the peer's public
// value in group g (a TLS 1.3 client's key share, or the point of a TLS
// 1.2 server's ServerECDHParams), it makes a fresh key from rand (nil:
// crypto/rand) and returns the public value to send back and the shared
// secret, with the formats of EphemeralKey.SharedSecret. For
// X25519MLKEM768 it encapsulates to the client's ML-KEM key (with
// crypto/rand: crypto/mlkem takes no random source) and the public value
// is the ciphertext followed by the X25519 public key (1120 bytes).
//
// The peer's value is checked before any work is done: a wrong length,
// a point not on the curve, an X25519 value giving a zero secret, an
// ML-KEM key failing the FIPS 203 modulus check or a finite-field value
// outside 1 < y < p-1 are illegal_parameter alerts. An unsupported group is
// an internal_error: the caller chose it.
func Encapsulate(r io.Reader, g NamedGroup, peer []byte) (public, secret []byte, err error) {
	if r == nil {
		r = rand.Reader
	}
	switch {
	case g.IsEC():
		pub, err := ecdhCurve(g).NewPublicKey(peer)
		if err != nil {
			return nil, nil, kxAlert(record.IllegalParameter, "invalid %s public value", g)
		}
		k, err := newECKey(r, g)
		if err != nil {
			return nil, nil, err
		}
		z, err := ecSharedKey(g, k, pub)
		if err != nil {
			return nil, nil, err
		}
		return k.PublicKey().Bytes(), z, nil
	case g == X25519MLKEM768:
		if len(peer) != hybridClientLen {
			return nil, nil, kxAlert(record.IllegalParameter, "x25519mlkem768 client share of %d bytes", len(peer))
		}
		ek, err := mlkem.NewEncapsulationKey768(peer[:mlkemClientLen])
		if err != nil {
			return nil, nil, kxAlert(record.IllegalParameter, "invalid ML-KEM encapsulation key")
		}
		xpub, err := ecdh.X25519().NewPublicKey(peer[mlkemClientLen:])
		if err != nil {
			return nil, nil, kxAlert(record.IllegalParameter, "invalid x25519 public value")
		}
		k, err := newECKey(r, X25519)
		if err != nil {
			return nil, nil, err
		}
		z, err := ecSharedKey(X25519, k, xpub)
		if err != nil {
			return nil, nil, err
		}
		ss, ct := ek.Encapsulate()
		return append(ct, k.PublicKey().Bytes()...), append(ss, z...), nil
	case g.IsFFDHE():
		params := ffdheGroup(g)
		size := (params.p.BitLen() + 7) / 8
		if len(peer) != size {
			return nil, nil, kxAlert(record.IllegalParameter, "%s share of %d bytes, want %d", g, len(peer), size)
		}
		if err := checkDHPublic(params.p, peer); err != nil {
			return nil, nil, err
		}
		k, err := newDHKey(r, params.p, params.g, nil, 0)
		if err != nil {
			return nil, nil, err
		}
		z, err := k.shared(peer, true)
		if err != nil {
			return nil, nil, err
		}
		return k.publicPadded(), z, nil
	}
	return nil, nil, kxAlert(record.InternalError, "unsupported group %s", g)
}
