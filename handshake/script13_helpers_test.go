package handshake_test

import (
	"crypto/ecdh"
	"crypto/rand"
	"io"
	"net"
	"testing"
	"time"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/record"
)

// peer13 is a hand-driven TLS 1.3 peer for negative tests: it builds
// the messages of its role from the handshake package's types, runs the
// key schedule with the cipher package and protects records with its own
// record.Conn, so that a test can break the protocol at exactly one
// point. It speaks TLS_AES_128_GCM_SHA256 with an x25519 key share.
type peer13 struct {
	t      *testing.T
	conn   net.Conn
	rc     *record.Conn
	client bool // the peer's role
	suite  *cipher.Suite
	msgs   []byte // the transcript so far
	pki    *hsPKI
	ours   chan ourResult
	err    error

	key  *ecdh.PrivateKey
	ch   *handshake.ClientHello // the ClientHello of the handshake (ours or the peer's)
	sh   *handshake.ServerHello
	hs   *cipher.HandshakeSchedule
	chs  []byte // client_handshake_traffic_secret
	shs  []byte // server_handshake_traffic_secret
	cap  []byte // client_application_traffic_secret_0
	sap  []byte // server_application_traffic_secret_0
	cr13 bool   // the server asked for a certificate
}

// start13 runs our side (a client when ourClient) with cfg over loopback
// TCP and returns the peer on the other end.
func start13(t *testing.T, pki *hsPKI, ourClient bool, cfg *handshake.Config) *peer13 {
	t.Helper()
	a, b := tcpPair(t)
	p := &peer13{t: t, conn: b, rc: record.NewConn(b, record.Config{}), client: !ourClient,
		suite: cipher.SuiteByID(0x1301), pki: pki, ours: make(chan ourResult, 1)}
	b.SetDeadline(time.Now().Add(20 * time.Second))
	go func() { p.ours <- runOurs(a, ourClient, cfg) }()
	t.Cleanup(func() { a.Close(); b.Close() })
	k, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p.key = k
	return p
}

func (p *peer13) fail(err error) {
	if p.err == nil && err != nil {
		p.err = err
	}
}

// hash is the transcript hash so far.
func (p *peer13) hash() []byte {
	h := p.suite.Hash().New()
	h.Write(p.msgs)
	return h.Sum(nil)
}

// send queues messages, adding them to the transcript, and flushes.
func (p *peer13) send(msgs ...[]byte) {
	for _, m := range msgs {
		p.msgs = append(p.msgs, m...)
		p.fail(p.rc.WriteRecord(record.TypeHandshake, m))
	}
	p.fail(p.rc.Flush())
}

// sendRaw sends messages without adding them to the transcript.
func (p *peer13) sendRaw(msgs ...[]byte) {
	for _, m := range msgs {
		p.fail(p.rc.WriteRecord(record.TypeHandshake, m))
	}
	p.fail(p.rc.Flush())
}

// read returns the next handshake message, adding it to the transcript.
func (p *peer13) read() (handshake.MessageType, []byte) {
	m, err := p.rc.ReadHandshakeMessage()
	if err != nil {
		p.fail(err)
		return 0, nil
	}
	p.msgs = append(p.msgs, m...)
	return handshake.MessageType(m[0]), m
}

// expect reads a message of type typ.
func (p *peer13) expect(typ handshake.MessageType) []byte {
	p.t.Helper()
	got, m := p.read()
	if p.err != nil || got != typ {
		p.t.Fatalf("script: got %s (%v), want %s", got, p.err, typ)
	}
	return m
}

// result waits for our side and drains what it still writes.
func (p *peer13) result() ourResult {
	p.t.Helper()
	go io.Copy(io.Discard, p.conn)
	select {
	case r := <-p.ours:
		return r
	case <-time.After(20 * time.Second):
		p.t.Fatal("our side did not finish")
	}
	return ourResult{}
}

// expectFailure waits for our side and checks it failed in state with
// the alert d.
func (p *peer13) expectFailure(state string, d record.Description) *handshake.Error {
	p.t.Helper()
	r := p.result()
	he := wantHSAlert(p.t, r.err, d)
	if he.State != state {
		p.t.Fatalf("failed in state %q, want %q: %v", he.State, state, he)
	}
	return he
}

// protect installs a protection for a traffic secret.
func (p *peer13) protect(secret []byte, write bool) {
	key, iv := cipher.TrafficKeys(p.suite, secret)
	pr, err := record.NewProtection(cipher.VersionTLS13, p.suite, record.Keys{Key: key, IV: iv})
	if err != nil {
		p.t.Fatal(err)
	}
	if write {
		p.fail(p.rc.SetWriteProtection(pr))
	} else {
		p.fail(p.rc.SetReadProtection(pr))
	}
}

// handshakeKeys runs the schedule up to the handshake secrets with the
// shared secret, over the transcript so far (through ServerHello), and
// installs the peer's handshake protections.
func (p *peer13) handshakeKeys(shared []byte) {
	p.t.Helper()
	es, err := cipher.NewEarlySchedule(p.suite, nil)
	if err != nil {
		p.t.Fatal(err)
	}
	if p.hs, err = es.Handshake(shared); err != nil {
		p.t.Fatal(err)
	}
	h := p.hash()
	p.chs, _ = p.hs.ClientHandshakeTrafficSecret(h)
	p.shs, _ = p.hs.ServerHandshakeTrafficSecret(h)
	p.fail(p.rc.SetVersion(cipher.VersionTLS13))
	if p.client {
		p.protect(p.shs, false)
		p.protect(p.chs, true)
	} else {
		p.protect(p.shs, true)
		p.protect(p.chs, false)
	}
}

// appKeys derives the application secrets over the transcript so far
// (through the server's Finished).
func (p *peer13) appKeys() {
	ms, err := p.hs.Master()
	if err != nil {
		p.t.Fatal(err)
	}
	h := p.hash()
	p.cap, _ = ms.ClientApplicationTrafficSecret(h)
	p.sap, _ = ms.ServerApplicationTrafficSecret(h)
}

// finished returns a Finished of the given sender over the transcript.
func (p *peer13) finished(fromClient bool) []byte {
	key := p.shs
	if fromClient {
		key = p.chs
	}
	return marshal(p.t, &handshake.Finished{VerifyData: cipher.FinishedVerifyData13(p.suite, key, p.hash())})
}

// Server steps (our side is the client).

// readClientHello reads our ClientHello.
func (p *peer13) readClientHello() *handshake.ClientHello {
	p.t.Helper()
	ch, err := handshake.UnmarshalClientHello(p.expect(handshake.TypeClientHello))
	if err != nil {
		p.t.Fatal(err)
	}
	p.ch = ch
	return ch
}

// serverHello returns a ServerHello answering our ClientHello's x25519
// share, changed by mut; call serverKeys after sending it.
func (p *peer13) serverHello(mut func(*handshake.ServerHello)) []byte {
	sh := &handshake.ServerHello{Version: cipher.VersionTLS12, SessionID: p.ch.SessionID, CipherSuite: p.suite.ID,
		SupportedVersion: cipher.VersionTLS13, KeyShare: &handshake.KeyShareEntry{Group: handshake.X25519, Data: p.key.PublicKey().Bytes()}}
	rand.Read(sh.Random[:])
	if mut != nil {
		mut(sh)
	}
	p.sh = sh
	return marshal(p.t, sh)
}

// serverKeys computes the shared secret with our x25519 share and
// installs the handshake keys.
func (p *peer13) serverKeys() {
	p.t.Helper()
	var share []byte
	for _, ks := range p.ch.KeyShares {
		if ks.Group == handshake.X25519 {
			share = ks.Data
		}
	}
	pub, err := ecdh.X25519().NewPublicKey(share)
	if err != nil {
		p.t.Fatalf("our client sent no x25519 share: %v", err)
	}
	shared, err := p.key.ECDH(pub)
	if err != nil {
		p.t.Fatal(err)
	}
	p.handshakeKeys(shared)
}

// serverCert returns the server's Certificate with the ECDSA certificate.
func (p *peer13) serverCert() []byte {
	return marshal(p.t, handshake.NewCertificate(cipher.VersionTLS13, [][]byte{p.pki.serverECDSA.DER}))
}

// serverCV returns the server's CertificateVerify over the transcript,
// with scheme (0: ecdsa_secp256r1_sha256), signed by the ECDSA key.
func (p *peer13) serverCV(scheme handshake.SignatureScheme) []byte {
	p.t.Helper()
	if scheme == 0 {
		scheme = handshake.ECDSASecp256r1SHA256
	}
	content := handshake.CertificateVerifyContent(true, p.hash())
	sig, err := handshake.Sign(rand.Reader, p.pki.serverECDSA.Key, cipher.VersionTLS13, handshake.ECDSASecp256r1SHA256, content)
	if err != nil {
		p.t.Fatal(err)
	}
	return marshal(p.t, &handshake.CertificateVerify{Version: cipher.VersionTLS13, SignatureScheme: scheme, Signature: sig})
}

// serverUntilSH reads our ClientHello, sends the ServerHello and installs
// the handshake keys.
func (p *peer13) serverUntilSH() {
	p.readClientHello()
	p.send(p.serverHello(nil))
	p.serverKeys()
}

// serverFlight sends a whole correct server flight after the ServerHello
// and switches to the application keys.
func (p *peer13) serverFlight() {
	p.send(marshal(p.t, &handshake.EncryptedExtensions{}), p.serverCert())
	p.send(p.serverCV(0))
	p.send(p.finished(false))
	p.appKeys()
	p.protect(p.sap, true)
}

// readClientFinish reads our client's flight up to its Finished and
// switches to the application keys.
func (p *peer13) readClientFinish() {
	p.t.Helper()
	p.expect(handshake.TypeFinished)
	p.protect(p.cap, false)
}

// fullServer runs a correct server handshake.
func (p *peer13) fullServer() {
	p.serverUntilSH()
	p.serverFlight()
	p.readClientFinish()
}

// Client steps (our side is the server).

// clientHello returns a TLS 1.3 ClientHello with an x25519 share, changed
// by mut.
func (p *peer13) clientHello(mut func(*handshake.ClientHello)) []byte {
	ch := &handshake.ClientHello{Version: cipher.VersionTLS12, CipherSuites: []uint16{p.suite.ID},
		CompressionMethods: []uint8{0}, SupportedVersions: []cipher.Version{cipher.VersionTLS13},
		SupportedGroups: []handshake.NamedGroup{handshake.X25519}, SignatureAlgorithms: handshake.DefaultSignatureSchemes(),
		HasKeyShare: true, KeyShares: []handshake.KeyShareEntry{{Group: handshake.X25519, Data: p.key.PublicKey().Bytes()}},
		ServerName: hsServerName}
	rand.Read(ch.Random[:])
	if mut != nil {
		mut(ch)
	}
	p.ch = ch
	return marshal(p.t, ch)
}

// readServerHello reads our ServerHello and installs the handshake keys.
func (p *peer13) readServerHello() *handshake.ServerHello {
	p.t.Helper()
	sh, err := handshake.UnmarshalServerHello(p.expect(handshake.TypeServerHello))
	if err != nil {
		p.t.Fatal(err)
	}
	p.sh = sh
	if sh.KeyShare == nil {
		p.t.Fatal("no key share")
	}
	pub, err := ecdh.X25519().NewPublicKey(sh.KeyShare.Data)
	if err != nil {
		p.t.Fatal(err)
	}
	shared, err := p.key.ECDH(pub)
	if err != nil {
		p.t.Fatal(err)
	}
	p.handshakeKeys(shared)
	return sh
}

// readServerFlight reads our server's flight through its Finished and
// derives the application secrets.
func (p *peer13) readServerFlight() {
	p.t.Helper()
	p.expect(handshake.TypeEncryptedExtensions)
	typ, _ := p.read()
	if typ == handshake.TypeCertificateRequest {
		p.cr13 = true
		typ, _ = p.read()
	}
	if typ != handshake.TypeCertificate {
		p.t.Fatalf("script: got %s (%v), want certificate", typ, p.err)
	}
	p.expect(handshake.TypeCertificateVerify)
	p.expect(handshake.TypeFinished)
	p.appKeys()
	p.protect(p.sap, false)
}

// clientUntilFlight sends a ClientHello and reads our server's flight.
func (p *peer13) clientUntilFlight() {
	p.send(p.clientHello(nil))
	p.readServerHello()
	p.readServerFlight()
}

// clientCertAndCV returns the client's Certificate and CertificateVerify
// with the ECDSA client certificate, the signature over the transcript
// after the Certificate.
func (p *peer13) clientCertAndCV() (cert, cv []byte) {
	p.t.Helper()
	cert = marshal(p.t, handshake.NewCertificate(cipher.VersionTLS13, [][]byte{p.pki.clientECDSA.DER}))
	h := p.suite.Hash().New()
	h.Write(p.msgs)
	h.Write(cert)
	content := handshake.CertificateVerifyContent(false, h.Sum(nil))
	sig, err := handshake.Sign(rand.Reader, p.pki.clientECDSA.Key, cipher.VersionTLS13, handshake.ECDSASecp256r1SHA256, content)
	if err != nil {
		p.t.Fatal(err)
	}
	cv = marshal(p.t, &handshake.CertificateVerify{Version: cipher.VersionTLS13, SignatureScheme: handshake.ECDSASecp256r1SHA256, Signature: sig})
	return cert, cv
}

// p256Share returns a fresh P-256 key share.
func p256Share(tb testing.TB) []byte {
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	return k.PublicKey().Bytes()
}
