package handshake

// The server side of the TLS 1.3 full handshake.
//
// RFC 8446, Appendix A.2:
//
//	                              START <-----+
//	               Recv ClientHello |         | Send HelloRetryRequest
//	                                v         |
//	                             RECVD_CH ----+
//	                                | Select parameters
//	                                v
//	                             NEGOTIATED
//	                                | Send ServerHello
//	                                | K_send = handshake
//	                                | Send EncryptedExtensions
//	                                | [Send CertificateRequest]
//	 Can send                       | [Send Certificate + CertificateVerify]
//	 app data                       | Send Finished
//	 after   -->                    | K_send = application
//	 here                  +--------+--------+
//	              No 0-RTT |                 | 0-RTT
//	                       |                 |
//	   K_recv = handshake  |                 | K_recv = early data
//	 [Skip decrypt errors] |    +------> WAIT_EOED -+
//	                       |    |       Recv |      | Recv EndOfEarlyData
//	                       |    | early data |      | K_recv = handshake
//	                       |    +------------+      |
//	                       |                        |
//	                       +> WAIT_FLIGHT2 <--------+
//	                                |
//	                       +--------+--------+
//	               No auth |                 | Client auth
//	                       |                 |
//	                       |                 v
//	                       |             WAIT_CERT
//	                       |        Recv |       | Recv Certificate
//	                       |       empty |       v
//	                       | Certificate |    WAIT_CV
//	                       |             |       | Recv
//	                       |             v       | CertificateVerify
//	                       +-> WAIT_FINISHED <---+
//	                                | Recv Finished
//	                                | K_recv = application
//	                                v
//	                            CONNECTED
//
// The states are named as Erlang's ssl names them in alert texts: start
// (START and RECVD_CH: the ClientHello is checked and the parameters
// chosen; a HelloRetryRequest loops back here), negotiated (the server's
// flight is sent), wait_cert, wait_cv, wait_finished, then connection.
// WAIT_FLIGHT2 has no state of its own: the next message decides between
// wait_cert and wait_finished at once. wait_eoed reads the 0-RTT data a
// server accepts (early_data13.go); early data it does not accept is
// skipped (RFC 8446, Section 4.2.10).
//
// The first ClientHello is read in Erlang's TLS 1.2 state, hello (or in
// start when only TLS 1.3 is configured), by server12.go, which chooses
// the version and hands TLS 1.3 over to run13; a client that offers no
// TLS 1.3 gets the TLS 1.2 machine, with the downgrade sentinel of RFC
// 8446, Section 4.1.3 in the server random.
//
// PSK resumption happens in the start state: a ClientHello with a
// pre_shared_key the server accepts (psk13.go) selects it there, on the
// ClientHello the handshake goes on with (the second one after a
// HelloRetryRequest), and the schedule starts from the PSK; the
// negotiated state then sends no CertificateRequest, Certificate or
// CertificateVerify. Session tickets are sent once the client's Finished
// is in (ticket13.go).

import (
	"crypto/subtle"
	"slices"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/record"
)

// maxSkippedEarlyData bounds the 0-RTT data of a client this server skips
// (RFC 8446, Section 4.2.10) when the ticket is not one of its own (or
// allowed less): a client may try a ticket from another server.
const maxSkippedEarlyData = 1 << 16

// serverState13 is one state of the TLS 1.3 server.
type serverState13 = state13

// run13 runs the TLS 1.3 handshake after the first ClientHello, which
// chose TLS 1.3.
func (s *serverHandshake) run13(hello *serverHello) (*State, error) {
	return run13(&serverStart{
		cfg: hello.cfg, hc: hello.hc, ch: hello.ch, helloLen: len(hello.hc.tr.buf),
	}, &s.state)
}

// serverStart is the start state: a ClientHello that chose TLS 1.3 is in
// (after a HelloRetryRequest, the second one is read here).
type serverStart struct {
	cfg      *Config
	hc       *hsConn
	ch       *ClientHello // the first ClientHello
	helloLen int          // its length in the transcript
}

func (s *serverStart) name() string { return stateStart }

// server13 is what the server chose and what the states after start share.
type server13 struct {
	cfg          *Config
	hc           *hsConn
	ch           *ClientHello // the ClientHello the handshake goes on with
	suite        *cipher.Suite
	group        NamedGroup
	share        []byte // the client's key share for group
	cred         *Credential
	scheme       SignatureScheme
	alpn         string
	helloRetry   bool
	ccsSent      bool // the compatibility change_cipher_spec is sent
	keys         *secrets13
	serverRandom [32]byte
	requested    []SignatureScheme // the schemes of the CertificateRequest, when one was sent
	psk          *acceptedPSK      // the session resumed, or nil
	early        bool              // the client's early data is accepted
}

func (s *serverStart) next() (serverState13, *State, error) {
	cfg, ch := s.cfg, s.ch
	c := &server13{cfg: cfg, hc: s.hc, ch: ch}
	if err := c.choose(ch); err != nil {
		return nil, nil, err
	}
	// A resumption in psk_ke needs no key share: a HelloRetryRequest is
	// sent only when no PSK can be resumed in that mode.
	mode, common := commonPSKMode(cfg, ch.PSKModes)
	if c.share != nil || (common && mode == PSKModeKE) {
		var err error
		if c.psk, err = c.selectPSK(ch, nil); err != nil {
			return nil, nil, err
		}
		if c.share != nil || c.psk != nil {
			return &serverNegotiated{c}, nil, nil
		}
	}
	return c.sendHelloRetry(s.helloLen)
}

// choose checks the ClientHello and chooses the suite, the group, the
// certificate and the application protocol (RFC 8446, Sections 4.1.1,
// 4.1.2 and 4.2). When the client sent no key share for the group chosen,
// share stays nil: a HelloRetryRequest is due.
func (c *server13) choose(ch *ClientHello) error {
	cfg := c.cfg
	// RFC 8446, Section 4.1.2: exactly the null compression method.
	if !ch.OnlyNullCompression() {
		return causef(ErrIllegalParameter, "TLS 1.3 ClientHello with compression methods %v", ch.CompressionMethods)
	}
	// RFC 8446, Section 4.2.2: a cookie belongs to a second ClientHello.
	if len(ch.Cookie) > 0 {
		return causef(ErrIllegalParameter, "cookie in a first ClientHello")
	}
	// RFC 8446, Section 9.2: without a PSK, signature_algorithms,
	// supported_groups and key_share are mandatory.
	switch {
	case ch.SignatureAlgorithms == nil:
		return causef(ErrMissingExtension, "ClientHello without signature_algorithms")
	case ch.SupportedGroups == nil:
		return causef(ErrMissingExtension, "ClientHello without supported_groups")
	case !ch.HasKeyShare:
		return causef(ErrMissingExtension, "ClientHello without key_share")
	}
	// RFC 8446, Section 4.2.8: one share per group, each for a group of
	// supported_groups.
	for i, ks := range ch.KeyShares {
		if !slices.Contains(ch.SupportedGroups, ks.Group) {
			return causef(ErrIllegalParameter, "key share for %s, which supported_groups does not list", ks.Group)
		}
		for _, other := range ch.KeyShares[:i] {
			if other.Group == ks.Group {
				return causef(ErrIllegalParameter, "two key shares for %s", ks.Group)
			}
		}
	}
	if c.suite = selectSuite13(cfg, ch); c.suite == nil {
		return causef(ErrNoCommonSuite, "none of the client's %d suites is a TLS 1.3 suite of this server", len(ch.CipherSuites))
	}
	var ok bool
	if c.group, c.share, ok = selectGroup13(cfg, ch); !ok {
		return alertf(record.HandshakeFailure, "no key exchange group in common")
	}
	var err error
	if c.cred, c.scheme, err = selectCredential13(cfg, ch.SignatureAlgorithms, ch.CertificateAuthorities); err != nil {
		return err
	}
	if c.cred == nil {
		return alertf(record.HandshakeFailure, "no certificate of this server can sign with the client's signature algorithms")
	}
	// RFC 7301, Section 3.2.
	if len(ch.ALPNProtocols) > 0 && len(cfg.ALPN) > 0 {
		for _, p := range cfg.ALPN {
			if slices.Contains(ch.ALPNProtocols, p) {
				c.alpn = p
				break
			}
		}
		if c.alpn == "" {
			return causef(ErrNoApplicationProtocol, "client offered %q", ch.ALPNProtocols)
		}
	}
	return nil
}

// selectSuite13 chooses the TLS 1.3 suite: the first, in the client's
// order or with HonorCipherOrder the server's, that both support.
func selectSuite13(cfg *Config, ch *ClientHello) *cipher.Suite {
	ours := suites13Of(cfg)
	if cfg.HonorCipherOrder {
		for _, s := range ours {
			if ch.HasCipherSuite(s.ID) {
				return s
			}
		}
		return nil
	}
	for _, id := range ch.CipherSuites {
		for _, s := range ours {
			if s.ID == id {
				return s
			}
		}
	}
	return nil
}

// selectGroup13 chooses the key exchange group (RFC 8446, Section
// 4.2.7): by default the first group of the client's supported_groups
// that this server supports and the client sent a share for, else the
// first common group (which needs a HelloRetryRequest); with
// HonorEccOrder the server's first common group, whether the client sent
// a share for it or not. share is the client's key share for the group,
// or nil.
func selectGroup13(cfg *Config, ch *ClientHello) (g NamedGroup, share []byte, ok bool) {
	ours := cfg.groups13()
	shareOf := func(g NamedGroup) []byte {
		for _, ks := range ch.KeyShares {
			if ks.Group == g {
				return ks.Data
			}
		}
		return nil
	}
	best, found := NegotiateGroup(ch.SupportedGroups, ours, cfg.HonorEccOrder, nil)
	if !found {
		return 0, nil, false
	}
	if cfg.HonorEccOrder {
		return best, shareOf(best), true
	}
	for _, x := range ch.SupportedGroups {
		if slices.Contains(ours, x) && x.Supported() {
			if d := shareOf(x); d != nil {
				return x, d, true
			}
		}
	}
	return best, nil, true
}

// sendHelloRetry sends a HelloRetryRequest for the group chosen (RFC 8446,
// Section 4.1.4) and reads and checks the second ClientHello, in the
// start state.
func (c *server13) sendHelloRetry(helloLen int) (serverState13, *State, error) {
	cfg, hc, ch := c.cfg, c.hc, c.ch
	var cookie []byte
	switch {
	case cfg.hooks != nil && cfg.hooks.cookie != nil:
		h := c.suite.Hash().New()
		h.Write(hc.tr.buf[:helloLen])
		cookie = cfg.hooks.cookie(h.Sum(nil))
	case !cfg.NoCookie:
		cookie = make([]byte, 32)
		if err := cfg.randomBytes(cookie); err != nil {
			return nil, nil, err
		}
	}
	if err := hc.tr.replaceHelloWithHash(c.suite, helloLen); err != nil {
		return nil, nil, err
	}
	hrr := NewHelloRetryRequest(ch.SessionID, c.suite.ID, c.group, cookie)
	if cfg.hooks != nil && cfg.hooks.serverHello != nil {
		cfg.hooks.serverHello(hrr)
	}
	if err := hc.write(hrr); err != nil {
		return nil, nil, err
	}
	// RFC 8446, Appendix D.4: the dummy change_cipher_spec follows the
	// server's first handshake message, when the client is in
	// compatibility mode (it sent a legacy_session_id).
	if len(ch.SessionID) > 0 && !cfg.DisableMiddleboxCompat {
		if err := hc.writeCCS(); err != nil {
			return nil, nil, err
		}
		c.ccsSent = true
	}
	if err := hc.flush(); err != nil {
		return nil, nil, err
	}
	if ch.EarlyData {
		// RFC 8446, Section 4.2.10: 0-RTT data sent with the first
		// ClientHello is skipped.
		hc.rc.SkipEarlyData(maxSkippedEarlyData)
	}
	// The transcript before the second ClientHello, for its binders.
	prefix, err := copyHash(c.suite.Hash(), hc.tr.h)
	if err != nil {
		return nil, nil, err
	}
	typ, msg, err := hc.read(readOpts{})
	if err != nil {
		return nil, nil, err
	}
	if typ != TypeClientHello {
		return nil, nil, unexpected(typ.String(), "expected client_hello in state start")
	}
	ch2, err := UnmarshalClientHello(msg)
	if err != nil {
		return nil, nil, err
	}
	// RFC 8446, Section 4.1.2: the second ClientHello is the first with
	// the key share asked for, the cookie, and no early_data.
	switch {
	case !slices.Contains(ch2.SupportedVersions, cipher.VersionTLS13):
		return nil, nil, causef(ErrIllegalParameter, "second ClientHello does not offer TLS 1.3")
	case ch2.Random != ch.Random || string(ch2.SessionID) != string(ch.SessionID):
		return nil, nil, causef(ErrIllegalParameter, "second ClientHello with another random or session ID")
	case !ch2.HasCipherSuite(c.suite.ID):
		return nil, nil, causef(ErrIllegalParameter, "second ClientHello does not offer %s", c.suite)
	case len(ch2.KeyShares) != 1 || ch2.KeyShares[0].Group != c.group:
		return nil, nil, causef(ErrIllegalParameter, "second ClientHello without exactly one key share for %s", c.group)
	case !slices.Contains(ch2.SupportedGroups, c.group):
		return nil, nil, causef(ErrIllegalParameter, "second ClientHello does not list %s", c.group)
	case ch2.EarlyData:
		return nil, nil, causef(ErrIllegalParameter, "early_data in a second ClientHello")
	case len(ch2.Cookie) != len(cookie) || subtle.ConstantTimeCompare(ch2.Cookie, cookie) != 1:
		return nil, nil, causef(ErrIllegalParameter, "second ClientHello does not echo the cookie")
	case !ch2.OnlyNullCompression():
		return nil, nil, causef(ErrIllegalParameter, "TLS 1.3 ClientHello with compression methods %v", ch2.CompressionMethods)
	}
	c.ch = ch2
	c.share = ch2.KeyShares[0].Data
	c.helloRetry = true
	if c.psk, err = c.selectPSK(ch2, prefix); err != nil {
		return nil, nil, err
	}
	return &serverNegotiated{c}, nil, nil
}

// serverNegotiated is the negotiated state: the parameters are chosen,
// the server sends its flight (RFC 8446, Sections 4.1.3 to 4.4.4).
type serverNegotiated struct{ *server13 }

func (n *serverNegotiated) name() string { return stateNegotiated }

func (n *serverNegotiated) next() (serverState13, *State, error) {
	c := n.server13
	cfg, hc, ch, suite := c.cfg, c.hc, c.ch, c.suite
	var keyShare *KeyShareEntry
	var shared []byte
	if c.psk != nil && c.psk.ke {
		// RFC 8446, Sections 4.2.9 and 7.1: psk_ke, no key_share, and
		// zeros for the (EC)DHE input of the key schedule.
		c.group, c.share = 0, nil
	} else {
		pub, sec, err := Encapsulate(cfg.rand(), c.group, c.share)
		if err != nil {
			return nil, nil, err
		}
		keyShare, shared = &KeyShareEntry{Group: c.group, Data: pub}, sec
	}
	if err := cfg.randomBytes(c.serverRandom[:]); err != nil {
		clear(shared)
		return nil, nil, err
	}
	sh := &ServerHello{
		Version: cipher.VersionTLS12, Random: c.serverRandom, SessionID: ch.SessionID,
		CipherSuite: suite.ID, CompressionMethod: CompressionNull, SupportedVersion: cipher.VersionTLS13,
		KeyShare: keyShare,
	}
	var psk []byte
	if c.psk != nil {
		sh.HasSelectedIdentity, sh.SelectedIdentity = true, c.psk.index
		psk = c.psk.sess.MasterSecret
	}
	if cfg.hooks != nil && cfg.hooks.serverHello != nil {
		cfg.hooks.serverHello(sh)
	}
	hc.tr.setSuite13(suite)
	if err := hc.write(sh); err != nil {
		clear(shared)
		return nil, nil, err
	}
	k, err := startSchedule13(suite, psk, shared, hc.tr.sum())
	clear(shared)
	if err != nil {
		return nil, nil, err
	}
	c.keys = k
	cr := ch.Random[:]
	writeKeyLog(cfg.KeyLog, KeyLogClientHandshake, cr, k.clientHS)
	writeKeyLog(cfg.KeyLog, KeyLogServerHandshake, cr, k.serverHS)
	if len(ch.SessionID) > 0 && !c.ccsSent && !cfg.DisableMiddleboxCompat {
		if err := hc.writeCCS(); err != nil {
			return nil, nil, err
		}
		c.ccsSent = true
	}
	if _, err := installWrite13(hc.rc, suite, k.serverHS); err != nil {
		return nil, nil, err
	}
	c.early = c.acceptEarly()
	readSecret := k.clientHS
	if c.early {
		if readSecret, err = earlySecret(suite, psk, ch.Raw()); err != nil {
			return nil, nil, err
		}
		writeKeyLog(cfg.KeyLog, keyLogClientEarly, cr, readSecret)
	}
	if _, err := installRead13(hc.rc, suite, readSecret); err != nil {
		return nil, nil, err
	}
	if ch.EarlyData && !c.helloRetry && !c.early {
		skip := uint32(maxSkippedEarlyData)
		if c.psk != nil && c.psk.sess.MaxEarlyData > skip {
			skip = c.psk.sess.MaxEarlyData
		}
		hc.rc.SkipEarlyData(int(skip))
	}

	// RFC 8446, Section 4.3.1: what does not shape the keys. The
	// server's groups go to a client whose share was not for the
	// server's first choice, for its next connections.
	ee := &EncryptedExtensions{ALPNProtocol: c.alpn, ServerNameAck: ch.ServerName != "", EarlyData: c.early}
	if ours := cfg.groups13(); c.group != 0 && ours[0] != c.group {
		ee.SupportedGroups = ours
	}
	if cfg.hooks != nil && cfg.hooks.encryptedExtensions != nil {
		cfg.hooks.encryptedExtensions(ee)
	}
	if err := hc.write(ee); err != nil {
		return nil, nil, err
	}
	if cfg.VerifyPeer && c.psk == nil {
		// RFC 8446, Section 4.3.2.
		req := &CertificateRequest{
			Version: cipher.VersionTLS13, SignatureAlgorithms: cfg.sigAlgs(),
			SignatureAlgorithmsCert: cfg.SignatureAlgsCert,
		}
		if !cfg.OmitCANames {
			req.CertificateAuthorities = caNames(cfg.PathOptions.TrustedCerts)
		}
		if cfg.hooks != nil && cfg.hooks.certificateRequest != nil {
			cfg.hooks.certificateRequest(req)
		}
		if err := hc.write(req); err != nil {
			return nil, nil, err
		}
		c.requested = req.SignatureAlgorithms
	}
	if c.psk == nil {
		if err := hc.write(NewCertificate(cipher.VersionTLS13, c.cred.Chain)); err != nil {
			return nil, nil, err
		}
		cv, err := signCertificateVerify13(cfg, c.cred, c.scheme, hc.tr.sum(), true)
		if err != nil {
			return nil, nil, err
		}
		if err := hc.write(cv); err != nil {
			return nil, nil, err
		}
	}
	vd, err := finished13(suite, k.serverHS, hc.tr.sum())
	if err != nil {
		return nil, nil, err
	}
	if err := hc.write(&Finished{VerifyData: vd}); err != nil {
		return nil, nil, err
	}
	if err := k.application(hc.tr.sum()); err != nil {
		return nil, nil, err
	}
	writeP, err := installWrite13(hc.rc, suite, k.serverAP)
	if err != nil {
		return nil, nil, err
	}
	if err := hc.flush(); err != nil {
		return nil, nil, err
	}
	writeKeyLog(cfg.KeyLog, trafficLabel(true, 0), cr, k.clientAP)
	writeKeyLog(cfg.KeyLog, trafficLabel(false, 0), cr, k.serverAP)
	writeKeyLog(cfg.KeyLog, KeyLogExporter, cr, k.exporter)
	f := &serverFlight2{server13: c, serverFinished: vd, write: writeP}
	if c.early {
		return &serverWaitEOED{serverFlight2: f, max: c.psk.sess.MaxEarlyData}, nil, nil
	}
	if c.requested != nil {
		return &serverWaitCert{f}, nil, nil
	}
	return &serverWaitFinished{serverFlight2: f}, nil, nil
}

// serverFlight2 is what the states after the server's flight share.
type serverFlight2 struct {
	*server13
	serverFinished []byte
	write          *record.Protection
	earlyData      []byte // the early data received
}

// serverWaitCert is the wait_cert state: the client's Certificate, asked
// for, may come.
type serverWaitCert struct{ *serverFlight2 }

func (w *serverWaitCert) name() string { return stateWaitCert }

func (w *serverWaitCert) next() (serverState13, *State, error) {
	hc := w.hc
	typ, msg, err := hc.read(readOpts{})
	if err != nil {
		return nil, nil, err
	}
	if typ != TypeCertificate {
		return nil, nil, unexpected(typ.String(), "expected certificate in state wait_cert")
	}
	cm, err := UnmarshalCertificate(msg, cipher.VersionTLS13)
	if err != nil {
		return nil, nil, err
	}
	// RFC 8446, Section 4.4.2: the context of the CertificateRequest,
	// empty during the handshake.
	if len(cm.RequestContext) != 0 {
		return nil, nil, causef(ErrIllegalParameter, "client Certificate with a non-empty context")
	}
	if err := certificateExtensions(cm); err != nil {
		return nil, nil, err
	}
	if len(cm.Entries) == 0 {
		// RFC 8446, Section 4.4.2.4: a client without a certificate
		// sends an empty one; the server may go on or refuse it with
		// certificate_required (Erlang's fail_if_no_peer_cert).
		if w.cfg.FailIfNoPeerCert {
			return nil, nil, causef(ErrCertificateRequired, "client sent no certificate and fail_if_no_peer_cert is set")
		}
		return &serverWaitFinished{serverFlight2: w.serverFlight2}, nil, nil
	}
	peer, err := verifyPeer(w.cfg, cm.Chain(), false)
	if err != nil {
		return nil, nil, err
	}
	return &serverWaitCV{serverFlight2: w.serverFlight2, peer: peer, certHash: hc.tr.sum()}, nil, nil
}

// serverWaitCV is the wait_cv state: the client's CertificateVerify may
// come, signed over the transcript up to its Certificate (certHash).
type serverWaitCV struct {
	*serverFlight2
	peer     *verifiedPeer
	certHash []byte
}

func (w *serverWaitCV) name() string { return stateWaitCV }

func (w *serverWaitCV) next() (serverState13, *State, error) {
	typ, msg, err := w.hc.read(readOpts{})
	if err != nil {
		return nil, nil, err
	}
	if typ != TypeCertificateVerify {
		return nil, nil, unexpected(typ.String(), "expected certificate_verify in state wait_cv")
	}
	cv, err := UnmarshalCertificateVerify(msg, cipher.VersionTLS13)
	if err != nil {
		return nil, nil, err
	}
	proof, err := verifyCertificateVerify13(w.peer, cv, w.certHash, false, w.requested)
	if err != nil {
		return nil, nil, err
	}
	return &serverWaitFinished{serverFlight2: w.serverFlight2, proof: proof}, nil, nil
}

// serverWaitFinished is the wait_finished state: the client's Finished
// may come; proof is the client's authentication, when it sent a
// certificate.
type serverWaitFinished struct {
	*serverFlight2
	proof *signatureVerified
}

func (w *serverWaitFinished) name() string { return stateWaitFinished }

func (w *serverWaitFinished) next() (serverState13, *State, error) {
	hc, cfg, suite, k, ch := w.hc, w.cfg, w.suite, w.keys, w.ch
	want := hc.tr.sum()
	fin, err := hc.readFinished("wait_finished")
	if err != nil {
		return nil, nil, err
	}
	clientOK, err := checkFinished13(suite, fin, k.clientHS, want)
	if err != nil {
		return nil, nil, err
	}
	readP, err := installRead13(hc.rc, suite, k.clientAP)
	if err != nil {
		return nil, nil, err
	}
	hc.rc.SetCompatCCS(false)
	rms, err := k.resumption(hc.tr.sum())
	if err != nil {
		return nil, nil, err
	}
	st := &State{
		Version: cipher.VersionTLS13, Suite: suite, ServerName: ch.ServerName, ALPN: w.alpn,
		SessionID: ch.SessionID, ClientRandom: ch.Random, ServerRandom: w.serverRandom, Group: w.group,
		ClientFinished: clientOK.verifyData, ServerFinished: w.serverFinished, HelloRetry: w.helloRetry,
		cfg: cfg,
	}
	if w.proof != nil {
		st.PeerCertificates = w.proof.peer.chain
	}
	if w.psk != nil {
		st.Resumed = true
		st.PeerCertificates = w.psk.sess.PeerCertificates
		st.EarlyData, st.EarlyDataAccepted = w.earlyData, w.server13.early
	}
	st.tls13 = newConn13(cfg, false, k, ch.Random, rms, readP, w.write)
	keepHandshakeSecrets(st, cfg, k)
	// RFC 8446, Section 4.2.9: no tickets for a client whose
	// psk_key_exchange_modes share no mode with this server's, which
	// could never resume them. A client that sends no modes at all gets
	// them, as Erlang's server gives them: OTP's own client sends no
	// modes in a first handshake, and needs the tickets for its next one.
	if _, common := commonPSKMode(cfg, ch.PSKModes); ch.PSKModes == nil || common {
		if err := w.issueTickets(rms, st.PeerCertificates, cfg.now()); err != nil {
			return nil, nil, err
		}
	}
	return nil, st, nil
}
