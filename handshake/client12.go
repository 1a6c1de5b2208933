package handshake

// The client side of the SSL 3.0 and TLS 1.0-1.2 full handshake.
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
// The client's states, named as Erlang's ssl names them:
//
//	hello      the ClientHello is sent; ServerHello may come
//	certify    Certificate, ServerKeyExchange, CertificateRequest and
//	           ServerHelloDone may come, in that order, as the suite
//	           requires; then the client sends its flight
//	cipher     ChangeCipherSpec, then Finished, may come
//	connection the handshake is done (State, posthandshake.go)
//
// Each state is a type holding what is valid in it; its method reads the
// messages the state allows and returns the next state. Anything else is
// an unexpected_message (RFC 5246, Section 7.4). A HelloRequest is
// ignored throughout (RFC 5246, Section 7.4.1.1), warning alerts too.

import (
	"crypto/x509"
	"slices"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/record"
	"github.com/otpssl/ssl/session"
)

type clientHandshake struct {
	cfg   *Config
	hc    *hsConn
	state string
}

func (c *clientHandshake) run() (*State, error) {
	c.state = stateHello
	hello, err := c.sendHello()
	if err != nil {
		return nil, err
	}
	if hello.offer13 != nil {
		return c.run13(hello)
	}
	certify, err := hello.readServerHello()
	if err != nil {
		return nil, err
	}
	return c.finish12(certify)
}

// finish12 runs the certify and cipher states.
func (c *clientHandshake) finish12(certify *clientCertify) (*State, error) {
	if certify.resumed != nil {
		c.state = stateAbbreviated
		return certify.abbreviated()
	}
	c.state = stateCertify
	ciph, err := certify.run()
	if err != nil {
		return nil, err
	}
	c.state = stateCipher
	return ciph.run()
}

// clientHello is the hello state: the ClientHello is sent.
type clientHello struct {
	cfg      *Config
	hc       *hsConn
	hello    *ClientHello
	versions []cipher.Version // acceptable, highest first
	suites   []*cipher.Suite  // offered
	groups   []NamedGroup     // the curves a TLS 1.2 server may choose, or nil
	schemes  []SignatureScheme
	offer13  *clientOffer13 // the TLS 1.3 part of the offer, or nil

	// Resumption (resume12.go): whether session_ticket is sent, and
	// the session offered with the ID it is offered under.
	tickets          bool
	offered          *session.Session
	offeredID        []byte
	offeredFromCache bool
}

// clientSuites returns the configured suites a client can offer for the
// versions: valid in one of them, with a key exchange this package
// implements.
func clientSuites(cfg *Config, versions []cipher.Version) []*cipher.Suite {
	var out []*cipher.Suite
	for _, s := range cfg.Suites {
		if s == nil || s.TLS13() || !kxImplemented(s.KeyExchange) {
			continue
		}
		for _, v := range versions {
			if s.ValidFor(v) {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

// kxImplemented reports whether NewKeyAgreement knows the method.
func kxImplemented(k cipher.KeyExchange) bool {
	switch k {
	case cipher.KXRSA, cipher.KXDHERSA, cipher.KXDHEDSS, cipher.KXDHAnon,
		cipher.KXECDHERSA, cipher.KXECDHEECDSA, cipher.KXECDHAnon, cipher.KXECDHRSA, cipher.KXECDHECDSA:
		return true
	}
	return false
}

// usesECC reports whether the key exchange uses elliptic curves.
func usesECC(k cipher.KeyExchange) bool {
	switch k {
	case cipher.KXECDHERSA, cipher.KXECDHEECDSA, cipher.KXECDHAnon, cipher.KXECDHRSA, cipher.KXECDHECDSA:
		return true
	}
	return false
}

// sendHello builds and sends the ClientHello (RFC 5246, Section 7.4.1.2;
// with TLS 1.3, RFC 8446, Section 4.1.2: offer13 adds its part).
func (c *clientHandshake) sendHello() (*clientHello, error) {
	cfg := c.cfg
	versions := cfg.versions()
	if len(versions) == 0 {
		return nil, causef(ErrNoCommonVersion, "no configured version this handshake implements (SSL 3.0 to TLS 1.3)")
	}
	var suites13 []*cipher.Suite
	if versions[0] == cipher.VersionTLS13 {
		// TLS 1.3 is offered when a TLS 1.3 suite is configured.
		if suites13 = suites13Of(cfg); len(suites13) == 0 {
			versions = versions[1:]
		}
	}
	if len(versions) == 0 {
		return nil, causef(ErrNoCommonVersion, "TLS 1.3 alone is configured, without a TLS 1.3 cipher suite")
	}
	legacy := versions
	if len(suites13) > 0 {
		legacy = versions[1:]
	}
	suites := clientSuites(cfg, legacy)
	if len(suites) == 0 && len(suites13) == 0 {
		return nil, causef(ErrNoCommonSuite, "no configured cipher suite fits the configured versions")
	}
	if len(suites) == 0 {
		legacy = nil
	}
	maxV := versions[0]
	h := &ClientHello{
		Version:            maxV,
		CompressionMethods: []uint8{CompressionNull},
	}
	if err := cfg.randomBytes(h.Random[:]); err != nil {
		return nil, err
	}
	for _, s := range suites {
		h.CipherSuites = append(h.CipherSuites, s.ID)
	}
	st := &clientHello{cfg: cfg, hc: c.hc, hello: h, versions: versions, suites: suites}
	switch {
	case maxV == cipher.VersionSSL30:
		// An SSL 3.0 ClientHello has no extensions: the signalling
		// value stands for renegotiation_info (RFC 5746, Section 3.3).
		h.CipherSuites = append(h.CipherSuites, EmptyRenegotiationInfoSCSV)
	case len(legacy) == 0:
		// TLS 1.3 alone: none of the TLS 1.2 extensions.
	default:
		h.SecureRenegotiationSupported = true
		h.ExtendedMasterSecret = true // RFC 7627, Section 5.1: always offered
		h.ServerName = cfg.ServerName
		if slices.ContainsFunc(suites, func(s *cipher.Suite) bool { return usesECC(s.KeyExchange) }) {
			for _, g := range cfg.eccs() {
				if g.IsEC() {
					st.groups = append(st.groups, g)
				}
			}
			h.SupportedGroups = st.groups
			h.ECPointFormats = []uint8{PointFormatUncompressed}
		}
		if maxV >= cipher.VersionTLS12 {
			st.schemes = cfg.sigAlgs()
			h.SignatureAlgorithms = st.schemes
		}
		h.ALPNProtocols = cfg.ALPN
		h.NextProtoNeg = cfg.NextProtocols != nil
	}
	if len(suites13) > 0 {
		if err := c.offer13(st, h, suites13, legacy); err != nil {
			return nil, err
		}
	}
	if err := c.offerSession(st, h); err != nil {
		return nil, err
	}
	if cfg.Fallback {
		h.CipherSuites = append(h.CipherSuites, FallbackSCSV) // RFC 7507, Section 4
	}
	c.hc.reneg.renegotiationHello(h)
	if cfg.hooks != nil && cfg.hooks.clientHello != nil {
		cfg.hooks.clientHello(h)
	}
	if st.offer13 != nil {
		if err := st.offer13.bind(h); err != nil {
			return nil, err
		}
	}
	if err := c.hc.write(h); err != nil {
		return nil, err
	}
	if err := c.hc.flush(); err != nil {
		return nil, err
	}
	return st, nil
}

// clientNegotiated is what the hello messages settled.
type clientNegotiated struct {
	cfg               *Config
	hc                *hsConn
	version           cipher.Version
	clientVersion     cipher.Version
	suite             *cipher.Suite
	clientRandom      [32]byte
	serverRandom      [32]byte
	sessionID         []byte
	ems               bool
	secureRenegotiate bool
	serverName        string
	alpn              string
	npn               string // the protocol chosen by Next Protocol Negotiation
	groups            []NamedGroup
	schemes           []SignatureScheme
	ticketExpected    bool             // the server announced a NewSessionTicket
	resumed           *session.Session // the session the server resumes, or nil
}

// readServerHello reads the ServerHello and checks it against the
// ClientHello.
func (h *clientHello) readServerHello() (*clientCertify, error) {
	typ, msg, err := h.hc.read(readOpts{})
	if err != nil {
		return nil, err
	}
	if typ != TypeServerHello {
		return nil, unexpected(typ.String(), "expected server_hello in state hello")
	}
	sh, err := UnmarshalServerHello(msg)
	if err != nil {
		return nil, err
	}
	// RFC 8446, Section 4.2.1: a supported_versions the client did not
	// offer (it offered no TLS 1.3) is an illegal_parameter; so is a
	// HelloRetryRequest, which only a TLS 1.3 server sends.
	if sh.SupportedVersion != 0 || sh.IsHelloRetryRequest() {
		return nil, causef(ErrIllegalParameter, "TLS 1.3 ServerHello, and TLS 1.3 was not offered")
	}
	return h.serverHello12(sh)
}

// serverHello12 checks a ServerHello of TLS 1.2 or older against the
// ClientHello and goes on to the certify state.
func (h *clientHello) serverHello12(sh *ServerHello) (*clientCertify, error) {
	v := sh.Version
	// RFC 8446, Section 4.1.3: TLS 1.3 is chosen in supported_versions,
	// never in legacy_version.
	if v >= cipher.VersionTLS13 {
		return nil, causef(ErrIllegalParameter, "server chose %s in legacy_version", v)
	}
	// RFC 5246, Appendix E.1: a version the client does not support is a
	// protocol_version alert.
	if !slices.Contains(h.versions, v) {
		return nil, causef(ErrNoCommonVersion, "server chose %s", v)
	}
	// RFC 8446, Section 4.1.3: a client offering TLS 1.2 refuses a TLS 1.1
	// or lower ServerHello carrying the TLS 1.1 downgrade sentinel (and a
	// client offering TLS 1.3 either sentinel).
	maxV := h.versions[0]
	if dv, ok := DowngradeSentinel(sh.Random); ok {
		if (maxV >= cipher.VersionTLS13 && v <= cipher.VersionTLS12) ||
			(maxV == cipher.VersionTLS12 && v <= cipher.VersionTLS11 && dv == cipher.VersionTLS11) {
			return nil, causef(ErrDowngrade, "%s ServerHello with the %s downgrade sentinel", v, dv)
		}
	}
	// RFC 5246, Section 7.4.1.3: the suite must be one the client offered
	// (and, Section 7.4.1.4.1 and Appendix A.5, valid in the version).
	var suite *cipher.Suite
	for _, s := range h.suites {
		if s.ID == sh.CipherSuite {
			suite = s
			break
		}
	}
	if suite == nil {
		return nil, causef(ErrIllegalParameter, "server chose cipher suite %#04x, which was not offered", sh.CipherSuite)
	}
	if !suite.ValidFor(v) {
		return nil, causef(ErrIllegalParameter, "server chose %s, which is not valid in %s", suite, v)
	}
	if sh.CompressionMethod != CompressionNull {
		return nil, causef(ErrIllegalParameter, "server chose compression method %d, which was not offered", sh.CompressionMethod)
	}
	if len(sh.SessionID) > 32 {
		return nil, alertf(record.DecodeError, "session ID of %d bytes", len(sh.SessionID))
	}
	n := &clientNegotiated{
		cfg: h.cfg, hc: h.hc, version: v, clientVersion: h.hello.Version, suite: suite,
		clientRandom: h.hello.Random, serverRandom: sh.Random,
		sessionID: append([]byte(nil), sh.SessionID...),
		groups:    h.groups, schemes: h.schemes,
	}
	if err := n.serverExtensions(h.hello, sh); err != nil {
		return nil, err
	}
	if err := h.checkResumption(n, sh); err != nil {
		return nil, err
	}
	if err := h.hc.rc.SetVersion(v); err != nil {
		return nil, err
	}
	h.hc.tr.setSuite(v, suite)
	kx, err := NewKeyAgreement(suite.KeyExchange)
	if err != nil {
		return nil, err
	}
	return &clientCertify{clientNegotiated: n, kx: kx}, nil
}

// serverExtensions checks the ServerHello's extensions against what the
// ClientHello offered (RFC 5246, Section 7.4.1.4: unsupported_extension
// for one not offered) and records their outcome.
func (n *clientNegotiated) serverExtensions(ch *ClientHello, sh *ServerHello) error {
	if len(sh.Unknown) > 0 {
		return causef(ErrUnsupportedExtension, "server sent %s", sh.Unknown[0].Type)
	}
	notOffered := func(name string) error { return causef(ErrUnsupportedExtension, "server sent %s", name) }
	switch {
	case sh.ServerNameAck && ch.ServerName == "":
		return notOffered("server_name")
	case sh.MaxFragmentLength != 0:
		return notOffered("max_fragment_length")
	case sh.OCSPStapling:
		return notOffered("status_request")
	case len(sh.SCTs) > 0:
		return notOffered("signed_certificate_timestamp")
	case sh.EncryptThenMAC:
		return notOffered("encrypt_then_mac")
	case sh.RecordSizeLimit != 0:
		return notOffered("record_size_limit")
	case sh.TicketSupported && !ch.TicketSupported:
		return notOffered("session_ticket")
	case sh.HasSelectedIdentity || sh.KeyShare != nil || sh.SelectedGroup != 0 || len(sh.Cookie) > 0:
		return notOffered("a TLS 1.3 extension")
	case len(sh.ECPointFormats) > 0 && len(ch.ECPointFormats) == 0:
		return notOffered("ec_point_formats")
	case sh.ExtendedMasterSecret && !ch.ExtendedMasterSecret:
		return notOffered("extended_master_secret")
	case sh.ALPNProtocol != "" && len(ch.ALPNProtocols) == 0:
		return notOffered("application_layer_protocol_negotiation")
	case sh.NextProtoNeg && !ch.NextProtoNeg:
		return notOffered("next_protocol_negotiation")
	case sh.SecureRenegotiationSupported && !ch.SecureRenegotiationSupported && !ch.HasRenegotiationSCSV():
		return notOffered("renegotiation_info")
	}
	// RFC 8422, Section 5.2: the server's point formats must include the
	// uncompressed one.
	if len(sh.ECPointFormats) > 0 && !slices.Contains(sh.ECPointFormats, PointFormatUncompressed) {
		return causef(ErrIllegalParameter, "server's ec_point_formats lack the uncompressed format")
	}
	// RFC 7301, Section 3.2: the protocol must be one the client offered.
	if sh.ALPNProtocol != "" {
		if !slices.Contains(ch.ALPNProtocols, sh.ALPNProtocol) {
			return causef(ErrIllegalParameter, "server chose ALPN protocol %q, which was not offered", sh.ALPNProtocol)
		}
		if sh.NextProtoNeg {
			return causef(ErrIllegalParameter, "server answered both ALPN and next_protocol_negotiation")
		}
		n.alpn = sh.ALPNProtocol
	}
	// RFC 5746: renegotiation_info (renegotiation.go).
	secure, err := clientRenegotiationInfo(n.cfg, n.hc.reneg, sh)
	if err != nil {
		return err
	}
	n.secureRenegotiate = secure
	// RFC 7627, Section 5.2: the extended master secret is used when both
	// sides have it. It is not defined for SSL 3.0.
	n.ems = sh.ExtendedMasterSecret && n.version >= cipher.VersionTLS10
	// draft-agl-tls-nextprotoneg-04, Section 3: the client chooses now
	// and says so after ChangeCipherSpec (Erlang's
	// client_preferred_next_protocols).
	if sh.NextProtoNeg && n.version >= cipher.VersionTLS10 && n.cfg.NextProtocols != nil {
		p, err := selectNextProtocol(n.cfg.NextProtocols, sh.NextProtos)
		if err != nil {
			return err
		}
		n.npn = p
	}
	n.serverName = ch.ServerName
	return nil
}

// clientCertify is the certify state: the server's credentials and key
// exchange parameters may come.
type clientCertify struct {
	*clientNegotiated
	kx KeyAgreement
}

// kxParams returns the key exchange parameters of this side.
func (c *clientCertify) kxParams(peer *verifiedPeer) *ClientKXParams {
	p := &ClientKXParams{
		Version:          c.version,
		ClientVersion:    c.clientVersion,
		ClientRandom:     c.clientRandom[:],
		ServerRandom:     c.serverRandom[:],
		Rand:             c.cfg.Rand,
		Groups:           c.groups,
		SignatureSchemes: c.schemes,
		MinDHBits:        c.cfg.minDHBits(),
	}
	if p.Groups == nil {
		p.Groups = []NamedGroup{}
	}
	if peer != nil {
		p.ServerKey = peer.publicKey()
	}
	return p
}

func (c *clientCertify) run() (*clientCipher, error) {
	hc := c.hc
	typ, msg, err := hc.read(readOpts{})
	if err != nil {
		return nil, err
	}
	// RFC 5246, Section 7.4.2: the server sends its Certificate whenever
	// the key exchange is not anonymous.
	var peer *verifiedPeer
	if !c.suite.KeyExchange.Anonymous() {
		if typ != TypeCertificate {
			return nil, unexpected(typ.String(), "expected certificate in state certify")
		}
		cm, err := UnmarshalCertificate(msg, c.version)
		if err != nil {
			return nil, err
		}
		if peer, err = verifyPeer(c.cfg, cm.Chain(), true); err != nil {
			return nil, err
		}
		if typ, msg, err = hc.read(readOpts{}); err != nil {
			return nil, err
		}
	}
	if hc.reneg != nil {
		var leaf []byte
		if peer != nil {
			leaf = leafOf(peer.chain)
		}
		if err := hc.reneg.checkPeerChange(leaf, c.ems); err != nil {
			return nil, err
		}
	}
	params := c.kxParams(peer)
	// RFC 5246, Section 7.4.3: ServerKeyExchange comes only for the key
	// exchanges that need it (KeyAgreement.ServerKeyExchangeUse).
	use := c.kx.ServerKeyExchangeUse()
	if typ == TypeServerKeyExchange {
		if use == MessageNever {
			return nil, unexpected(typ.String(), "no server_key_exchange in "+c.suite.KeyExchange.String())
		}
		ske, err := UnmarshalServerKeyExchange(msg)
		if err != nil {
			return nil, err
		}
		if err := c.kx.ProcessServerKeyExchange(params, ske.Body); err != nil {
			return nil, err
		}
		if typ, msg, err = hc.read(readOpts{}); err != nil {
			return nil, err
		}
	} else if use == MessageRequired {
		return nil, unexpected(typ.String(), "expected server_key_exchange in state certify")
	}
	// RFC 5246, Section 7.4.4: an optional CertificateRequest; an
	// anonymous server must not send one (handshake_failure).
	var req *CertificateRequest
	if typ == TypeCertificateRequest {
		if peer == nil {
			return nil, alertf(record.HandshakeFailure, "anonymous server asked for a client certificate")
		}
		if req, err = UnmarshalCertificateRequest(msg, c.version); err != nil {
			return nil, err
		}
		if typ, msg, err = hc.read(readOpts{}); err != nil {
			return nil, err
		}
	}
	// RFC 5246, Section 7.4.5: ServerHelloDone ends the server's flight.
	if typ != TypeServerHelloDone {
		return nil, unexpected(typ.String(), "expected server_hello_done in state certify")
	}
	if _, err := UnmarshalServerHelloDone(msg); err != nil {
		return nil, err
	}
	return c.sendFlight(params, peer, req)
}

// sendFlight sends Certificate, ClientKeyExchange, CertificateVerify,
// ChangeCipherSpec, NextProtocol and Finished (RFC 5246, Sections 7.4.6
// to 7.4.9).
func (c *clientCertify) sendFlight(params *ClientKXParams, peer *verifiedPeer, req *CertificateRequest) (*clientCipher, error) {
	hc, v := c.hc, c.version
	var cred *Credential
	var scheme SignatureScheme
	if req != nil {
		var err error
		if cred, scheme, err = selectClientCredential(c.cfg, v, req); err != nil {
			return nil, err
		}
		switch {
		case cred != nil:
			if err := hc.write(NewCertificate(v, cred.Chain)); err != nil {
				return nil, err
			}
		case v == cipher.VersionSSL30:
			// RFC 6101, Section 5.6.6: an SSL 3.0 client without a
			// suitable certificate sends a no_certificate alert.
			if err := hc.rc.SendAlert(record.Warning, record.NoCertificate); err != nil {
				return nil, err
			}
		default:
			// RFC 5246, Section 7.4.6: an empty Certificate.
			if err := hc.write(NewCertificate(v, nil)); err != nil {
				return nil, err
			}
		}
	}
	if cred == nil {
		hc.tr.release()
	}
	body, preMaster, err := c.kx.GenerateClientKeyExchange(params)
	if err != nil {
		return nil, err
	}
	if err := hc.write(&ClientKeyExchange{Body: body}); err != nil {
		return nil, err
	}
	master := masterSecret(v, c.suite, preMaster, c.clientRandom, c.serverRandom, c.ems, hc.tr)
	clear(preMaster)
	if master == nil {
		return nil, causef(ErrConfig, "no master secret for %s", v)
	}
	if cred != nil {
		sig, err := signCertificateVerify(c.cfg, v, cred.Key, scheme, hc.tr.snap(), master)
		if err != nil {
			return nil, err
		}
		hc.tr.release()
		if err := hc.write(&CertificateVerify{Version: v, SignatureScheme: scheme, Signature: sig}); err != nil {
			return nil, err
		}
	}
	keys := cipher.DeriveKeys(v, c.suite, master, c.clientRandom[:], c.serverRandom[:])
	if err := hc.writeCCS(); err != nil {
		return nil, err
	}
	if err := installKeys(v, c.suite, keys, true, true, hc.rc); err != nil {
		return nil, err
	}
	if c.npn != "" {
		if err := hc.write(&NextProtocol{Protocol: c.npn}); err != nil {
			return nil, err
		}
	}
	vd, err := hc.tr.snap().finished(c.suite, master, true)
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
		Version: v, Suite: c.suite, ServerName: c.serverName, ALPN: c.alpn, NPN: c.npn,
		SessionID: c.sessionID, ClientRandom: c.clientRandom, ServerRandom: c.serverRandom,
		MasterSecret: master, ExtendedMasterSecret: c.ems, SecureRenegotiation: c.secureRenegotiate,
		ClientFinished: vd, client: true, cfg: c.cfg,
	}
	info := c.kx.Info()
	st.Group, st.DHBits = info.Group, info.DHBits
	if peer != nil {
		st.PeerCertificates = peer.chain
	}
	return &clientCipher{hc: hc, st: st, keys: keys, neg: c.clientNegotiated, cred: cred}, nil
}

// masterSecret derives the master secret from the pre-master secret: the
// extended one of RFC 7627 over the session hash (the transcript up to
// and including ClientKeyExchange), or the one of RFC 5246, Section 8.1.
func masterSecret(v cipher.Version, s *cipher.Suite, preMaster []byte, cr, sr [32]byte, ems bool, tr *transcript) []byte {
	if ems {
		return cipher.ExtendedMasterSecret(v, s, preMaster, tr.sum())
	}
	return cipher.MasterSecret(v, s, preMaster, cr[:], sr[:])
}

// selectNextProtocol chooses the protocol of Next Protocol Negotiation as
// Erlang's client does: by the configured precedence among the client's
// and the server's lists, else the default, else no_next_protocol.
func selectNextProtocol(np *NextProtocols, server []string) (string, error) {
	first, second := np.Protocols, server
	if np.ServerPrecedence {
		first, second = server, np.Protocols
	}
	for _, p := range first {
		if p != "" && len(p) <= 255 && slices.Contains(second, p) {
			return p, nil
		}
	}
	if np.Default != "" {
		return np.Default, nil
	}
	return "", causef(ErrNoNextProtocol, "no protocol of %q is advertised by the server", np.Protocols)
}

// certificateType is the ClientCertificateType a key signs with (RFC
// 5246, Section 7.4.4; RFC 8422, Section 5.5).
func certificateType(l *x509.Certificate) uint8 {
	switch l.PublicKeyAlgorithm {
	case x509.RSA:
		return CertTypeRSASign
	case x509.DSA:
		return CertTypeDSSSign
	case x509.ECDSA, x509.Ed25519:
		return CertTypeECDSASign
	}
	return 0
}

// selectClientCredential picks the certificate to answer a
// CertificateRequest with: one whose key type the server accepts and, in
// TLS 1.2, that can sign with a scheme the server listed (and this side
// allows); among those the first whose chain has a certificate issued by
// (or being) one of the server's certificate authorities, else the first.
// None fitting is not an error: the client then sends no certificate
// (RFC 5246, Section 7.4.6).
func selectClientCredential(cfg *Config, v cipher.Version, req *CertificateRequest) (*Credential, SignatureScheme, error) {
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
		if t := certificateType(l); t == 0 || !slices.Contains(req.CertificateTypes, t) {
			continue
		}
		if l.PublicKeyAlgorithm == x509.Ed25519 && v < cipher.VersionTLS12 {
			continue
		}
		var scheme SignatureScheme
		if v >= cipher.VersionTLS12 {
			if scheme, err = SelectSignatureScheme(v, cr.Key.Public(), req.SignatureAlgorithms, cfg.sigAlgs()); err != nil {
				continue
			}
		} else if _, err := LegacySignatureHash(cr.Key.Public()); err != nil {
			continue
		}
		if len(req.CertificateAuthorities) == 0 || chainNamesCA(cr, l, req.CertificateAuthorities) {
			return cr, scheme, nil
		}
		if fallback == nil {
			fallback, fallbackScheme = cr, scheme
		}
	}
	return fallback, fallbackScheme, nil
}

// chainNamesCA reports whether a certificate of the credential's chain is
// issued by, or is, one of the named certificate authorities.
func chainNamesCA(cr *Credential, leaf *x509.Certificate, names [][]byte) bool {
	match := func(raw []byte) bool {
		return slices.ContainsFunc(names, func(n []byte) bool { return string(n) == string(raw) })
	}
	if match(leaf.RawIssuer) {
		return true
	}
	for _, der := range cr.Chain[1:] {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			continue
		}
		if match(c.RawIssuer) || match(c.RawSubject) {
			return true
		}
	}
	return false
}

// clientCipher is the cipher state: the client's Finished is sent, the
// server's ChangeCipherSpec and Finished may come.
type clientCipher struct {
	hc   *hsConn
	st   *State
	keys cipher.Keys
	neg  *clientNegotiated
	cred *Credential // the certificate sent, or nil
}

func (c *clientCipher) run() (*State, error) {
	hc, st := c.hc, c.st
	// RFC 5077, Section 3.3: the announced NewSessionTicket comes first.
	ticket, err := c.neg.readTicket()
	if err != nil {
		return nil, err
	}
	// RFC 5246, Section 7.1: ChangeCipherSpec, then the server's keys.
	if err := hc.readCCS(); err != nil {
		return nil, err
	}
	if err := installKeys(st.Version, st.Suite, c.keys, true, false, hc.rc); err != nil {
		return nil, err
	}
	want, err := hc.tr.snap().finished(st.Suite, st.MasterSecret, false)
	if err != nil {
		return nil, err
	}
	fin, err := hc.readFinished("cipher")
	if err != nil {
		return nil, err
	}
	ok, err := checkFinished(fin, want)
	if err != nil {
		return nil, err
	}
	st.ServerFinished = ok.verifyData
	if err := c.neg.saveSession(st, ticket, c.cred); err != nil {
		return nil, err
	}
	return st, nil
}
