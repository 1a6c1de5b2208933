package handshake_test

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/internal/leakcheck"
	"github.com/otpssl/ssl/internal/testpki"
	"github.com/otpssl/ssl/record"
)

// TLS 1.3 against crypto/tls, in process, both ways.

// suites13 returns the TLS 1.3 suites, in the registry's default order.
func suites13(tb testing.TB) []*cipher.Suite {
	tb.Helper()
	var out []*cipher.Suite
	for _, s := range cipher.Suites() {
		if s.TLS13() {
			out = append(out, s)
		}
	}
	if len(out) != 5 {
		tb.Fatalf("%d TLS 1.3 suites in the registry, want 5", len(out))
	}
	return out
}

// cfg13 makes a configuration offer TLS 1.3 and 1.2 with the default
// suites, as the root package's defaults do.
func cfg13(cfg *handshake.Config) *handshake.Config {
	cfg.Versions = []cipher.Version{cipher.VersionTLS13, cipher.VersionTLS12}
	cfg.Suites = cipher.DefaultSuites()
	return cfg
}

// only13 makes a configuration TLS 1.3 alone, with the given suites (all
// five when none).
func only13(tb testing.TB, cfg *handshake.Config, suites ...*cipher.Suite) *handshake.Config {
	cfg.Versions = []cipher.Version{cipher.VersionTLS13}
	if len(suites) == 0 {
		suites = suites13(tb)
	}
	cfg.Suites = suites
	return cfg
}

// goCurve maps our groups to crypto/tls's.
var goCurve = map[handshake.NamedGroup]tls.CurveID{
	handshake.X25519: tls.X25519, handshake.Secp256r1: tls.CurveP256, handshake.Secp384r1: tls.CurveP384,
	handshake.Secp521r1: tls.CurveP521, handshake.X25519MLKEM768: tls.X25519MLKEM768,
}

// go13Result is the outcome of a TLS 1.3 handshake between one of our
// sides and crypto/tls over net.Pipe: both states, the exported keying
// material of both sides, and the data exchange.
type go13Result struct {
	ours           ourResult
	goState        tls.ConnectionState
	goErr, dataErr error
	ekmOurs, ekmGo []byte
	goLog          string
}

// go13Pair runs our side against crypto/tls over loopback TCP (whose
// buffers let both sides write at once, as a KeyUpdate answer needs),
// exchanges data both ways
// (with updateKeys, our side updates its keys, asking Go to update
// its own, between two messages), and exports keying material on both
// sides.
func go13Pair(t *testing.T, ourClient bool, ours *handshake.Config, theirs *tls.Config, updateKeys bool) go13Result {
	t.Helper()
	a, b := tcpPair(t)
	defer a.Close()
	defer b.Close()
	var goLog bytes.Buffer
	theirs = theirs.Clone()
	theirs.KeyLogWriter = &goLog
	var gc *tls.Conn
	if ourClient {
		gc = tls.Server(b, theirs)
	} else {
		gc = tls.Client(b, theirs)
	}
	goDone := make(chan error, 1)
	go func() {
		b.SetDeadline(time.Now().Add(20 * time.Second))
		err := gc.Handshake()
		if err != nil {
			b.Close()
		}
		goDone <- err
	}()
	var res go13Result
	res.ours = runOurs(a, ourClient, ours)
	res.goErr = <-goDone
	if res.ours.err != nil || res.goErr != nil {
		return res
	}
	res.goState = gc.ConnectionState()
	// Go echoes lines until the connection ends.
	echoDone := make(chan error, 1)
	go func() {
		r := bufio.NewReader(gc)
		for {
			line, err := r.ReadBytes('\n')
			if err != nil {
				if errors.Is(err, io.EOF) {
					err = nil
				}
				echoDone <- err
				return
			}
			if _, err := gc.Write(line); err != nil {
				echoDone <- err
				return
			}
		}
	}()
	st, rc := res.ours.st, res.ours.rc
	res.dataErr = exchangeOurs(rc, []byte("one\n"), []byte("one\n"))
	if res.dataErr == nil && updateKeys {
		res.dataErr = st.UpdateKeys(rc, true)
		if res.dataErr == nil {
			res.dataErr = exchange13(st, rc, []byte("two\n"))
		}
	}
	if res.dataErr == nil {
		res.dataErr = exchange13(st, rc, []byte("three\n"))
	}
	a.SetDeadline(time.Now().Add(5 * time.Second))
	rc.SendAlert(record.Warning, record.CloseNotify)
	a.Close()
	if err := <-echoDone; res.dataErr == nil && err != nil && !errors.Is(err, net.ErrClosed) {
		res.dataErr = err
	}
	res.ekmGo, _ = res.goState.ExportKeyingMaterial("EXPERIMENTAL otpssl", []byte("ctx"), 32)
	res.ekmOurs, _ = st.ExportKeyingMaterial("EXPERIMENTAL otpssl", []byte("ctx"), true, 32)
	res.goLog = goLog.String()
	return res
}

// exchange13 sends msg and reads it back, handing post-handshake
// messages (NewSessionTicket, KeyUpdate) to the State as the socket layer
// does.
func exchange13(st *handshake.State, rc *record.Conn, msg []byte) error {
	if _, err := st.WriteApplicationData(rc, msg); err != nil {
		return err
	}
	return readBack13(st, rc, msg)
}

// readBack13 reads application data until want has come, handling
// post-handshake messages.
func readBack13(st *handshake.State, rc *record.Conn, want []byte) error {
	var got []byte
	for len(got) < len(want) {
		m, err := rc.ReadMessage()
		if err != nil {
			return err
		}
		switch m.Type {
		case record.TypeApplicationData:
			got = append(got, m.Data...)
		case record.TypeHandshake:
			if err := st.HandleMessage(rc, m.Data); err != nil {
				return err
			}
		default:
			return fmt.Errorf("unexpected %s", m.Type)
		}
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("got %q, want %q", got, want)
	}
	return nil
}

// checkGo13 fails unless the handshake succeeded in TLS 1.3 with the
// suite and group wanted (0 and nil: any; crypto/tls reports its group
// only from Go 1.25 on, so our side's is checked, Go being limited to the
// group by its configuration), data went both ways and the exporters
// agree.
func checkGo13(t *testing.T, r go13Result, suite *cipher.Suite, group handshake.NamedGroup) {
	t.Helper()
	if r.ours.err != nil || r.goErr != nil {
		t.Fatalf("ours: %v; go: %v", r.ours.err, r.goErr)
	}
	if r.dataErr != nil {
		t.Fatalf("application data: %v", r.dataErr)
	}
	st := r.ours.st
	if st.Version != cipher.VersionTLS13 || r.goState.Version != tls.VersionTLS13 {
		t.Fatalf("versions %s and %x", st.Version, r.goState.Version)
	}
	if suite != nil && (st.Suite != suite || r.goState.CipherSuite != suite.ID) {
		t.Fatalf("suites %s and %#04x, want %s", st.Suite, r.goState.CipherSuite, suite)
	}
	if group != 0 && st.Group != group {
		t.Fatalf("group %s, want %s", st.Group, group)
	}
	if len(r.ekmOurs) != 32 || !bytes.Equal(r.ekmOurs, r.ekmGo) {
		t.Fatalf("exporters differ: ours %x, go %x", r.ekmOurs, r.ekmGo)
	}
}

func goServer13(p *hsPKI, c *testpki.Cert) *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{tlsCert(c)}}
}

func goClient13(p *hsPKI) *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS13, RootCAs: p.pool(), ServerName: hsServerName}
}

// TestGo13Suites runs every TLS 1.3 suite crypto/tls implements (all but
// the CCM ones) both ways, with the ECDSA and the RSA certificate.
func TestGo13Suites(t *testing.T) {
	leakcheck.Check(t)
	pki := newHSPKI(t)
	for _, s := range suites13(t) {
		if s.Cipher == cipher.BulkAES128CCM || s.Cipher == cipher.BulkAES128CCM8 {
			continue
		}
		for _, cert := range []*testpki.Cert{pki.serverECDSA, pki.serverRSA, pki.serverEd25519} {
			name := fmt.Sprintf("%s/%s", s, cert.Cert.Subject.CommonName)
			t.Run("our-client/"+name, func(t *testing.T) {
				r := go13Pair(t, true, only13(t, pki.clientConfig(), s), goServer13(pki, cert), true)
				checkGo13(t, r, s, 0)
			})
			t.Run("our-server/"+name, func(t *testing.T) {
				r := go13Pair(t, false, only13(t, pki.serverConfig(cert), s), goClient13(pki), true)
				checkGo13(t, r, s, 0)
			})
		}
	}
}

// TestGo13Groups runs every key share group both ways: X25519MLKEM768,
// x25519 and the NIST curves, with the group the only one on both sides.
func TestGo13Groups(t *testing.T) {
	leakcheck.Check(t)
	pki := newHSPKI(t)
	for g, gg := range goCurve {
		t.Run("our-client/"+g.String(), func(t *testing.T) {
			cli := only13(t, pki.clientConfig())
			cli.Groups = []handshake.NamedGroup{g}
			srv := goServer13(pki, pki.serverECDSA)
			srv.CurvePreferences = []tls.CurveID{gg}
			checkGo13(t, go13Pair(t, true, cli, srv, false), nil, g)
		})
		t.Run("our-server/"+g.String(), func(t *testing.T) {
			srv := only13(t, pki.serverConfig(pki.serverECDSA))
			srv.Groups = []handshake.NamedGroup{g}
			cli := goClient13(pki)
			cli.CurvePreferences = []tls.CurveID{gg}
			checkGo13(t, go13Pair(t, false, srv, cli, false), nil, g)
		})
	}
	// The defaults: both sides prefer the hybrid.
	r := go13Pair(t, true, cfg13(pki.clientConfig()), goServer13(pki, pki.serverECDSA), false)
	checkGo13(t, r, nil, handshake.X25519MLKEM768)
	r = go13Pair(t, false, cfg13(pki.serverConfig(pki.serverECDSA)), goClient13(pki), false)
	checkGo13(t, r, nil, handshake.X25519MLKEM768)
}

// TestGo13HelloRetry makes each side send a HelloRetryRequest to the
// other: the client sends a share for a group the server does not take.
func TestGo13HelloRetry(t *testing.T) {
	leakcheck.Check(t)
	pki := newHSPKI(t)
	t.Run("go-server-retries", func(t *testing.T) {
		cli := only13(t, pki.clientConfig())
		cli.Groups = []handshake.NamedGroup{handshake.Secp256r1, handshake.X25519}
		srv := goServer13(pki, pki.serverECDSA)
		srv.CurvePreferences = []tls.CurveID{tls.X25519}
		r := go13Pair(t, true, cli, srv, false)
		checkGo13(t, r, nil, handshake.X25519)
		if !r.ours.st.HelloRetry {
			t.Fatal("no HelloRetryRequest")
		}
	})
	t.Run("our-server-retries", func(t *testing.T) {
		srv := only13(t, pki.serverConfig(pki.serverECDSA))
		srv.Groups = []handshake.NamedGroup{handshake.Secp384r1, handshake.X25519}
		srv.HonorEccOrder = true
		cli := goClient13(pki)
		cli.CurvePreferences = []tls.CurveID{tls.X25519, tls.CurveP384}
		r := go13Pair(t, false, srv, cli, false)
		checkGo13(t, r, nil, handshake.Secp384r1)
		if !r.ours.st.HelloRetry {
			t.Fatal("no HelloRetryRequest")
		}
	})
	t.Run("our-server-takes-the-share", func(t *testing.T) {
		// Without honor_ecc_order the client's share wins: no retry.
		srv := only13(t, pki.serverConfig(pki.serverECDSA))
		srv.Groups = []handshake.NamedGroup{handshake.Secp384r1, handshake.X25519}
		cli := goClient13(pki)
		cli.CurvePreferences = []tls.CurveID{tls.X25519, tls.CurveP384}
		r := go13Pair(t, false, srv, cli, false)
		checkGo13(t, r, nil, handshake.X25519)
		if r.ours.st.HelloRetry {
			t.Fatal("HelloRetryRequest")
		}
	})
}

// TestGo13ClientAuth runs client certificates both ways: ECDSA, RSA
// (RSA-PSS signatures) and Ed25519 keys, a client without a certificate
// (accepted, or refused with certificate_required), and an unknown CA.
func TestGo13ClientAuth(t *testing.T) {
	leakcheck.Check(t)
	pki := newHSPKI(t)
	ed := pki.root.Issue("client ed25519", testpki.Key(testpki.Ed25519))
	for _, cc := range []*testpki.Cert{pki.clientECDSA, pki.clientRSA, ed} {
		name := cc.Cert.Subject.CommonName
		t.Run("our-client/"+name, func(t *testing.T) {
			cli := only13(t, pki.clientConfig())
			cli.Certificates = []handshake.Credential{cred(cc)}
			srv := goServer13(pki, pki.serverECDSA)
			srv.ClientAuth = tls.RequireAndVerifyClientCert
			srv.ClientCAs = pki.pool()
			r := go13Pair(t, true, cli, srv, false)
			checkGo13(t, r, nil, 0)
			if len(r.goState.PeerCertificates) != 1 || !bytes.Equal(r.goState.PeerCertificates[0].Raw, cc.DER) {
				t.Fatal("Go did not get our certificate")
			}
		})
		t.Run("our-server/"+name, func(t *testing.T) {
			srv := only13(t, pki.serverConfig(pki.serverECDSA))
			srv.VerifyPeer, srv.FailIfNoPeerCert = true, true
			cli := goClient13(pki)
			cli.Certificates = []tls.Certificate{tlsCert(cc)}
			r := go13Pair(t, false, srv, cli, false)
			checkGo13(t, r, nil, 0)
			if pc := r.ours.st.PeerCertificates; len(pc) != 1 || !bytes.Equal(pc[0], cc.DER) {
				t.Fatal("we did not get Go's certificate")
			}
		})
	}
	t.Run("our-client-without-certificate", func(t *testing.T) {
		srv := goServer13(pki, pki.serverECDSA)
		srv.ClientAuth = tls.RequestClientCert
		r := go13Pair(t, true, only13(t, pki.clientConfig()), srv, false)
		checkGo13(t, r, nil, 0)
		if len(r.goState.PeerCertificates) != 0 {
			t.Fatal("a certificate was sent")
		}
	})
	t.Run("our-server-optional", func(t *testing.T) {
		srv := only13(t, pki.serverConfig(pki.serverECDSA))
		srv.VerifyPeer = true
		r := go13Pair(t, false, srv, goClient13(pki), false)
		checkGo13(t, r, nil, 0)
		if len(r.ours.st.PeerCertificates) != 0 {
			t.Fatal("a certificate came")
		}
	})
	t.Run("our-server-required", func(t *testing.T) {
		srv := only13(t, pki.serverConfig(pki.serverECDSA))
		srv.VerifyPeer, srv.FailIfNoPeerCert = true, true
		r := go13Pair(t, false, srv, goClient13(pki), false)
		he := wantHSAlert(t, r.ours.err, record.CertificateRequired)
		if he.State != "wait_cert" {
			t.Fatalf("state %s", he.State)
		}
	})
	t.Run("our-server-unknown-ca", func(t *testing.T) {
		// Without CA names Go sends the certificate it has.
		srv := only13(t, pki.serverConfig(pki.serverECDSA))
		srv.VerifyPeer, srv.OmitCANames = true, true
		cli := goClient13(pki)
		cli.Certificates = []tls.Certificate{tlsCert(pki.clientOther)}
		r := go13Pair(t, false, srv, cli, false)
		he := wantHSAlert(t, r.ours.err, record.UnknownCA)
		if he.State != "wait_cert" {
			t.Fatalf("state %s", he.State)
		}
	})
	t.Run("our-client-unknown-ca", func(t *testing.T) {
		other := pki.otherRoot.Issue("server of another root", testpki.DNS(hsServerName))
		r := go13Pair(t, true, only13(t, pki.clientConfig()), goServer13(pki, other), false)
		he := wantHSAlert(t, r.ours.err, record.UnknownCA)
		if he.State != "wait_cert_cr" {
			t.Fatalf("state %s", he.State)
		}
	})
}

// TestGo13ALPNAndSNI checks ALPN and SNI both ways, and that a client
// refuses an ALPN protocol it did not offer.
func TestGo13ALPNAndSNI(t *testing.T) {
	leakcheck.Check(t)
	pki := newHSPKI(t)
	t.Run("our-client", func(t *testing.T) {
		cli := only13(t, pki.clientConfig())
		cli.ALPN = []string{"h2", "http/1.1"}
		srv := goServer13(pki, pki.serverECDSA)
		srv.NextProtos = []string{"http/1.1"}
		var sni string
		srv.GetConfigForClient = func(h *tls.ClientHelloInfo) (*tls.Config, error) { sni = h.ServerName; return nil, nil }
		r := go13Pair(t, true, cli, srv, false)
		checkGo13(t, r, nil, 0)
		if r.ours.st.ALPN != "http/1.1" || r.goState.NegotiatedProtocol != "http/1.1" || sni != hsServerName {
			t.Fatalf("alpn %q/%q, sni %q", r.ours.st.ALPN, r.goState.NegotiatedProtocol, sni)
		}
	})
	t.Run("our-server", func(t *testing.T) {
		srv := only13(t, pki.serverConfig(pki.serverECDSA))
		srv.ALPN = []string{"h2", "http/1.1"}
		cli := goClient13(pki)
		cli.NextProtos = []string{"http/1.1", "h2"}
		r := go13Pair(t, false, srv, cli, false)
		checkGo13(t, r, nil, 0)
		if r.ours.st.ALPN != "h2" || r.goState.NegotiatedProtocol != "h2" || r.ours.st.ServerName != hsServerName {
			t.Fatalf("alpn %q/%q, sni %q", r.ours.st.ALPN, r.goState.NegotiatedProtocol, r.ours.st.ServerName)
		}
	})
	t.Run("our-server-no-common-protocol", func(t *testing.T) {
		srv := only13(t, pki.serverConfig(pki.serverECDSA))
		srv.ALPN = []string{"h2"}
		cli := goClient13(pki)
		cli.NextProtos = []string{"http/1.1"}
		r := go13Pair(t, false, srv, cli, false)
		he := wantHSAlert(t, r.ours.err, record.NoApplicationProtocol)
		if he.State != "start" {
			t.Fatalf("state %s", he.State)
		}
	})
}

// TestGo13Downgrade checks the version negotiation between TLS 1.3 and
// 1.2 both ways: our client offering both meets a Go server limited to
// TLS 1.2, and our server supporting both meets a Go client limited to
// TLS 1.2; the server random carries the downgrade sentinel, which a
// client offering TLS 1.3 would refuse.
func TestGo13Downgrade(t *testing.T) {
	leakcheck.Check(t)
	pki := newHSPKI(t)
	srv := &tls.Config{MaxVersion: tls.VersionTLS12, Certificates: []tls.Certificate{tlsCert(pki.serverECDSA)}}
	r := go13Pair(t, true, cfg13(pki.clientConfig()), srv, false)
	if r.ours.err != nil || r.goErr != nil || r.ours.st.Version != cipher.VersionTLS12 {
		t.Fatalf("our client vs Go TLS 1.2: %v / %v", r.ours.err, r.goErr)
	}
	if _, ok := handshake.DowngradeSentinel(r.ours.st.ServerRandom); ok {
		t.Fatalf("Go's server, limited to TLS 1.2, wrote a downgrade sentinel: %x", r.ours.st.ServerRandom)
	}
	cli := &tls.Config{MaxVersion: tls.VersionTLS12, RootCAs: pki.pool(), ServerName: hsServerName}
	r = go13Pair(t, false, cfg13(pki.serverConfig(pki.serverECDSA)), cli, false)
	if r.ours.err != nil || r.goErr != nil || r.ours.st.Version != cipher.VersionTLS12 {
		t.Fatalf("our server vs Go TLS 1.2: %v / %v", r.ours.err, r.goErr)
	}
	if v, ok := handshake.DowngradeSentinel(r.ours.st.ServerRandom); !ok || v != cipher.VersionTLS12 {
		t.Fatalf("our TLS 1.2 server random %x lacks the sentinel", r.ours.st.ServerRandom)
	}
	// Our TLS 1.3-only client and a TLS 1.2-only server: Go refuses
	// with protocol_version, which our client reports in wait_sh.
	r = go13Pair(t, true, only13(t, pki.clientConfig()), srv, false)
	wantRemote(t, r.ours.err, record.ProtocolVersion)
	var he *handshake.Error
	if !errors.As(r.ours.err, &he) || he.State != "wait_sh" {
		t.Fatalf("error %v", r.ours.err)
	}
}

// TestGo13KeyLog compares our key log lines with crypto/tls's for the
// same connections, both ways, and checks the exporter and traffic
// secrets agree after key updates.
func TestGo13KeyLog(t *testing.T) {
	leakcheck.Check(t)
	pki := newHSPKI(t)
	for _, ourClient := range []bool{true, false} {
		var log syncBuf
		var r go13Result
		if ourClient {
			cli := only13(t, pki.clientConfig())
			cli.KeyLog, cli.KeepSecrets = &log, true
			r = go13Pair(t, true, cli, goServer13(pki, pki.serverECDSA), true)
		} else {
			srv := only13(t, pki.serverConfig(pki.serverECDSA))
			srv.KeyLog, srv.KeepSecrets = &log, true
			r = go13Pair(t, false, srv, goClient13(pki), true)
		}
		checkGo13(t, r, nil, 0)
		ours := strings.Split(strings.TrimSpace(log.String()), "\n")
		goLines := strings.Split(strings.TrimSpace(r.goLog), "\n")
		// Go logs the four traffic secrets of the handshake; we log
		// them too, with the exporter secret and the secrets of the key
		// update after them.
		if len(goLines) != 4 || len(ours) != 7 {
			t.Fatalf("go logged %d lines, we %d:\n%s", len(goLines), len(ours), log.String())
		}
		for _, l := range goLines {
			found := false
			for _, o := range ours {
				found = found || o == l
			}
			if !found {
				t.Errorf("our client=%v: Go's line %q is not in our log", ourClient, l)
			}
		}
		// After one key update each way, State.KeyLog has _1 secrets.
		kl := r.ours.st.KeyLog()
		if len(kl) != 5 || !strings.HasPrefix(kl[2], "CLIENT_TRAFFIC_SECRET_1 ") ||
			!strings.HasPrefix(kl[3], "SERVER_TRAFFIC_SECRET_1 ") {
			t.Errorf("State.KeyLog = %q", kl)
		}
		for _, l := range kl {
			if !strings.Contains(log.String(), l) {
				t.Errorf("State.KeyLog line %q was not written to the key log", l)
			}
		}
	}
}

// syncBuf is a bytes.Buffer safe for the concurrent writes of a key log.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
