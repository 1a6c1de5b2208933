package handshake_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/record"
	"github.com/otpssl/ssl/x509path"
)

// The state machine fuzz targets feed arbitrary peer messages to our
// client (FuzzClientStates) and our server (FuzzServerStates) through a
// scripted transport. The input is a list of items, each one record from
// the peer: a kind byte (0 handshake, 1 change_cipher_spec, 2 alert, 3
// application data, modulo 4), a two-byte length and the payload. The
// transport frames each item as a record with the version the side under
// test expects, so the fuzzer spends its effort on the messages, not on
// record headers.
//
// Both sides are deterministic (fixed keys, certificates, randoms and
// time), so the seeds — the records one of our sides sent the other in
// real handshakes, encrypted ones included — replay whole handshakes, and
// mutations start from every state. TestStateFuzzSeeds checks the seeds
// still complete their handshakes; -hs.update-fuzz-seeds writes them anew.

var hsUpdateFuzzSeeds = flag.Bool("hs.update-fuzz-seeds", false, "rewrite the seed corpora of FuzzClientStates and FuzzServerStates")

// fuzzRand is a deterministic random stream for the fuzz handshakes. The
// standard library reads one extra byte at random from the source in some
// operations (crypto/internal/randutil.MaybeReadByte) so that callers do
// not depend on its output; fuzzRand answers one-byte reads without
// advancing, which keeps the stream, and the handshake, reproducible.
type fuzzRand struct{ r *kxtRand }

func newFuzzRand(seed string) fuzzRand { return fuzzRand{newKXTRand(seed)} }

func (f fuzzRand) Read(p []byte) (int, error) {
	if len(p) == 1 {
		p[0] = 0
		return 1, nil
	}
	return f.r.Read(p)
}

// fuzzTime is the fixed time of the fuzz handshakes.
var fuzzTime = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// fuzzFixture holds the deterministic credentials of the fuzz targets:
// a self-signed RSA certificate, and ECDSA certificates signed by its key
// (RSA PKCS #1 v1.5 signatures are deterministic).
type fuzzFixture struct {
	rsa, ec, client handshake.Credential
}

var (
	fuzzFixtureOnce sync.Once
	fuzzFixtureVal  *fuzzFixture
)

func fuzzCert(tb testing.TB, serial int64, cn string, pub crypto.PublicKey, signer crypto.Signer, parent *x509.Certificate) *x509.Certificate {
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    fuzzTime.Add(-time.Hour),
		NotAfter:     fuzzTime.Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageKeyAgreement | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		DNSNames:     []string{"fuzz.test"},
		IsCA:         parent == nil, BasicConstraintsValid: true,
		SubjectKeyId: []byte{byte(serial)},
	}
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(newKXTRand("fuzz cert"), tmpl, parent, pub, signer)
	if err != nil {
		tb.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func hsFuzzFixture(tb testing.TB) *fuzzFixture {
	fuzzFixtureOnce.Do(func() {
		rsaKey, p256, p384 := kxtKey(tb, "rsa2048"), kxtKey(tb, "p256"), kxtKey(tb, "p384")
		root := fuzzCert(tb, 1, "fuzz rsa", rsaKey.Public(), rsaKey, nil)
		ec := fuzzCert(tb, 2, "fuzz ecdsa", p256.Public(), rsaKey, root)
		cl := fuzzCert(tb, 3, "fuzz client", p384.Public(), rsaKey, root)
		fuzzFixtureVal = &fuzzFixture{
			rsa:    handshake.Credential{Chain: [][]byte{root.Raw}, Key: rsaKey, Leaf: root},
			ec:     handshake.Credential{Chain: [][]byte{ec.Raw, root.Raw}, Key: p256, Leaf: ec},
			client: handshake.Credential{Chain: [][]byte{cl.Raw}, Key: p384, Leaf: cl},
		}
	})
	return fuzzFixtureVal
}

var fuzzAllVersions = []cipher.Version{cipher.VersionTLS12, cipher.VersionTLS11, cipher.VersionTLS10, cipher.VersionSSL30}

func fuzzSuites(tb testing.TB) []*cipher.Suite {
	return suitesByName(tb, "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-CHACHA20-POLY1305", "ECDHE-RSA-AES128-SHA",
		"ECDHE-ECDSA-AES256-SHA384", "DHE-RSA-AES128-GCM-SHA256", "DHE-RSA-AES256-SHA", "ECDH-ECDSA-AES128-GCM-SHA256",
		"ADH-AES128-GCM-SHA256", "AECDH-AES128-SHA", "AES128-GCM-SHA256", "AES128-SHA", "DES-CBC3-SHA", "RC4-SHA")
}

// fuzzClientSuites leaves out the DHE suites: a mutated prime is an
// unknown group, whose full-size private exponent costs the client tens of
// milliseconds per execution and would slow the fuzzer to a crawl. The DHE
// ServerKeyExchange has a fuzz target of its own (FuzzKXServerKeyExchange);
// the server target keeps them.
func fuzzClientSuites(tb testing.TB) []*cipher.Suite {
	var out []*cipher.Suite
	for _, s := range fuzzSuites(tb) {
		if s.KeyExchange != cipher.KXDHERSA && s.KeyExchange != cipher.KXDHAnon {
			out = append(out, s)
		}
	}
	return out
}

func fuzzSchemes() []handshake.SignatureScheme {
	return append(handshake.DefaultSignatureSchemes(), handshake.RSAPKCS1SHA1, handshake.ECDSASHA1, handshake.DSASHA256)
}

// fuzzClientConfig is the client of FuzzClientStates.
func fuzzClientConfig(tb testing.TB) *handshake.Config {
	fx := hsFuzzFixture(tb)
	return &handshake.Config{
		Versions:      fuzzAllVersions,
		Suites:        fuzzClientSuites(tb),
		SignatureAlgs: fuzzSchemes(),
		Certificates:  []handshake.Credential{fx.client},
		ServerName:    "fuzz.test",
		ALPN:          []string{"h2", "http/1.1"},
		NextProtocols: &handshake.NextProtocols{Protocols: []string{"spdy/3"}, Default: "http/1.1"},
		PathOptions:   x509path.Options{VerifyFun: x509path.DefaultVerifyNone, Hostname: "fuzz.test"},
		Rand:          newFuzzRand("fuzz client"),
		Now:           func() time.Time { return fuzzTime },
	}
}

// fuzzServerConfig is the server of FuzzServerStates.
func fuzzServerConfig(tb testing.TB) *handshake.Config {
	fx := hsFuzzFixture(tb)
	return &handshake.Config{
		Versions:                fuzzAllVersions,
		Suites:                  fuzzSuites(tb),
		SignatureAlgs:           fuzzSchemes(),
		Certificates:            []handshake.Credential{fx.ec, fx.rsa},
		VerifyPeer:              true,
		IssueSessionID:          true,
		ALPN:                    []string{"h2"},
		NextProtocolsAdvertised: []string{"spdy/3"},
		SNI:                     func(string) (*handshake.Config, error) { return nil, nil },
		PathOptions:             x509path.Options{VerifyFun: x509path.DefaultVerifyNone, TrustedCerts: [][]byte{fx.rsa.Chain[0]}},
		Rand:                    newFuzzRand("fuzz server"),
		Now:                     func() time.Time { return fuzzTime },
	}
}

// itemConn is the scripted transport: it frames the items of the input as
// records and discards what the side under test writes.
type itemConn struct {
	items   []byte
	pending []byte
	version func() cipher.Version
}

var itemTypes = [4]record.ContentType{record.TypeHandshake, record.TypeChangeCipherSpec, record.TypeAlert, record.TypeApplicationData}

func (c *itemConn) Read(p []byte) (int, error) {
	if len(c.pending) == 0 {
		if len(c.items) < 3 {
			return 0, io.EOF
		}
		typ := itemTypes[c.items[0]%4]
		n := int(c.items[1])<<8 | int(c.items[2])
		if n > len(c.items)-3 {
			n = len(c.items) - 3
		}
		data := c.items[3 : 3+n]
		c.items = c.items[3+n:]
		v := cipher.VersionTLS10
		if c.version != nil && c.version() != 0 {
			v = c.version()
		}
		h := record.Header{Type: typ, Version: uint16(v), Length: len(data)}
		c.pending = append(h.Append(nil), data...)
	}
	n := copy(p, c.pending)
	c.pending = c.pending[n:]
	return n, nil
}

func (c *itemConn) Write(p []byte) (int, error) { return len(p), nil }

// runFuzzSide runs our client or server against the items and checks what
// any failure must look like. It returns the state on success.
func runFuzzSide(t *testing.T, client bool, cfg *handshake.Config, items []byte) *handshake.State {
	return runFuzzSideHandshake(t, client, cfg, items).st
}

// fuzzOutcome is the state of the handshake and the final one, after the
// renegotiations that followed (fuzz_reneg_test.go).
type fuzzOutcome struct{ st, final *handshake.State }

func runFuzzSideHandshake(t *testing.T, client bool, cfg *handshake.Config, items []byte) fuzzOutcome {
	ic := &itemConn{items: items}
	rc := record.NewConn(ic, record.Config{V2HelloCompatible: !client})
	ic.version = rc.Version
	var st *handshake.State
	var err error
	if client {
		st, err = handshake.Client(context.Background(), rc, cfg)
	} else {
		st, err = handshake.Server(context.Background(), rc, cfg)
	}
	if err != nil {
		checkFuzzError(t, err)
		return fuzzOutcome{}
	}
	if st.Version < cipher.VersionSSL30 || st.Version > cipher.VersionTLS12 || st.Suite == nil || len(st.MasterSecret) != 48 {
		t.Fatalf("bad state after success: %+v", st)
	}
	// Whatever follows goes to a renegotiation or to HandleMessage, as
	// the socket layer would.
	final := st
	for i := 0; i < 8; i++ {
		m, err := rc.ReadMessage()
		if err != nil {
			break
		}
		if m.Type != record.TypeHandshake {
			continue
		}
		next, did, err := fuzzRenegotiate(t, rc, final, client, m.Data)
		if !did {
			err = final.HandleMessage(rc, m.Data)
		}
		if err != nil {
			checkFuzzError(t, err)
			break
		}
		final = next
	}
	return fuzzOutcome{st: st, final: final}
}

func checkFuzzError(t *testing.T, err error) {
	var he *handshake.Error
	if !errors.As(err, &he) {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return
		}
		t.Fatalf("error of type %T outside *handshake.Error: %v", err, err)
	}
	switch he.State {
	case "hello", "certify", "cipher", "connection":
	default:
		t.Fatalf("unknown state %q", he.State)
	}
	if !he.Alert.Remote && (he.Alert.Level != record.Fatal || !he.Alert.Description.Known() || he.Alert.Description == record.CloseNotify) {
		t.Fatalf("generated alert %+v is not a fatal alert", he.Alert)
	}
	if he.Err == nil || he.Error() == "" {
		t.Fatalf("error without cause: %#v", he)
	}
}

func FuzzClientStates(f *testing.F) {
	f.Fuzz(func(t *testing.T, items []byte) {
		runFuzzSide(t, true, fuzzClientConfig(t), items)
	})
}

func FuzzServerStates(f *testing.F) {
	f.Fuzz(func(t *testing.T, items []byte) {
		runFuzzSide(t, false, fuzzServerConfig(t), items)
	})
}

// recordingConn keeps what is written through it.
type recordingConn struct {
	net.Conn
	mu  sync.Mutex
	out bytes.Buffer
}

func (c *recordingConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.out.Write(p)
	c.mu.Unlock()
	return c.Conn.Write(p)
}

// recordsToItems turns a record stream into fuzz items.
func recordsToItems(tb testing.TB, stream []byte) []byte {
	var items []byte
	for len(stream) >= record.HeaderLen {
		h, err := record.ParseHeader(stream)
		if err != nil || len(stream) < record.HeaderLen+h.Length {
			tb.Fatalf("bad recorded stream: %v", err)
		}
		kind := map[record.ContentType]byte{record.TypeHandshake: 0, record.TypeChangeCipherSpec: 1,
			record.TypeAlert: 2, record.TypeApplicationData: 3}[h.Type]
		items = append(items, kind, byte(h.Length>>8), byte(h.Length))
		items = append(items, stream[record.HeaderLen:record.HeaderLen+h.Length]...)
		stream = stream[record.HeaderLen+h.Length:]
	}
	return items
}

type fuzzSeedCase struct {
	name string
	peer func(*handshake.Config) // shapes the other side's config
}

// recordSeed runs our client against our server, the side under test with
// its fuzz config and the peer shaped by c, and returns the peer's
// records as items.
func recordSeed(t *testing.T, clientUnderTest bool, c fuzzSeedCase) []byte {
	var cli, srv *handshake.Config
	if clientUnderTest {
		cli = fuzzClientConfig(t)
		srv = fuzzServerConfig(t)
		srv.Rand = newFuzzRand("fuzz seed server " + c.name)
		srv.VerifyPeer = false
		c.peer(srv)
	} else {
		srv = fuzzServerConfig(t)
		cli = fuzzClientConfig(t)
		cli.Rand = newFuzzRand("fuzz seed client " + c.name)
		cli.Certificates = nil
		cli.ALPN, cli.NextProtocols = nil, nil
		c.peer(cli)
	}
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	rec := &recordingConn{Conn: b}
	peerIsServer := clientUnderTest
	done := make(chan ourResult, 1)
	go func() {
		if peerIsServer {
			done <- runOurs(rec, false, srv)
		} else {
			done <- runOurs(rec, true, cli)
		}
	}()
	var r ourResult
	if peerIsServer {
		r = runOurs(a, true, cli)
	} else {
		r = runOurs(a, false, srv)
	}
	pr := <-done
	if r.err != nil || pr.err != nil {
		t.Fatalf("seed %s: %v / %v", c.name, r.err, pr.err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return recordsToItems(t, rec.out.Bytes())
}

func one(tb testing.TB, name string) []*cipher.Suite { return suitesByName(tb, name) }

func clientSeedCases(tb testing.TB) []fuzzSeedCase {
	v := func(vs ...cipher.Version) []cipher.Version { return vs }
	return []fuzzSeedCase{
		{"ecdhe-ecdsa-gcm-certreq", func(c *handshake.Config) {
			c.Suites, c.VerifyPeer = one(tb, "ECDHE-ECDSA-AES128-GCM-SHA256"), true
		}},
		{"ecdhe-rsa-chacha-npn", func(c *handshake.Config) {
			c.Suites, c.ALPN = one(tb, "ECDHE-RSA-CHACHA20-POLY1305"), nil
		}},
		{"tls11-ecdhe-rsa-cbc", func(c *handshake.Config) {
			c.Suites, c.Versions = one(tb, "ECDHE-RSA-AES128-SHA"), v(cipher.VersionTLS11)
		}},
		{"ecdhe-ecdsa-cbc-sha384", func(c *handshake.Config) { c.Suites = one(tb, "ECDHE-ECDSA-AES256-SHA384") }},
		{"tls10-rsa-certreq", func(c *handshake.Config) {
			c.Suites, c.Versions, c.VerifyPeer = one(tb, "AES128-SHA"), v(cipher.VersionTLS10), true
		}},
		{"ssl3-3des-certreq", func(c *handshake.Config) {
			c.Suites, c.Versions, c.VerifyPeer = one(tb, "DES-CBC3-SHA"), v(cipher.VersionSSL30), true
		}},
		{"ecdh-anon", func(c *handshake.Config) { c.Suites = one(tb, "AECDH-AES128-SHA") }},
		{"ecdh-ecdsa", func(c *handshake.Config) { c.Suites = one(tb, "ECDH-ECDSA-AES128-GCM-SHA256") }},
	}
}

func serverSeedCases(tb testing.TB) []fuzzSeedCase {
	fx := hsFuzzFixture(tb)
	v := func(vs ...cipher.Version) []cipher.Version { return vs }
	return []fuzzSeedCase{
		{"ecdhe-ecdsa-gcm-cert-alpn", func(c *handshake.Config) {
			c.Suites, c.Certificates, c.ALPN = one(tb, "ECDHE-ECDSA-AES128-GCM-SHA256"), []handshake.Credential{fx.client}, []string{"h2"}
		}},
		{"rsa-gcm", func(c *handshake.Config) { c.Suites = one(tb, "AES128-GCM-SHA256") }},
		{"tls10-ecdhe-rsa-cert", func(c *handshake.Config) {
			c.Suites, c.Versions, c.Certificates = one(tb, "ECDHE-RSA-AES128-SHA"), v(cipher.VersionTLS10), []handshake.Credential{fx.client}
		}},
		{"ssl3-rsa-no-certificate", func(c *handshake.Config) {
			c.Suites, c.Versions = one(tb, "AES128-SHA"), v(cipher.VersionSSL30)
		}},
		{"dhe-rsa-cbc", func(c *handshake.Config) { c.Suites = one(tb, "DHE-RSA-AES256-SHA") }},
		{"npn", func(c *handshake.Config) {
			c.Suites, c.NextProtocols = one(tb, "ECDHE-RSA-CHACHA20-POLY1305"), &handshake.NextProtocols{Protocols: []string{"spdy/3"}}
		}},
		{"ecdh-ecdsa", func(c *handshake.Config) { c.Suites = one(tb, "ECDH-ECDSA-AES128-GCM-SHA256") }},
		{"dh-anon", func(c *handshake.Config) { c.Suites = one(tb, "ADH-AES128-GCM-SHA256") }},
	}
}

func hsEncodeSeed(items []byte) []byte {
	return []byte(fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", items))
}

// stateSeedItems returns the items of the committed seed name of the fuzz
// target, first recording it anew with record when -hs.update-fuzz-seeds
// is given; test names the test that rewrites the seeds.
func stateSeedItems(t *testing.T, test, target, name string, record func() []byte) []byte {
	t.Helper()
	dir := filepath.Join("testdata", "fuzz", target)
	path := filepath.Join(dir, "seed-"+name)
	if *hsUpdateFuzzSeeds {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, hsEncodeSeed(record()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -hs.update-fuzz-seeds)", err, test)
	}
	args := kxtDecodeSeed(t, data)
	if len(args) != 1 {
		t.Fatalf("%s: %d arguments", path, len(args))
	}
	items, _ := args[0].([]byte)
	return items
}

// TestStateFuzzSeeds checks that every committed seed of the state machine
// fuzz targets still completes its handshake (so that the corpus reaches
// every state), and with -hs.update-fuzz-seeds records them anew.
func TestStateFuzzSeeds(t *testing.T) {
	for _, target := range []struct {
		name   string
		client bool
		cases  []fuzzSeedCase
	}{
		{"FuzzClientStates", true, clientSeedCases(t)},
		{"FuzzServerStates", false, serverSeedCases(t)},
	} {
		for _, c := range target.cases {
			items := stateSeedItems(t, "TestStateFuzzSeeds", target.name, c.name, func() []byte { return recordSeed(t, target.client, c) })
			cfg := fuzzServerConfig(t)
			if target.client {
				cfg = fuzzClientConfig(t)
			}
			if st := runFuzzSide(t, target.client, cfg, items); st == nil {
				t.Errorf("%s/%s: the seed no longer completes a handshake", target.name, c.name)
			}
		}
	}
}
