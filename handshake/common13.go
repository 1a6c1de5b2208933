package handshake

// Pieces of the TLS 1.3 handshake that the client and the server share:
// the suites and groups a side can use, CertificateVerify made and
// checked, and the choice of a certificate for the peer's signature
// algorithms.

import (
	"slices"

	"github.com/otpssl/ssl/cipher"
)

// Erlang's state names of the TLS 1.3 handshake (RFC 8446, Appendix A),
// as they appear in alert texts. Both sides end in stateConnection.
const (
	stateStart        = "start"
	stateWaitSH       = "wait_sh"
	stateWaitEE       = "wait_ee"
	stateWaitCertCR   = "wait_cert_cr"
	stateWaitCert     = "wait_cert"
	stateWaitCV       = "wait_cv"
	stateWaitFinished = "wait_finished"
	stateNegotiated   = "negotiated"
	stateWaitEOED     = "wait_eoed" // 0-RTT, with session resumption
)

// suites13Of returns the configured TLS 1.3 suites, in order.
func suites13Of(cfg *Config) []*cipher.Suite {
	var out []*cipher.Suite
	for _, s := range cfg.Suites {
		if s != nil && s.TLS13() {
			out = append(out, s)
		}
	}
	return out
}

// groups13 returns the configured TLS 1.3 groups this library implements.
func (c *Config) groups13() []NamedGroup {
	list := c.Groups
	if list == nil {
		list = DefaultGroups()
	}
	var out []NamedGroup
	for _, g := range list {
		if g.Supported() && g.AllowedIn(cipher.VersionTLS13) && !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	return out
}

// signatureVerified says the peer's CertificateVerify proved it holds the
// key of its verified certificate (STYLE rule 6): the Finished states take
// it.
type signatureVerified struct{ peer *verifiedPeer }

// verifyCertificateVerify13 checks a TLS 1.3 CertificateVerify (RFC 8446,
// Section 4.4.3) from the peer whose certificate passed validation: the
// scheme must be one this side offered (offered: our
// signature_algorithms) and fit the key (illegal_parameter otherwise), and
// the signature must cover the content of the peer's role over
// transcriptHash, the hash up to and including its Certificate
// (decrypt_error otherwise).
func verifyCertificateVerify13(peer *verifiedPeer, cv *CertificateVerify, transcriptHash []byte, fromServer bool, offered []SignatureScheme) (*signatureVerified, error) {
	if !schemeIn(cv.SignatureScheme, offered) {
		return nil, causef(ErrIllegalParameter, "CertificateVerify signed with %s, which was not offered", cv.SignatureScheme)
	}
	content := CertificateVerifyContent(fromServer, transcriptHash)
	if err := Verify(peer.publicKey(), cipher.VersionTLS13, cv.SignatureScheme, content, cv.Signature); err != nil {
		return nil, err
	}
	return &signatureVerified{peer: peer}, nil
}

// signCertificateVerify13 makes this side's CertificateVerify over
// transcriptHash (RFC 8446, Section 4.4.3).
func signCertificateVerify13(cfg *Config, cr *Credential, scheme SignatureScheme, transcriptHash []byte, server bool) (*CertificateVerify, error) {
	sig, err := Sign(cfg.rand(), cr.Key, cipher.VersionTLS13, scheme, CertificateVerifyContent(server, transcriptHash))
	if err != nil {
		return nil, err
	}
	return &CertificateVerify{Version: cipher.VersionTLS13, SignatureScheme: scheme, Signature: sig}, nil
}

// selectCredential13 returns the first of this side's certificates whose
// key can sign with a scheme of the peer's list (peer) that this side
// allows, in TLS 1.3 (RFC 8446, Section 4.4.2.2), preferring one whose
// chain names one of caNames (the peer's certificate_authorities). It
// returns nil when none fits.
func selectCredential13(cfg *Config, peer []SignatureScheme, caNames [][]byte) (*Credential, SignatureScheme, error) {
	var fallback *Credential
	var fallbackScheme SignatureScheme
	for i := range cfg.Certificates {
		cr := &cfg.Certificates[i]
		if len(cr.Chain) == 0 || cr.Key == nil {
			continue
		}
		l, err := cr.leaf()
		if err != nil {
			return nil, 0, err
		}
		scheme, err := SelectSignatureScheme(cipher.VersionTLS13, cr.Key.Public(), peer, cfg.sigAlgs())
		if err != nil {
			continue
		}
		if len(caNames) == 0 || chainNamesCA(cr, l, caNames) {
			return cr, scheme, nil
		}
		if fallback == nil {
			fallback, fallbackScheme = cr, scheme
		}
	}
	return fallback, fallbackScheme, nil
}

// certificateExtensions checks the extensions of the entries of a TLS
// 1.3 Certificate against what this side asked for: it asks for neither
// OCSP stapling nor SCTs, so either is an unsupported_extension (RFC 8446,
// Section 4.4.2: the extensions must answer ones of the ClientHello or
// CertificateRequest), and so is any other extension.
func certificateExtensions(cm *Certificate) error {
	for _, e := range cm.Entries {
		switch {
		case len(e.OCSPResponse) > 0:
			return causef(ErrUnsupportedExtension, "certificate entry with status_request, which was not asked for")
		case len(e.SCTs) > 0:
			return causef(ErrUnsupportedExtension, "certificate entry with signed_certificate_timestamp, which was not asked for")
		case len(e.Unknown) > 0:
			return causef(ErrUnsupportedExtension, "certificate entry with %s", e.Unknown[0].Type)
		}
	}
	return nil
}

// testHooks let tests shape the messages a side builds, so that the
// handshakes of other implementations, whose extension choices and orders
// differ, can be replayed byte for byte (RFC 8448). They are set only by
// tests (export_test.go); everything else a replay needs, the randomness
// and the keys, comes through Config.Rand and the credentials.
type testHooks struct {
	clientHello         func(*ClientHello)
	serverHello         func(*ServerHello)
	encryptedExtensions func(*EncryptedExtensions)
	certificateRequest  func(*CertificateRequest)
	// cookie makes the cookie of a HelloRetryRequest from the hash of
	// ClientHello1, in place of the server's own.
	cookie func(helloHash []byte) []byte
}

// state13 is one state of a TLS 1.3 client or server.
type state13 interface {
	// name is Erlang's name of the state.
	name() string
	// next reads or sends what the state does and returns the next
	// state, or the outcome once the handshake is done.
	next() (state13, *State, error)
}

// run13 steps a TLS 1.3 handshake from st until it ends, keeping the
// name of the state it is in (for alerts and errors) in *cur.
func run13(st state13, cur *string) (*State, error) {
	for {
		*cur = st.name()
		next, out, err := st.next()
		if err != nil {
			return nil, err
		}
		if out != nil {
			*cur = stateConnection
			return out, nil
		}
		st = next
	}
}
