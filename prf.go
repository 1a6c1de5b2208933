package ssl

import (
	"strconv"

	"github.com/otpssl/ssl/cipher"
)

// PRFSecret is the secret PRF uses: MasterSecret, the connection's master
// secret (Erlang's master_secret), or bytes of the caller's
// (PRFSecretBytes).
type PRFSecret struct {
	master bool
	b      []byte
}

// MasterSecret makes PRF use the connection's master secret.
var MasterSecret = PRFSecret{master: true}

// PRFSecretBytes makes PRF use b as the secret (Erlang's binary Secret).
// b is copied.
func PRFSecretBytes(b []byte) PRFSecret {
	return PRFSecret{b: append([]byte{}, b...)}
}

// PRFSeed is one part of the seed PRF uses; the parts are concatenated in
// order: ClientRandom, ServerRandom (the hello randoms, Erlang's
// client_random and server_random) or bytes of the caller's
// (PRFSeedBytes).
type PRFSeed struct {
	kind uint8 // seedBytes, seedClientRandom, seedServerRandom
	b    []byte
}

const (
	seedBytes uint8 = iota
	seedClientRandom
	seedServerRandom
)

// The hello randoms as seed parts.
var (
	ClientRandom = PRFSeed{kind: seedClientRandom}
	ServerRandom = PRFSeed{kind: seedServerRandom}
)

// PRFSeedBytes makes b a part of the seed. b is copied.
func PRFSeedBytes(b []byte) PRFSeed {
	return PRFSeed{kind: seedBytes, b: append([]byte{}, b...)}
}

// ErrPRFUndefined is returned by PRF on a connection whose protocol
// version has no PRF: Erlang's {error, undefined}.
var ErrPRFUndefined error = &reasonError{"undefined", "the connection's protocol version has no PRF (SSL 3.0 and TLS 1.3)"}

// PRF computes n bytes of the TLS pseudo-random function of the
// connection, as Erlang's prf/5 (OTP before 27): PRF(secret, label, seed)
// with the PRF of the negotiated version and suite (the MD5/SHA-1 PRF of
// TLS 1.0 and 1.1, the suite's P_SHA256 or P_SHA384 in TLS 1.2), where the
// seed is the concatenation of the parts. It is the RFC 5705 exporter
// when the secret is MasterSecret and the seed ClientRandom, ServerRandom
// (and, there, a context with its length), and any other key derivation a
// protocol on top of TLS defines that way. n is from 0 to 1 MiB.
//
// SSL 3.0 has no PRF: ErrPRFUndefined, Erlang's {error, undefined}. TLS 1.3
// has none either; there PRF does what current OTP's prf/5 does with the
// two forms it keeps: MasterSecret with [ClientRandom, ServerRandom] is
// the TLS 1.3 exporter without a context, and with [ClientRandom,
// ServerRandom, PRFSeedBytes(ctx)] the exporter with context ctx (RFC 8446,
// Section 7.5; see ExportKeyMaterials, whose errors it returns). Every
// other form is ErrPRFUndefined on TLS 1.3 (OTP calls them testing
// leftovers; OTP 25 never answers them). On TLS 1.0-1.2 every form is the
// PRF over the concatenated seed, as the seed's and OTP 25's prf/5; note
// that OTP 27 computes the three-part form there as the RFC 5705 exporter
// instead (with the context's length before it), which this function gives
// when the length is passed as a seed part of its own, or
// ExportKeyMaterials directly. After a renegotiation the secret and
// randoms are the new handshake's. Before the handshake it returns
// ErrNotConnected, after Close ErrClosed.
func (s *Socket) PRF(secret PRFSecret, label []byte, seed []PRFSeed, n int) ([]byte, error) {
	neg, _, err := s.negotiatedInfo()
	if err != nil {
		return nil, err
	}
	if n < 0 || n > cipher.MaxPRFLen {
		return nil, &reasonError{"badarg", "the length must be from 0 to " + strconv.Itoa(cipher.MaxPRFLen)}
	}
	switch neg.version {
	case cipher.VersionTLS10, cipher.VersionTLS11, cipher.VersionTLS12:
	case cipher.VersionTLS13:
		return s.prf13(neg, secret, label, seed, n)
	default:
		return nil, ErrPRFUndefined
	}
	key := secret.b
	if secret.master {
		key = neg.masterSecret
	}
	size := 0
	for _, p := range seed {
		size += len(p.b) + 32
	}
	buf := make([]byte, 0, size)
	for _, p := range seed {
		switch p.kind {
		case seedClientRandom:
			buf = append(buf, neg.clientRandom[:]...)
		case seedServerRandom:
			buf = append(buf, neg.serverRandom[:]...)
		default:
			buf = append(buf, p.b...)
		}
	}
	out, err := cipher.PRFBytes(neg.version, neg.suite, key, string(label), buf, n)
	if err != nil {
		return nil, &reasonError{"badarg", err.Error()}
	}
	return out, nil
}

// prf13 maps the exporter forms of PRF to the TLS 1.3 exporter.
func (s *Socket) prf13(neg *negotiated, secret PRFSecret, label []byte, seed []PRFSeed, n int) ([]byte, error) {
	if neg.state == nil || !secret.master || len(seed) < 2 || len(seed) > 3 ||
		seed[0].kind != seedClientRandom || seed[1].kind != seedServerRandom {
		return nil, ErrPRFUndefined
	}
	var context []byte // nil: no context
	if len(seed) == 3 {
		if seed[2].kind != seedBytes {
			return nil, ErrPRFUndefined
		}
		context = append([]byte{}, seed[2].b...)
	}
	out, err := s.ExportKeyMaterials([][]byte{label}, [][]byte{context}, []int{n})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}
