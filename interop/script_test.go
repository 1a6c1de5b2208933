package interop_test

import (
	"crypto/aes"
	stdcipher "crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/record"
)

// script is a hand-driven TLS 1.0-1.2 peer on raw TCP for the negative
// tests: it builds each message itself (with the handshake package's
// message types), computes the secrets with the cipher package, and runs
// records through a record.Conn of its own, so that a test can send
// exactly the wrong thing at exactly one point of an otherwise correct
// handshake. It speaks the RSA key exchange, whose secrets need no key
// exchange code.
type script struct {
	t      *testing.T
	conn   net.Conn
	tap    *tap
	rc     *record.Conn
	client bool // the script's role

	v      cipher.Version
	suite  *cipher.Suite
	msgs   []byte // the transcript: every handshake message so far
	cr, sr [32]byte
	master []byte
	keys   cipher.Keys
	// seq counts the records the script has sealed since its last
	// change_cipher_spec (each flush of its small messages is one
	// record), for the records it builds by hand.
	seq     uint64
	sealing bool
	key     *rsa.PrivateKey // the server's RSA key
	// verify is the verify_data of the script's last Finished, and
	// peerVerify that of our side's.
	verify, peerVerify []byte
}

// tap is the script's transport: writes pass through corrupt, when set,
// once.
type tap struct {
	net.Conn
	mu      sync.Mutex
	corrupt func([]byte) []byte
}

func (c *tap) Write(b []byte) (int, error) {
	c.mu.Lock()
	f := c.corrupt
	c.corrupt = nil
	c.mu.Unlock()
	if f != nil {
		if _, err := c.Conn.Write(f(append([]byte(nil), b...))); err != nil {
			return 0, err
		}
		return len(b), nil
	}
	return c.Conn.Write(b)
}

func newScript(t *testing.T, conn net.Conn, client bool, p *pki) *script {
	conn.SetDeadline(time.Now().Add(hang))
	tp := &tap{Conn: conn}
	s := &script{t: t, conn: conn, tap: tp, rc: record.NewConn(tp, record.Config{}), client: client,
		v: cipher.VersionTLS12, suite: cipher.SuiteByName("AES128-GCM-SHA256"), key: p.serverRSA.Key.(*rsa.PrivateKey)}
	t.Cleanup(func() { conn.Close() })
	return s
}

func (s *script) check(err error) {
	s.t.Helper()
	if err != nil {
		s.t.Fatalf("script: %v", err)
	}
}

func (s *script) marshal(m handshake.Message) []byte {
	s.t.Helper()
	b, err := m.Marshal()
	s.check(err)
	return b
}

// write queues handshake messages, adding them to the transcript.
func (s *script) write(msgs ...[]byte) {
	s.t.Helper()
	for _, m := range msgs {
		s.msgs = append(s.msgs, m...)
		s.check(s.rc.WriteRecord(record.TypeHandshake, m))
	}
}

// send writes handshake messages and flushes them.
func (s *script) send(msgs ...[]byte) {
	s.t.Helper()
	s.write(msgs...)
	s.flush()
}

func (s *script) flush() {
	s.t.Helper()
	s.check(s.rc.Flush())
	if s.sealing {
		s.seq++
	}
}

// sendRaw sends bytes as handshake records without the transcript.
func (s *script) sendRaw(b []byte) {
	s.t.Helper()
	s.check(s.rc.WriteRecord(record.TypeHandshake, b))
	s.flush()
}

// sendRecord sends one record of type typ at once.
func (s *script) sendRecord(typ record.ContentType, b []byte) {
	s.t.Helper()
	s.check(s.rc.WriteRecord(typ, b))
	s.flush()
}

// expect reads the next handshake message, which must have type typ.
func (s *script) expect(typ handshake.MessageType) []byte {
	s.t.Helper()
	m, err := s.rc.ReadHandshakeMessage()
	if err != nil {
		s.t.Fatalf("script: waiting for %s: %v", typ, err)
	}
	if handshake.MessageType(m[0]) != typ {
		s.t.Fatalf("script: got %s, want %s", handshake.MessageType(m[0]), typ)
	}
	s.msgs = append(s.msgs, m...)
	return m
}

// finished returns the verify_data of a Finished of the given sender over
// the transcript so far.
func (s *script) finished(fromClient bool) []byte {
	h := cipher.NewTranscriptHash(s.v, s.suite)
	h.Write(s.msgs)
	return cipher.FinishedVerifyData(s.v, s.suite, s.master, fromClient, h.Sum(nil))
}

// finishedMsg returns the script's Finished, and keeps its verify_data
// for a renegotiation.
func (s *script) finishedMsg() []byte {
	s.verify = s.finished(s.client)
	return s.marshal(&handshake.Finished{VerifyData: s.verify})
}

// protect installs the script's protection of one direction.
func (s *script) protect(write bool) {
	s.t.Helper()
	k := record.Keys{Key: s.keys.ServerKey, IV: s.keys.ServerIV, MAC: s.keys.ServerMAC}
	if s.client == write {
		k = record.Keys{Key: s.keys.ClientKey, IV: s.keys.ClientIV, MAC: s.keys.ClientMAC}
	}
	pr, err := record.NewProtection(s.v, s.suite, k)
	s.check(err)
	if write {
		s.check(s.rc.SetWriteProtection(pr))
		s.seq, s.sealing = 0, true
	} else {
		s.check(s.rc.SetReadProtection(pr))
	}
}

// sendCCS queues change_cipher_spec and switches the write keys.
func (s *script) sendCCS() {
	s.t.Helper()
	s.check(s.rc.WriteRecord(record.TypeChangeCipherSpec, []byte{1}))
	s.protect(true)
}

// readCCS reads change_cipher_spec and switches the read keys.
func (s *script) readCCS() {
	s.t.Helper()
	s.check(s.rc.ReadChangeCipherSpec())
	s.protect(false)
}

// readFinished reads our side's Finished and checks it.
func (s *script) readFinished() {
	s.t.Helper()
	want := s.finished(!s.client)
	fin, err := handshake.UnmarshalFinished(s.expect(handshake.TypeFinished))
	if err != nil || string(fin.VerifyData) != string(want) {
		s.t.Fatalf("script: our side's Finished %x, want %x (%v)", fin.VerifyData, want, err)
	}
	s.peerVerify = want
}

func (s *script) deriveKeys(pre []byte) {
	s.master = cipher.MasterSecret(s.v, s.suite, pre, s.cr[:], s.sr[:])
	s.keys = cipher.DeriveKeys(s.v, s.suite, s.master, s.cr[:], s.sr[:])
}

// The script as a client, against our server.

// clientHello returns a ClientHello offering the script's version and
// suite with renegotiation_info, changed by mut.
func (s *script) clientHello(mut func(*handshake.ClientHello)) []byte {
	s.t.Helper()
	_, err := io.ReadFull(rand.Reader, s.cr[:])
	s.check(err)
	ch := &handshake.ClientHello{Version: s.v, Random: s.cr, CipherSuites: []uint16{s.suite.ID},
		CompressionMethods: []uint8{0}, SecureRenegotiationSupported: true}
	if mut != nil {
		mut(ch)
		s.cr = ch.Random
	}
	return s.marshal(ch)
}

// readServerFlight reads our server's ServerHello, Certificate and
// ServerHelloDone.
func (s *script) readServerFlight() *handshake.ServerHello {
	s.t.Helper()
	sh, err := handshake.UnmarshalServerHello(s.expect(handshake.TypeServerHello))
	s.check(err)
	s.sr, s.v, s.suite = sh.Random, sh.Version, cipher.SuiteByID(sh.CipherSuite)
	s.check(s.rc.SetVersion(s.v))
	s.expect(handshake.TypeCertificate)
	s.expect(handshake.TypeServerHelloDone)
	return sh
}

// clientKX returns a ClientKeyExchange with a pre-master secret encrypted
// to the server's key, and derives the keys.
func (s *script) clientKX() []byte {
	s.t.Helper()
	pre := make([]byte, 48)
	_, err := rand.Read(pre)
	s.check(err)
	pre[0], pre[1] = byte(s.v>>8), byte(s.v)
	ct, err := rsa.EncryptPKCS1v15(rand.Reader, &s.key.PublicKey, pre)
	s.check(err)
	s.deriveKeys(pre)
	return s.marshal(&handshake.ClientKeyExchange{Body: append([]byte{byte(len(ct) >> 8), byte(len(ct))}, ct...)})
}

// clientHandshake runs a correct client handshake to the end.
func (s *script) clientHandshake() {
	s.t.Helper()
	s.send(s.clientHello(nil))
	s.readServerFlight()
	s.write(s.clientKX())
	s.sendCCS()
	s.send(s.finishedMsg())
	s.readCCS()
	s.readFinished()
}

// The script as a server, against our client.

// readClientHello reads our ClientHello.
func (s *script) readClientHello() *handshake.ClientHello {
	s.t.Helper()
	ch, err := handshake.UnmarshalClientHello(s.expect(handshake.TypeClientHello))
	s.check(err)
	s.cr = ch.Random
	return ch
}

// serverHello returns a ServerHello for the script's version and suite
// with renegotiation_info, changed by mut.
func (s *script) serverHello(mut func(*handshake.ServerHello)) []byte {
	s.t.Helper()
	_, err := io.ReadFull(rand.Reader, s.sr[:])
	s.check(err)
	sh := &handshake.ServerHello{Version: s.v, Random: s.sr, CipherSuite: s.suite.ID, SecureRenegotiationSupported: true}
	if mut != nil {
		mut(sh)
		s.sr = sh.Random
	}
	// The record version is fixed at readClientKX, once our client has
	// accepted the hello: until then its alerts may carry the version it
	// started with.
	return s.marshal(sh)
}

func (s *script) certificate(p *pki) []byte {
	return s.marshal(handshake.NewCertificate(s.v, [][]byte{p.serverRSA.DER}))
}

func (s *script) helloDone() []byte { return s.marshal(&handshake.ServerHelloDone{}) }

// readClientKX reads our ClientKeyExchange and derives the keys.
func (s *script) readClientKX() {
	s.t.Helper()
	s.check(s.rc.SetVersion(s.v))
	cke, err := handshake.UnmarshalClientKeyExchange(s.expect(handshake.TypeClientKeyExchange))
	s.check(err)
	pre, err := rsa.DecryptPKCS1v15(rand.Reader, s.key, cke.Body[2:])
	s.check(err)
	s.deriveKeys(pre)
}

// serverUntilFinished runs a correct server handshake up to our client's
// Finished.
func (s *script) serverUntilFinished(p *pki) {
	s.t.Helper()
	s.readClientHello()
	s.send(s.serverHello(nil), s.certificate(p), s.helloDone())
	s.readClientKX()
	s.readCCS()
	s.readFinished()
}

// serverHandshake runs a correct server handshake to the end.
func (s *script) serverHandshake(p *pki) {
	s.t.Helper()
	s.serverUntilFinished(p)
	s.sendCCS()
	s.send(s.finishedMsg())
}

// After the handshake.

// sendData sends application data through the script's protection.
func (s *script) sendData(b []byte) {
	s.t.Helper()
	_, err := s.rc.Write(b)
	s.check(err)
	s.seq++
}

// readData reads application data until want has come.
func (s *script) readData(want string) {
	s.t.Helper()
	var got []byte
	for len(got) < len(want) {
		m, err := s.rc.ReadMessage()
		if err != nil {
			s.t.Fatalf("script: waiting for %q: %v", want, err)
		}
		if m.Type != record.TypeApplicationData {
			s.t.Fatalf("script: got a %v record waiting for %q", m.Type, want)
		}
		got = append(got, m.Data...)
	}
	if string(got) != want {
		s.t.Fatalf("script: got %q, want %q", got, want)
	}
}

// sendBadMAC sends application data whose last byte (in the AEAD tag or
// the CBC MAC's last block) is flipped on the wire.
func (s *script) sendBadMAC(b []byte) {
	s.t.Helper()
	s.tap.mu.Lock()
	s.tap.corrupt = func(rec []byte) []byte { rec[len(rec)-1] ^= 0x80; return rec }
	s.tap.mu.Unlock()
	s.sendData(b)
}

// sendCBC sends, with a TLS 1.1 or 1.2 CBC-HMAC-SHA1 suite (AES128-SHA),
// an application data record sealed by hand; with badPadding its MAC is
// right but one of its padding bytes differs from the padding length
// (RFC 5246, Section 6.2.3.2).
func (s *script) sendCBC(data []byte, badPadding bool) {
	s.t.Helper()
	if s.v < cipher.VersionTLS11 || s.suite.OpenSSLName != "AES128-SHA" {
		s.t.Fatalf("script: sendCBC needs AES128-SHA in TLS 1.1 or later, not %s %s", s.v, s.suite.OpenSSLName)
	}
	key, macKey := s.keys.ClientKey, s.keys.ClientMAC
	if !s.client {
		key, macKey = s.keys.ServerKey, s.keys.ServerMAC
	}
	var hdr [13]byte
	binary.BigEndian.PutUint64(hdr[:8], s.seq)
	hdr[8] = byte(record.TypeApplicationData)
	binary.BigEndian.PutUint16(hdr[9:], uint16(s.v))
	binary.BigEndian.PutUint16(hdr[11:], uint16(len(data)))
	mac := hmac.New(sha1.New, macKey)
	mac.Write(hdr[:])
	mac.Write(data)
	plain := append(append([]byte(nil), data...), mac.Sum(nil)...)
	// At least one padding byte besides the length byte.
	padLen := aes.BlockSize - (len(plain)+1)%aes.BlockSize
	for i := 0; i <= padLen; i++ {
		plain = append(plain, byte(padLen))
	}
	if badPadding {
		plain[len(plain)-2] ^= 0x01 // one padding byte differs from the length
	}
	block, err := aes.NewCipher(key)
	s.check(err)
	body := make([]byte, aes.BlockSize+len(plain))
	_, err = rand.Read(body[:aes.BlockSize])
	s.check(err)
	stdcipher.NewCBCEncrypter(block, body[:aes.BlockSize]).CryptBlocks(body[aes.BlockSize:], plain)
	rec := []byte{byte(record.TypeApplicationData), byte(s.v >> 8), byte(s.v), byte(len(body) >> 8), byte(len(body))}
	_, err = s.conn.Write(append(rec, body...))
	s.check(err)
	s.seq++
}

// expectAlert reads what our side sends next: it must be the fatal alert
// d and then the end of the connection, with nothing more.
func (s *script) expectAlert(d record.Description) {
	s.t.Helper()
	m, err := s.rc.ReadMessage()
	if err == nil {
		s.t.Fatalf("script: got a %v record (%d bytes), want a fatal %v alert", m.Type, len(m.Data), d)
	}
	var a record.Alert
	if !errors.As(err, &a) || !a.Remote || a.Level != record.Fatal || a.Description != d {
		s.t.Fatalf("script: got %v, want a fatal %v alert", err, d)
	}
	if rest := s.rc.Unread(); len(rest) > 0 {
		s.t.Fatalf("script: %d more bytes came with the alert", len(rest))
	}
	var buf [1]byte
	if n, err := s.conn.Read(buf[:]); n != 0 || err != io.EOF {
		s.t.Fatalf("script: after the alert read %d bytes, %v; want the end of the connection", n, err)
	}
}

// expectWarning reads a warning alert d; the connection goes on.
func (s *script) expectWarning(d record.Description) {
	s.t.Helper()
	m, err := s.rc.ReadMessage()
	if err != nil {
		s.t.Fatalf("script: waiting for a %v warning: %v", d, err)
	}
	if m.Type != record.TypeAlert || m.Alert.Level != record.Warning || m.Alert.Description != d {
		s.t.Fatalf("script: got a %v record (%+v), want a %v warning", m.Type, m.Alert, d)
	}
}
