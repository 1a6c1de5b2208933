package handshake_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/internal/testpki"
	"github.com/otpssl/ssl/record"
	"github.com/otpssl/ssl/x509path"
)

// hsPKI is the certificates of the state machine tests: one root, server
// certificates for "server.test" with each key type, and client
// certificates.
type hsPKI struct {
	pki                       *testpki.PKI
	root                      *testpki.Cert
	serverECDSA, serverRSA    *testpki.Cert
	serverEd25519, serverP384 *testpki.Cert
	serverECDH                *testpki.Cert // key usage keyAgreement, for static ECDH
	clientECDSA, clientRSA    *testpki.Cert
	otherRoot                 *testpki.Cert
	clientOther               *testpki.Cert // issued by otherRoot
}

const hsServerName = "server.test"

func newHSPKI(tb testing.TB) *hsPKI {
	tb.Helper()
	p := &hsPKI{pki: testpki.New(tb)}
	p.root = p.pki.Root("otpssl handshake test root")
	p.serverECDSA = p.root.Issue("server ecdsa", testpki.DNS(hsServerName))
	p.serverRSA = p.root.Issue("server rsa", testpki.DNS(hsServerName), testpki.Key(testpki.RSA2048),
		testpki.KeyUsage(x509.KeyUsageDigitalSignature|x509.KeyUsageKeyEncipherment))
	p.serverEd25519 = p.root.Issue("server ed25519", testpki.DNS(hsServerName), testpki.Key(testpki.Ed25519))
	p.serverP384 = p.root.Issue("server p384", testpki.DNS(hsServerName), testpki.Key(testpki.ECDSAP384))
	p.serverECDH = p.root.Issue("server ecdh", testpki.DNS(hsServerName),
		testpki.KeyUsage(x509.KeyUsageDigitalSignature|x509.KeyUsageKeyAgreement))
	p.clientECDSA = p.root.Issue("client ecdsa")
	p.clientRSA = p.root.Issue("client rsa", testpki.Key(testpki.RSA2048))
	p.otherRoot = p.pki.Root("another root")
	p.clientOther = p.otherRoot.Issue("client of another root")
	return p
}

func cred(c *testpki.Cert) handshake.Credential {
	return handshake.Credential{Chain: [][]byte{c.DER}, Key: c.Key, Leaf: c.Cert}
}

func (p *hsPKI) pool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.root.Cert)
	return pool
}

func tlsCert(c *testpki.Cert) tls.Certificate {
	return tls.Certificate{Certificate: [][]byte{c.DER}, PrivateKey: c.Key, Leaf: c.Cert}
}

// clientConfig is a client verifying the server against the root, with
// every version from TLS 1.0 to 1.2 and the given suites.
func (p *hsPKI) clientConfig(suites ...*cipher.Suite) *handshake.Config {
	return &handshake.Config{
		Versions:          []cipher.Version{cipher.VersionTLS12, cipher.VersionTLS11, cipher.VersionTLS10},
		Suites:            suites,
		SecureRenegotiate: true,
		ServerName:        hsServerName,
		PathOptions: x509path.Options{
			TrustedCerts: [][]byte{p.root.DER},
			Hostname:     hsServerName,
			VerifyFun:    x509path.DefaultVerifyPeer,
		},
	}
}

// serverConfig is a server with the given certificate.
func (p *hsPKI) serverConfig(c *testpki.Cert, suites ...*cipher.Suite) *handshake.Config {
	cfg := &handshake.Config{
		Versions:          []cipher.Version{cipher.VersionTLS12, cipher.VersionTLS11, cipher.VersionTLS10},
		Suites:            suites,
		SecureRenegotiate: true,
		IssueSessionID:    true,
		PathOptions: x509path.Options{
			TrustedCerts: [][]byte{p.root.DER},
			VerifyFun:    x509path.DefaultVerifyPeer,
		},
	}
	if c != nil {
		cfg.Certificates = []handshake.Credential{cred(c)}
	}
	return cfg
}

func suitesByName(tb testing.TB, names ...string) []*cipher.Suite {
	tb.Helper()
	out := make([]*cipher.Suite, len(names))
	for i, n := range names {
		out[i] = cipher.SuiteByName(n)
		if out[i] == nil {
			tb.Fatalf("no suite %q", n)
		}
	}
	return out
}

// ourResult is the outcome of one of our sides of a handshake.
type ourResult struct {
	st  *handshake.State
	rc  *record.Conn
	err error
}

// runOurs runs our client or server over conn, as the socket layer
// would: on a *handshake.Error that is not the peer's, it sends the alert
// and closes the transport.
func runOurs(conn net.Conn, client bool, cfg *handshake.Config) ourResult {
	return runOursRecord(conn, client, cfg, record.Config{})
}

// runOursRecord is runOurs with the record layer settings rcfg.
func runOursRecord(conn net.Conn, client bool, cfg *handshake.Config, rcfg record.Config) ourResult {
	rc := record.NewConn(conn, rcfg)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	var st *handshake.State
	var err error
	if client {
		st, err = handshake.Client(ctx, rc, cfg)
	} else {
		st, err = handshake.Server(ctx, rc, cfg)
	}
	if err != nil {
		var he *handshake.Error
		if errors.As(err, &he) && !he.Alert.Remote {
			conn.SetWriteDeadline(time.Now().Add(2 * time.Second))
			rc.SendAlert(record.Fatal, he.Alert.Description)
		}
		conn.Close()
	}
	return ourResult{st: st, rc: rc, err: err}
}

// exchangeOurs sends msg through rc and expects reply back.
func exchangeOurs(rc *record.Conn, send, want []byte) error {
	if _, err := rc.Write(send); err != nil {
		return err
	}
	var got []byte
	for len(got) < len(want) {
		m, err := rc.ReadMessage()
		if err != nil {
			return err
		}
		if m.Type != record.TypeApplicationData {
			return errors.New("unexpected record type " + m.Type.String())
		}
		got = append(got, m.Data...)
	}
	if !bytes.Equal(got, want) {
		return errors.New("application data mismatch: " + string(got))
	}
	return nil
}

// echoTLS reads n bytes from a crypto/tls connection and writes them back.
func echoTLS(c *tls.Conn, n int) error {
	buf := make([]byte, n)
	if _, err := io.ReadFull(c, buf); err != nil {
		return err
	}
	_, err := c.Write(buf)
	return err
}

// wantHSAlert fails unless err is a *handshake.Error generated here with
// description d.
func wantHSAlert(tb testing.TB, err error, d record.Description) *handshake.Error {
	tb.Helper()
	var he *handshake.Error
	if !errors.As(err, &he) {
		tb.Fatalf("got %v (%T), want a *handshake.Error with %s", err, err, d)
	}
	if he.Alert.Remote {
		tb.Fatalf("got a received alert %v, want a generated %s", he, d)
	}
	if he.Alert.Description != d || he.Alert.Level != record.Fatal {
		tb.Fatalf("got %v, want %s", he, d)
	}
	return he
}
