package handshake_test

import (
	"bytes"
	"crypto/x509"
	"errors"
	"math/big"
	"net"
	"strings"
	"testing"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/crl"
	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/internal/leakcheck"
	"github.com/otpssl/ssl/internal/testpki"
	"github.com/otpssl/ssl/pem"
	"github.com/otpssl/ssl/record"
	"github.com/otpssl/ssl/x509path"
)

// ourPair runs our client against our server over net.Pipe and, when both
// succeed, sends data each way.
func ourPair(t *testing.T, cli, srv *handshake.Config) (c, s ourResult) {
	t.Helper()
	a, b := tcpPair(t)
	defer a.Close()
	defer b.Close()
	done := make(chan ourResult, 1)
	go func() { done <- runOurs(b, false, srv) }()
	c = runOurs(a, true, cli)
	s = <-done
	if c.err != nil || s.err != nil {
		return c, s
	}
	errc := make(chan error, 1)
	go func() {
		msg := make([]byte, 0, 64)
		for len(msg) < 5 {
			m, err := s.rc.ReadMessage()
			if err != nil {
				errc <- err
				return
			}
			msg = append(msg, m.Data...)
		}
		_, err := s.rc.Write(append(msg, '!'))
		errc <- err
	}()
	if err := exchangeOurs(c.rc, []byte("hello"), []byte("hello!")); err != nil {
		t.Fatalf("application data: %v", err)
	}
	if err := <-errc; err != nil {
		t.Fatalf("server side application data: %v", err)
	}
	if !bytes.Equal(c.st.MasterSecret, s.st.MasterSecret) || c.st.ClientRandom != s.st.ClientRandom ||
		!bytes.Equal(c.st.ClientFinished, s.st.ClientFinished) || !bytes.Equal(c.st.ServerFinished, s.st.ServerFinished) {
		t.Fatal("the two sides disagree on the secrets")
	}
	return c, s
}

func mustPair(t *testing.T, cli, srv *handshake.Config) (c, s *handshake.State) {
	t.Helper()
	cr, sr := ourPair(t, cli, srv)
	if cr.err != nil || sr.err != nil {
		t.Fatalf("client %v; server %v", cr.err, sr.err)
	}
	return cr.st, sr.st
}

// tcpPair returns the two ends of a loopback TCP connection: unlike
// net.Pipe its buffers let a side write its alert while the other is
// still writing, as on a real network.
func tcpPair(t *testing.T) (net.Conn, net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	type accepted struct {
		c   net.Conn
		err error
	}
	ch := make(chan accepted, 1)
	go func() {
		c, err := l.Accept()
		ch <- accepted{c, err}
	}()
	a, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	r := <-ch
	if r.err != nil {
		a.Close()
		t.Fatal(r.err)
	}
	return a, r.c
}

// TestPairKeyExchanges runs every key exchange method between our client
// and our server, in the versions it exists in.
func TestPairKeyExchanges(t *testing.T) {
	leakcheck.Check(t)
	p := newHSPKI(t)
	rsaRoot := p.pki.Root("rsa root", testpki.Key(testpki.RSA2048))
	ecdhRSA := rsaRoot.Issue("ecdh_rsa server", testpki.DNS(hsServerName), testpki.KeyUsage(0x8|0x1))
	all := []cipher.Version{cipher.VersionTLS12, cipher.VersionTLS11, cipher.VersionTLS10, cipher.VersionSSL30}
	for _, c := range []struct {
		suite    string
		cert     *testpki.Cert
		versions []cipher.Version
		group    handshake.NamedGroup
		dhBits   int
	}{
		{"ECDHE-ECDSA-AES128-GCM-SHA256", p.serverECDSA, all[:1], handshake.X25519, 0},
		{"ECDHE-ECDSA-AES128-SHA", p.serverP384, all[:3], handshake.X25519, 0},
		{"ECDHE-ECDSA-CHACHA20-POLY1305", p.serverEd25519, all[:1], handshake.X25519, 0},
		{"ECDHE-RSA-AES256-GCM-SHA384", p.serverRSA, all[:1], handshake.X25519, 0},
		{"DHE-RSA-AES128-GCM-SHA256", p.serverRSA, all[:1], 0, 2048},
		{"DHE-RSA-AES256-SHA", p.serverRSA, all, 0, 2048},
		{"DHE-RSA-AES128-CCM", p.serverRSA, all[:1], 0, 2048},
		{"ADH-AES128-GCM-SHA256", nil, all[:1], 0, 2048},
		{"ADH-AES128-SHA", nil, all, 0, 2048},
		{"AECDH-AES128-SHA", nil, all[:3], handshake.X25519, 0},
		{"ECDH-ECDSA-AES128-GCM-SHA256", p.serverECDSA, all[:1], handshake.Secp256r1, 0},
		{"ECDH-ECDSA-AES256-SHA", p.serverP384, all[:3], handshake.Secp384r1, 0},
		{"ECDH-RSA-AES128-SHA", ecdhRSA, all[:3], handshake.Secp256r1, 0},
		{"ECDH-RSA-AES128-GCM-SHA256", ecdhRSA, all[:1], handshake.Secp256r1, 0},
		{"AES128-SHA", p.serverRSA, all, 0, 0},
		{"DES-CBC3-SHA", p.serverRSA, all, 0, 0},
		{"AES256-SHA256", p.serverRSA, all[:1], 0, 0},
		{"RC4-SHA", p.serverRSA, all, 0, 0},
	} {
		for _, v := range c.versions {
			t.Run(v.String()+"/"+c.suite, func(t *testing.T) {
				s := suitesByName(t, c.suite)
				cli := p.clientConfig(s...)
				cli.Versions = []cipher.Version{v}
				srv := p.serverConfig(c.cert, s...)
				srv.Versions = all
				if c.suite == "ECDH-RSA-AES128-SHA" || c.suite == "ECDH-RSA-AES128-GCM-SHA256" {
					cli.PathOptions.TrustedCerts = [][]byte{rsaRoot.DER}
				}
				cs, ss := mustPair(t, cli, srv)
				if cs.Version != v || cs.Suite != s[0] || ss.Suite != s[0] {
					t.Fatalf("negotiated %s %s", cs.Version, cs.Suite)
				}
				if cs.Group != c.group || ss.Group != c.group || cs.DHBits != c.dhBits || ss.DHBits != c.dhBits {
					t.Fatalf("group %s/%s, DH bits %d/%d; want %s, %d", cs.Group, ss.Group, cs.DHBits, ss.DHBits, c.group, c.dhBits)
				}
				if cs.ExtendedMasterSecret != (v != cipher.VersionSSL30) || !cs.SecureRenegotiation || !ss.SecureRenegotiation {
					t.Fatalf("EMS %v, secure renegotiation %v/%v", cs.ExtendedMasterSecret, cs.SecureRenegotiation, ss.SecureRenegotiation)
				}
				wantFin := 12
				if v == cipher.VersionSSL30 {
					wantFin = 36
				}
				if len(cs.ClientFinished) != wantFin || len(cs.ServerFinished) != wantFin {
					t.Fatalf("verify_data lengths %d, %d", len(cs.ClientFinished), len(cs.ServerFinished))
				}
				if c.cert == nil && len(cs.PeerCertificates) != 0 {
					t.Fatal("peer certificates in an anonymous handshake")
				}
			})
		}
	}
}

// TestPairCurves checks every curve of ECDHE and the eccs and
// honor_ecc_order options.
func TestPairCurves(t *testing.T) {
	leakcheck.Check(t)
	p := newHSPKI(t)
	s := suitesByName(t, "ECDHE-ECDSA-AES128-GCM-SHA256")
	for _, g := range []handshake.NamedGroup{handshake.X25519, handshake.Secp256r1, handshake.Secp384r1, handshake.Secp521r1} {
		t.Run(g.String(), func(t *testing.T) {
			// The client must offer P-256 too, the curve of the
			// certificate (RFC 8422, Section 5.1).
			cli := p.clientConfig(s...)
			cli.Eccs = []handshake.NamedGroup{g, handshake.Secp256r1}
			srv := p.serverConfig(p.serverECDSA, s...)
			srv.Eccs = []handshake.NamedGroup{g}
			cs, ss := mustPair(t, cli, srv)
			if cs.Group != g || ss.Group != g {
				t.Fatalf("group %s/%s", cs.Group, ss.Group)
			}
		})
	}
	for _, honor := range []bool{false, true} {
		cli := p.clientConfig(s...)
		cli.Eccs = []handshake.NamedGroup{handshake.Secp256r1, handshake.X25519}
		srv := p.serverConfig(p.serverECDSA, s...)
		srv.Eccs = []handshake.NamedGroup{handshake.X25519, handshake.Secp256r1}
		srv.HonorEccOrder = honor
		cs, _ := mustPair(t, cli, srv)
		want := handshake.Secp256r1
		if honor {
			want = handshake.X25519
		}
		if cs.Group != want {
			t.Errorf("honor_ecc_order %v: %s, want %s", honor, cs.Group, want)
		}
	}
	// No common curve: no ECDHE suite fits.
	cli := p.clientConfig(s...)
	cli.Eccs = []handshake.NamedGroup{handshake.Secp521r1}
	srv := p.serverConfig(p.serverECDSA, s...)
	srv.Eccs = []handshake.NamedGroup{handshake.X25519}
	_, sr := ourPair(t, cli, srv)
	wantHSAlert(t, sr.err, record.HandshakeFailure)
	// The ECDSA certificate's curve must be one the client offers (RFC
	// 8422, Section 5.1): a P-384 certificate and a client without P-384.
	cli = p.clientConfig(s...)
	cli.Eccs = []handshake.NamedGroup{handshake.X25519, handshake.Secp256r1}
	_, sr = ourPair(t, cli, p.serverConfig(p.serverP384, s...))
	if !errors.Is(sr.err, handshake.ErrNoCommonSuite) {
		t.Fatalf("P-384 certificate to a client without P-384: %v", sr.err)
	}
}

// TestPairSuiteSelection checks honor_cipher_order, the choice of the
// certificate that fits the suite, and signature algorithm constraints.
func TestPairSuiteSelection(t *testing.T) {
	leakcheck.Check(t)
	p := newHSPKI(t)
	a := suitesByName(t, "ECDHE-ECDSA-AES128-GCM-SHA256")[0]
	b := suitesByName(t, "ECDHE-RSA-AES256-GCM-SHA384")[0]
	both := func(c *handshake.Config) {
		c.Certificates = []handshake.Credential{cred(p.serverRSA), cred(p.serverECDSA)}
	}
	for _, honor := range []bool{false, true} {
		srv := p.serverConfig(nil, b, a)
		both(srv)
		srv.HonorCipherOrder = honor
		cs, _ := mustPair(t, p.clientConfig(a, b), srv)
		want, wantCert := a, p.serverECDSA
		if honor {
			want, wantCert = b, p.serverRSA
		}
		if cs.Suite != want || !bytes.Equal(cs.PeerCertificates[0], wantCert.DER) {
			t.Errorf("honor_cipher_order %v: %s", honor, cs.Suite)
		}
	}
	// The client's signature algorithms rule out the ECDSA certificate
	// for TLS 1.2 ECDHE-ECDSA: the server goes on to the RSA suite.
	cli := p.clientConfig(a, b)
	cli.SignatureAlgs = []handshake.SignatureScheme{handshake.RSAPSSRSAESHA256}
	srv := p.serverConfig(nil, a, b)
	both(srv)
	cs, _ := mustPair(t, cli, srv)
	if cs.Suite != b {
		t.Fatalf("suite %s, want %s", cs.Suite, b)
	}
	// ...and with only the ECDSA suite nothing fits.
	cli.Suites = []*cipher.Suite{a}
	_, sr := ourPair(t, cli, srv)
	he := wantHSAlert(t, sr.err, record.HandshakeFailure)
	if he.State != "hello" || !errors.Is(sr.err, handshake.ErrNoCommonSuite) {
		t.Fatalf("%v", he)
	}
	// A server without any certificate serves anonymous suites only.
	cli = p.clientConfig(a, b)
	_, sr = ourPair(t, cli, p.serverConfig(nil, a, b))
	wantHSAlert(t, sr.err, record.HandshakeFailure)
	// Ed25519 signs only from TLS 1.2.
	cli = p.clientConfig(suitesByName(t, "ECDHE-ECDSA-AES128-SHA")...)
	cli.Versions = []cipher.Version{cipher.VersionTLS11}
	_, sr = ourPair(t, cli, p.serverConfig(p.serverEd25519, cli.Suites...))
	wantHSAlert(t, sr.err, record.HandshakeFailure)
}

// TestPairVersions checks version negotiation, the fallback SCSV and the
// downgrade sentinels between our two sides.
func TestPairVersions(t *testing.T) {
	leakcheck.Check(t)
	p := newHSPKI(t)
	s := suitesByName(t, "ECDHE-ECDSA-AES128-SHA", "AES128-SHA")
	cfgs := func(cv, sv []cipher.Version) (*handshake.Config, *handshake.Config) {
		cli := p.clientConfig(s...)
		cli.Versions = cv
		srv := p.serverConfig(p.serverECDSA, s...)
		srv.Versions = sv
		srv.Certificates = append(srv.Certificates, cred(p.serverRSA))
		return cli, srv
	}
	v12, v11, v10, v3 := cipher.VersionTLS12, cipher.VersionTLS11, cipher.VersionTLS10, cipher.VersionSSL30
	for _, c := range []struct {
		cv, sv []cipher.Version
		want   cipher.Version
	}{
		{[]cipher.Version{v12, v11, v10}, []cipher.Version{v12, v11, v10}, v12},
		{[]cipher.Version{v11, v10}, []cipher.Version{v12, v11, v10}, v11},
		{[]cipher.Version{v12, v11, v10}, []cipher.Version{v10}, v10},
		{[]cipher.Version{v12, v10}, []cipher.Version{v12, v10}, v12},
		{[]cipher.Version{v3}, []cipher.Version{v12, v11, v10, v3}, v3},
		{[]cipher.Version{v12, v3}, []cipher.Version{v3}, v3},
		{[]cipher.Version{cipher.VersionTLS13, v12}, []cipher.Version{cipher.VersionTLS13, v12}, v12},
	} {
		cli, srv := cfgs(c.cv, c.sv)
		cs, ss := mustPair(t, cli, srv)
		if cs.Version != c.want || ss.Version != c.want {
			t.Errorf("%v vs %v: %s/%s, want %s", c.cv, c.sv, cs.Version, ss.Version, c.want)
		}
	}
	// The server picks TLS 1.1, which the client does not accept.
	cli, srv := cfgs([]cipher.Version{v12, v10}, []cipher.Version{v11})
	cr, _ := ourPair(t, cli, srv)
	wantHSAlert(t, cr.err, record.ProtocolVersion)
	// No common version at all: the server refuses.
	cli, srv = cfgs([]cipher.Version{v10}, []cipher.Version{v12})
	_, sr := ourPair(t, cli, srv)
	wantHSAlert(t, sr.err, record.ProtocolVersion)
	// TLS 1.3 alone is not implemented yet.
	cli, srv = cfgs([]cipher.Version{cipher.VersionTLS13}, []cipher.Version{v12})
	cr, _ = ourPair(t, cli, srv)
	wantHSAlert(t, cr.err, record.ProtocolVersion)
	// A client falling back to TLS 1.1 with TLS_FALLBACK_SCSV to a server
	// that has TLS 1.2: inappropriate_fallback (RFC 7507).
	cli, srv = cfgs([]cipher.Version{v11, v10}, []cipher.Version{v12, v11, v10})
	cli.Fallback = true
	cr, sr = ourPair(t, cli, srv)
	wantHSAlert(t, sr.err, record.InappropriateFallback)
	wantRemote(t, cr.err, record.InappropriateFallback)
	// The same fallback to a server whose highest version it is: fine.
	cli, srv = cfgs([]cipher.Version{v11, v10}, []cipher.Version{v11, v10})
	cli.Fallback = true
	if cs, _ := mustPair(t, cli, srv); cs.Version != v11 {
		t.Fatalf("fallback to a TLS 1.1 server: %s", cs.Version)
	}
}

// TestPairNextProtocol checks Next Protocol Negotiation both ways, its
// precedence, default and failure, and that ALPN wins over it.
func TestPairNextProtocol(t *testing.T) {
	leakcheck.Check(t)
	p := newHSPKI(t)
	s := suitesByName(t, "ECDHE-ECDSA-AES128-GCM-SHA256")
	for _, c := range []struct {
		name       string
		client     handshake.NextProtocols
		advertised []string
		want       string
		fail       bool
	}{
		{"client-precedence", handshake.NextProtocols{Protocols: []string{"a", "b"}}, []string{"b", "a"}, "a", false},
		{"server-precedence", handshake.NextProtocols{Protocols: []string{"a", "b"}, ServerPrecedence: true}, []string{"b", "a"}, "b", false},
		{"default", handshake.NextProtocols{Protocols: []string{"a"}, Default: "z"}, []string{"b"}, "z", false},
		{"none", handshake.NextProtocols{Protocols: []string{"a"}}, []string{"b"}, "", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			cli := p.clientConfig(s...)
			np := c.client
			cli.NextProtocols = &np
			srv := p.serverConfig(p.serverECDSA, s...)
			srv.NextProtocolsAdvertised = c.advertised
			cr, sr := ourPair(t, cli, srv)
			if c.fail {
				he := wantHSAlert(t, cr.err, record.HandshakeFailure)
				if he.State != "hello" || !errors.Is(cr.err, handshake.ErrNoNextProtocol) {
					t.Fatalf("%v", he)
				}
				return
			}
			if cr.err != nil || sr.err != nil {
				t.Fatalf("%v / %v", cr.err, sr.err)
			}
			if cr.st.NPN != c.want || sr.st.NPN != c.want || cr.st.ALPN != "" {
				t.Fatalf("NPN %q/%q, want %q", cr.st.NPN, sr.st.NPN, c.want)
			}
		})
	}
	t.Run("alpn-wins", func(t *testing.T) {
		cli := p.clientConfig(s...)
		cli.NextProtocols = &handshake.NextProtocols{Protocols: []string{"a"}}
		cli.ALPN = []string{"h2"}
		srv := p.serverConfig(p.serverECDSA, s...)
		srv.NextProtocolsAdvertised = []string{"a"}
		srv.ALPN = []string{"h2"}
		cs, ss := mustPair(t, cli, srv)
		if cs.ALPN != "h2" || ss.ALPN != "h2" || cs.NPN != "" || ss.NPN != "" {
			t.Fatalf("ALPN %q, NPN %q", cs.ALPN, cs.NPN)
		}
	})
}

// oakley768 is the 768-bit prime of RFC 2409, Section 6.1 (Oakley group
// 1): far too weak today, the DH parameters of a weak server.
const oakley768 = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74" +
	"020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437" +
	"4FE1356D6D51C245E485B576625E7EC6F44C42E9A63A3620FFFFFFFFFFFFFFFF"

// TestPairDHParameters checks configured DH parameters and the refusal of
// weak ones.
func TestPairDHParameters(t *testing.T) {
	leakcheck.Check(t)
	p := newHSPKI(t)
	s := suitesByName(t, "DHE-RSA-AES128-GCM-SHA256")
	weak, _ := new(big.Int).SetString(oakley768, 16)
	srv := p.serverConfig(p.serverRSA, s...)
	srv.DHParams = &pem.DHParams{P: weak, G: big.NewInt(2)}
	cr, _ := ourPair(t, p.clientConfig(s...), srv)
	he := wantHSAlert(t, cr.err, record.InsufficientSecurity)
	if he.State != "certify" {
		t.Fatalf("state %q", he.State)
	}
	// A client that lowers its minimum accepts them.
	cli := p.clientConfig(s...)
	cli.MinDHBits = 512
	if cs, _ := mustPair(t, cli, srv); cs.DHBits != 768 {
		t.Fatalf("DH bits %d", cs.DHBits)
	}
	srv.DHParams = handshake.FFDHEParams(handshake.FFDHE3072)
	if cs, _ := mustPair(t, p.clientConfig(s...), srv); cs.DHBits != 3072 {
		t.Fatalf("DH bits %d", cs.DHBits)
	}
}

// TestPairClientAuth checks client certificates between our sides, also
// in SSL 3.0 and TLS 1.0, and the renegotiation checks.
func TestPairClientAuth(t *testing.T) {
	leakcheck.Check(t)
	p := newHSPKI(t)
	s := suitesByName(t, "ECDHE-RSA-AES128-SHA", "AES128-SHA")
	for _, v := range []cipher.Version{cipher.VersionTLS12, cipher.VersionTLS11, cipher.VersionTLS10, cipher.VersionSSL30} {
		for _, cc := range []*testpki.Cert{p.clientECDSA, p.clientRSA, nil} {
			name := v.String() + "/none"
			if cc != nil {
				name = v.String() + "/" + cc.Cert.Subject.CommonName
			}
			t.Run(name, func(t *testing.T) {
				cli := p.clientConfig(s...)
				cli.Versions = []cipher.Version{v}
				if cc != nil {
					cli.Certificates = []handshake.Credential{cred(cc)}
				}
				srv := p.serverConfig(p.serverRSA, s...)
				srv.Versions = []cipher.Version{v}
				srv.VerifyPeer = true
				cs, ss := mustPair(t, cli, srv)
				want := cc != nil && !(v == cipher.VersionSSL30 && cc == p.clientECDSA)
				if (len(ss.PeerCertificates) == 1) != want || len(cs.PeerCertificates) != 1 {
					t.Fatalf("server got %d certificates, want %v", len(ss.PeerCertificates), want)
				}
			})
		}
	}
	// With fail_if_no_peer_cert an SSL 3.0 client without a certificate
	// (no_certificate alert) is refused.
	cli := p.clientConfig(s...)
	cli.Versions = []cipher.Version{cipher.VersionSSL30}
	srv := p.serverConfig(p.serverRSA, s...)
	srv.Versions = cli.Versions
	srv.VerifyPeer, srv.FailIfNoPeerCert = true, true
	_, sr := ourPair(t, cli, srv)
	wantHSAlert(t, sr.err, record.HandshakeFailure)
	// secure_renegotiate off on both sides still negotiates RFC 5746.
	cli = p.clientConfig(s...)
	cli.SecureRenegotiate = false
	srv = p.serverConfig(p.serverRSA, s...)
	srv.SecureRenegotiate = false
	if cs, _ := mustPair(t, cli, srv); !cs.SecureRenegotiation {
		t.Fatal("no secure renegotiation")
	}
}

// TestPairVerificationOptions checks that the path options reach path
// validation in a handshake: CRLs, depth, partial_chain, a verify fun's own
// reason and its user state.
func TestPairVerificationOptions(t *testing.T) {
	leakcheck.Check(t)
	p := newHSPKI(t)
	s := suitesByName(t, "ECDHE-ECDSA-AES128-GCM-SHA256")
	ica := p.root.Issue("intermediate", testpki.CA(0), testpki.CRLDistributionPoints("http://crl.test/ica.crl"))
	leaf := ica.Issue("leaf", testpki.DNS(hsServerName), testpki.CRLDistributionPoints("http://crl.test/ica.crl"))
	srv := p.serverConfig(nil, s...)
	srv.Certificates = []handshake.Credential{{Chain: [][]byte{leaf.DER, ica.DER}, Key: leaf.Key}}

	t.Run("revoked", func(t *testing.T) {
		cache := crl.NewInternalCache()
		if err := cache.InsertURI("http://crl.test/ica.crl", crl.FromDER(ica.CRL([]testpki.Revocation{leaf.Revoke(1)}))); err != nil {
			t.Fatal(err)
		}
		cli := p.clientConfig(s...)
		cli.PathOptions.CRLCheck, cli.PathOptions.CRLCache = crl.Peer, cache
		cr, _ := ourPair(t, cli, srv)
		wantHSAlert(t, cr.err, record.CertificateRevoked)
		var bad x509path.BadCertError
		if !errors.As(cr.err, &bad) || !strings.HasPrefix(bad.Reason.String(), "{revoked,") {
			t.Fatalf("cause %v", cr.err)
		}
	})
	t.Run("depth-0", func(t *testing.T) {
		cli := p.clientConfig(s...)
		cli.PathOptions.MaxDepth = -1
		cr, _ := ourPair(t, cli, srv)
		wantHSAlert(t, cr.err, record.HandshakeFailure)
		var bad x509path.BadCertError
		if !errors.As(cr.err, &bad) || bad.Reason != x509path.MaxPathLengthReached {
			t.Fatalf("cause %v", cr.err)
		}
	})
	t.Run("partial-chain", func(t *testing.T) {
		cli := p.clientConfig(s...)
		cli.PathOptions.TrustedCerts = nil
		cli.PathOptions.PartialChain = func(chain [][]byte) ([]byte, bool) {
			for _, c := range chain {
				if bytes.Equal(c, ica.DER) {
					return c, true
				}
			}
			return nil, false
		}
		mustPair(t, cli, srv)
	})
	t.Run("verify-fun-reason", func(t *testing.T) {
		cli := p.clientConfig(s...)
		var seen []string
		cli.PathOptions.UserState = 0
		cli.PathOptions.VerifyFun = func(c *x509.Certificate, ev x509path.Event, us any) (x509path.Verdict, any) {
			seen = append(seen, ev.String())
			if ev.Kind == x509path.ValidPeer {
				return x509path.Fail(x509path.Atom("not_this_one")), us
			}
			return x509path.DefaultVerifyPeer(c, ev, us.(int)+1)
		}
		cr, _ := ourPair(t, cli, srv)
		wantHSAlert(t, cr.err, record.HandshakeFailure)
		var bad x509path.BadCertError
		if !errors.As(cr.err, &bad) || bad.Reason != x509path.Atom("not_this_one") || len(seen) == 0 {
			t.Fatalf("cause %v, events %q", cr.err, seen)
		}
	})
	t.Run("server-verifies-client-purpose", func(t *testing.T) {
		// A client certificate for serverAuth only fails the clientAuth
		// purpose the server checks.
		serverOnly := p.root.Issue("server-only client", testpki.ExtKeyUsage(x509.ExtKeyUsageServerAuth))
		cli := p.clientConfig(s...)
		cli.Certificates = []handshake.Credential{cred(serverOnly)}
		srv := p.serverConfig(p.serverECDSA, s...)
		srv.VerifyPeer = true
		_, sr := ourPair(t, cli, srv)
		wantHSAlert(t, sr.err, record.HandshakeFailure)
		var bad x509path.BadCertError
		if !errors.As(sr.err, &bad) || !strings.Contains(bad.Reason.String(), "invalid_ext_keyusage") {
			t.Fatalf("cause %v", sr.err)
		}
	})
}
