// Package cipher holds the cipher-suite registry, the bulk record
// protection primitives (AEAD, CBC with a MAC, stream, NULL), the
// pseudo-random functions of SSL 3.0 and TLS 1.0-1.2, and the TLS 1.3 key
// schedule.
//
// The package knows nothing of records or handshakes: it turns keys into
// sealers and openers and secrets into keys. It imports nothing else of
// this module.
package cipher

// Version is a protocol version as it appears on the wire
// (ProtocolVersion in RFC 8446, Section 4.1.2).
type Version uint16

// The protocol versions this library knows.
const (
	VersionSSL30 Version = 0x0300
	VersionTLS10 Version = 0x0301
	VersionTLS11 Version = 0x0302
	VersionTLS12 Version = 0x0303
	VersionTLS13 Version = 0x0304
)

// String returns the Erlang atom for the version ("sslv3", "tlsv1",
// "tlsv1.1", "tlsv1.2", "tlsv1.3"), or a hexadecimal form for an unknown
// value.
func (v Version) String() string {
	switch v {
	case VersionSSL30:
		return "sslv3"
	case VersionTLS10:
		return "tlsv1"
	case VersionTLS11:
		return "tlsv1.1"
	case VersionTLS12:
		return "tlsv1.2"
	case VersionTLS13:
		return "tlsv1.3"
	}
	return "0x" + hex16(uint16(v))
}

func hex16(x uint16) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[x>>12], digits[x>>8&0xf], digits[x>>4&0xf], digits[x&0xf]})
}

// KeyExchange is the key exchange method of a suite, named as Erlang names
// it in the map form of a cipher suite.
type KeyExchange uint8

// Key exchange methods. KXAny is the TLS 1.3 value: the key exchange is not
// part of a TLS 1.3 suite.
const (
	KXNull KeyExchange = iota
	KXRSA
	KXDHERSA
	KXDHEDSS
	KXDHAnon
	KXECDHERSA
	KXECDHEECDSA
	KXECDHRSA
	KXECDHECDSA
	KXECDHAnon
	KXPSK
	KXDHEPSK
	KXRSAPSK
	KXECDHEPSK
	KXSRPAnon
	KXSRPRSA
	KXSRPDSS
	KXAny
)

var kxNames = [...]string{
	KXNull:       "null",
	KXRSA:        "rsa",
	KXDHERSA:     "dhe_rsa",
	KXDHEDSS:     "dhe_dss",
	KXDHAnon:     "dh_anon",
	KXECDHERSA:   "ecdhe_rsa",
	KXECDHEECDSA: "ecdhe_ecdsa",
	KXECDHRSA:    "ecdh_rsa",
	KXECDHECDSA:  "ecdh_ecdsa",
	KXECDHAnon:   "ecdh_anon",
	KXPSK:        "psk",
	KXDHEPSK:     "dhe_psk",
	KXRSAPSK:     "rsa_psk",
	KXECDHEPSK:   "ecdhe_psk",
	KXSRPAnon:    "srp_anon",
	KXSRPRSA:     "srp_rsa",
	KXSRPDSS:     "srp_dss",
	KXAny:        "any",
}

// String returns the Erlang atom ("ecdhe_rsa").
func (k KeyExchange) String() string {
	if int(k) < len(kxNames) {
		return kxNames[k]
	}
	return "unknown"
}

// ForwardSecret reports whether the key exchange uses ephemeral keys, so
// that a later compromise of a long-term key does not reveal the traffic.
func (k KeyExchange) ForwardSecret() bool {
	switch k {
	case KXDHERSA, KXDHEDSS, KXDHAnon, KXECDHERSA, KXECDHEECDSA, KXECDHAnon,
		KXDHEPSK, KXECDHEPSK, KXAny:
		return true
	}
	return false
}

// Anonymous reports whether the server is not authenticated at all.
func (k KeyExchange) Anonymous() bool {
	return k == KXDHAnon || k == KXECDHAnon || k == KXSRPAnon || k == KXNull
}

// Bulk is the bulk encryption algorithm of a suite, named as Erlang names
// it.
type Bulk uint8

// Bulk ciphers.
const (
	BulkNull Bulk = iota
	BulkRC4128
	BulkDESCBC
	Bulk3DESEDECBC
	BulkAES128CBC
	BulkAES256CBC
	BulkAES128GCM
	BulkAES256GCM
	BulkChaCha20Poly1305
	BulkAES128CCM
	BulkAES256CCM
	BulkAES128CCM8
	BulkAES256CCM8
)

// BulkKind says how a bulk cipher protects a record.
type BulkKind uint8

// Kinds of bulk protection.
const (
	KindNull   BulkKind = iota // no encryption, MAC only
	KindStream                 // RC4 with a MAC
	KindBlock                  // CBC with a MAC (MAC-then-encrypt)
	KindAEAD                   // authenticated encryption
)

// BulkParams are the sizes that the record layer and the key block
// expansion need for one bulk cipher.
type BulkParams struct {
	Name string   // Erlang atom
	Kind BulkKind // how records are protected
	// KeyLen is the encryption key length in bytes.
	KeyLen int
	// BlockSize is the cipher block size for CBC ciphers (0 otherwise).
	BlockSize int
	// FixedIVLen is the length of the IV taken from the key block in TLS
	// 1.0-1.2: the CBC IV for SSL 3.0 and TLS 1.0, the salt of an AEAD
	// nonce (4 for GCM and CCM per RFC 5288 and RFC 6655, 12 for
	// ChaCha20-Poly1305 per RFC 7905). TLS 1.1 and 1.2 CBC suites derive
	// no IV (it is explicit in each record) and ignore this field.
	FixedIVLen int
	// ExplicitNonceLen is the per-record explicit nonce of TLS 1.2 AEAD
	// suites (8 for GCM and CCM, 0 for ChaCha20-Poly1305).
	ExplicitNonceLen int
	// TagLen is the AEAD authentication tag length (16, or 8 for CCM_8).
	TagLen int
}

var bulkParams = [...]BulkParams{
	BulkNull:             {Name: "null", Kind: KindNull},
	BulkRC4128:           {Name: "rc4_128", Kind: KindStream, KeyLen: 16},
	BulkDESCBC:           {Name: "des_cbc", Kind: KindBlock, KeyLen: 8, BlockSize: 8, FixedIVLen: 8},
	Bulk3DESEDECBC:       {Name: "3des_ede_cbc", Kind: KindBlock, KeyLen: 24, BlockSize: 8, FixedIVLen: 8},
	BulkAES128CBC:        {Name: "aes_128_cbc", Kind: KindBlock, KeyLen: 16, BlockSize: 16, FixedIVLen: 16},
	BulkAES256CBC:        {Name: "aes_256_cbc", Kind: KindBlock, KeyLen: 32, BlockSize: 16, FixedIVLen: 16},
	BulkAES128GCM:        {Name: "aes_128_gcm", Kind: KindAEAD, KeyLen: 16, FixedIVLen: 4, ExplicitNonceLen: 8, TagLen: 16},
	BulkAES256GCM:        {Name: "aes_256_gcm", Kind: KindAEAD, KeyLen: 32, FixedIVLen: 4, ExplicitNonceLen: 8, TagLen: 16},
	BulkChaCha20Poly1305: {Name: "chacha20_poly1305", Kind: KindAEAD, KeyLen: 32, FixedIVLen: 12, TagLen: 16},
	BulkAES128CCM:        {Name: "aes_128_ccm", Kind: KindAEAD, KeyLen: 16, FixedIVLen: 4, ExplicitNonceLen: 8, TagLen: 16},
	BulkAES256CCM:        {Name: "aes_256_ccm", Kind: KindAEAD, KeyLen: 32, FixedIVLen: 4, ExplicitNonceLen: 8, TagLen: 16},
	BulkAES128CCM8:       {Name: "aes_128_ccm_8", Kind: KindAEAD, KeyLen: 16, FixedIVLen: 4, ExplicitNonceLen: 8, TagLen: 8},
	BulkAES256CCM8:       {Name: "aes_256_ccm_8", Kind: KindAEAD, KeyLen: 32, FixedIVLen: 4, ExplicitNonceLen: 8, TagLen: 8},
}

// Params returns the sizes of the bulk cipher.
func (b Bulk) Params() BulkParams {
	if int(b) < len(bulkParams) {
		return bulkParams[b]
	}
	return BulkParams{Name: "unknown"}
}

// String returns the Erlang atom ("aes_128_gcm").
func (b Bulk) String() string { return b.Params().Name }

// MAC is the record MAC algorithm of a suite; MACAEAD for AEAD suites.
type MAC uint8

// MAC algorithms.
const (
	MACNull MAC = iota
	MACMD5
	MACSHA1
	MACSHA256
	MACSHA384
	MACAEAD
)

var macNames = [...]string{
	MACNull:   "null",
	MACMD5:    "md5",
	MACSHA1:   "sha",
	MACSHA256: "sha256",
	MACSHA384: "sha384",
	MACAEAD:   "aead",
}

// String returns the Erlang atom ("sha" for SHA-1).
func (m MAC) String() string {
	if int(m) < len(macNames) {
		return macNames[m]
	}
	return "unknown"
}

// Size returns the MAC output length in bytes, which is also the MAC key
// length in TLS (RFC 5246, Section 6.2.3.1). It is 0 for MACNull and
// MACAEAD.
func (m MAC) Size() int {
	switch m {
	case MACMD5:
		return 16
	case MACSHA1:
		return 20
	case MACSHA256:
		return 32
	case MACSHA384:
		return 48
	}
	return 0
}

// PRF is the pseudo-random function of a suite, named as Erlang names it:
// PRFDefault is the MD5/SHA-1 PRF before TLS 1.2 and the SHA-256 PRF in
// TLS 1.2; PRFSHA256 and PRFSHA384 are the suites that fix their hash
// (all TLS 1.2-only suites, and the TLS 1.3 suites' HKDF hash).
type PRF uint8

// PRF functions.
const (
	PRFDefault PRF = iota
	PRFSHA256
	PRFSHA384
)

// String returns the Erlang atom ("default_prf", "sha256", "sha384").
func (p PRF) String() string {
	switch p {
	case PRFDefault:
		return "default_prf"
	case PRFSHA256:
		return "sha256"
	case PRFSHA384:
		return "sha384"
	}
	return "unknown"
}

// Suite is one cipher suite of the registry: its identity on the wire and
// in each naming scheme, its algorithms, and the protocol versions it may
// be negotiated in.
type Suite struct {
	// ID is the IANA code point.
	ID uint16
	// IANAName is the registry name ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256").
	IANAName string
	// OpenSSLName is OpenSSL's name ("ECDHE-RSA-AES128-GCM-SHA256"), or ""
	// when OpenSSL has none.
	OpenSSLName string

	// KeyExchange, Cipher, MAC and PRF are the suite's algorithms, the
	// four values of Erlang's map form of a suite. MAC is MACAEAD for AEAD
	// suites; PRF is the TLS 1.2 PRF hash, or the HKDF hash in TLS 1.3.
	KeyExchange KeyExchange
	Cipher      Bulk
	MAC         MAC
	PRF         PRF

	// MinVersion and MaxVersion bound the versions the suite is valid for.
	MinVersion, MaxVersion Version
}
