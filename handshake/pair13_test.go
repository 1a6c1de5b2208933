package handshake_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/internal/leakcheck"
	"github.com/otpssl/ssl/internal/testpki"
	"github.com/otpssl/ssl/record"
)

// Our TLS 1.3 client against our TLS 1.3 server.

// pair13 runs our two sides and checks they agree: the version, the
// suite, the group, the secrets (kept on both sides), the exporters, and
// data both ways.
func pair13(t *testing.T, cli, srv *handshake.Config) (c, s *handshake.State) {
	t.Helper()
	cli.KeepSecrets, srv.KeepSecrets = true, true
	cr, sr := ourPair13(t, cli, srv)
	if cr.err != nil || sr.err != nil {
		t.Fatalf("client %v; server %v", cr.err, sr.err)
	}
	return cr.st, sr.st
}

// ourPair13 runs the handshake and, when both sides succeed, checks them.
func ourPair13(t *testing.T, cli, srv *handshake.Config) (c, s ourResult) {
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
	cs, ss := c.st, s.st
	if cs.Version != ss.Version || cs.Suite != ss.Suite || cs.Group != ss.Group || cs.HelloRetry != ss.HelloRetry ||
		cs.ClientRandom != ss.ClientRandom || cs.ServerRandom != ss.ServerRandom || cs.ALPN != ss.ALPN ||
		!bytes.Equal(cs.ClientFinished, ss.ClientFinished) || !bytes.Equal(cs.ServerFinished, ss.ServerFinished) {
		t.Fatalf("the sides disagree:\nclient %+v\nserver %+v", cs, ss)
	}
	ck, sk := cs.Secrets(), ss.Secrets()
	if !bytes.Equal(ck.ClientTraffic, sk.ClientTraffic) || !bytes.Equal(ck.ServerHandshake, sk.ServerHandshake) ||
		strings.Join(cs.KeyLog(), "\n") != strings.Join(ss.KeyLog(), "\n") {
		t.Fatal("the sides disagree on the secrets")
	}
	ce, err1 := cs.ExportKeyingMaterial("EXPERIMENTAL pair", []byte("c"), true, 24)
	se, err2 := ss.ExportKeyingMaterial("EXPERIMENTAL pair", []byte("c"), true, 24)
	if err1 != nil || err2 != nil || !bytes.Equal(ce, se) {
		t.Fatalf("exporters differ: %v %v", err1, err2)
	}
	errc := make(chan error, 1)
	go func() {
		msg := make([]byte, 6)
		if err := readFull13(ss, s.rc, msg); err != nil {
			errc <- err
			return
		}
		_, err := ss.WriteApplicationData(s.rc, msg)
		errc <- err
	}()
	if err := exchange13(cs, c.rc, []byte("hello!")); err != nil {
		t.Fatalf("client side: %v", err)
	}
	if err := <-errc; err != nil {
		t.Fatalf("server side: %v", err)
	}
	return c, s
}

// readFull13 reads len(p) bytes of application data, handing
// post-handshake messages to the State.
func readFull13(st *handshake.State, rc *record.Conn, p []byte) error {
	n := 0
	for n < len(p) {
		m, err := rc.ReadMessage()
		if err != nil {
			return err
		}
		switch m.Type {
		case record.TypeApplicationData:
			n += copy(p[n:], m.Data)
		case record.TypeHandshake:
			if err := st.HandleMessage(rc, m.Data); err != nil {
				return err
			}
		default:
			return fmt.Errorf("unexpected %s", m.Type)
		}
	}
	return nil
}

// TestPair13Suites runs every TLS 1.3 suite, the CCM ones included, with
// each certificate type.
func TestPair13Suites(t *testing.T) {
	leakcheck.Check(t)
	pki := newHSPKI(t)
	for _, s := range suites13(t) {
		for _, cert := range []*testpki.Cert{pki.serverECDSA, pki.serverRSA, pki.serverEd25519, pki.serverP384} {
			t.Run(s.String()+"/"+cert.Cert.Subject.CommonName, func(t *testing.T) {
				c, _ := pair13(t, only13(t, pki.clientConfig(), s), only13(t, pki.serverConfig(cert), s))
				if c.Suite != s || c.Version != cipher.VersionTLS13 {
					t.Fatalf("%s %s", c.Version, c.Suite)
				}
			})
		}
	}
}

// TestPair13Groups runs every group, and the retries between our sides.
func TestPair13Groups(t *testing.T) {
	leakcheck.Check(t)
	pki := newHSPKI(t)
	for _, g := range []handshake.NamedGroup{handshake.X25519MLKEM768, handshake.X25519, handshake.Secp256r1,
		handshake.Secp384r1, handshake.Secp521r1, handshake.FFDHE2048} {
		t.Run(g.String(), func(t *testing.T) {
			cli, srv := only13(t, pki.clientConfig()), only13(t, pki.serverConfig(pki.serverECDSA))
			cli.Groups, srv.Groups = []handshake.NamedGroup{g}, []handshake.NamedGroup{g}
			if c, _ := pair13(t, cli, srv); c.Group != g || c.HelloRetry {
				t.Fatalf("group %s, retry %v", c.Group, c.HelloRetry)
			}
		})
	}
	// The client's first group is one the server lacks: a retry for the
	// server's choice among the client's other groups.
	for _, noCookie := range []bool{false, true} {
		cli, srv := only13(t, pki.clientConfig()), only13(t, pki.serverConfig(pki.serverECDSA))
		cli.Groups = []handshake.NamedGroup{handshake.X25519, handshake.Secp384r1}
		srv.Groups = []handshake.NamedGroup{handshake.Secp384r1}
		srv.NoCookie = noCookie
		if c, _ := pair13(t, cli, srv); c.Group != handshake.Secp384r1 || !c.HelloRetry {
			t.Fatalf("group %s, retry %v", c.Group, c.HelloRetry)
		}
	}
	// The default client sends shares for the hybrid and x25519; a
	// server without the hybrid takes x25519 without a retry.
	srv := only13(t, pki.serverConfig(pki.serverECDSA))
	srv.Groups = []handshake.NamedGroup{handshake.Secp256r1, handshake.X25519}
	if c, _ := pair13(t, only13(t, pki.clientConfig()), srv); c.Group != handshake.X25519 || c.HelloRetry {
		t.Fatalf("group %s, retry %v", c.Group, c.HelloRetry)
	}
	// With honor_ecc_order the server's first choice wins, at the cost
	// of a retry.
	srv.HonorEccOrder = true
	if c, _ := pair13(t, only13(t, pki.clientConfig()), srv); c.Group != handshake.Secp256r1 || !c.HelloRetry {
		t.Fatalf("group %s, retry %v", c.Group, c.HelloRetry)
	}
	// No group in common.
	cli := only13(t, pki.clientConfig())
	cli.Groups = []handshake.NamedGroup{handshake.Secp521r1}
	srv = only13(t, pki.serverConfig(pki.serverECDSA))
	srv.Groups = []handshake.NamedGroup{handshake.X25519}
	_, sr := ourPair13(t, cli, srv)
	wantHSAlert(t, sr.err, record.HandshakeFailure)
}

// TestPair13Options runs the other options between our sides:
// middlebox compatibility on either side alone, client certificates of
// every key type, ALPN, signature_algorithms_cert, key_update_at.
func TestPair13Options(t *testing.T) {
	leakcheck.Check(t)
	pki := newHSPKI(t)
	for _, m := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
		cli, srv := only13(t, pki.clientConfig()), only13(t, pki.serverConfig(pki.serverECDSA))
		cli.DisableMiddleboxCompat, srv.DisableMiddleboxCompat = m[0], m[1]
		c, _ := pair13(t, cli, srv)
		if (len(c.SessionID) == 32) != !m[0] {
			t.Fatalf("middlebox %v: session ID %x", m, c.SessionID)
		}
	}
	ed := pki.root.Issue("client ed25519", testpki.Key(testpki.Ed25519))
	for _, cc := range []*testpki.Cert{pki.clientECDSA, pki.clientRSA, ed} {
		cli, srv := only13(t, pki.clientConfig()), only13(t, pki.serverConfig(pki.serverRSA))
		cli.Certificates = []handshake.Credential{cred(cc)}
		srv.VerifyPeer, srv.FailIfNoPeerCert = true, true
		if _, s := pair13(t, cli, srv); len(s.PeerCertificates) != 1 || !bytes.Equal(s.PeerCertificates[0], cc.DER) {
			t.Fatalf("%s: the server did not get the certificate", cc.Cert.Subject.CommonName)
		}
	}
	// A client picks the certificate the server's CA names point to.
	cli, srv := only13(t, pki.clientConfig()), only13(t, pki.serverConfig(pki.serverECDSA))
	cli.Certificates = []handshake.Credential{cred(pki.clientOther), cred(pki.clientRSA)}
	srv.VerifyPeer = true
	if _, s := pair13(t, cli, srv); len(s.PeerCertificates) != 1 || !bytes.Equal(s.PeerCertificates[0], pki.clientRSA.DER) {
		t.Fatal("the client did not choose by CA name")
	}
	// ALPN.
	cli, srv = only13(t, pki.clientConfig()), only13(t, pki.serverConfig(pki.serverECDSA))
	cli.ALPN, srv.ALPN = []string{"h2", "http/1.1"}, []string{"http/1.1", "h2"}
	if c, _ := pair13(t, cli, srv); c.ALPN != "http/1.1" {
		t.Fatalf("ALPN %q", c.ALPN)
	}
	// signature_algorithms_cert: sent and accepted.
	cli, srv = only13(t, pki.clientConfig()), only13(t, pki.serverConfig(pki.serverECDSA))
	cli.SignatureAlgsCert = []handshake.SignatureScheme{handshake.ECDSASecp256r1SHA256, handshake.RSAPKCS1SHA256}
	pair13(t, cli, srv)
}

// TestPair13KeyUpdates checks key_update_at and the record limit through
// WriteApplicationData, and UpdateKeys both ways.
func TestPair13KeyUpdates(t *testing.T) {
	leakcheck.Check(t)
	pki := newHSPKI(t)
	cli, srv := only13(t, pki.clientConfig()), only13(t, pki.serverConfig(pki.serverECDSA))
	cli.KeyUpdateAt = 1000
	cli.KeepSecrets, srv.KeepSecrets = true, true
	a, b := tcpPair(t)
	defer a.Close()
	defer b.Close()
	done := make(chan ourResult, 1)
	go func() { done <- runOurs(b, false, srv) }()
	c := runOurs(a, true, cli)
	s := <-done
	if c.err != nil || s.err != nil {
		t.Fatalf("%v %v", c.err, s.err)
	}
	msg := make([]byte, 10500)
	for i := range msg {
		msg[i] = byte(i)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := c.st.WriteApplicationData(c.rc, msg)
		errc <- err
	}()
	got := make([]byte, len(msg))
	if err := readFull13(s.st, s.rc, got); err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("read: %v", err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	// 10500 bytes at 1000 per key: ten updates, the last just before
	// the final 500 bytes.
	if cn, _ := c.st.KeyUpdates(); cn != 10 {
		t.Fatalf("client key updates %d, want 10", cn)
	}
	if cn, sn := s.st.KeyUpdates(); cn != 10 || sn != 0 {
		t.Fatalf("server sees %d and %d updates", cn, sn)
	}
	if !bytes.Equal(c.st.Secrets().ClientTraffic, s.st.Secrets().ClientTraffic) {
		t.Fatal("the sides disagree on the client's traffic secret")
	}
	// UpdateKeys asking the peer: the server answers when it reads.
	if err := c.st.UpdateKeys(c.rc, true); err != nil {
		t.Fatal(err)
	}
	go func() {
		_, err := c.st.WriteApplicationData(c.rc, []byte("ping"))
		errc <- err
	}()
	p := make([]byte, 4)
	if err := readFull13(s.st, s.rc, p); err != nil || string(p) != "ping" {
		t.Fatalf("read %q: %v", p, err)
	}
	<-errc
	go func() {
		_, err := s.st.WriteApplicationData(s.rc, []byte("pong"))
		errc <- err
	}()
	if err := readFull13(c.st, c.rc, p); err != nil || string(p) != "pong" {
		t.Fatalf("read %q: %v", p, err)
	}
	<-errc
	if cn, sn := c.st.KeyUpdates(); cn != 11 || sn != 1 {
		t.Fatalf("client sees %d and %d updates", cn, sn)
	}
	// UpdateKeys on TLS 1.2.
	cli12, srv12 := pki.clientConfig(cipher.SuiteByName("ECDHE-ECDSA-AES128-GCM-SHA256")), pki.serverConfig(pki.serverECDSA, cipher.SuiteByName("ECDHE-ECDSA-AES128-GCM-SHA256"))
	c12, _ := mustPair(t, cli12, srv12)
	if err := c12.UpdateKeys(nil, false); !errors.Is(err, handshake.ErrConfig) {
		t.Fatalf("UpdateKeys on TLS 1.2: %v", err)
	}
}

// TestPair13Versions checks the version negotiation between our sides:
// TLS 1.3 against a TLS 1.2-only peer either way, with the downgrade
// sentinel from a server that has TLS 1.3.
func TestPair13Versions(t *testing.T) {
	leakcheck.Check(t)
	pki := newHSPKI(t)
	v12 := []cipher.Version{cipher.VersionTLS12}
	cli, srv := cfg13(pki.clientConfig()), cfg13(pki.serverConfig(pki.serverECDSA))
	srv.Versions = v12
	c, _ := mustPair(t, cli, srv)
	if c.Version != cipher.VersionTLS12 {
		t.Fatal(c.Version)
	}
	if _, ok := handshake.DowngradeSentinel(c.ServerRandom); ok {
		t.Fatal("a TLS 1.2-only server wrote a sentinel")
	}
	cli, srv = cfg13(pki.clientConfig()), cfg13(pki.serverConfig(pki.serverECDSA))
	cli.Versions = v12
	c, _ = mustPair(t, cli, srv)
	if v, ok := handshake.DowngradeSentinel(c.ServerRandom); !ok || v != cipher.VersionTLS12 || c.Version != cipher.VersionTLS12 {
		t.Fatalf("%s, sentinel %v", c.Version, ok)
	}
	// Our TLS 1.3-only client and a TLS 1.2-only server: the server
	// finds no common version.
	cli, srv = only13(t, pki.clientConfig()), cfg13(pki.serverConfig(pki.serverECDSA))
	srv.Versions = v12
	_, sr := ourPair13(t, cli, srv)
	wantHSAlert(t, sr.err, record.ProtocolVersion)
	// A server limited to TLS 1.2 suites does not negotiate TLS 1.3.
	cli, srv = cfg13(pki.clientConfig()), cfg13(pki.serverConfig(pki.serverECDSA))
	srv.Suites = suitesByName(t, "ECDHE-ECDSA-AES128-GCM-SHA256")
	if c, _ := mustPair(t, cli, srv); c.Version != cipher.VersionTLS12 {
		t.Fatal(c.Version)
	}
}
