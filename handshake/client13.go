package handshake

// The client side of the TLS 1.3 full handshake.
//
// RFC 8446, Appendix A.1:
//
//	                              START <----+
//	               Send ClientHello |        | Recv HelloRetryRequest
//	          [K_send = early data] |        |
//	                                v        |
//	           /                 WAIT_SH ----+
//	           |                    | Recv ServerHello
//	           |                    | K_recv = handshake
//	       Can |                    V
//	      send |                 WAIT_EE
//	     early |                    | Recv EncryptedExtensions
//	      data |           +--------+--------+
//	           |     Using |                 | Using certificate
//	           |       PSK |                 v
//	           |           |            WAIT_CERT_CR
//	           |           |        Recv |       | Recv CertificateRequest
//	           |           | Certificate |       v
//	           |           |             |    WAIT_CERT
//	           |           |             |       | Recv Certificate
//	           |           |             v       v
//	           |           |              WAIT_CV
//	           |           |                 | Recv CertificateVerify
//	           |           +> WAIT_FINISHED <+
//	           |                  | Recv Finished
//	           \                  | [Send EndOfEarlyData]
//	                              | K_send = handshake
//	                              | [Send Certificate [+ CertificateVerify]]
//	    Can send                  | Send Finished
//	    app data   -->            | K_send = K_recv = application
//	    after here                v
//	                          CONNECTED
//
// The states are named as Erlang's ssl names them in alert texts: start,
// wait_sh, wait_ee, wait_cert_cr, wait_cert, wait_cv, wait_finished, then
// connection (CONNECTED). A client that offers TLS 1.2 or older as well
// waits for the first ServerHello in Erlang's TLS 1.2 state, hello, and
// hands a ServerHello without supported_versions to the TLS 1.2 machine
// (client12.go); one that offers TLS 1.3 alone waits in wait_sh.
//
// One ClientHello serves both versions (client12.go builds it, offer13
// adds the TLS 1.3 part): supported_versions, key shares, a 32-byte
// legacy_session_id in middlebox compatibility mode, the TLS 1.3 suites
// ahead of the others, and the TLS 1.3 groups ahead of the TLS 1.2 curves
// in supported_groups.
//
// Each state is a type holding what is valid in it; next reads the
// messages the state allows and returns the following state (or, at the
// end, the State). The PSK branch of the diagram is taken when the server
// selects one of the sessions offered (psk13.go): wait_ee goes straight
// to wait_finished, and the peer certificate is the session's. 0-RTT data
// goes right after the first ClientHello (early_data13.go).

import (
	"slices"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/record"
	"github.com/otpssl/ssl/session"
)

// clientOffer13 is the TLS 1.3 part of what a client offered.
type clientOffer13 struct {
	suites    []*cipher.Suite // the TLS 1.3 suites offered
	groups    []NamedGroup    // the TLS 1.3 groups offered in supported_groups
	keys      []*EphemeralKey // the key shares of the last ClientHello
	sessionID []byte          // legacy_session_id
	schemes   []SignatureScheme
	compat    bool         // middlebox compatibility mode
	legacy    bool         // TLS 1.2 or older is offered too
	psks      []offeredPSK // the sessions offered in the last ClientHello
	early     bool         // early data goes with the first ClientHello
}

// offer13 adds the TLS 1.3 part to the ClientHello h that sendHello
// builds (RFC 8446, Section 4.1.2): legacy_version 0x0303, the versions
// in supported_versions, the TLS 1.3 suites first, a random 32-byte
// legacy_session_id in middlebox compatibility mode (Appendix D.4), the
// groups, signature algorithms and key shares. legacy are the versions
// below TLS 1.3 offered as well, highest first.
func (c *clientHandshake) offer13(st *clientHello, h *ClientHello, suites []*cipher.Suite, legacy []cipher.Version) error {
	cfg := c.cfg
	o := &clientOffer13{suites: suites, groups: cfg.groups13(), compat: !cfg.DisableMiddleboxCompat, legacy: len(legacy) > 0}
	if len(o.groups) == 0 {
		return causef(ErrConfig, "no TLS 1.3 group this library implements is configured")
	}
	h.Version = cipher.VersionTLS12
	h.SupportedVersions = append([]cipher.Version{cipher.VersionTLS13}, legacy...)
	ids := make([]uint16, 0, len(suites)+len(h.CipherSuites))
	for _, s := range suites {
		ids = append(ids, s.ID)
	}
	h.CipherSuites = append(ids, h.CipherSuites...)
	if o.compat {
		o.sessionID = make([]byte, 32)
		if err := cfg.randomBytes(o.sessionID); err != nil {
			return err
		}
		h.SessionID = o.sessionID
	}
	// supported_groups: the TLS 1.3 groups, then the TLS 1.2 curves not
	// among them; a TLS 1.2 server may take any elliptic curve listed.
	groups := append([]NamedGroup(nil), o.groups...)
	for _, g := range st.groups {
		if !slices.Contains(groups, g) {
			groups = append(groups, g)
		}
	}
	h.SupportedGroups = groups
	if st.groups != nil {
		st.groups = nil
		for _, g := range groups {
			if g.IsEC() {
				st.groups = append(st.groups, g)
			}
		}
	}
	o.schemes = cfg.sigAlgs()
	h.SignatureAlgorithms = o.schemes
	h.SignatureAlgorithmsCert = cfg.SignatureAlgsCert
	h.ServerName = cfg.ServerName
	h.ALPNProtocols = cfg.ALPN
	// Key shares (RFC 8446, Section 4.2.8): the first group and, when it
	// is a hybrid, the first classical group after it.
	shareFor := []NamedGroup{o.groups[0]}
	if o.groups[0] == X25519MLKEM768 {
		for _, g := range o.groups[1:] {
			if g.IsEC() {
				shareFor = append(shareFor, g)
				break
			}
		}
	}
	h.HasKeyShare = true
	for _, g := range shareFor {
		k, err := GenerateEphemeral(cfg.rand(), g)
		if err != nil {
			return err
		}
		o.keys = append(o.keys, k)
		h.KeyShares = append(h.KeyShares, KeyShareEntry{Group: g, Data: k.Public()})
	}
	o.psks = pskOffer(cfg, suites)
	addPSKs(cfg, h, o.psks)
	if earlyOK(cfg, o.psks) {
		h.EarlyData, o.early = true, true
	}
	st.offer13 = o
	return nil
}

// bind computes the binders of the sessions offered in the first
// ClientHello h, once h is complete.
func (o *clientOffer13) bind(h *ClientHello) error {
	return bindPSKs(h, o.psks, nil)
}

// clientState13 is one state of the TLS 1.3 client.
type clientState13 = state13

// run13 runs the handshake after a ClientHello that offers TLS 1.3: it
// reads the first ServerHello and goes on with TLS 1.3, or with the TLS
// 1.2 machine when the server chose an older version.
func (c *clientHandshake) run13(hello *clientHello) (*State, error) {
	o := hello.offer13
	w := &clientWaitSH{cfg: c.cfg, hc: c.hc, hello: hello.hello, offer: o, helloLen: len(c.hc.tr.buf), first: true}
	if !o.legacy {
		c.state = stateWaitSH
	}
	if o.early {
		if err := w.sendEarly(); err != nil {
			return nil, err
		}
	}
	sh, err := w.readServerHello(c.state)
	if err != nil {
		return nil, err
	}
	if sh.SupportedVersion == 0 && !sh.IsHelloRetryRequest() {
		// RFC 8446, Section 4.2.1: a ServerHello without
		// supported_versions chooses TLS 1.2 or older in
		// legacy_version.
		if w.earlySent {
			return nil, causef(ErrNoCommonVersion, "server chose %s after 0-RTT data of TLS 1.3", sh.Version)
		}
		if !o.legacy {
			return nil, causef(ErrNoCommonVersion, "server chose %s, and only TLS 1.3 was offered", sh.Version)
		}
		certify, err := hello.serverHello12(sh)
		if err != nil {
			return nil, err
		}
		return c.finish12(certify)
	}
	w.pending = sh
	return run13(w, &c.state)
}

// clientWaitSH is the wait_sh state: a ClientHello offering TLS 1.3 is
// sent, its ServerHello (or a HelloRetryRequest) may come.
type clientWaitSH struct {
	cfg      *Config
	hc       *hsConn
	hello    *ClientHello // the last ClientHello sent
	offer    *clientOffer13
	helloLen int          // the length of the first ClientHello in the transcript
	first    bool         // no HelloRetryRequest came yet
	retry    *ServerHello // the HelloRetryRequest, after one
	ccsSent  bool         // the compatibility change_cipher_spec is sent
	pending  *ServerHello // a ServerHello already read
	// earlySent: early data went with this (first) ClientHello, under
	// the early write keys, which stay until the server says whether it
	// takes the data.
	earlySent bool
}

func (w *clientWaitSH) name() string { return stateWaitSH }

// readServerHello reads the next message, which must be a ServerHello
// (or a HelloRetryRequest: the same message type).
func (w *clientWaitSH) readServerHello(state string) (*ServerHello, error) {
	typ, msg, err := w.hc.read(readOpts{})
	if err != nil {
		return nil, err
	}
	if typ != TypeServerHello {
		return nil, unexpected(typ.String(), "expected server_hello in state "+state)
	}
	return UnmarshalServerHello(msg)
}

func (w *clientWaitSH) next() (clientState13, *State, error) {
	sh := w.pending
	w.pending = nil
	if sh == nil {
		var err error
		if sh, err = w.readServerHello(stateWaitSH); err != nil {
			return nil, nil, err
		}
	}
	if sh.IsHelloRetryRequest() {
		if !w.first {
			// RFC 8446, Section 4.1.4.
			return nil, nil, unexpected("hello_retry_request", "a second HelloRetryRequest")
		}
		return &clientStart{w: w, hrr: sh}, nil, nil
	}
	ee, err := w.serverHello(sh)
	return ee, nil, err
}

// checkServerHello13 checks the fields a TLS 1.3 ServerHello and a
// HelloRetryRequest share against the ClientHello (RFC 8446, Sections
// 4.1.3, 4.1.4 and 4.2.1) and returns the suite chosen.
func (w *clientWaitSH) checkServerHello13(sh *ServerHello) (*cipher.Suite, error) {
	if sh.SupportedVersion != cipher.VersionTLS13 {
		return nil, causef(ErrIllegalParameter, "server selected version %s, which was not offered", sh.SupportedVersion)
	}
	if sh.Version != cipher.VersionTLS12 {
		return nil, causef(ErrIllegalParameter, "TLS 1.3 ServerHello with legacy_version %s", sh.Version)
	}
	if string(sh.SessionID) != string(w.offer.sessionID) {
		return nil, causef(ErrIllegalParameter, "legacy_session_id_echo differs from the legacy_session_id sent")
	}
	if sh.CompressionMethod != CompressionNull {
		return nil, causef(ErrIllegalParameter, "compression method %d", sh.CompressionMethod)
	}
	var suite *cipher.Suite
	for _, s := range w.offer.suites {
		if s.ID == sh.CipherSuite {
			suite = s
		}
	}
	if suite == nil {
		return nil, causef(ErrIllegalParameter, "server chose cipher suite %#04x, which was not offered for TLS 1.3", sh.CipherSuite)
	}
	if w.retry != nil && sh.CipherSuite != w.retry.CipherSuite {
		return nil, causef(ErrIllegalParameter, "ServerHello suite %s differs from the HelloRetryRequest's", suite)
	}
	if len(sh.Unknown) > 0 {
		return nil, causef(ErrUnsupportedExtension, "server sent %s", sh.Unknown[0].Type)
	}
	if sh.HasSelectedIdentity {
		// RFC 8446, Section 4.2.11: an identity offered, whose hash is
		// the suite's.
		switch {
		case len(w.offer.psks) == 0:
			return nil, causef(ErrUnsupportedExtension, "server selected a pre_shared_key, and none was offered")
		case sh.IsHelloRetryRequest():
			return nil, causef(ErrIllegalParameter, "HelloRetryRequest with pre_shared_key")
		case int(sh.SelectedIdentity) >= len(w.offer.psks):
			return nil, causef(ErrIllegalParameter, "server selected PSK %d of %d offered", sh.SelectedIdentity, len(w.offer.psks))
		case w.offer.psks[sh.SelectedIdentity].suite.Hash() != suite.Hash():
			return nil, causef(ErrIllegalParameter, "server selected a PSK whose hash is not the one of %s", suite)
		}
	}
	return suite, nil
}

// serverHello takes the TLS 1.3 ServerHello: the key exchange, the
// handshake traffic secrets, and the read protection of the server's
// handshake messages (RFC 8446, Sections 4.1.3 and 4.2.8).
func (w *clientWaitSH) serverHello(sh *ServerHello) (*clientWaitEE, error) {
	suite, err := w.checkServerHello13(sh)
	if err != nil {
		return nil, err
	}
	// RFC 8446, Section 4.2.9: the mode of a resumption must be one
	// the client listed; psk_ke has no key_share (psk13.go).
	modes := w.hello.PSKModes
	switch {
	case sh.KeyShare == nil && !sh.HasSelectedIdentity:
		return nil, causef(ErrMissingExtension, "ServerHello without key_share")
	case sh.KeyShare == nil && !slices.Contains(modes, PSKModeKE):
		return nil, causef(ErrMissingExtension, "ServerHello without key_share, and psk_ke was not offered")
	case sh.KeyShare != nil && sh.HasSelectedIdentity && !slices.Contains(modes, PSKModeDHEKE):
		return nil, causef(ErrIllegalParameter, "ServerHello resumes with a key_share (psk_dhe_ke), and only psk_ke was offered")
	}
	var resumed *session.Session
	var psk []byte
	if sh.HasSelectedIdentity {
		resumed = w.offer.psks[sh.SelectedIdentity].sess
		psk = resumed.MasterSecret
	}
	var group NamedGroup
	var shared []byte
	if sh.KeyShare != nil {
		var key *EphemeralKey
		for _, k := range w.offer.keys {
			if k.Group() == sh.KeyShare.Group {
				key = k
			}
		}
		if key == nil {
			return nil, causef(ErrIllegalParameter, "server's key share is for %s, which the client sent no share for", sh.KeyShare.Group)
		}
		var err error
		if shared, err = key.SharedSecret(sh.KeyShare.Data); err != nil {
			return nil, err
		}
		group = key.Group()
	}
	hc := w.hc
	if w.retry == nil {
		hc.tr.setSuite13(suite)
	}
	k, err := startSchedule13(suite, psk, shared, hc.tr.sum())
	clear(shared)
	if err != nil {
		return nil, err
	}
	if err := hc.rc.SetVersion(cipher.VersionTLS13); err != nil {
		return nil, err
	}
	if _, err := installRead13(hc.rc, suite, k.serverHS); err != nil {
		return nil, err
	}
	// The client's handshake keys at once, so that an alert about the
	// server's flight goes out protected, as the server expects (RFC
	// 8446, Appendix A.1); after early data, once EncryptedExtensions
	// say whether the server takes it.
	if !w.earlySent {
		if _, err := installWrite13(hc.rc, suite, k.clientHS); err != nil {
			return nil, err
		}
	}
	c := &client13{
		cfg: w.cfg, hc: hc, suite: suite, keys: k, hello: w.hello, offer: w.offer,
		serverRandom: sh.Random, group: group, helloRetry: w.retry != nil, ccsSent: w.ccsSent,
		resumed: resumed, earlySent: w.earlySent, pskIndex: sh.SelectedIdentity,
	}
	writeKeyLog(w.cfg.KeyLog, KeyLogClientHandshake, w.hello.Random[:], k.clientHS)
	writeKeyLog(w.cfg.KeyLog, KeyLogServerHandshake, w.hello.Random[:], k.serverHS)
	return &clientWaitEE{c}, nil
}

// clientStart is the start state after a HelloRetryRequest: the client
// checks it and sends its second ClientHello (RFC 8446, Section 4.1.4).
type clientStart struct {
	w   *clientWaitSH
	hrr *ServerHello
}

func (s *clientStart) name() string { return stateStart }

func (s *clientStart) next() (clientState13, *State, error) {
	w, hrr := s.w, s.hrr
	suite, err := w.checkServerHello13(hrr)
	if err != nil {
		return nil, nil, err
	}
	// RFC 8446, Section 4.1.4: the selected group must be one offered
	// and not one a share was sent for, and a HelloRetryRequest must
	// change something.
	changes := len(hrr.Cookie) > 0
	if g := hrr.SelectedGroup; g != 0 {
		if !slices.Contains(w.offer.groups, g) {
			return nil, nil, causef(ErrIllegalParameter, "HelloRetryRequest selects %s, which was not offered", g)
		}
		for _, k := range w.offer.keys {
			if k.Group() == g {
				return nil, nil, causef(ErrIllegalParameter, "HelloRetryRequest selects %s, which a key share was sent for", g)
			}
		}
		changes = true
	}
	if !changes {
		return nil, nil, causef(ErrIllegalParameter, "HelloRetryRequest that would not change the ClientHello")
	}
	hc, cfg := w.hc, w.cfg
	if err := hc.tr.replaceHelloWithHash(suite, w.helloLen); err != nil {
		return nil, nil, err
	}
	if err := hc.rc.SetVersion(cipher.VersionTLS13); err != nil {
		return nil, nil, err
	}
	h2 := *w.hello
	h2.raw = nil
	h2.Cookie = hrr.Cookie
	h2.EarlyData = false
	offer := *w.offer
	if g := hrr.SelectedGroup; g != 0 {
		k, err := GenerateEphemeral(cfg.rand(), g)
		if err != nil {
			return nil, nil, err
		}
		offer.keys = []*EphemeralKey{k}
		h2.KeyShares = []KeyShareEntry{{Group: g, Data: k.Public()}}
	}
	// RFC 8446, Section 4.1.2: the sessions whose hash is the suite's,
	// with their ages and binders computed again.
	offer.psks = nil
	for _, p := range w.offer.psks {
		if p.suite.Hash() == suite.Hash() {
			offer.psks = append(offer.psks, p)
		}
	}
	addPSKs(cfg, &h2, offer.psks)
	if cfg.hooks != nil && cfg.hooks.clientHello != nil {
		cfg.hooks.clientHello(&h2)
	}
	if err := bindPSKs(&h2, offer.psks, hc.tr.h); err != nil {
		return nil, nil, err
	}
	if w.earlySent {
		// The early data is not taken: the second ClientHello goes in
		// the clear.
		if err := hc.rc.SetWriteProtection(nil); err != nil {
			return nil, nil, err
		}
	}
	ccs := w.ccsSent
	if offer.compat && !w.ccsSent {
		// RFC 8446, Appendix D.4: the dummy change_cipher_spec goes
		// before the second flight, here the second ClientHello.
		if err := hc.writeCCS(); err != nil {
			return nil, nil, err
		}
		ccs = true
	}
	if err := hc.write(&h2); err != nil {
		return nil, nil, err
	}
	if err := hc.flush(); err != nil {
		return nil, nil, err
	}
	return &clientWaitSH{cfg: cfg, hc: hc, hello: &h2, offer: &offer, retry: hrr, ccsSent: ccs}, nil, nil
}

// client13 is what the states from wait_ee on share: what the hello
// messages settled and the secrets so far.
type client13 struct {
	cfg          *Config
	hc           *hsConn
	suite        *cipher.Suite
	keys         *secrets13
	hello        *ClientHello
	offer        *clientOffer13
	serverRandom [32]byte
	group        NamedGroup
	helloRetry   bool
	ccsSent      bool
	alpn         string
	resumed      *session.Session // the session the server resumed, or nil
	pskIndex     uint16           // its index among the sessions offered
	earlySent    bool             // early data went with the ClientHello
	earlyOK      bool             // the server takes it
}

// clientWaitEE is the wait_ee state: the server's EncryptedExtensions
// may come.
type clientWaitEE struct{ *client13 }

func (w *clientWaitEE) name() string { return stateWaitEE }

func (w *clientWaitEE) next() (clientState13, *State, error) {
	typ, msg, err := w.hc.read(readOpts{})
	if err != nil {
		return nil, nil, err
	}
	if typ != TypeEncryptedExtensions {
		return nil, nil, unexpected(typ.String(), "expected encrypted_extensions in state wait_ee")
	}
	ee, err := UnmarshalEncryptedExtensions(msg)
	if err != nil {
		return nil, nil, err
	}
	// RFC 8446, Section 4.2: an answer to an extension not offered is
	// an unsupported_extension.
	h := w.hello
	notOffered := func(name string) error { return causef(ErrUnsupportedExtension, "server sent %s", name) }
	switch {
	case len(ee.Unknown) > 0:
		return nil, nil, notOffered(ee.Unknown[0].Type.String())
	case ee.EarlyData && !h.EarlyData:
		return nil, nil, notOffered("early_data")
	case ee.MaxFragmentLength != 0 && h.MaxFragmentLength == 0:
		return nil, nil, notOffered("max_fragment_length")
	case ee.RecordSizeLimit != 0 && h.RecordSizeLimit == 0:
		return nil, nil, notOffered("record_size_limit")
	case ee.ServerNameAck && h.ServerName == "":
		return nil, nil, notOffered("server_name")
	case ee.ALPNProtocol != "" && len(h.ALPNProtocols) == 0:
		return nil, nil, notOffered("application_layer_protocol_negotiation")
	}
	// RFC 7301, Section 3.2.
	if ee.ALPNProtocol != "" && !slices.Contains(h.ALPNProtocols, ee.ALPNProtocol) {
		return nil, nil, causef(ErrIllegalParameter, "server chose ALPN protocol %q, which was not offered", ee.ALPNProtocol)
	}
	w.alpn = ee.ALPNProtocol
	// RFC 8446, Section 4.2.10: early data is taken with the first PSK
	// only.
	if ee.EarlyData {
		if !w.earlySent || w.resumed == nil || w.pskIndex != 0 {
			return nil, nil, causef(ErrIllegalParameter, "server accepted early data without the first PSK")
		}
		w.earlyOK = true
	} else if w.earlySent {
		if _, err := installWrite13(w.hc.rc, w.suite, w.keys.clientHS); err != nil {
			return nil, nil, err
		}
	}
	if w.resumed != nil {
		// RFC 8446, Section 2.2: the PSK authenticates the server.
		return &clientWaitFinished{client13: w.client13, finHash: w.hc.tr.sum()}, nil, nil
	}
	return &clientWaitCertCR{w.client13}, nil, nil
}

// clientWaitCertCR is the wait_cert_cr state: a CertificateRequest or
// the server's Certificate may come.
type clientWaitCertCR struct{ *client13 }

func (w *clientWaitCertCR) name() string { return stateWaitCertCR }

func (w *clientWaitCertCR) next() (clientState13, *State, error) {
	typ, msg, err := w.hc.read(readOpts{})
	if err != nil {
		return nil, nil, err
	}
	switch typ {
	case TypeCertificateRequest:
		req, err := UnmarshalCertificateRequest(msg, cipher.VersionTLS13)
		if err != nil {
			return nil, nil, err
		}
		// RFC 8446, Section 4.3.2: the context is empty during the
		// handshake.
		if len(req.RequestContext) != 0 {
			return nil, nil, causef(ErrIllegalParameter, "CertificateRequest with a non-empty context during the handshake")
		}
		return &clientWaitCert{client13: w.client13, req: req}, nil, nil
	case TypeCertificate:
		cv, err := w.certificate(msg, nil)
		return cv, nil, err
	}
	return nil, nil, unexpected(typ.String(), "expected certificate or certificate_request in state wait_cert_cr")
}

// certificate takes the server's Certificate (RFC 8446, Section 4.4.2):
// an empty context, at least one certificate (decode_error otherwise,
// Section 4.4.2.4), no extensions the client did not ask for, and a
// chain that passes validation.
func (c *client13) certificate(msg []byte, req *CertificateRequest) (*clientWaitCV, error) {
	cm, err := UnmarshalCertificate(msg, cipher.VersionTLS13)
	if err != nil {
		return nil, err
	}
	if len(cm.RequestContext) != 0 {
		return nil, causef(ErrIllegalParameter, "server Certificate with a non-empty context")
	}
	if len(cm.Entries) == 0 {
		return nil, alertf(record.DecodeError, "server sent an empty Certificate")
	}
	if err := certificateExtensions(cm); err != nil {
		return nil, err
	}
	peer, err := verifyPeer(c.cfg, cm.Chain(), true)
	if err != nil {
		return nil, err
	}
	return &clientWaitCV{client13: c, req: req, peer: peer, certHash: c.hc.tr.sum()}, nil
}

// clientWaitCert is the wait_cert state: after a CertificateRequest, the
// server's Certificate may come.
type clientWaitCert struct {
	*client13
	req *CertificateRequest
}

func (w *clientWaitCert) name() string { return stateWaitCert }

func (w *clientWaitCert) next() (clientState13, *State, error) {
	typ, msg, err := w.hc.read(readOpts{})
	if err != nil {
		return nil, nil, err
	}
	if typ != TypeCertificate {
		return nil, nil, unexpected(typ.String(), "expected certificate in state wait_cert")
	}
	cv, err := w.certificate(msg, w.req)
	return cv, nil, err
}

// clientWaitCV is the wait_cv state: the server's CertificateVerify may
// come, signed over the transcript up to its Certificate (certHash).
type clientWaitCV struct {
	*client13
	req      *CertificateRequest
	peer     *verifiedPeer
	certHash []byte
}

func (w *clientWaitCV) name() string { return stateWaitCV }

func (w *clientWaitCV) next() (clientState13, *State, error) {
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
	proof, err := verifyCertificateVerify13(w.peer, cv, w.certHash, true, w.offer.schemes)
	if err != nil {
		return nil, nil, err
	}
	return &clientWaitFinished{client13: w.client13, req: w.req, proof: proof, finHash: w.hc.tr.sum()}, nil, nil
}

// clientWaitFinished is the wait_finished state: the server is
// authenticated (proof), its Finished may come, over the transcript up to
// its CertificateVerify (finHash).
type clientWaitFinished struct {
	*client13
	req     *CertificateRequest
	proof   *signatureVerified
	finHash []byte
}

func (w *clientWaitFinished) name() string { return stateWaitFinished }

func (w *clientWaitFinished) next() (clientState13, *State, error) {
	hc, cfg, suite, k := w.hc, w.cfg, w.suite, w.keys
	fin, err := hc.readFinished("wait_finished")
	if err != nil {
		return nil, nil, err
	}
	serverOK, err := checkFinished13(suite, fin, k.serverHS, w.finHash)
	if err != nil {
		return nil, nil, err
	}
	// RFC 8446, Section 7.1: the application secrets cover the
	// transcript through the server's Finished; the server may send
	// under them at once.
	if err := k.application(hc.tr.sum()); err != nil {
		return nil, nil, err
	}
	readP, err := installRead13(hc.rc, suite, k.serverAP)
	if err != nil {
		return nil, nil, err
	}
	hc.rc.SetCompatCCS(false)
	cr := w.hello.Random[:]
	writeKeyLog(cfg.KeyLog, trafficLabel(true, 0), cr, k.clientAP)
	writeKeyLog(cfg.KeyLog, trafficLabel(false, 0), cr, k.serverAP)
	writeKeyLog(cfg.KeyLog, KeyLogExporter, cr, k.exporter)

	// The client's second flight (RFC 8446, Section 4.4), after the end
	// of the early data under the early keys (Section 4.5).
	if w.earlyOK {
		if err := hc.write(&EndOfEarlyData{}); err != nil {
			return nil, nil, err
		}
		if _, err := installWrite13(hc.rc, suite, k.clientHS); err != nil {
			return nil, nil, err
		}
	}
	if w.offer.compat && !w.ccsSent {
		// Written in the clear whatever the write keys (RFC 8446,
		// Section 5).
		if err := hc.writeCCS(); err != nil {
			return nil, nil, err
		}
	}
	if w.req != nil {
		cred, scheme, err := selectCredential13(cfg, w.req.SignatureAlgorithms, w.req.CertificateAuthorities)
		if err != nil {
			return nil, nil, err
		}
		cm := &Certificate{Version: cipher.VersionTLS13, RequestContext: w.req.RequestContext}
		if cred != nil {
			cm = NewCertificate(cipher.VersionTLS13, cred.Chain)
			cm.RequestContext = w.req.RequestContext
		}
		if err := hc.write(cm); err != nil {
			return nil, nil, err
		}
		if cred != nil {
			cv, err := signCertificateVerify13(cfg, cred, scheme, hc.tr.sum(), false)
			if err != nil {
				return nil, nil, err
			}
			if err := hc.write(cv); err != nil {
				return nil, nil, err
			}
		}
	}
	vd, err := finished13(suite, k.clientHS, hc.tr.sum())
	if err != nil {
		return nil, nil, err
	}
	if err := hc.write(&Finished{VerifyData: vd}); err != nil {
		return nil, nil, err
	}
	writeP, err := installWrite13(hc.rc, suite, k.clientAP)
	if err != nil {
		return nil, nil, err
	}
	if err := hc.flush(); err != nil {
		return nil, nil, err
	}
	rms, err := k.resumption(hc.tr.sum())
	if err != nil {
		return nil, nil, err
	}
	var peer [][]byte
	if w.proof != nil {
		peer = w.proof.peer.chain
	}
	st := &State{
		Version: cipher.VersionTLS13, Suite: suite, PeerCertificates: peer,
		ServerName: w.hello.ServerName, ALPN: w.alpn, SessionID: w.offer.sessionID,
		ClientRandom: w.hello.Random, ServerRandom: w.serverRandom, Group: w.group,
		ClientFinished: vd, ServerFinished: serverOK.verifyData, HelloRetry: w.helloRetry,
		client: true, cfg: cfg,
	}
	if w.resumed != nil {
		st.Resumed = true
		st.PeerCertificates = w.resumed.PeerCertificates
		st.EarlyDataAccepted = w.earlyOK
	}
	st.tls13 = newConn13(cfg, true, k, w.hello.Random, rms, readP, writeP)
	keepHandshakeSecrets(st, cfg, k)
	return nil, st, nil
}

// keepHandshakeSecrets puts the handshake traffic secrets in the State
// with Config.KeepSecrets, and wipes them otherwise, and mirrors the
// application secrets.
func keepHandshakeSecrets(st *State, cfg *Config, k *secrets13) {
	if cfg.KeepSecrets {
		st.ClientHandshakeTrafficSecret = k.clientHS
		st.ServerHandshakeTrafficSecret = k.serverHS
	} else {
		clear(k.clientHS)
		clear(k.serverHS)
	}
	st.mirror13()
}
