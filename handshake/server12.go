package handshake

// The server side of the SSL 3.0 and TLS 1.0-1.2 full handshake.
//
// RFC 5246, Section 7.3 (the same flow in RFC 4346, RFC 2246 and RFC
// 6101, Section 5.5):
//
//	Client                                               Server
//
//	ClientHello                  -------->
//	                                                ServerHello
//	                                               Certificate*
//	                                         ServerKeyExchange*
//	                                        CertificateRequest*
//	                             <--------      ServerHelloDone
//	Certificate*
//	ClientKeyExchange
//	CertificateVerify*
//	[ChangeCipherSpec]
//	NextProtocol*                  (draft-agl-tls-nextprotoneg)
//	Finished                     -------->
//	                                         [ChangeCipherSpec]
//	                             <--------             Finished
//	Application Data             <------->     Application Data
//
// The server's states, named as Erlang's ssl names them:
//
//	hello      waiting for the ClientHello; then the server chooses the
//	           version, suite, certificate and extensions and sends its
//	           flight
//	certify    the client's Certificate (when requested), then its
//	           ClientKeyExchange, may come
//	cipher     CertificateVerify (after a non-empty client Certificate),
//	           ChangeCipherSpec, NextProtocol (when negotiated) and
//	           Finished may come, in that order; then the server answers
//	           with its ChangeCipherSpec and Finished
//	connection the handshake is done (State, posthandshake.go)
//
// Each state is a type holding what is valid in it; its method reads the
// messages the state allows and returns the next state. Anything else is
// an unexpected_message (RFC 5246, Section 7.4); a ClientHello during the
// handshake too (no renegotiation inside a handshake).

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"slices"

	"golang.org/x/crypto/cryptobyte"
	cryptobyte_asn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/otpssl/ssl/cipher"
)

type serverHandshake struct {
	cfg   *Config
	hc    *hsConn
	state string
	// received is the ClientHello of a renegotiation, read by the
	// caller (renegotiation.go); nil on a first handshake.
	received *ClientHello
}

func (s *serverHandshake) run() (*State, error) {
	s.state = stateHello
	if v := s.cfg.versions(); len(v) == 1 && v[0] == cipher.VersionTLS13 {
		s.state = stateStart // Erlang's first state of a TLS 1.3-only server
	}
	hello, err := s.readClientHello()
	if err != nil {
		return nil, err
	}
	if hello.version == cipher.VersionTLS13 {
		return s.run13(hello)
	}
	if r, err := hello.resumption(); err != nil {
		return nil, err
	} else if r != nil {
		s.state = stateAbbreviated
		return r.run()
	}
	certify, err := hello.sendFlight()
	if err != nil {
		return nil, err
	}
	s.state = stateCertify
	ciph, err := certify.run()
	if err != nil {
		return nil, err
	}
	s.state = stateCipher
	st, err := ciph.run()
	if err != nil {
		ciph.issued.undo() // RFC 5246, Section 7.2.2 (resume12.go)
		return nil, err
	}
	return st, nil
}

// serverHello is the hello state after the ClientHello: everything the
// server chose.
type serverHello struct {
	cfg            *Config
	hc             *hsConn
	ch             *ClientHello
	version        cipher.Version
	maxVersion     cipher.Version // the highest version this server implements and allows
	choice         *suiteChoice
	kx             KeyAgreement
	ems            bool
	secureReneg    bool
	alpn           string
	npnAdvertise   bool
	requestCert    bool
	clientRandom   [32]byte
	serverRandom   [32]byte
	sessionID      []byte
	clientVersion  cipher.Version
	serverNameSeen string
	sendTicket     bool // a NewSessionTicket is sent (resume12.go)
}

// readClientHello reads and checks the ClientHello (RFC 5246, Section
// 7.4.1.2) and makes the server's choices.
func (s *serverHandshake) readClientHello() (*serverHello, error) {
	ch, err := s.received, error(nil)
	if ch == nil {
		if ch, err = s.hc.readClientHello(); err != nil {
			return nil, err
		}
	}
	// RFC 5246, Section 7.4.1.2: the null compression method must be
	// offered.
	if !ch.HasNullCompression() {
		return nil, causef(ErrIllegalParameter, "client does not offer the null compression method")
	}
	cfg := s.cfg
	// RFC 6066, Section 3: the server name selects the configuration
	// (Erlang's sni_hosts and sni_fun) before anything is chosen.
	if ch.ServerName != "" && cfg.SNI != nil {
		nc, err := cfg.SNI(ch.ServerName)
		if err != nil {
			return nil, causef(ErrConfig, "configuration for server name %q: %v", ch.ServerName, err)
		}
		if nc != nil {
			cfg = nc
			s.cfg = nc
		}
	}
	h := &serverHello{cfg: cfg, hc: s.hc, ch: ch, clientRandom: ch.Random, serverNameSeen: ch.ServerName}
	if err := h.negotiateVersion(); err != nil {
		return nil, err
	}
	if err := h.hc.rc.SetVersion(h.version); err != nil {
		return nil, err
	}
	if h.version == cipher.VersionTLS13 {
		// The TLS 1.3 machine makes its own choices (server13.go).
		return h, nil
	}
	// RFC 5746: the SCSV and renegotiation_info (renegotiation.go).
	if h.secureReneg, err = serverRenegotiationInfo(cfg, s.hc.reneg, ch); err != nil {
		return nil, err
	}
	// RFC 7627, Section 5.2.
	h.ems = ch.ExtendedMasterSecret && h.version >= cipher.VersionTLS10
	if h.choice, err = selectSuite(cfg, ch, h.version); err != nil {
		return nil, err
	}
	if h.kx, err = NewKeyAgreement(h.choice.suite.KeyExchange); err != nil {
		return nil, err
	}
	// RFC 7301, Section 3.2: the server's preference among the client's
	// protocols; none in common is a no_application_protocol.
	if len(ch.ALPNProtocols) > 0 && len(cfg.ALPN) > 0 && h.version >= cipher.VersionTLS10 {
		for _, p := range cfg.ALPN {
			if slices.Contains(ch.ALPNProtocols, p) {
				h.alpn = p
				break
			}
		}
		if h.alpn == "" {
			return nil, causef(ErrNoApplicationProtocol, "client offered %q", ch.ALPNProtocols)
		}
	}
	h.npnAdvertise = ch.NextProtoNeg && len(cfg.NextProtocolsAdvertised) > 0 && h.alpn == "" && h.version >= cipher.VersionTLS10
	// RFC 5246, Section 7.4.4: an anonymous server must not ask for a
	// certificate.
	h.requestCert = cfg.VerifyPeer && h.choice.cred != nil
	if err := cfg.randomBytes(h.serverRandom[:]); err != nil {
		return nil, err
	}
	// RFC 8446, Section 4.1.3: the downgrade sentinel, when this server
	// implements a higher version than it negotiated (the TLS 1.2 one as
	// soon as TLS 1.3 is among the versions it implements; until then the
	// TLS 1.1 one when it negotiates less than TLS 1.2).
	SetDowngradeSentinel(&h.serverRandom, h.maxVersion, h.version)
	if cfg.IssueSessionID {
		h.sessionID = make([]byte, 32)
		if err := cfg.randomBytes(h.sessionID); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// negotiateVersion chooses the version (RFC 5246, Appendix E.1; with
// supported_versions, RFC 8446, Section 4.2.1) and applies TLS_FALLBACK_SCSV
// (RFC 7507, Section 3).
func (h *serverHello) negotiateVersion() error {
	ours := h.cfg.versions()
	if len(ours) > 0 && ours[0] == cipher.VersionTLS13 && len(suites13Of(h.cfg)) == 0 {
		// TLS 1.3 is negotiated only with a TLS 1.3 suite configured.
		ours = ours[1:]
	}
	if len(ours) == 0 {
		return causef(ErrNoCommonVersion, "no configured version this handshake implements (SSL 3.0 to TLS 1.3)")
	}
	h.maxVersion = ours[0]
	ch := h.ch
	h.clientVersion = ch.Version
	var clientMax cipher.Version
	if len(ch.SupportedVersions) > 0 {
		// A client that sends supported_versions is negotiated by it
		// alone: the first version of its list this server accepts.
		for _, cv := range ch.SupportedVersions {
			if cv >= cipher.VersionSSL30 && cv <= cipher.VersionTLS13 && cv > clientMax {
				clientMax = cv
			}
			if h.version == 0 && slices.Contains(ours, cv) {
				h.version = cv
			}
		}
	} else {
		// RFC 8446, Section 4.2.1: without supported_versions the
		// client gets TLS 1.2 or older, whatever its legacy_version.
		clientMax = min(ch.Version, cipher.VersionTLS12)
		for _, v := range ours {
			if v <= clientMax {
				h.version = v
				break
			}
		}
	}
	if h.version == 0 {
		return causef(ErrNoCommonVersion, "client offers up to %s", clientMax)
	}
	if ch.HasFallbackSCSV() && clientMax < h.maxVersion {
		return causef(ErrInappropriateFallback, "client falls back to %s, server supports %s", clientMax, h.maxVersion)
	}
	return nil
}

// suiteChoice is a cipher suite with what it needs of the server.
type suiteChoice struct {
	suite  *cipher.Suite
	cred   *Credential // nil for anonymous suites
	scheme SignatureScheme
	group  NamedGroup // the curve of ECDHE and ecdh_anon
}

// selectSuite chooses the cipher suite (RFC 5246, Section 7.4.1.3): the
// first, in the client's order or with HonorCipherOrder the server's, that
// both offer, that is valid in the version, and that this server can
// complete: a certificate whose key fits the key exchange, a curve the
// client supports (RFC 8422, Section 5.1: also the curve of an ECDSA
// certificate), a signature scheme the client accepts (TLS 1.2).
func selectSuite(cfg *Config, ch *ClientHello, v cipher.Version) (*suiteChoice, error) {
	var order []*cipher.Suite
	if cfg.HonorCipherOrder {
		for _, s := range cfg.Suites {
			if s != nil && ch.HasCipherSuite(s.ID) {
				order = append(order, s)
			}
		}
	} else {
		for _, id := range ch.CipherSuites {
			for _, s := range cfg.Suites {
				if s != nil && s.ID == id {
					order = append(order, s)
					break
				}
			}
		}
	}
	for _, s := range order {
		if s.TLS13() || !s.ValidFor(v) || !kxImplemented(s.KeyExchange) {
			continue
		}
		if c, err := fitSuite(cfg, ch, v, s); err != nil {
			return nil, err
		} else if c != nil {
			return c, nil
		}
	}
	return nil, causef(ErrNoCommonSuite, "none of the client's %d suites fits this server in %s", len(ch.CipherSuites), v)
}

// fitSuite returns how the server completes suite s, or nil when it
// cannot.
func fitSuite(cfg *Config, ch *ClientHello, v cipher.Version, s *cipher.Suite) (*suiteChoice, error) {
	kx := s.KeyExchange
	c := &suiteChoice{suite: s}
	if usesECC(kx) {
		// RFC 8422, Section 5.1.2: the uncompressed format is the one
		// this library speaks.
		if ch.ECPointFormats != nil && !slices.Contains(ch.ECPointFormats, PointFormatUncompressed) {
			return nil, nil
		}
	}
	switch kx {
	case cipher.KXECDHERSA, cipher.KXECDHEECDSA, cipher.KXECDHAnon:
		g, ok := NegotiateGroup(ch.SupportedGroups, cfg.eccs(), cfg.HonorEccOrder, func(g NamedGroup) bool { return g.IsEC() })
		if !ok {
			return nil, nil
		}
		c.group = g
	}
	if kx.Anonymous() {
		return c, nil
	}
	for i := range cfg.Certificates {
		cr := &cfg.Certificates[i]
		if len(cr.Chain) == 0 || cr.Key == nil {
			continue
		}
		leaf, err := cr.leaf()
		if err != nil {
			return nil, err
		}
		pub := cr.Key.Public()
		if !keyFitsMethod(kx, v, cr.Key, leaf) {
			continue
		}
		if ep, ok := pub.(*ecdsa.PublicKey); ok && ch.SupportedGroups != nil {
			if !slices.Contains(ch.SupportedGroups, ecdsaGroup(ep)) {
				continue
			}
		}
		switch kx {
		case cipher.KXRSA, cipher.KXECDHRSA, cipher.KXECDHECDSA:
			// No ServerKeyExchange signature.
		default:
			if v >= cipher.VersionTLS12 {
				scheme, err := SelectSignatureScheme(v, pub, ch.SignatureAlgorithms, cfg.sigAlgs())
				if err != nil {
					continue
				}
				c.scheme = scheme
			} else if _, err := LegacySignatureHash(pub); err != nil {
				continue
			}
		}
		c.cred = cr
		return c, nil
	}
	return nil, nil
}

// keyFitsMethod reports whether a certificate and key can serve key
// exchange kx in version v: an RSA key (that can decrypt, for rsa) for the
// RSA methods, ECDSA (or Ed25519 from TLS 1.2, RFC 8422, Section 2.2) for
// ecdhe_ecdsa, DSA for dhe_dss, and for static ECDH an ECDSA key on a NIST
// curve in a certificate signed with ECDSA (ecdh_ecdsa) or RSA (ecdh_rsa),
// a restriction TLS 1.2 lifts (RFC 4492, Section 2; RFC 5246, Section
// 7.4.2).
func keyFitsMethod(kx cipher.KeyExchange, v cipher.Version, key crypto.Signer, leaf *x509.Certificate) bool {
	pub := key.Public()
	switch kx {
	case cipher.KXRSA:
		_, isRSA := pub.(*rsa.PublicKey)
		_, dec := key.(crypto.Decrypter)
		return isRSA && dec
	case cipher.KXDHERSA, cipher.KXECDHERSA:
		_, ok := pub.(*rsa.PublicKey)
		return ok
	case cipher.KXECDHEECDSA:
		switch pub.(type) {
		case *ecdsa.PublicKey:
			return true
		case ed25519.PublicKey:
			return v >= cipher.VersionTLS12
		}
	case cipher.KXDHEDSS:
		return isDSAKey(pub)
	case cipher.KXECDHECDSA, cipher.KXECDHRSA:
		ep, ok := pub.(*ecdsa.PublicKey)
		if !ok || ecdsaGroup(ep) == 0 {
			return false
		}
		if _, ok := key.(*ecdsa.PrivateKey); !ok {
			return false
		}
		if v >= cipher.VersionTLS12 {
			return true
		}
		switch leaf.SignatureAlgorithm {
		case x509.ECDSAWithSHA1, x509.ECDSAWithSHA256, x509.ECDSAWithSHA384, x509.ECDSAWithSHA512:
			return kx == cipher.KXECDHECDSA
		case x509.SHA1WithRSA, x509.SHA256WithRSA, x509.SHA384WithRSA, x509.SHA512WithRSA, x509.MD5WithRSA,
			x509.SHA256WithRSAPSS, x509.SHA384WithRSAPSS, x509.SHA512WithRSAPSS:
			return kx == cipher.KXECDHRSA
		}
	}
	return false
}

// ecdsaGroup returns the named group of an ECDSA key's curve, or 0.
func ecdsaGroup(k *ecdsa.PublicKey) NamedGroup {
	switch k.Curve {
	case elliptic.P256():
		return Secp256r1
	case elliptic.P384():
		return Secp384r1
	case elliptic.P521():
		return Secp521r1
	}
	return 0
}

// sendFlight sends ServerHello, Certificate, ServerKeyExchange,
// CertificateRequest and ServerHelloDone (RFC 5246, Sections 7.4.1.3 to
// 7.4.5).
func (h *serverHello) sendFlight() (*serverCertify, error) {
	hc, v, cfg, suite := h.hc, h.version, h.cfg, h.choice.suite
	sh := &ServerHello{
		Version:           v,
		Random:            h.serverRandom,
		SessionID:         h.sessionID,
		CipherSuite:       suite.ID,
		CompressionMethod: CompressionNull,
	}
	if h.secureReneg {
		sh.SecureRenegotiationSupported = true
		sh.SecureRenegotiation = serverRenegotiationReply(hc.reneg)
	}
	if v >= cipher.VersionTLS10 {
		sh.ExtendedMasterSecret = h.ems
		sh.ServerNameAck = h.serverNameSeen != "" // RFC 6066, Section 3
		if usesECC(suite.KeyExchange) && len(h.ch.ECPointFormats) > 0 {
			sh.ECPointFormats = []uint8{PointFormatUncompressed}
		}
		sh.ALPNProtocol = h.alpn
		if h.npnAdvertise {
			sh.NextProtoNeg = true
			sh.NextProtos = cfg.NextProtocolsAdvertised
		}
		sh.TicketSupported = h.sendTicket
	}
	hc.tr.setSuite(v, suite)
	if !h.requestCert {
		hc.tr.release()
	}
	if err := hc.write(sh); err != nil {
		return nil, err
	}
	if cr := h.choice.cred; cr != nil {
		if err := hc.write(NewCertificate(v, cr.Chain)); err != nil {
			return nil, err
		}
	}
	params := &ServerKXParams{
		Version:         v,
		ClientVersion:   h.clientVersion,
		ClientRandom:    h.clientRandom[:],
		ServerRandom:    h.serverRandom[:],
		Rand:            cfg.Rand,
		SignatureScheme: h.choice.scheme,
		Group:           h.choice.group,
		DHParams:        cfg.DHParams,
	}
	if h.choice.cred != nil {
		params.Key = h.choice.cred.Key
	}
	if h.kx.ServerKeyExchangeUse() != MessageNever {
		body, err := h.kx.GenerateServerKeyExchange(params)
		if err != nil {
			return nil, err
		}
		if body != nil {
			if err := hc.write(&ServerKeyExchange{Body: body}); err != nil {
				return nil, err
			}
		}
	}
	var requested []SignatureScheme
	if h.requestCert {
		req := &CertificateRequest{Version: v, CertificateTypes: []uint8{CertTypeRSASign, CertTypeECDSASign, CertTypeDSSSign}}
		if v == cipher.VersionSSL30 {
			req.CertificateTypes = []uint8{CertTypeRSASign, CertTypeDSSSign}
		}
		if v >= cipher.VersionTLS12 {
			requested = cfg.sigAlgs()
			req.SignatureAlgorithms = requested
		}
		if !cfg.OmitCANames {
			req.CertificateAuthorities = caNames(cfg.PathOptions.TrustedCerts)
		}
		if err := hc.write(req); err != nil {
			return nil, err
		}
	}
	if err := hc.write(&ServerHelloDone{}); err != nil {
		return nil, err
	}
	if err := hc.flush(); err != nil {
		return nil, err
	}
	return &serverCertify{hello: h, params: params, requested: requested}, nil
}

// maxCANamesLen bounds the certificate_authorities of a CertificateRequest
// (a 16-bit vector); names beyond it are left out.
const maxCANamesLen = 1<<16 - 1

// caNames returns the subject names of the trusted certificates, as DER,
// for a CertificateRequest: read from the DER without parsing the whole
// certificate, duplicates left out, at most maxCANamesLen bytes in all.
func caNames(trusted [][]byte) [][]byte {
	var out [][]byte
	total := 0
	seen := make(map[string]bool, len(trusted))
	for _, der := range trusted {
		name, ok := subjectOf(der)
		if !ok || seen[string(name)] {
			continue
		}
		if total+2+len(name) > maxCANamesLen {
			break
		}
		seen[string(name)] = true
		total += 2 + len(name)
		out = append(out, name)
	}
	return out
}

// subjectOf returns the DER of the subject Name of a certificate (RFC
// 5280, Section 4.1): the sixth field of the TBSCertificate, counting the
// optional version.
func subjectOf(der []byte) ([]byte, bool) {
	s := cryptobyte.String(der)
	var cert, tbs cryptobyte.String
	if !s.ReadASN1(&cert, cryptobyte_asn1.SEQUENCE) || !cert.ReadASN1(&tbs, cryptobyte_asn1.SEQUENCE) {
		return nil, false
	}
	if !tbs.SkipOptionalASN1(cryptobyte_asn1.Tag(0).Constructed().ContextSpecific()) ||
		!tbs.SkipASN1(cryptobyte_asn1.INTEGER) || // serialNumber
		!tbs.SkipASN1(cryptobyte_asn1.SEQUENCE) || // signature
		!tbs.SkipASN1(cryptobyte_asn1.SEQUENCE) || // issuer
		!tbs.SkipASN1(cryptobyte_asn1.SEQUENCE) { // validity
		return nil, false
	}
	var subject cryptobyte.String
	if !tbs.ReadASN1Element(&subject, cryptobyte_asn1.SEQUENCE) {
		return nil, false
	}
	return subject, true
}

// serverCertify is the certify state: the client's Certificate (when
// requested) and ClientKeyExchange may come.
type serverCertify struct {
	hello     *serverHello
	params    *ServerKXParams
	requested []SignatureScheme
}

func (c *serverCertify) run() (*serverCipher, error) {
	h := c.hello
	hc, v := h.hc, h.version
	var peer *verifiedPeer
	if h.requestCert {
		// RFC 5246, Section 7.4.6: the client answers a request with a
		// Certificate, possibly empty; an SSL 3.0 client may send a
		// no_certificate warning instead (RFC 6101, Section 5.6.6).
		typ, msg, err := hc.read(readOpts{noCertificate: v == cipher.VersionSSL30})
		var chain [][]byte
		switch {
		case err == errNoCertificateAlert:
		case err != nil:
			return nil, err
		case typ != TypeCertificate:
			return nil, unexpected(typ.String(), "expected certificate in state certify")
		default:
			cm, err := UnmarshalCertificate(msg, v)
			if err != nil {
				return nil, err
			}
			chain = cm.Chain()
		}
		if len(chain) == 0 {
			if h.cfg.FailIfNoPeerCert {
				return nil, causef(ErrPeerCertificateRequired, "client sent no certificate and fail_if_no_peer_cert is set")
			}
		} else if peer, err = verifyPeer(h.cfg, chain, false); err != nil {
			return nil, err
		}
	}
	if peer == nil {
		hc.tr.release()
	}
	typ, msg, err := hc.read(readOpts{})
	if err != nil {
		return nil, err
	}
	if typ != TypeClientKeyExchange {
		return nil, unexpected(typ.String(), "expected client_key_exchange in state certify")
	}
	cke, err := UnmarshalClientKeyExchange(msg)
	if err != nil {
		return nil, err
	}
	preMaster, err := h.kx.ProcessClientKeyExchange(c.params, cke.Body)
	if err != nil {
		return nil, err
	}
	master := masterSecret(v, h.choice.suite, preMaster, h.clientRandom, h.serverRandom, h.ems, hc.tr)
	clear(preMaster)
	if master == nil {
		return nil, causef(ErrConfig, "no master secret for %s", v)
	}
	return &serverCipher{hello: h, peer: peer, master: master, requested: c.requested}, nil
}

// serverCipher is the cipher state: CertificateVerify (when the client
// sent a certificate), ChangeCipherSpec, NextProtocol (when negotiated)
// and Finished may come.
type serverCipher struct {
	hello     *serverHello
	peer      *verifiedPeer
	master    []byte
	requested []SignatureScheme
	issued    *issuedSession // the session stored, undone if the last flight fails
}

func (c *serverCipher) run() (*State, error) {
	h := c.hello
	hc, v, suite := h.hc, h.version, h.choice.suite
	var proven *provenKey
	if c.peer != nil {
		// RFC 5246, Section 7.4.8: a client that sent a certificate
		// proves it holds the key.
		snap := hc.tr.snap()
		typ, msg, err := hc.read(readOpts{})
		if err != nil {
			return nil, err
		}
		if typ != TypeCertificateVerify {
			return nil, unexpected(typ.String(), "expected certificate_verify in state cipher")
		}
		cv, err := UnmarshalCertificateVerify(msg, v)
		if err != nil {
			return nil, err
		}
		if proven, err = verifyCertificateVerify(v, c.peer, cv, snap, c.master, c.requested); err != nil {
			return nil, err
		}
		hc.tr.release()
	}
	if err := hc.readCCS(); err != nil {
		return nil, err
	}
	keys := cipher.DeriveKeys(v, suite, c.master, h.clientRandom[:], h.serverRandom[:])
	if err := installKeys(v, suite, keys, false, false, hc.rc); err != nil {
		return nil, err
	}
	var npn string
	if h.npnAdvertise {
		typ, msg, err := hc.read(readOpts{})
		if err != nil {
			return nil, err
		}
		if typ != TypeNextProtocol {
			return nil, unexpected(typ.String(), "expected next_protocol in state cipher")
		}
		np, err := UnmarshalNextProtocol(msg)
		if err != nil {
			return nil, err
		}
		npn = np.Protocol
	}
	want, err := hc.tr.snap().finished(suite, c.master, true)
	if err != nil {
		return nil, err
	}
	fin, err := hc.readFinished("cipher")
	if err != nil {
		return nil, err
	}
	clientOK, err := checkFinished(fin, want)
	if err != nil {
		return nil, err
	}
	if c.issued, err = h.issueSession(c.master, proven); err != nil {
		return nil, err
	}
	if err := hc.writeCCS(); err != nil {
		return nil, err
	}
	if err := installKeys(v, suite, keys, false, true, hc.rc); err != nil {
		return nil, err
	}
	vd, err := hc.tr.snap().finished(suite, c.master, false)
	if err != nil {
		return nil, err
	}
	if err := hc.write(&Finished{VerifyData: vd}); err != nil {
		return nil, err
	}
	if err := hc.flush(); err != nil {
		return nil, err
	}
	st := &State{
		Version: v, Suite: suite, ServerName: h.serverNameSeen, ALPN: h.alpn, NPN: npn,
		SessionID: h.sessionID, ClientRandom: h.clientRandom, ServerRandom: h.serverRandom,
		MasterSecret: c.master, ExtendedMasterSecret: h.ems, SecureRenegotiation: h.secureReneg,
		ClientFinished: clientOK.verifyData, ServerFinished: vd, cfg: h.cfg,
	}
	info := h.kx.Info()
	st.Group, st.DHBits = info.Group, info.DHBits
	if proven != nil {
		st.PeerCertificates = proven.peer.chain
	}
	c.issued.apply(st)
	return st, nil
}
