package cipher

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
)

// Key derivation for SSL 3.0 and TLS 1.0-1.2: the PRFs (RFC 2246 Section
// 5, RFC 5246 Section 5), the master secret and key block (RFC 5246
// Sections 8.1 and 6.3), the extended master secret (RFC 7627), Finished
// (RFC 5246 Section 7.4.9) and the keying material exporter (RFC 5705).
// The SSL 3.0 constructions are in ssl3.go, TLS 1.3 in tls13.go.

// Lengths fixed by the protocols.
const (
	// MasterSecretLen is the length of the master secret (RFC 5246,
	// Section 8.1) and of the extended master secret.
	MasterSecretLen = 48
	// FinishedLen is the length of verify_data in TLS 1.0-1.2 (RFC 5246,
	// Section 7.4.9): 12 for every suite this library knows.
	FinishedLen = 12
	// MaxPRFLen bounds the output of PRFBytes and ExportKeyingMaterial.
	// The PRF itself has no limit; this one keeps a length taken from a
	// caller from becoming an enormous allocation.
	MaxPRFLen = 1 << 20
)

// ErrNoPRF is returned for a protocol version that has no PRF: SSL 3.0
// (Erlang's ssl:prf/5 returns {error, undefined} for it) and TLS 1.3,
// which derives keys with HKDF and exports with ExportKeyingMaterial13.
var ErrNoPRF = errors.New("cipher: the protocol version has no PRF")

// ErrReservedLabel is returned by ExportKeyingMaterial for the labels TLS
// itself uses (RFC 5705, Section 4).
var ErrReservedLabel = errors.New("cipher: exporter label is reserved by TLS")

// Labels of the PRF (RFC 5246, RFC 7627).
const (
	labelMaster         = "master secret"
	labelExtendedMaster = "extended master secret"
	labelKeyExpansion   = "key expansion"
	labelClientFinished = "client finished"
	labelServerFinished = "server finished"
)

// pHash fills dst with P_hash(secret, label || seed) (RFC 5246, Section
// 5): HMAC_hash(secret, A(i) || label || seed) for A(0) = label || seed,
// A(i) = HMAC_hash(secret, A(i-1)).
func pHash(dst []byte, h func() hash.Hash, secret []byte, label string, seed []byte) {
	mac := hmac.New(h, secret)
	size := mac.Size()
	// One buffer for label || seed, A(i) and the last, partial block, so
	// that the loop allocates nothing; whole blocks are summed into dst.
	buf := make([]byte, len(label)+len(seed)+2*size)
	ls := buf[:copy(buf, label)+copy(buf[len(label):], seed)]
	a := buf[len(ls) : len(ls)+size : len(ls)+size]
	block := buf[len(ls)+size:]
	mac.Write(ls)
	a = mac.Sum(a[:0]) // A(1)
	for len(dst) > 0 {
		mac.Reset()
		mac.Write(a)
		mac.Write(ls)
		if len(dst) >= size {
			mac.Sum(dst[:0])
			dst = dst[size:]
		} else {
			dst = dst[copy(dst, mac.Sum(block[:0])):]
		}
		if len(dst) > 0 {
			mac.Reset()
			mac.Write(a)
			a = mac.Sum(a[:0])
		}
	}
}

// prf10 fills dst with the TLS 1.0 and 1.1 PRF (RFC 2246, Section 5):
// P_MD5(S1, label || seed) XOR P_SHA1(S2, label || seed), where S1 and S2
// are the first and last halves of the secret, rounded up (they share a
// byte when its length is odd).
func prf10(dst, secret []byte, label string, seed []byte) {
	half := (len(secret) + 1) / 2
	s1, s2 := secret[:half], secret[len(secret)-half:]
	pHash(dst, md5.New, s1, label, seed)
	tmp := make([]byte, len(dst))
	pHash(tmp, sha1.New, s2, label, seed)
	for i := range dst {
		dst[i] ^= tmp[i]
	}
}

// prf12Hash returns the hash of the TLS 1.2 PRF of s: SHA-384 for
// PRFSHA384 suites, SHA-256 for all others (RFC 5246, Section 5).
func prf12Hash(s *Suite) func() hash.Hash {
	if s != nil && s.PRF == PRFSHA384 {
		return sha512.New384
	}
	return sha256.New
}

// prf fills dst with the PRF of version v and suite s. v must be TLS 1.0,
// 1.1 or 1.2.
func prf(dst []byte, v Version, s *Suite, secret []byte, label string, seed []byte) {
	if v < VersionTLS12 {
		prf10(dst, secret, label, seed)
		return
	}
	pHash(dst, prf12Hash(s), secret, label, seed)
}

// hasPRF reports whether version v has a TLS PRF.
func hasPRF(v Version) bool {
	return v == VersionTLS10 || v == VersionTLS11 || v == VersionTLS12
}

// PRFBytes returns n bytes of PRF(secret, label, seed) for protocol
// version v and suite s (RFC 2246 and RFC 5246, Section 5): the MD5/SHA-1
// PRF in TLS 1.0 and 1.1, P_SHA256 or P_SHA384 (per the suite's PRF) in
// TLS 1.2. A nil suite means a default_prf suite. It is what Erlang's
// ssl:prf/5 computes.
//
// SSL 3.0 and TLS 1.3 have no PRF: PRFBytes returns ErrNoPRF for them, as
// Erlang returns {error, undefined}. n must be from 0 to MaxPRFLen.
func PRFBytes(v Version, s *Suite, secret []byte, label string, seed []byte, n int) ([]byte, error) {
	if !hasPRF(v) {
		return nil, ErrNoPRF
	}
	if n < 0 || n > MaxPRFLen {
		return nil, fmt.Errorf("cipher: PRF output length %d out of range 0..%d", n, MaxPRFLen)
	}
	out := make([]byte, n)
	prf(out, v, s, secret, label, seed)
	return out, nil
}

// MasterSecret derives the 48-byte master secret from the premaster secret
// and the hello randoms (RFC 5246, Section 8.1; RFC 6101, Section 6.1 for
// SSL 3.0). It returns nil for TLS 1.3 and unknown versions.
func MasterSecret(v Version, s *Suite, preMaster, clientRandom, serverRandom []byte) []byte {
	seed := make([]byte, 0, len(clientRandom)+len(serverRandom))
	seed = append(seed, clientRandom...)
	seed = append(seed, serverRandom...)
	out := make([]byte, MasterSecretLen)
	switch {
	case v == VersionSSL30:
		ssl3Expand(out, preMaster, seed)
	case hasPRF(v):
		prf(out, v, s, preMaster, labelMaster, seed)
	default:
		return nil
	}
	return out
}

// ExtendedMasterSecret derives the master secret of RFC 7627 from the
// premaster secret and the session hash: the hash of the handshake
// messages up to and including ClientKeyExchange, with the hash of the
// suite's PRF in TLS 1.2 and MD5 || SHA-1 (36 bytes) in TLS 1.0 and 1.1
// (RFC 7627, Section 3). RFC 7627 does not define it for SSL 3.0; it
// returns nil for SSL 3.0, TLS 1.3 and unknown versions.
func ExtendedMasterSecret(v Version, s *Suite, preMaster, sessionHash []byte) []byte {
	if !hasPRF(v) {
		return nil
	}
	out := make([]byte, MasterSecretLen)
	prf(out, v, s, preMaster, labelExtendedMaster, sessionHash)
	return out
}

// Keys are the record protection keys of one connection in TLS 1.0-1.2 and
// SSL 3.0, as split from the key block (RFC 5246, Section 6.3).
type Keys struct {
	ClientMAC, ServerMAC []byte // MAC keys; empty for AEAD suites
	ClientKey, ServerKey []byte // bulk encryption keys; empty for NULL
	// ClientIV and ServerIV are the CBC IVs in SSL 3.0 and TLS 1.0, the
	// implicit nonce part of AEAD suites (4 bytes for GCM and CCM, 12 for
	// ChaCha20-Poly1305), and empty otherwise (TLS 1.1 and 1.2 CBC suites
	// carry an explicit IV in every record).
	ClientIV, ServerIV []byte
}

// KeyBlockLen returns the length of the key block suite s needs in
// version v: two MAC keys, two encryption keys and two IVs.
func KeyBlockLen(v Version, s *Suite) int {
	mac, key, iv := keySizes(v, s)
	return 2 * (mac + key + iv)
}

func keySizes(v Version, s *Suite) (mac, key, iv int) {
	p := s.Cipher.Params()
	mac, key = s.MAC.Size(), p.KeyLen
	switch p.Kind {
	case KindAEAD:
		iv = p.FixedIVLen
	case KindBlock:
		if v <= VersionTLS10 {
			iv = p.FixedIVLen
		}
	}
	return mac, key, iv
}

// DeriveKeys expands the master secret into the key block and splits it
// into keys (RFC 5246, Section 6.3; RFC 6101, Section 6.2.2 for SSL 3.0).
// Note the seed order: server random first. It returns zero Keys when s is
// nil or not valid for v (TLS 1.3 suites derive keys with TrafficKeys).
// The six slices share one array but do not overlap.
func DeriveKeys(v Version, s *Suite, master, clientRandom, serverRandom []byte) Keys {
	if !s.ValidFor(v) || s.TLS13() {
		return Keys{}
	}
	seed := make([]byte, 0, len(clientRandom)+len(serverRandom))
	seed = append(seed, serverRandom...)
	seed = append(seed, clientRandom...)
	block := make([]byte, KeyBlockLen(v, s))
	if v == VersionSSL30 {
		ssl3Expand(block, master, seed)
	} else {
		prf(block, v, s, master, labelKeyExpansion, seed)
	}
	mac, key, iv := keySizes(v, s)
	next := func(n int) []byte {
		b := block[:n:n]
		block = block[n:]
		return b
	}
	var k Keys
	k.ClientMAC, k.ServerMAC = next(mac), next(mac)
	k.ClientKey, k.ServerKey = next(key), next(key)
	k.ClientIV, k.ServerIV = next(iv), next(iv)
	return k
}

// FinishedVerifyData computes verify_data of a Finished message in TLS 1.0-1.2
// (RFC 5246, Section 7.4.9): PRF(master, "client finished" or "server
// finished", transcriptHash) truncated to 12 bytes. transcriptHash is the
// hash of the handshake messages so far: with the suite's PRF hash in TLS
// 1.2, MD5 || SHA-1 (36 bytes) in TLS 1.0 and 1.1 (see NewTranscriptHash).
// SSL 3.0 has its own construction, SSL3FinishedVerifyData. It returns nil
// for versions without a PRF.
func FinishedVerifyData(v Version, s *Suite, master []byte, isClient bool, transcriptHash []byte) []byte {
	if !hasPRF(v) {
		return nil
	}
	label := labelServerFinished
	if isClient {
		label = labelClientFinished
	}
	out := make([]byte, FinishedLen)
	prf(out, v, s, master, label, transcriptHash)
	return out
}

// ExportKeyingMaterial is the keying material exporter of RFC 5705 for TLS
// 1.0-1.2: PRF(master, label, client_random || server_random [||
// context_length || context]) of n bytes. hasContext distinguishes "no
// context" from an empty context, which RFC 5705 treats differently. It
// refuses the labels TLS uses itself ("client finished", "server
// finished", "master secret", "extended master secret", "key expansion")
// with ErrReservedLabel, contexts of 2^16 bytes or more, and n outside
// 0..MaxPRFLen. SSL 3.0 and TLS 1.3 get ErrNoPRF (TLS 1.3 exports with
// ExportKeyingMaterial13).
func ExportKeyingMaterial(v Version, s *Suite, master, clientRandom, serverRandom []byte, label string, context []byte, hasContext bool, n int) ([]byte, error) {
	if !hasPRF(v) {
		return nil, ErrNoPRF
	}
	switch label {
	case labelClientFinished, labelServerFinished, labelMaster, labelExtendedMaster, labelKeyExpansion:
		return nil, ErrReservedLabel
	}
	if n < 0 || n > MaxPRFLen {
		return nil, fmt.Errorf("cipher: exporter output length %d out of range 0..%d", n, MaxPRFLen)
	}
	if hasContext && len(context) > 0xffff {
		return nil, fmt.Errorf("cipher: exporter context of %d bytes is too long", len(context))
	}
	seed := make([]byte, 0, len(clientRandom)+len(serverRandom)+2+len(context))
	seed = append(seed, clientRandom...)
	seed = append(seed, serverRandom...)
	if hasContext {
		seed = binary.BigEndian.AppendUint16(seed, uint16(len(context)))
		seed = append(seed, context...)
	}
	out := make([]byte, n)
	prf(out, v, s, master, label, seed)
	return out, nil
}

// NewTranscriptHash returns a hash for the handshake transcript of suite s
// in version v: the suite's PRF hash in TLS 1.2 and 1.3, and MD5 and SHA-1
// side by side before TLS 1.2, whose Sum is the 36 bytes MD5 || SHA-1
// that TLS 1.0 and 1.1 Finished messages and the RFC 7627 session hash
// use; that hash is a *MD5SHA1, whose halves SSL 3.0 Finished messages
// need (SSL3FinishedVerifyData). The result implements
// encoding.BinaryMarshaler and encoding.BinaryUnmarshaler, so a running
// transcript can be copied.
func NewTranscriptHash(v Version, s *Suite) hash.Hash {
	if v < VersionTLS12 {
		return NewMD5SHA1()
	}
	return prf12Hash(s)()
}

// MD5SHA1 is the handshake hash of SSL 3.0, TLS 1.0 and TLS 1.1: MD5 and
// SHA-1 over the same input, summed as MD5 || SHA-1 (36 bytes).
type MD5SHA1 struct {
	MD5, SHA1 hash.Hash
}

// NewMD5SHA1 returns an empty MD5SHA1.
func NewMD5SHA1() *MD5SHA1 { return &MD5SHA1{MD5: md5.New(), SHA1: sha1.New()} }

// Write feeds p to both hashes.
func (h *MD5SHA1) Write(p []byte) (int, error) {
	h.MD5.Write(p)
	return h.SHA1.Write(p)
}

// Sum appends MD5 || SHA-1 of the input to b.
func (h *MD5SHA1) Sum(b []byte) []byte {
	b = h.MD5.Sum(b)
	return h.SHA1.Sum(b)
}

// Reset empties both hashes.
func (h *MD5SHA1) Reset() {
	h.MD5.Reset()
	h.SHA1.Reset()
}

// Size returns 36.
func (h *MD5SHA1) Size() int { return md5.Size + sha1.Size }

// BlockSize returns 64, the block size of both hashes.
func (h *MD5SHA1) BlockSize() int { return md5.BlockSize }

// MarshalBinary returns the two states, each with a 2-byte length.
func (h *MD5SHA1) MarshalBinary() ([]byte, error) {
	a, err := marshalState(h.MD5)
	if err != nil {
		return nil, err
	}
	b, err := marshalState(h.SHA1)
	if err != nil {
		return nil, err
	}
	out := binary.BigEndian.AppendUint16(nil, uint16(len(a)))
	out = append(out, a...)
	out = binary.BigEndian.AppendUint16(out, uint16(len(b)))
	return append(out, b...), nil
}

// UnmarshalBinary restores a state written by MarshalBinary.
func (h *MD5SHA1) UnmarshalBinary(data []byte) error {
	errBad := errors.New("cipher: malformed MD5+SHA-1 state")
	var parts [2][]byte
	for i := range parts {
		if len(data) < 2 {
			return errBad
		}
		n := int(binary.BigEndian.Uint16(data))
		data = data[2:]
		if len(data) < n {
			return errBad
		}
		parts[i], data = data[:n], data[n:]
	}
	if len(data) != 0 {
		return errBad
	}
	m, s := md5.New(), sha1.New()
	if err := unmarshalState(m, parts[0]); err != nil {
		return err
	}
	if err := unmarshalState(s, parts[1]); err != nil {
		return err
	}
	h.MD5, h.SHA1 = m, s
	return nil
}
