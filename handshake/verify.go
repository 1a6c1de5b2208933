package handshake

import (
	"crypto"
	"crypto/subtle"
	"crypto/x509"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/record"
	"github.com/otpssl/ssl/x509path"
)

// Verification yields tokens (STYLE rule 6): a state that needs the
// peer's key takes a *verifiedPeer, which only verifyPeer makes, and a
// server's cipher state takes a *provenKey, which only
// verifyCertificateVerify makes. Skipping a check therefore does not
// compile.

// verifiedPeer is a peer certificate chain that passed path validation,
// or whose problems the verify fun accepted.
type verifiedPeer struct {
	chain [][]byte
	leaf  *x509.Certificate
	// UserState is the verify fun's last user state.
	userState any
}

// publicKey returns the peer certificate's key.
func (p *verifiedPeer) publicKey() crypto.PublicKey { return p.leaf.PublicKey }

// verifyPeer validates chain, the certificates of the peer's Certificate
// message, with the configuration's path options (RFC 5246, Section
// 7.4.2 and 7.4.6; RFC 5280, Section 6.1): the trusted certificates,
// depth, verify fun, partial_chain, CRLs and, on a client, the host name
// or address. The purpose is the peer's role: serverAuth when a client
// checks a server, clientAuth the other way, unless the options ask for
// x509path.AnyPurpose. A failure is an x509path.BadCertError (see
// pathValidationAlert); an empty chain is x509path.ErrEmptyChain.
func verifyPeer(cfg *Config, chain [][]byte, peerIsServer bool) (*verifiedPeer, error) {
	if len(chain) == 0 {
		return nil, x509path.ErrEmptyChain
	}
	opts := cfg.pathOptions()
	if opts.Purpose != x509path.AnyPurpose {
		opts.Purpose = x509path.ClientAuth
		if peerIsServer {
			opts.Purpose = x509path.ServerAuth
		}
	}
	res, err := x509path.Validate(chain, opts)
	if err != nil {
		return nil, err
	}
	if len(res.Path) == 0 || res.Path[0] == nil {
		return nil, causef(ErrConfig, "path validation returned no peer certificate")
	}
	return &verifiedPeer{chain: chain, leaf: res.Path[0], userState: res.UserState}, nil
}

// provenKey says the client proved it holds the private key of the
// certificate it sent: its CertificateVerify checked out.
type provenKey struct{ peer *verifiedPeer }

// verifyCertificateVerify checks a client's CertificateVerify (RFC 5246,
// Section 7.4.8; RFC 4346 and RFC 2246, Section 7.4.8; RFC 6101, Section
// 5.6.8) against the transcript before it (snap) and the key of the
// verified peer. In TLS 1.2 the scheme must be one the server listed in
// its CertificateRequest (requested); a scheme outside it, or one that
// does not fit the key, is an illegal_parameter, a bad signature a
// decrypt_error.
func verifyCertificateVerify(v cipher.Version, peer *verifiedPeer, cv *CertificateVerify, snap *snapshot, master []byte, requested []SignatureScheme) (*provenKey, error) {
	pub := peer.publicKey()
	switch {
	case v == cipher.VersionSSL30:
		if snap.err != nil {
			return nil, snap.err
		}
		digest, err := cipher.SSL3CertificateVerifyHash(master, snap.md5, snap.sha1)
		if err != nil {
			return nil, causef(ErrConfig, "SSL 3.0 CertificateVerify hash: %v", err)
		}
		h, err := LegacySignatureHash(pub)
		if err != nil {
			return nil, alertf(record.UnsupportedCertificate, "%v", err)
		}
		if h != crypto.MD5SHA1 {
			digest = digest[16:] // DSA and ECDSA sign the SHA-1 half
		}
		if err := VerifyDigest(pub, v, 0, digest, cv.Signature); err != nil {
			return nil, err
		}
	default:
		if v >= cipher.VersionTLS12 && !schemeIn(cv.SignatureScheme, requested) {
			return nil, causef(ErrIllegalParameter, "CertificateVerify signed with %s, which the CertificateRequest did not list", cv.SignatureScheme)
		}
		if snap.msgs == nil {
			return nil, causef(ErrConfig, "transcript messages not kept for CertificateVerify")
		}
		if err := Verify(pub, v, cv.SignatureScheme, snap.msgs, cv.Signature); err != nil {
			return nil, err
		}
	}
	return &provenKey{peer: peer}, nil
}

// signCertificateVerify makes this client's CertificateVerify signature
// over the transcript so far.
func signCertificateVerify(cfg *Config, v cipher.Version, key crypto.Signer, scheme SignatureScheme, snap *snapshot, master []byte) ([]byte, error) {
	if v == cipher.VersionSSL30 {
		if snap.err != nil {
			return nil, snap.err
		}
		digest, err := cipher.SSL3CertificateVerifyHash(master, snap.md5, snap.sha1)
		if err != nil {
			return nil, causef(ErrConfig, "SSL 3.0 CertificateVerify hash: %v", err)
		}
		h, err := LegacySignatureHash(key.Public())
		if err != nil {
			return nil, causef(ErrConfig, "%v", err)
		}
		if h != crypto.MD5SHA1 {
			digest = digest[16:]
		}
		return SignDigest(cfg.rand(), key, v, 0, digest)
	}
	if snap.msgs == nil {
		return nil, causef(ErrConfig, "transcript messages not kept for CertificateVerify")
	}
	return Sign(cfg.rand(), key, v, scheme, snap.msgs)
}

// finishedVerified says the peer's Finished matched the transcript: the
// handshake is authentic and the connection may start.
type finishedVerified struct{ verifyData []byte }

// readFinished reads the peer's next handshake message, which must be
// its Finished, in the state named state (unexpected_message otherwise).
func (hc *hsConn) readFinished(state string) (*Finished, error) {
	typ, msg, err := hc.read(readOpts{})
	if err != nil {
		return nil, err
	}
	if typ != TypeFinished {
		return nil, unexpected(typ.String(), "expected finished in state "+state)
	}
	return UnmarshalFinished(msg)
}

// checkFinished compares the peer's Finished with the expected verify_data
// in constant time (RFC 5246, Section 7.4.9: decrypt_error on a mismatch).
func checkFinished(got *Finished, want []byte) (*finishedVerified, error) {
	if len(got.VerifyData) != len(want) || subtle.ConstantTimeCompare(got.VerifyData, want) != 1 {
		return nil, causef(ErrBadFinished, "the peer's Finished does not match the handshake")
	}
	return &finishedVerified{verifyData: append([]byte(nil), got.VerifyData...)}, nil
}
