package interop_test

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	ssl "github.com/otpssl/ssl"
	"github.com/otpssl/ssl/internal/testpki"
)

// serverName is the host name our clients ask for and the server
// certificates carry (with localhost and 127.0.0.1).
const serverName = "server.test"

// pki is the certificates of one test, generated fresh, with their PEM
// files for the outside peers.
type pki struct {
	dir string
	seq atomic.Int64

	rootOnce sync.Once
	rootPath string
	rootErr  error

	root *testpki.Cert // RSA, so that every certificate is RSA-signed (TLS 1.0 peers)

	serverRSA, serverECDSA *testpki.Cert
	client                 *testpki.Cert // an RSA client certificate

	// Certificates that fail verification: issued by a root nobody
	// trusts, expired, and naming another host.
	otherRoot                   *testpki.Cert
	untrustedServer, expiredSrv *testpki.Cert
	wrongHost                   *testpki.Cert
	untrustedClient, expiredCli *testpki.Cert

	// Two virtual hosts for SNI.
	hostA, hostB *testpki.Cert
}

// certFiles are the PEM files of a certificate and its key.
type certFiles struct{ cert, key string }

func newPKI(t testing.TB) *pki {
	t.Helper()
	g := testpki.New(t)
	p := &pki{dir: t.TempDir()}
	p.root = g.Root("otpssl interop root", testpki.Key(testpki.RSA2048))
	names := []testpki.Option{testpki.DNS(serverName, "localhost"), testpki.IP("127.0.0.1")}
	// keyEncipherment: RSA key exchange encrypts to this key (Erlang
	// checks).
	p.serverRSA = p.root.Issue(serverName, append(names, testpki.Key(testpki.RSA2048),
		testpki.KeyUsage(x509.KeyUsageDigitalSignature|x509.KeyUsageKeyEncipherment))...)
	p.serverECDSA = p.root.Issue(serverName, names...)
	p.client = p.root.Issue("client.test", testpki.Key(testpki.RSA2048))
	p.otherRoot = g.Root("nobody trusts this root")
	p.untrustedServer = p.otherRoot.Issue(serverName, names...)
	p.expiredSrv = p.root.Issue(serverName, append(names, testpki.Expired())...)
	p.wrongHost = p.root.Issue("other.test", testpki.DNS("other.test"))
	p.untrustedClient = p.otherRoot.Issue("untrusted client")
	p.expiredCli = p.root.Issue("expired client", testpki.Expired())
	p.hostA = p.root.Issue("a.test", testpki.DNS("a.test"))
	p.hostB = p.root.Issue("b.test", testpki.DNS("b.test"))
	return p
}

// file writes data to a file of the test's directory and returns its path.
func (p *pki) file(t testing.TB, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(p.dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// rootFile is the PEM file of the trusted root, written once: subtests
// running in parallel hand it to peers that may be reading it, so it is
// never rewritten.
func (p *pki) rootFile(t testing.TB) string {
	t.Helper()
	p.rootOnce.Do(func() {
		p.rootPath = filepath.Join(p.dir, "root.pem")
		p.rootErr = os.WriteFile(p.rootPath, p.root.PEM(), 0o600)
	})
	if p.rootErr != nil {
		t.Fatal(p.rootErr)
	}
	return p.rootPath
}

// files writes c and its key as name-N.pem and name-N.key. Every call
// makes new files: Erlang caches PEM files by name, so a name must never
// be reused for other contents.
func (p *pki) files(t testing.TB, name string, c *testpki.Cert) certFiles {
	t.Helper()
	name += "-" + strconv.FormatInt(p.seq.Add(1), 10)
	return certFiles{cert: p.file(t, name+".pem", c.PEM()), key: p.file(t, name+".key", c.KeyPEM())}
}

// ourCert is the cert and key options of c, with the chain up to the
// root left out (the peers trust the root itself).
func ourCert(c *testpki.Cert) []ssl.Option {
	return []ssl.Option{ssl.Cert(c.DER), ssl.Key(c.Key.(crypto.Signer))}
}

// goCert is c as a crypto/tls certificate.
func goCert(c *testpki.Cert) tls.Certificate {
	return tls.Certificate{Certificate: [][]byte{c.DER}, PrivateKey: c.Key, Leaf: c.Cert}
}

// goRoots is a pool holding the trusted root.
func (p *pki) goRoots() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.root.Cert)
	return pool
}
