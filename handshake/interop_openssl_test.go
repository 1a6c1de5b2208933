package handshake_test

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/internal/peertest"
	"github.com/otpssl/ssl/internal/testpki"
	"github.com/otpssl/ssl/record"
)

// peerFiles are the PEM files an outside peer is started with.
type peerFiles struct {
	dir                    string
	root                   string
	ecdsaCert, ecdsaKey    string
	rsaCert, rsaKey        string
	dsaCert, dsaKey        string
	clientCert, clientKey  string
	dsa                    *testpki.Cert // DER and key of the DSA server
	clientLeaf, serverLeaf *testpki.Cert
}

func writePEMFile(t *testing.T, path string, data []byte) string {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// newPeerFiles writes the test PKI for outside peers and, with openssl,
// makes a DSA server certificate (crypto/x509 cannot create one) signed by
// the test root, for dhe_dss.
func newPeerFiles(t *testing.T, p *hsPKI, openssl string) *peerFiles {
	t.Helper()
	d := t.TempDir()
	f := &peerFiles{dir: d, clientLeaf: p.clientRSA, serverLeaf: p.serverRSA}
	f.root = writePEMFile(t, filepath.Join(d, "root.pem"), p.root.PEM())
	rootKey := writePEMFile(t, filepath.Join(d, "root.key"), p.root.KeyPEM())
	f.ecdsaCert = writePEMFile(t, filepath.Join(d, "ecdsa.pem"), p.serverECDSA.PEM())
	f.ecdsaKey = writePEMFile(t, filepath.Join(d, "ecdsa.key"), p.serverECDSA.KeyPEM())
	f.rsaCert = writePEMFile(t, filepath.Join(d, "rsa.pem"), p.serverRSA.PEM())
	f.rsaKey = writePEMFile(t, filepath.Join(d, "rsa.key"), p.serverRSA.KeyPEM())
	f.clientCert = writePEMFile(t, filepath.Join(d, "client.pem"), p.clientRSA.PEM())
	f.clientKey = writePEMFile(t, filepath.Join(d, "client.key"), p.clientRSA.KeyPEM())
	if openssl == "" {
		return f
	}
	src, err := os.ReadFile(filepath.Join("testdata", "kx-dsa2048.pem"))
	if err != nil {
		t.Fatal(err)
	}
	f.dsaKey = writePEMFile(t, filepath.Join(d, "dsa.key"), src)
	ext := writePEMFile(t, filepath.Join(d, "ext.cnf"), []byte(
		"subjectAltName=DNS:"+hsServerName+"\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n"))
	csr := filepath.Join(d, "dsa.csr")
	f.dsaCert = filepath.Join(d, "dsa.pem")
	for _, args := range [][]string{
		{"req", "-new", "-key", f.dsaKey, "-subj", "/CN=dsa server", "-out", csr},
		{"x509", "-req", "-in", csr, "-CA", f.root, "-CAkey", rootKey, "-set_serial", "7777",
			"-days", "2", "-sha256", "-extfile", ext, "-out", f.dsaCert},
	} {
		if out, err := exec.Command(openssl, args...).CombinedOutput(); err != nil {
			t.Fatalf("openssl %v: %v\n%s", args, err, out)
		}
	}
	certPEM, err := os.ReadFile(f.dsaCert)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(certPEM)
	leaf, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	f.dsa = &testpki.Cert{Cert: leaf, DER: blk.Bytes, Key: kxtKey(t, "dsa2048")}
	return f
}

// dialPeer connects to an outside server, retrying while it starts.
func dialPeer(t *testing.T, port int) net.Conn {
	t.Helper()
	var err error
	for i := 0; i < 100; i++ {
		var c net.Conn
		if c, err = net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port)); err == nil {
			return c
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("cannot connect to the peer: %v", err)
	return nil
}

// acceptOne listens on a free port and returns it with a channel that
// delivers the first connection.
func acceptOne(t *testing.T) (int, <-chan net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan net.Conn, 1)
	go func() {
		defer l.Close()
		c, err := l.Accept()
		if err != nil {
			close(ch)
			return
		}
		ch <- c
	}()
	t.Cleanup(func() { l.Close() })
	return l.Addr().(*net.TCPAddr).Port, ch
}

// readAppData reads application data from rc until want has arrived.
func readAppData(rc *record.Conn, want string) error {
	var got []byte
	for !strings.Contains(string(got), want) {
		m, err := rc.ReadMessage()
		if err != nil {
			return err
		}
		if m.Type == record.TypeApplicationData {
			got = append(got, m.Data...)
		}
	}
	return nil
}

type opensslCase struct {
	name    string
	version cipher.Version
	suite   string
	cert    string // "rsa", "ecdsa", "dsa"
	args    []string
	client  bool // client certificates both ways
}

func opensslCases() []opensslCase {
	return []opensslCase{
		{"dhe_rsa", cipher.VersionTLS12, "DHE-RSA-AES128-GCM-SHA256", "rsa", nil, false},
		{"dhe_rsa-cbc", cipher.VersionTLS12, "DHE-RSA-AES256-SHA256", "rsa", nil, false},
		{"dhe_rsa-tls1", cipher.VersionTLS10, "DHE-RSA-AES128-SHA", "rsa", nil, false},
		{"dhe_rsa-tls1.1", cipher.VersionTLS11, "DHE-RSA-AES256-SHA", "rsa", nil, false},
		{"dhe_dss", cipher.VersionTLS12, "DHE-DSS-AES128-GCM-SHA256", "dsa", nil, false},
		{"dhe_dss-tls1", cipher.VersionTLS10, "DHE-DSS-AES128-SHA", "dsa", nil, false},
		{"ecdhe_ecdsa-client-cert", cipher.VersionTLS12, "ECDHE-ECDSA-AES128-GCM-SHA256", "ecdsa", nil, true},
		{"rsa-client-cert-tls1", cipher.VersionTLS10, "AES128-SHA", "rsa", nil, true},
		{"ecdhe_rsa-chacha", cipher.VersionTLS12, "ECDHE-RSA-CHACHA20-POLY1305", "rsa", nil, false},
		{"dhe_rsa-ccm", cipher.VersionTLS12, "DHE-RSA-AES128-CCM", "rsa", nil, false},
	}
}

// withDSA is the default signature algorithms with the DSA ones, which
// dhe_dss needs and the default leaves out.
func withDSA() []handshake.SignatureScheme {
	return append(handshake.DefaultSignatureSchemes(), handshake.DSASHA256, handshake.DSASHA1)
}

func versionFlag(v cipher.Version) string {
	switch v {
	case cipher.VersionTLS10:
		return "-tls1"
	case cipher.VersionTLS11:
		return "-tls1_1"
	}
	return "-tls1_2"
}

func (f *peerFiles) certKey(kind string) (string, string, *testpki.Cert) {
	switch kind {
	case "ecdsa":
		return f.ecdsaCert, f.ecdsaKey, nil
	case "dsa":
		return f.dsaCert, f.dsaKey, f.dsa
	}
	return f.rsaCert, f.rsaKey, nil
}

// TestOpenSSLServer runs our client against openssl s_server for the key
// exchanges crypto/tls lacks (dhe_rsa, dhe_dss), client certificates, and
// TLS 1.0 and 1.1, then exchanges data both ways.
func TestOpenSSLServer(t *testing.T) {
	openssl := peertest.Require(t, "openssl")
	p := newHSPKI(t)
	f := newPeerFiles(t, p, openssl)
	for _, c := range opensslCases() {
		t.Run(c.name, func(t *testing.T) {
			port := peertest.FreePort(t)
			certFile, keyFile, _ := f.certKey(c.cert)
			args := []string{"s_server", "-accept", "127.0.0.1:" + strconv.Itoa(port), "-naccept", "1",
				"-cert", certFile, "-key", keyFile, versionFlag(c.version), "-cipher", c.suite + ":@SECLEVEL=0"}
			if c.client {
				args = append(args, "-Verify", "2", "-CAfile", f.root, "-verify_return_error")
			}
			// With -naccept 1 a probe connection would use up the
			// server: dialPeer's first connection is the test's.
			srv := peertest.Start(t, "openssl", args...)
			cfg := p.clientConfig(suitesByName(t, c.suite)...)
			cfg.SignatureAlgs = withDSA()
			if c.client {
				cfg.Certificates = []handshake.Credential{cred(p.clientRSA)}
			}
			conn := dialPeer(t, port)
			defer conn.Close()
			res := runOurs(conn, true, cfg)
			if res.err != nil {
				t.Fatalf("handshake: %v", res.err)
			}
			st := res.st
			if st.Version != c.version || st.Suite.OpenSSLName != c.suite || !st.ExtendedMasterSecret || !st.SecureRenegotiation {
				t.Fatalf("negotiated %s %s, EMS %v, RI %v", st.Version, st.Suite, st.ExtendedMasterSecret, st.SecureRenegotiation)
			}
			if strings.HasPrefix(c.suite, "DHE") && st.DHBits < 2048 {
				t.Fatalf("DH bits %d", st.DHBits)
			}
			if _, err := res.rc.Write([]byte("ping from otpssl\n")); err != nil {
				t.Fatal(err)
			}
			srv.WaitOutput(t, "ping from otpssl", 10*time.Second)
			if _, err := srv.Stdin.Write([]byte("pong from openssl\n")); err != nil {
				t.Fatal(err)
			}
			if err := readAppData(res.rc, "pong from openssl"); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestOpenSSLClient runs openssl s_client against our server with the same
// cases, plus ALPN and SNI.
func TestOpenSSLClient(t *testing.T) {
	openssl := peertest.Require(t, "openssl")
	p := newHSPKI(t)
	f := newPeerFiles(t, p, openssl)
	cases := append(opensslCases(), opensslCase{"alpn-sni", cipher.VersionTLS12, "ECDHE-RSA-AES128-GCM-SHA256", "rsa",
		[]string{"-alpn", "spdy/3,h2"}, false})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			port, accepted := acceptOne(t)
			args := []string{"s_client", "-connect", "127.0.0.1:" + strconv.Itoa(port), "-servername", hsServerName,
				"-CAfile", f.root, "-verify_return_error", "-ign_eof", versionFlag(c.version), "-cipher", c.suite + ":@SECLEVEL=0"}
			if c.client {
				args = append(args, "-cert", f.clientCert, "-key", f.clientKey)
			}
			args = append(args, c.args...)
			cli := peertest.Start(t, "openssl", args...)
			var conn net.Conn
			select {
			case conn = <-accepted:
			case <-time.After(10 * time.Second):
				t.Fatal("s_client did not connect")
			}
			if conn == nil {
				t.Fatal("accept failed")
			}
			defer conn.Close()
			_, _, dsa := f.certKey(c.cert)
			cert := map[string]*testpki.Cert{"rsa": p.serverRSA, "ecdsa": p.serverECDSA, "dsa": dsa}[c.cert]
			cfg := p.serverConfig(cert, suitesByName(t, c.suite)...)
			cfg.SignatureAlgs = withDSA()
			cfg.ALPN = []string{"h2", "http/1.1"}
			if c.client {
				cfg.VerifyPeer, cfg.FailIfNoPeerCert = true, true
			}
			res := runOurs(conn, false, cfg)
			if res.err != nil {
				t.Fatalf("handshake: %v", res.err)
			}
			st := res.st
			if st.Version != c.version || st.Suite.OpenSSLName != c.suite || !st.ExtendedMasterSecret || st.ServerName != hsServerName {
				t.Fatalf("negotiated %s %s, EMS %v, SNI %q", st.Version, st.Suite, st.ExtendedMasterSecret, st.ServerName)
			}
			// s_client may send the root after its certificate.
			if c.client && (len(st.PeerCertificates) == 0 || !bytes.Equal(st.PeerCertificates[0], p.clientRSA.DER)) {
				t.Fatalf("client certificates: %d", len(st.PeerCertificates))
			}
			if c.args != nil && st.ALPN != "h2" {
				t.Fatalf("ALPN %q", st.ALPN)
			}
			cli.WaitOutput(t, "Cipher is "+c.suite, 10*time.Second)
			cli.WaitOutput(t, "Extended master secret: yes", 10*time.Second)
			if _, err := cli.Stdin.Write([]byte("ping from openssl\n")); err != nil {
				t.Fatal(err)
			}
			if err := readAppData(res.rc, "ping from openssl"); err != nil {
				t.Fatal(err)
			}
			if _, err := res.rc.Write([]byte("pong from otpssl\n")); err != nil {
				t.Fatal(err)
			}
			cli.WaitOutput(t, "pong from otpssl", 10*time.Second)
			if c.args != nil {
				cli.WaitOutput(t, "ALPN protocol: h2", 5*time.Second)
			}
		})
	}
}

// TestOpenSSLFailures checks alerts across the two implementations: a
// server certificate openssl cannot verify, and openssl refusing a
// fallback.
func TestOpenSSLFailures(t *testing.T) {
	peertest.Require(t, "openssl")
	p := newHSPKI(t)
	f := newPeerFiles(t, p, "")
	t.Run("client-refuses-unknown-ca", func(t *testing.T) {
		port := peertest.FreePort(t)
		other := p.otherRoot.Issue("untrusted", testpki.DNS(hsServerName))
		certFile := writePEMFile(t, filepath.Join(f.dir, "untrusted.pem"), other.PEM())
		keyFile := writePEMFile(t, filepath.Join(f.dir, "untrusted.key"), other.KeyPEM())
		srv := peertest.Start(t, "openssl", "s_server", "-accept", "127.0.0.1:"+strconv.Itoa(port), "-naccept", "1",
			"-cert", certFile, "-key", keyFile, "-tls1_2")
		conn := dialPeer(t, port)
		defer conn.Close()
		res := runOurs(conn, true, p.clientConfig(cipher.DefaultSuites()...))
		wantHSAlert(t, res.err, record.UnknownCA)
		srv.WaitOutput(t, "unknown ca", 10*time.Second)
	})
	t.Run("server-inappropriate-fallback", func(t *testing.T) {
		port, accepted := acceptOne(t)
		cli := peertest.Start(t, "openssl", "s_client", "-connect", "127.0.0.1:"+strconv.Itoa(port),
			"-tls1_1", "-fallback_scsv", "-cipher", "AES128-SHA:@SECLEVEL=0", "-ign_eof")
		conn := <-accepted
		if conn == nil {
			t.Fatal("accept failed")
		}
		defer conn.Close()
		res := runOurs(conn, false, p.serverConfig(p.serverRSA, suitesByName(t, "AES128-SHA")...))
		he := wantHSAlert(t, res.err, record.InappropriateFallback)
		if !errors.Is(he, handshake.ErrInappropriateFallback) {
			t.Fatal(he)
		}
		cli.WaitOutput(t, "inappropriate fallback", 10*time.Second)
	})
}
