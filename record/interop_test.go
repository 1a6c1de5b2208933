package record

import (
	"bytes"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/internal/peertest"
	"github.com/otpssl/ssl/internal/testpki"
)

// Cross-implementation record vectors: Go's crypto/tls (an outside
// implementation, used here only as a peer) runs a handshake and sends
// application data both ways while a tap records every byte on the wire
// and KeyLogWriter gives the secrets. We derive the keys from the secrets
// with the cipher package, read both directions with our Conn as a
// passive observer (installing protections where the protocol changes
// keys), and, where sealing is deterministic (AEAD and RC4 suites, CBC
// suites in TLS 1.0), check that our sealing of each payload at its
// sequence number gives the very bytes crypto/tls sent.

// tap records what a connection writes and reads.
type tap struct {
	net.Conn
	mu            sync.Mutex
	written, read bytes.Buffer
}

func (t *tap) Write(p []byte) (int, error) {
	n, err := t.Conn.Write(p)
	t.mu.Lock()
	t.written.Write(p[:n])
	t.mu.Unlock()
	return n, err
}

func (t *tap) Read(p []byte) (int, error) {
	n, err := t.Conn.Read(p)
	t.mu.Lock()
	t.read.Write(p[:n])
	t.mu.Unlock()
	return n, err
}

// lockedBuffer is a KeyLogWriter safe for the handshake goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// capture is one recorded connection, seen from the server.
type capture struct {
	c2s, s2c               []byte
	keyLog                 string
	version                uint16
	suite                  uint16
	clientData, serverData []byte
}

func serverCert(t *testing.T) tls.Certificate {
	c := testpki.New(t).SelfSigned("record interop", testpki.Key(testpki.RSA2048), testpki.DNS("localhost"))
	return tls.Certificate{Certificate: [][]byte{c.DER}, PrivateKey: c.Key}
}

func testData(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i*31>>3)
	}
	return b
}

// serveOnce runs a crypto/tls server on conn: it reads want bytes,
// answers with reply, reads until the client closes, and closes.
func serveOnce(conn net.Conn, cfg *tls.Config, want int, reply []byte) (capture, error) {
	tp := &tap{Conn: conn}
	srv := tls.Server(tp, cfg)
	defer srv.Close()
	srv.SetDeadline(time.Now().Add(30 * time.Second))
	var cp capture
	if err := srv.Handshake(); err != nil {
		return cp, err
	}
	got := make([]byte, want)
	if _, err := io.ReadFull(srv, got); err != nil {
		return cp, err
	}
	if _, err := srv.Write(reply); err != nil {
		return cp, err
	}
	io.Copy(io.Discard, srv)
	srv.Close()
	st := srv.ConnectionState()
	tp.mu.Lock()
	defer tp.mu.Unlock()
	cp = capture{
		c2s: append([]byte(nil), tp.read.Bytes()...), s2c: append([]byte(nil), tp.written.Bytes()...),
		version: st.Version, suite: st.CipherSuite, clientData: got, serverData: reply,
	}
	return cp, nil
}

// goToGo runs a crypto/tls client against a crypto/tls server in process.
func goToGo(t *testing.T, version, suite uint16) capture {
	t.Helper()
	var keyLog lockedBuffer
	sc := &tls.Config{
		Certificates: []tls.Certificate{serverCert(t)}, KeyLogWriter: &keyLog,
		MinVersion: version, MaxVersion: version,
	}
	cc := &tls.Config{InsecureSkipVerify: true, MinVersion: version, MaxVersion: version}
	if version != tls.VersionTLS13 {
		sc.CipherSuites, cc.CipherSuites = []uint16{suite}, []uint16{suite}
	}
	clientData, serverData := testData(20000, 1), testData(5000, 2)
	a, b := net.Pipe()
	done := make(chan error, 1)
	go func() {
		cli := tls.Client(a, cc)
		defer cli.Close()
		cli.SetDeadline(time.Now().Add(30 * time.Second))
		if _, err := cli.Write(clientData); err != nil {
			done <- err
			return
		}
		got := make([]byte, len(serverData))
		if _, err := io.ReadFull(cli, got); err != nil {
			done <- err
			return
		}
		done <- cli.Close()
	}()
	cp, err := serveOnce(b, sc, len(clientData), serverData)
	if err != nil {
		t.Fatalf("crypto/tls server: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("crypto/tls client: %v", err)
	}
	cp.keyLog = keyLog.String()
	return cp
}

// keyLogSecret finds the secret logged under label for the client random.
func keyLogSecret(t *testing.T, keyLog, label string, clientRandom []byte) []byte {
	t.Helper()
	cr := hex.EncodeToString(clientRandom)
	for _, line := range strings.Split(keyLog, "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && f[0] == label && f[1] == cr {
			s, err := hex.DecodeString(f[2])
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
	}
	t.Fatalf("no %s in the key log", label)
	return nil
}

// dirKeys are the protections of one direction.
type dirKeys struct{ hs, app func() *Protection }

// observe reads one direction of a capture with our Conn, from the first
// handshake message (of type first) to the end, and returns the
// application data, the number of records protected with the handshake
// keys (TLS 1.3) and the number of handshake messages before Finished.
// Finished must have finLen bytes.
func observe(t *testing.T, stream []byte, v cipher.Version, keys dirKeys, first byte, finLen int) (data []byte, hsRecords uint64, handshakeMsgs int) {
	t.Helper()
	c := readConn(stream, Config{})
	msg, err := c.ReadHandshakeMessage()
	if err != nil || msg[0] != first {
		t.Fatalf("first message %x: %v", msg[:min(4, len(msg))], err)
	}
	if err := c.SetVersion(v); err != nil {
		t.Fatal(err)
	}
	if v == cipher.VersionTLS13 {
		hs := keys.hs()
		if err := c.SetReadProtection(hs); err != nil {
			t.Fatal(err)
		}
		for {
			m, err := c.ReadHandshakeMessage()
			if err != nil {
				t.Fatalf("reading under the handshake keys: %v", err)
			}
			if m[0] == 20 {
				if len(m) != finLen {
					t.Fatalf("Finished of %d bytes", len(m))
				}
				break
			}
			handshakeMsgs++
		}
		hsRecords = hs.Sequence()
		c.SetCompatCCS(false)
		if err := c.SetReadProtection(keys.app()); err != nil {
			t.Fatal(err)
		}
	} else {
		for {
			m, err := c.ReadMessage()
			if err != nil {
				t.Fatalf("before change_cipher_spec: %v", err)
			}
			if m.Type == TypeChangeCipherSpec {
				break
			}
			handshakeMsgs++
		}
		if err := c.SetReadProtection(keys.app()); err != nil {
			t.Fatal(err)
		}
		fin, err := c.ReadHandshakeMessage()
		if err != nil || fin[0] != 20 || len(fin) != finLen {
			t.Fatalf("Finished %x: %v", fin, err)
		}
	}
	for {
		m, err := c.ReadMessage()
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return data, hsRecords, handshakeMsgs
		}
		if err != nil {
			t.Fatalf("after the handshake: %v", err)
		}
		switch m.Type {
		case TypeApplicationData:
			data = append(data, m.Data...)
		case TypeHandshake:
			if m.Data[0] != 4 { // NewSessionTicket
				t.Fatalf("handshake message %d after the handshake", m.Data[0])
			}
		default:
			t.Fatalf("%s after the handshake", m.Type)
		}
	}
}

// reseal opens every protected record of stream with a protection chain
// (the first hsRecords with hs, the rest with app) and seals each payload
// again with a second chain at the same sequence number: the bytes must
// be the ones on the wire. It returns how many records it compared.
func reseal(t *testing.T, stream []byte, v cipher.Version, hsRecords uint64, keys dirKeys) int {
	t.Helper()
	recs := parseRecords(t, stream)
	var opener, sealer *Protection
	if v == cipher.VersionTLS13 {
		opener, sealer = keys.hs(), keys.hs()
	}
	n := 0
	protected := false
	for _, rec := range recs {
		if v != cipher.VersionTLS13 {
			if !protected {
				if rec[0] == byte(TypeChangeCipherSpec) {
					protected = true
					opener, sealer = keys.app(), keys.app()
				}
				continue
			}
		} else {
			if rec[0] != byte(TypeApplicationData) {
				continue // ServerHello, ClientHello, compatibility change_cipher_spec
			}
			if uint64(n) == hsRecords {
				opener, sealer = keys.app(), keys.app()
			}
		}
		typ, payload, err := opener.Open(append([]byte(nil), rec...))
		if err != nil {
			t.Fatalf("record %d: %v", n, err)
		}
		again, err := sealer.Seal(nil, typ, payload)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again, rec) {
			t.Fatalf("record %d (%s, %d bytes): our sealing differs\n%x\n%x", n, typ, len(payload), again, rec)
		}
		n++
	}
	return n
}

// checkCapture checks one capture: version and suite as negotiated, both
// directions read by our Conn, and where sealing is deterministic every
// protected record sealed again byte for byte.
func checkCapture(t *testing.T, cp capture, wantVersion, wantSuite uint16) {
	t.Helper()
	if cp.version != wantVersion || cp.suite != wantSuite {
		t.Fatalf("negotiated %x/%x, want %x/%x", cp.version, cp.suite, wantVersion, wantSuite)
	}
	v := cipher.Version(cp.version)
	s := cipher.SuiteByID(cp.suite)
	if s == nil {
		t.Fatalf("suite %04x not in the registry", cp.suite)
	}
	ch, err := readConn(cp.c2s, Config{}).ReadHandshakeMessage()
	if err != nil {
		t.Fatal(err)
	}
	sh, err := readConn(cp.s2c, Config{}).ReadHandshakeMessage()
	if err != nil {
		t.Fatal(err)
	}
	cr, sr := ch[6:38], sh[6:38]

	mk := func(k, iv, mac []byte) func() *Protection {
		return func() *Protection {
			p, err := NewProtection(v, s, Keys{Key: k, IV: iv, MAC: mac})
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
	}
	var client, server dirKeys
	if v == cipher.VersionTLS13 {
		secret := func(label string) func() *Protection {
			k, iv := cipher.TrafficKeys(s, keyLogSecret(t, cp.keyLog, label, cr))
			return mk(k, iv, nil)
		}
		client = dirKeys{hs: secret("CLIENT_HANDSHAKE_TRAFFIC_SECRET"), app: secret("CLIENT_TRAFFIC_SECRET_0")}
		server = dirKeys{hs: secret("SERVER_HANDSHAKE_TRAFFIC_SECRET"), app: secret("SERVER_TRAFFIC_SECRET_0")}
	} else {
		k := cipher.DeriveKeys(v, s, keyLogSecret(t, cp.keyLog, "CLIENT_RANDOM", cr), cr, sr)
		client = dirKeys{app: mk(k.ClientKey, k.ClientIV, k.ClientMAC)}
		server = dirKeys{app: mk(k.ServerKey, k.ServerIV, k.ServerMAC)}
	}

	finLen := 4 + 12
	if v == cipher.VersionTLS13 {
		finLen = 4 + s.Hash().Size()
	}
	cdata, chs, _ := observe(t, cp.c2s, v, client, 1, finLen)
	sdata, shs, nmsg := observe(t, cp.s2c, v, server, 2, finLen)
	if !bytes.Equal(cdata, cp.clientData) || !bytes.Equal(sdata, cp.serverData) {
		t.Fatalf("application data read: %d and %d bytes, want %d and %d", len(cdata), len(sdata), len(cp.clientData), len(cp.serverData))
	}
	// ServerHello is read before; then at least Certificate and
	// ServerHelloDone or EncryptedExtensions, Certificate and
	// CertificateVerify.
	if nmsg < 2 {
		t.Fatalf("only %d server handshake messages", nmsg)
	}
	// Sealing is deterministic for AEADs, stream ciphers, and CBC with
	// chained IVs when the sender pads minimally, as crypto/tls does; TLS
	// 1.1 and 1.2 CBC records start with a random IV.
	kind := s.Cipher.Params().Kind
	if kind != cipher.KindBlock || v <= cipher.VersionTLS10 {
		nc := reseal(t, cp.c2s, v, chs, client)
		ns := reseal(t, cp.s2c, v, shs, server)
		if nc < 3 || ns < 3 {
			t.Fatalf("only %d and %d records compared", nc, ns)
		}
		t.Logf("%s %s: %d client and %d server records sealed identically", v, s, nc, ns)
	}
}

func TestInteropCryptoTLS12(t *testing.T) {
	suites := []struct {
		version uint16
		suite   uint16
	}{
		{tls.VersionTLS12, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256},
		{tls.VersionTLS12, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384},
		{tls.VersionTLS12, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256},
		{tls.VersionTLS12, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA},
		{tls.VersionTLS12, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256},
		{tls.VersionTLS12, tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA},
		{tls.VersionTLS12, tls.TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA},
		{tls.VersionTLS12, tls.TLS_ECDHE_RSA_WITH_RC4_128_SHA},
		{tls.VersionTLS11, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA},
		{tls.VersionTLS10, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA},
		{tls.VersionTLS10, tls.TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA},
		{tls.VersionTLS10, tls.TLS_ECDHE_RSA_WITH_RC4_128_SHA},
	}
	for _, c := range suites {
		t.Run(fmt.Sprintf("%s/%s", cipher.Version(c.version), tls.CipherSuiteName(c.suite)), func(t *testing.T) {
			checkCapture(t, goToGo(t, c.version, c.suite), c.version, c.suite)
		})
	}
}

func TestInteropCryptoTLS13(t *testing.T) {
	// crypto/tls does not let a TLS 1.3 suite be chosen; between two Go
	// endpoints on a machine with AES hardware it is AES-128-GCM. The
	// other two suites are reached with openssl as the client below.
	checkCapture(t, goToGo(t, tls.VersionTLS13, 0), tls.VersionTLS13, tls.TLS_AES_128_GCM_SHA256)
}

// TestInteropCryptoTLS13OpenSSLClient runs a crypto/tls server (whose
// KeyLogWriter gives the secrets) against openssl s_client configured
// with one TLS 1.3 suite, for each of the three suites.
func TestInteropCryptoTLS13OpenSSLClient(t *testing.T) {
	peertest.Require(t, "openssl")
	for _, suite := range []uint16{tls.TLS_AES_128_GCM_SHA256, tls.TLS_AES_256_GCM_SHA384, tls.TLS_CHACHA20_POLY1305_SHA256} {
		t.Run(tls.CipherSuiteName(suite), func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			var keyLog lockedBuffer
			sc := &tls.Config{Certificates: []tls.Certificate{serverCert(t)}, KeyLogWriter: &keyLog, MinVersion: tls.VersionTLS13}
			lines := strings.Repeat("a line of application data from openssl\n", 50)
			reply := append(testData(5000, 3), "\nEND-OF-REPLY\n"...)
			type result struct {
				cp  capture
				err error
			}
			res := make(chan result, 1)
			go func() {
				conn, err := ln.Accept()
				if err != nil {
					res <- result{err: err}
					return
				}
				cp, err := serveOnce(conn, sc, len(lines), reply)
				res <- result{cp, err}
			}()
			p := peertest.Start(t, "openssl", "s_client", "-connect", ln.Addr().String(), "-tls1_3",
				"-ciphersuites", tls.CipherSuiteName(suite), "-servername", "localhost", "-no_ign_eof")
			io.WriteString(p.Stdin, lines)
			p.WaitOutput(t, "END-OF-REPLY", 30*time.Second)
			p.Stdin.Close()
			var r result
			select {
			case r = <-res:
			case <-time.After(30 * time.Second):
				t.Fatal("server did not finish")
			}
			if r.err != nil {
				t.Fatalf("crypto/tls server: %v", r.err)
			}
			r.cp.keyLog = keyLog.String()
			checkCapture(t, r.cp, tls.VersionTLS13, suite)
		})
	}
}
