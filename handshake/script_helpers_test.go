package handshake_test

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/record"
)

// scriptPeer is a hand-driven peer for negative tests: it writes
// hand-built messages through a record.Conn of its own and computes the
// secrets with the cipher package, so that a test can send exactly the
// wrong thing at exactly one point of an otherwise correct handshake. It
// speaks the RSA key exchange (TLS_RSA_WITH_AES_128_GCM_SHA256 unless the
// test picks another suite), whose secrets need no key exchange code.
type scriptPeer struct {
	t      *testing.T
	conn   net.Conn
	rc     *record.Conn
	msgs   []byte // the transcript: every handshake message so far
	v      cipher.Version
	suite  *cipher.Suite
	cr, sr [32]byte
	master []byte
	keys   cipher.Keys
	client bool // the peer's role
	ours   chan ourResult
	err    error // the first failure of the peer's own I/O
}

// startScript runs our side (a client when ourClient) with cfg on one end
// of a pipe and returns the scripted peer on the other.
func startScript(t *testing.T, ourClient bool, cfg *handshake.Config) *scriptPeer {
	t.Helper()
	return startScriptRecord(t, ourClient, cfg, record.Config{})
}

// startScriptRecord is startScript with our side's record layer settings.
func startScriptRecord(t *testing.T, ourClient bool, cfg *handshake.Config, rcfg record.Config) *scriptPeer {
	t.Helper()
	a, b := net.Pipe()
	p := &scriptPeer{t: t, conn: b, rc: record.NewConn(b, record.Config{}), client: ourClient == false,
		ours: make(chan ourResult, 1), v: cipher.VersionTLS12,
		suite: cipher.SuiteByName("AES128-GCM-SHA256")}
	b.SetDeadline(time.Now().Add(20 * time.Second))
	go func() { p.ours <- runOursRecord(a, ourClient, cfg, rcfg) }()
	t.Cleanup(func() { a.Close(); b.Close() })
	return p
}

func (p *scriptPeer) fail(err error) {
	if p.err == nil && err != nil {
		p.err = err
	}
}

// writeHS queues handshake messages, adding them to the transcript.
func (p *scriptPeer) writeHS(msgs ...[]byte) {
	for _, m := range msgs {
		p.msgs = append(p.msgs, m...)
		p.fail(p.rc.WriteRecord(record.TypeHandshake, m))
	}
}

// writeRawHS queues bytes as handshake records without the transcript.
func (p *scriptPeer) writeRawHS(b []byte) { p.fail(p.rc.WriteRecord(record.TypeHandshake, b)) }

func (p *scriptPeer) flush() { p.fail(p.rc.Flush()) }

// send queues messages and flushes them.
func (p *scriptPeer) send(msgs ...[]byte) {
	p.writeHS(msgs...)
	p.flush()
}

// read returns the next handshake message, adding it to the transcript.
func (p *scriptPeer) read() (handshake.MessageType, []byte) {
	m, err := p.rc.ReadHandshakeMessage()
	if err != nil {
		p.fail(err)
		return 0, nil
	}
	p.msgs = append(p.msgs, m...)
	return handshake.MessageType(m[0]), m
}

// expect reads a message and fails the test unless it has type typ.
func (p *scriptPeer) expect(typ handshake.MessageType) []byte {
	p.t.Helper()
	got, m := p.read()
	if p.err != nil || got != typ {
		p.t.Fatalf("script: got %s (%v), want %s", got, p.err, typ)
	}
	return m
}

// result waits for our side and drains what it still writes (its alert).
func (p *scriptPeer) result() ourResult {
	p.t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		io.Copy(io.Discard, p.conn)
	}()
	select {
	case r := <-p.ours:
		if r.err != nil {
			p.conn.Close()
		}
		return r
	case <-time.After(20 * time.Second):
		p.t.Fatal("our side did not finish")
	}
	return ourResult{}
}

// expectFailure waits for our side and checks it failed in state with
// the alert d.
func (p *scriptPeer) expectFailure(state string, d record.Description) *handshake.Error {
	p.t.Helper()
	r := p.result()
	he := wantHSAlert(p.t, r.err, d)
	if he.State != state {
		p.t.Fatalf("failed in state %q, want %q: %v", he.State, state, he)
	}
	return he
}

func marshal(t *testing.T, m handshake.Message) []byte {
	t.Helper()
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// finished returns the verify_data of a Finished of the given sender
// over the transcript so far.
func (p *scriptPeer) finished(fromClient bool) []byte {
	h := cipher.NewTranscriptHash(p.v, p.suite)
	h.Write(p.msgs)
	if p.v == cipher.VersionSSL30 {
		ms := h.(*cipher.MD5SHA1)
		vd, err := cipher.SSL3FinishedVerifyData(p.master, fromClient, ms.MD5, ms.SHA1)
		if err != nil {
			p.t.Fatal(err)
		}
		return vd
	}
	return cipher.FinishedVerifyData(p.v, p.suite, p.master, fromClient, h.Sum(nil))
}

// setKeys derives the key block from the master secret.
func (p *scriptPeer) setKeys() {
	p.keys = cipher.DeriveKeys(p.v, p.suite, p.master, p.cr[:], p.sr[:])
}

// protect installs the peer's protection of one direction.
func (p *scriptPeer) protect(write bool) {
	k := record.Keys{Key: p.keys.ServerKey, IV: p.keys.ServerIV, MAC: p.keys.ServerMAC}
	if p.client == write {
		k = record.Keys{Key: p.keys.ClientKey, IV: p.keys.ClientIV, MAC: p.keys.ClientMAC}
	}
	pr, err := record.NewProtection(p.v, p.suite, k)
	if err != nil {
		p.t.Fatal(err)
	}
	if write {
		p.fail(p.rc.SetWriteProtection(pr))
	} else {
		p.fail(p.rc.SetReadProtection(pr))
	}
}

// sendCCS writes change_cipher_spec and switches the write keys.
func (p *scriptPeer) sendCCS() {
	p.fail(p.rc.WriteRecord(record.TypeChangeCipherSpec, []byte{1}))
	p.protect(true)
}

// readCCS reads change_cipher_spec and switches the read keys.
func (p *scriptPeer) readCCS() {
	p.t.Helper()
	if err := p.rc.ReadChangeCipherSpec(); err != nil {
		p.t.Fatalf("script: reading change_cipher_spec: %v", err)
	}
	p.protect(false)
}

// Server script steps (our side is the client).

// readClientHello reads and parses our ClientHello.
func (p *scriptPeer) readClientHello() *handshake.ClientHello {
	p.t.Helper()
	ch, err := handshake.UnmarshalClientHello(p.expect(handshake.TypeClientHello))
	if err != nil {
		p.t.Fatal(err)
	}
	p.cr = ch.Random
	return ch
}

// serverHello returns a ServerHello for the script's version and suite
// with renegotiation_info, changed by mut.
func (p *scriptPeer) serverHello(mut func(*handshake.ServerHello)) []byte {
	if _, err := io.ReadFull(rand.Reader, p.sr[:]); err != nil {
		p.t.Fatal(err)
	}
	sh := &handshake.ServerHello{Version: p.v, Random: p.sr, CipherSuite: p.suite.ID,
		SecureRenegotiationSupported: true}
	if mut != nil {
		mut(sh)
		p.sr = sh.Random
	}
	if sh.SupportedVersion == 0 {
		p.fail(p.rc.SetVersion(sh.Version))
	}
	return marshal(p.t, sh)
}

// serverFlight is ServerHello, Certificate and ServerHelloDone of the RSA
// key exchange.
func (p *scriptPeer) serverFlight(pki *hsPKI) [][]byte {
	return [][]byte{
		p.serverHello(nil),
		marshal(p.t, handshake.NewCertificate(p.v, [][]byte{pki.serverRSA.DER})),
		marshal(p.t, &handshake.ServerHelloDone{}),
	}
}

// readClientKX reads our ClientKeyExchange and derives the secrets with
// the server's RSA key.
func (p *scriptPeer) readClientKX(pki *hsPKI) {
	p.t.Helper()
	cke, err := handshake.UnmarshalClientKeyExchange(p.expect(handshake.TypeClientKeyExchange))
	if err != nil {
		p.t.Fatal(err)
	}
	ct := cke.Body[2:]
	if p.v == cipher.VersionSSL30 {
		ct = cke.Body
	}
	pre, err := rsa.DecryptPKCS1v15(rand.Reader, pki.serverRSA.Key.(*rsa.PrivateKey), ct)
	if err != nil {
		p.t.Fatal(err)
	}
	p.master = cipher.MasterSecret(p.v, p.suite, pre, p.cr[:], p.sr[:])
	p.setKeys()
}

// readClientFinish reads our client's ChangeCipherSpec and Finished.
func (p *scriptPeer) readClientFinish() {
	p.t.Helper()
	p.readCCS()
	want := p.finished(true)
	fin, err := handshake.UnmarshalFinished(p.expect(handshake.TypeFinished))
	if err != nil || string(fin.VerifyData) != string(want) {
		p.t.Fatalf("script: client Finished %x, want %x (%v)", fin.VerifyData, want, err)
	}
}

// fullServer runs a correct server handshake up to and including the
// client's Finished.
func (p *scriptPeer) fullServerUntilFinished(pki *hsPKI) {
	p.readClientHello()
	p.send(p.serverFlight(pki)...)
	p.readClientKX(pki)
	p.readClientFinish()
}

// Client script steps (our side is the server).

// clientHello returns a ClientHello offering the script's version and
// suite with renegotiation_info, changed by mut.
func (p *scriptPeer) clientHello(mut func(*handshake.ClientHello)) []byte {
	if _, err := io.ReadFull(rand.Reader, p.cr[:]); err != nil {
		p.t.Fatal(err)
	}
	ch := &handshake.ClientHello{Version: p.v, Random: p.cr, CipherSuites: []uint16{p.suite.ID},
		CompressionMethods: []uint8{0}, SecureRenegotiationSupported: true}
	if mut != nil {
		mut(ch)
		p.cr = ch.Random
	}
	return marshal(p.t, ch)
}

// readServerFlight reads our server's flight up to ServerHelloDone and
// returns the ServerHello and whether a CertificateRequest came.
func (p *scriptPeer) readServerFlight() (*handshake.ServerHello, bool) {
	p.t.Helper()
	sh, err := handshake.UnmarshalServerHello(p.expect(handshake.TypeServerHello))
	if err != nil {
		p.t.Fatal(err)
	}
	p.sr = sh.Random
	p.v = sh.Version
	p.fail(p.rc.SetVersion(p.v))
	p.suite = cipher.SuiteByID(sh.CipherSuite)
	p.expect(handshake.TypeCertificate)
	typ, _ := p.read()
	requested := typ == handshake.TypeCertificateRequest
	if requested {
		typ, _ = p.read()
	}
	if typ != handshake.TypeServerHelloDone {
		p.t.Fatalf("script: got %s, want server_hello_done (%v)", typ, p.err)
	}
	return sh, requested
}

// clientKX returns a ClientKeyExchange with a pre-master secret encrypted
// to the server's RSA key, and derives the secrets.
func (p *scriptPeer) clientKX(pki *hsPKI) []byte {
	pre := make([]byte, 48)
	rand.Read(pre)
	pre[0], pre[1] = byte(p.v>>8), byte(p.v)
	ct, err := rsa.EncryptPKCS1v15(rand.Reader, &pki.serverRSA.Key.(*rsa.PrivateKey).PublicKey, pre)
	if err != nil {
		p.t.Fatal(err)
	}
	body := append([]byte{byte(len(ct) >> 8), byte(len(ct))}, ct...)
	if p.v == cipher.VersionSSL30 {
		body = ct
	}
	p.master = cipher.MasterSecret(p.v, p.suite, pre, p.cr[:], p.sr[:])
	p.setKeys()
	return marshal(p.t, &handshake.ClientKeyExchange{Body: body})
}

// finishedMsg returns a Finished message of this peer over the transcript.
func (p *scriptPeer) finishedMsg() []byte {
	return marshal(p.t, &handshake.Finished{VerifyData: p.finished(p.client)})
}

var errScript = errors.New("script")
