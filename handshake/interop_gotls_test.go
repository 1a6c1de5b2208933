package handshake_test

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/internal/leakcheck"
	"github.com/otpssl/ssl/internal/testpki"
)

// goPairResult is the outcome of a handshake between one of our sides and
// crypto/tls over net.Pipe, with application data exchanged both ways.
type goPairResult struct {
	ours    ourResult
	goState tls.ConnectionState
	goErr   error
	dataErr error
	// ekmGo and ekmOurs are RFC 5705 keying material from both sides
	// (Go's refuses without the extended master secret).
	ekmGo, ekmOurs []byte
}

// goPair runs our side (client when ourClient) against crypto/tls with
// the given configurations and, when both succeed, sends data from ours,
// has Go echo it, and exports keying material on both sides.
func goPair(t *testing.T, ourClient bool, ours *handshake.Config, theirs *tls.Config) goPairResult {
	t.Helper()
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
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
	var res goPairResult
	res.ours = runOurs(a, ourClient, ours)
	res.goErr = <-goDone
	if res.ours.err != nil || res.goErr != nil {
		return res
	}
	res.goState = gc.ConnectionState()
	msg := []byte(fmt.Sprintf("hello from otpssl over %s", res.ours.st.Suite))
	echoErr := make(chan error, 1)
	go func() { echoErr <- echoTLS(gc, len(msg)) }()
	res.dataErr = exchangeOurs(res.ours.rc, msg, msg)
	if err := <-echoErr; res.dataErr == nil {
		res.dataErr = err
	}
	st := res.ours.st
	res.ekmGo, _ = res.goState.ExportKeyingMaterial("EXPERIMENTAL otpssl", []byte("ctx"), 32)
	res.ekmOurs, _ = cipher.ExportKeyingMaterial(st.Version, st.Suite, st.MasterSecret,
		st.ClientRandom[:], st.ServerRandom[:], "EXPERIMENTAL otpssl", []byte("ctx"), true, 32)
	return res
}

type goInteropCase struct {
	version cipher.Version
	suite   string
	cert    func(p *hsPKI) *testpki.Cert
}

func goInteropCases() []goInteropCase {
	ecdsa := func(p *hsPKI) *testpki.Cert { return p.serverECDSA }
	rsa := func(p *hsPKI) *testpki.Cert { return p.serverRSA }
	var cases []goInteropCase
	for _, c := range []struct {
		suite string
		cert  func(p *hsPKI) *testpki.Cert
	}{
		{"ECDHE-ECDSA-AES128-GCM-SHA256", ecdsa},
		{"ECDHE-ECDSA-AES256-GCM-SHA384", ecdsa},
		{"ECDHE-ECDSA-CHACHA20-POLY1305", ecdsa},
		{"ECDHE-RSA-AES128-GCM-SHA256", rsa},
		{"ECDHE-RSA-AES256-GCM-SHA384", rsa},
		{"ECDHE-RSA-CHACHA20-POLY1305", rsa},
		{"ECDHE-RSA-AES128-SHA256", rsa},
		{"ECDHE-ECDSA-AES128-SHA256", ecdsa},
		{"AES128-GCM-SHA256", rsa},
		{"AES256-GCM-SHA384", rsa},
		{"AES128-SHA256", rsa},
	} {
		cases = append(cases, goInteropCase{cipher.VersionTLS12, c.suite, c.cert})
	}
	for _, v := range []cipher.Version{cipher.VersionTLS12, cipher.VersionTLS11, cipher.VersionTLS10} {
		for _, c := range []struct {
			suite string
			cert  func(p *hsPKI) *testpki.Cert
		}{
			{"ECDHE-ECDSA-AES128-SHA", ecdsa},
			{"ECDHE-ECDSA-AES256-SHA", ecdsa},
			{"ECDHE-RSA-AES128-SHA", rsa},
			{"ECDHE-RSA-AES256-SHA", rsa},
			{"AES128-SHA", rsa},
			{"AES256-SHA", rsa},
			{"DES-CBC3-SHA", rsa},
			{"ECDHE-RSA-DES-CBC3-SHA", rsa},
		} {
			cases = append(cases, goInteropCase{v, c.suite, c.cert})
		}
	}
	return cases
}

// TestGoTLSInterop runs full handshakes against crypto/tls in both
// directions for TLS 1.0, 1.1 and 1.2 and every suite crypto/tls
// implements, then exchanges application data and compares exported
// keying material (which crypto/tls gives only with the extended master
// secret).
func TestGoTLSInterop(t *testing.T) {
	leakcheck.Check(t)
	p := newHSPKI(t)
	for _, c := range goInteropCases() {
		suite := suitesByName(t, c.suite)[0]
		for _, ourClient := range []bool{true, false} {
			name := fmt.Sprintf("%s/%s/ours-server", c.version, c.suite)
			if ourClient {
				name = fmt.Sprintf("%s/%s/ours-client", c.version, c.suite)
			}
			t.Run(name, func(t *testing.T) {
				theirs := &tls.Config{
					MinVersion:   uint16(c.version),
					MaxVersion:   uint16(c.version),
					CipherSuites: []uint16{suite.ID},
					RootCAs:      p.pool(),
					ServerName:   hsServerName,
				}
				var ours *handshake.Config
				if ourClient {
					theirs.Certificates = []tls.Certificate{tlsCert(c.cert(p))}
					ours = p.clientConfig(suite)
				} else {
					ours = p.serverConfig(c.cert(p), suite)
				}
				res := goPair(t, ourClient, ours, theirs)
				if res.ours.err != nil || res.goErr != nil {
					t.Fatalf("ours: %v; crypto/tls: %v", res.ours.err, res.goErr)
				}
				if res.dataErr != nil {
					t.Fatalf("application data: %v", res.dataErr)
				}
				st := res.ours.st
				if st.Version != c.version || cipher.Version(res.goState.Version) != c.version {
					t.Fatalf("versions: ours %s, crypto/tls %#x; want %s", st.Version, res.goState.Version, c.version)
				}
				if st.Suite != suite || res.goState.CipherSuite != suite.ID {
					t.Fatalf("suites: ours %s, crypto/tls %#x; want %s", st.Suite, res.goState.CipherSuite, suite)
				}
				if !st.ExtendedMasterSecret || !st.SecureRenegotiation {
					t.Fatalf("EMS %v, secure renegotiation %v; want both", st.ExtendedMasterSecret, st.SecureRenegotiation)
				}
				if len(res.ekmGo) != 32 || !bytes.Equal(res.ekmGo, res.ekmOurs) {
					t.Fatalf("exported keying material differs: crypto/tls %x, ours %x", res.ekmGo, res.ekmOurs)
				}
				if len(st.ClientFinished) != 12 || len(st.ServerFinished) != 12 {
					t.Fatalf("finished verify_data lengths %d, %d", len(st.ClientFinished), len(st.ServerFinished))
				}
				if ourClient {
					if len(st.PeerCertificates) != 1 || !bytes.Equal(st.PeerCertificates[0], c.cert(p).DER) {
						t.Fatalf("peer certificates: %d", len(st.PeerCertificates))
					}
				} else if len(st.SessionID) != 32 {
					t.Fatalf("session ID of %d bytes, want 32", len(st.SessionID))
				}
				if suite.KeyExchange.ForwardSecret() && st.Group == 0 {
					t.Fatalf("no group reported for %s", suite)
				}
			})
		}
	}
}
