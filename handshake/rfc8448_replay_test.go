package handshake_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/internal/leakcheck"
	"github.com/otpssl/ssl/record"
	"github.com/otpssl/ssl/x509path"
)

// The traces of RFC 8448 replayed through our state machines: our client
// (resp. server) is given the trace's randomness (its random, its
// ephemeral private keys, the RSA-PSS salts, which the server's RSA key
// recovers from the trace's signatures) and the trace's peer records, and
// must send the trace's records byte for byte: ClientHello, the server's
// flights, the client's Finished, application data and alerts. Sections
// 3 (simple 1-RTT), 5 (HelloRetryRequest), 6 (client authentication) and
// 7 (compatibility mode) are replayed both ways here; Section 4
// (resumption and 0-RTT) in rfc8448_psk13_test.go.
//
// What the replays set beyond randomness, and why:
//   - the extensions the trace's implementation chose and the order it
//     wrote them in (record_size_limit, session_ticket,
//     psk_key_exchange_modes, renegotiation_info in a TLS 1.3-only
//     hello, padding, the server's supported_groups) go through test
//     hooks that edit the messages before they are sent; the content of
//     every message computed from the handshake (key shares, cookie echo,
//     certificates, signatures, Finished) is our state machines';
//   - the HelloRetryRequest cookie of Section 5 is the trace's (a hook in
//     place of our random one), and our server checks the echo;
//   - Section 6's ECDSA server key and RSA client key are not in the RFC:
//     those two signatures are the trace's, returned by a signer that
//     holds only the public key (ECDSA signatures are randomized anyway);
//     the other side verifies them for real;
//   - the server's NewSessionTicket of Section 3 is the trace's message,
//     written through our server's record layer (the trace's ticket is
//     its server's own opaque value), so that the application data after
//     it has the trace's sequence numbers.

// rfc8448Row is one value of testdata/rfc8448.tsv.
type rfc8448Row struct {
	section           int
	side, step, field string
	value             []byte
}

type rfc8448Trace []rfc8448Row

func loadRFC8448(tb testing.TB) rfc8448Trace {
	tb.Helper()
	f, err := os.Open("testdata/rfc8448.tsv")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out rfc8448Trace
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<16)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 5 {
			tb.Fatalf("bad line %q", line)
		}
		sec, err := strconv.Atoi(f[0])
		if err != nil {
			tb.Fatal(err)
		}
		v, err := hex.DecodeString(f[4])
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, rfc8448Row{sec, f[1], f[2], f[3], v})
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// all returns the values of a section's rows of side whose step begins
// with step and whose field is field, in trace order.
func (tr rfc8448Trace) all(section int, side, step, field string) [][]byte {
	var out [][]byte
	for _, r := range tr {
		if r.section == section && r.side == side && strings.HasPrefix(r.step, step) && r.field == field {
			out = append(out, r.value)
		}
	}
	return out
}

// one returns the nth such value.
func (tr rfc8448Trace) one(tb testing.TB, section int, side, step, field string, n int) []byte {
	tb.Helper()
	v := tr.all(section, side, step, field)
	if n >= len(v) {
		tb.Fatalf("section %d: no %s %q %q number %d", section, side, step, field, n)
	}
	return v[n]
}

// records returns a side's complete records, in order.
func (tr rfc8448Trace) records(section int, side string) [][]byte {
	return tr.all(section, side, "send ", "complete record")
}

// rsaKey is the server key of Section 2.
func (tr rfc8448Trace) rsaKey(tb testing.TB) *rsa.PrivateKey {
	n := func(f string) *big.Int {
		return new(big.Int).SetBytes(tr.one(tb, 2, "server", "RSA private key", f, 0))
	}
	k := &rsa.PrivateKey{
		PublicKey: rsa.PublicKey{N: n("modulus"), E: int(n("public exponent").Int64())},
		D:         n("private exponent"),
		Primes:    []*big.Int{n("prime1"), n("prime2")},
	}
	if err := k.Validate(); err != nil {
		tb.Fatal(err)
	}
	k.Precompute()
	return k
}

// certOf returns the certificate of a Certificate message.
func certOf(tb testing.TB, msg []byte) []byte {
	tb.Helper()
	cm, err := handshake.UnmarshalCertificate(msg, cipher.VersionTLS13)
	if err != nil || len(cm.Entries) != 1 {
		tb.Fatalf("certificate: %v", err)
	}
	return cm.Entries[0].Data
}

// pssSalt recovers the salt of an RSA-PSS signature with SHA-256 made by
// key (RFC 8017, Sections 8.1.2 and 9.1.2): the encoded message is the
// signature raised to the public exponent; unmasking its data block
// leaves the salt at the end.
func pssSalt(tb testing.TB, key *rsa.PrivateKey, sig []byte) []byte {
	tb.Helper()
	c := new(big.Int).SetBytes(sig)
	m := new(big.Int).Exp(c, big.NewInt(int64(key.E)), key.N)
	emBits := key.N.BitLen() - 1
	emLen := (emBits + 7) / 8
	em := m.FillBytes(make([]byte, emLen))
	const hLen = 32
	if em[emLen-1] != 0xbc {
		tb.Fatal("not a PSS encoding")
	}
	db := append([]byte(nil), em[:emLen-hLen-1]...)
	h := em[emLen-hLen-1 : emLen-1]
	mask := mgf1SHA256(h, len(db))
	for i := range db {
		db[i] ^= mask[i]
	}
	db[0] &= 0xff >> (8*emLen - emBits)
	return db[len(db)-hLen:]
}

func mgf1SHA256(seed []byte, n int) []byte {
	var out []byte
	for c := uint32(0); len(out) < n; c++ {
		h := crypto.SHA256.New()
		h.Write(seed)
		h.Write([]byte{byte(c >> 24), byte(c >> 16), byte(c >> 8), byte(c)})
		out = h.Sum(out)
	}
	return out[:n]
}

// cvSignature returns the signature of a CertificateVerify message.
func cvSignature(tb testing.TB, msg []byte) []byte {
	tb.Helper()
	cv, err := handshake.UnmarshalCertificateVerify(msg, cipher.VersionTLS13)
	if err != nil {
		tb.Fatal(err)
	}
	return cv.Signature
}

// queueRand serves the given byte strings in order, each to one read of
// exactly its length (the standard library's one-byte probes are answered
// without using the queue); a read that does not fit fails the test.
type queueRand struct {
	tb testing.TB
	q  [][]byte
}

func (r *queueRand) Read(p []byte) (int, error) {
	if len(p) == 1 {
		p[0] = 0
		return 1, nil
	}
	if len(r.q) == 0 || len(r.q[0]) != len(p) {
		r.tb.Errorf("random read of %d bytes, the queue has %d entries left", len(p), len(r.q))
		return 0, errors.New("rfc8448: unexpected random read")
	}
	copy(p, r.q[0])
	r.q = r.q[1:]
	return len(p), nil
}

// replaySigner signs with a signature taken from the trace: it has only
// the public key.
type replaySigner struct {
	pub crypto.PublicKey
	sig []byte
}

func (s *replaySigner) Public() crypto.PublicKey { return s.pub }
func (s *replaySigner) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return s.sig, nil
}

// rfc8448Time is a time within the validity of the trace's certificates.
var rfc8448Time = time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)

// rawPeer is the trace's peer: it reads our records one by one and
// writes the trace's.
type rawPeer struct {
	tb   testing.TB
	conn net.Conn
	// ours reports our side's error, once it has failed.
	ours func() error
}

// failf ends the test, with our side's error when it failed.
func (p *rawPeer) failf(format string, args ...any) {
	p.tb.Helper()
	msg := fmt.Sprintf(format, args...)
	if p.ours != nil {
		if err := p.ours(); err != nil {
			msg += fmt.Sprintf(" (our side: %v)", err)
		}
	}
	p.tb.Fatal(msg)
}

func (p *rawPeer) readRecord() []byte {
	p.tb.Helper()
	hdr := make([]byte, 5)
	if _, err := io.ReadFull(p.conn, hdr); err != nil {
		p.failf("reading a record: %v", err)
	}
	body := make([]byte, int(hdr[3])<<8|int(hdr[4]))
	if _, err := io.ReadFull(p.conn, body); err != nil {
		p.failf("reading a record: %v", err)
	}
	return append(hdr, body...)
}

// expect reads as many records as want holds and compares their bytes.
func (p *rawPeer) expect(what string, want []byte) {
	p.tb.Helper()
	var got []byte
	for len(got) < len(want) {
		got = append(got, p.readRecord()...)
	}
	if !bytes.Equal(got, want) {
		p.tb.Fatalf("%s differs from the trace:\n got %x\nwant %x", what, got, want)
	}
}

func (p *rawPeer) write(b ...[]byte) {
	p.tb.Helper()
	for _, x := range b {
		if _, err := p.conn.Write(x); err != nil {
			p.tb.Fatalf("writing: %v", err)
		}
	}
}

// replay runs our side with cfg on one end of a pipe and script on the
// other, and returns our side's outcome and the peer, whose connection
// stays open for what follows the handshake.
func replay(t *testing.T, client bool, cfg *handshake.Config, script func(p *rawPeer)) (*handshake.State, *record.Conn, *rawPeer) {
	t.Helper()
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	a.SetDeadline(time.Now().Add(20 * time.Second))
	b.SetDeadline(time.Now().Add(20 * time.Second))
	type res struct {
		st  *handshake.State
		err error
	}
	rc := record.NewConn(a, record.Config{})
	done := make(chan res, 1)
	go func() {
		ctx := context.Background()
		var st *handshake.State
		var err error
		if client {
			st, err = handshake.Client(ctx, rc, cfg)
		} else {
			st, err = handshake.Server(ctx, rc, cfg)
		}
		if err != nil {
			a.Close()
		}
		done <- res{st, err}
	}()
	var r res
	got := false
	p := &rawPeer{tb: t, conn: b, ours: func() error {
		if !got {
			select {
			case r = <-done:
				got = true
			case <-time.After(5 * time.Second):
				return nil
			}
		}
		return r.err
	}}
	script(p)
	if !got {
		r = <-done
	}
	if r.err != nil {
		t.Fatalf("our side failed: %v", r.err)
	}
	return r.st, rc, p
}

// sendAndCompare runs send, which writes through our side, and compares
// what arrives with want.
func (p *rawPeer) sendAndCompare(what string, send func() error, want []byte) {
	p.tb.Helper()
	errc := make(chan error, 1)
	go func() { errc <- send() }()
	p.expect(what, want)
	if err := <-errc; err != nil {
		p.tb.Fatalf("%s: %v", what, err)
	}
}

// deliver writes b from the peer while our side reads it.
func (p *rawPeer) deliver(b []byte) { go p.conn.Write(b) }

// rfc8448Case is what differs between the sections.
type rfc8448Case struct {
	section    int
	group      handshake.NamedGroup // the group of the shares (after the retry, in Section 5)
	retry      bool                 // Section 5
	clientAuth bool                 // Section 6
	compat     bool                 // Section 7
	ticket     bool                 // Section 3: a NewSessionTicket and application data follow
}

var rfc8448Cases = []rfc8448Case{
	{section: 3, group: handshake.X25519, ticket: true},
	{section: 5, group: handshake.Secp256r1, retry: true},
	{section: 6, group: handshake.X25519, clientAuth: true},
	{section: 7, group: handshake.X25519, compat: true},
}

// traceSchemes are the signature algorithms of the trace's hellos.
func traceSchemes(tb testing.TB, tr rfc8448Trace, sec int) []handshake.SignatureScheme {
	ch, err := handshake.UnmarshalClientHello(tr.one(tb, sec, "client", "construct a ClientHello", "ClientHello", 0))
	if err != nil {
		tb.Fatal(err)
	}
	return ch.SignatureAlgorithms
}

// clientHook shapes our ClientHello as the trace's: the extensions and
// their order copied from the trace's hello of the same round.
func clientHook(tb testing.TB, tr rfc8448Trace, sec int) func(*handshake.ClientHello) {
	round := 0
	return func(h *handshake.ClientHello) {
		ref, err := handshake.UnmarshalClientHello(tr.one(tb, sec, "client", "construct a ClientHello", "ClientHello", round))
		if err != nil {
			tb.Fatal(err)
		}
		round++
		h.SecureRenegotiationSupported = ref.SecureRenegotiationSupported
		h.TicketSupported = ref.TicketSupported
		h.PSKModes = ref.PSKModes
		h.RecordSizeLimit = ref.RecordSizeLimit
		h.HasPadding, h.PaddingLen = ref.HasPadding, ref.PaddingLen
		h.ExtensionOrder = ref.ExtensionOrder
	}
}

// TestRFC8448Client replays each trace with our client.
func TestRFC8448Client(t *testing.T) {
	leakcheck.Check(t)
	tr := loadRFC8448(t)
	tr.rsaKey(t) // the key is valid (the server replays use it)
	for _, c := range rfc8448Cases {
		t.Run(fmt.Sprintf("section-%d", c.section), func(t *testing.T) {
			sec := c.section
			ch1, err := handshake.UnmarshalClientHello(tr.one(t, sec, "client", "construct a ClientHello", "ClientHello", 0))
			if err != nil {
				t.Fatal(err)
			}
			// Our client reads its random, its legacy session ID in
			// compatibility mode, its key share, and after a retry the
			// key share asked for.
			q := [][]byte{ch1.Random[:]}
			if c.compat {
				q = append(q, ch1.SessionID)
			}
			q = append(q, tr.one(t, sec, "client", "create an ephemeral", "private key", 0))
			if c.retry {
				q = append(q, tr.one(t, sec, "client", "create an ephemeral", "private key", 1))
			}
			serverCert := certOf(t, tr.one(t, sec, "server", "construct a Certificate", "Certificate", 0))
			cfg := &handshake.Config{
				Versions:      []cipher.Version{cipher.VersionTLS13},
				Suites:        []*cipher.Suite{cipher.SuiteByID(0x1301), cipher.SuiteByID(0x1303), cipher.SuiteByID(0x1302)},
				Groups:        ch1.SupportedGroups,
				SignatureAlgs: ch1.SignatureAlgorithms,
				ServerName:    ch1.ServerName,
				Rand:          &queueRand{tb: t, q: q},
				Now:           func() time.Time { return rfc8448Time },
				PathOptions: x509path.Options{TrustedCerts: [][]byte{serverCert},
					VerifyFun: x509path.DefaultVerifyNone},
				DisableMiddleboxCompat: !c.compat,
				KeepSecrets:            true,
			}
			if c.clientAuth {
				cm, err := handshake.UnmarshalCertificate(tr.one(t, sec, "client", "construct a Certificate", "Certificate", 0), cipher.VersionTLS13)
				if err != nil {
					t.Fatal(err)
				}
				leaf, err := x509.ParseCertificate(cm.Entries[0].Data)
				if err != nil {
					t.Fatal(err)
				}
				sig := cvSignature(t, tr.one(t, sec, "client", "construct a CertificateVerify", "CertificateVerify", 0))
				cfg.Certificates = []handshake.Credential{{Chain: cm.Chain(), Key: &replaySigner{leaf.PublicKey, sig}, Leaf: leaf}}
			}
			handshake.SetTestHooks(cfg, handshake.TestHooks{ClientHello: clientHook(t, tr, sec)})
			crec, srec := tr.records(sec, "client"), tr.records(sec, "server")
			st, rc, peer := replay(t, true, cfg, func(p *rawPeer) {
				p.expect("ClientHello", crec[0])
				i := 0
				if c.retry {
					p.write(srec[0])
					p.expect("second ClientHello", crec[1])
					i = 1
				}
				// The server's flight: ServerHello, in compatibility
				// mode a change_cipher_spec, the encrypted rest.
				p.write(srec[i], srec[i+1])
				if c.compat {
					p.write(srec[i+2])
				}
				p.expect("client Finished flight", bytes.Join(crec[i+1:len(crec)-1-appRecords(c)], nil))
			})
			checkTraceSecrets(t, tr, sec, st)
			if c.ticket {
				replayApplication(t, tr, sec, st, rc, peer, true)
			} else {
				replayAlert(t, tr, sec, rc, peer, true)
			}
		})
	}
}

// appRecords is how many records of each side follow the handshake
// before the alert: the application data of Section 3.
func appRecords(c rfc8448Case) int {
	if c.ticket {
		return 1
	}
	return 0
}

// checkTraceSecrets compares the secrets our side kept with the trace's.
func checkTraceSecrets(t *testing.T, tr rfc8448Trace, sec int, st *handshake.State) {
	t.Helper()
	expanded := func(label string) []byte {
		return tr.one(t, sec, "server", `derive secret "tls13 `+label+`"`, "expanded", 0)
	}
	k := st.Secrets()
	for _, c := range []struct {
		name      string
		got, want []byte
	}{
		{"c hs traffic", k.ClientHandshake, expanded("c hs traffic")},
		{"s hs traffic", k.ServerHandshake, expanded("s hs traffic")},
		{"c ap traffic", k.ClientTraffic, expanded("c ap traffic")},
		{"s ap traffic", k.ServerTraffic, expanded("s ap traffic")},
	} {
		if !bytes.Equal(c.got, c.want) {
			t.Errorf("%s: %x, want %x", c.name, c.got, c.want)
		}
	}
	exp, err := st.ExportKeyingMaterial("EXPERIMENTAL rfc8448", nil, false, 16)
	want, _ := cipher.ExportKeyingMaterial13(st.Suite, expanded("exp master"), "EXPERIMENTAL rfc8448", nil, 16)
	if err != nil || !bytes.Equal(exp, want) {
		t.Errorf("exporter %x, want %x (%v)", exp, want, err)
	}
}

// replayApplication plays the end of Section 3 on our side (ours is the
// client or the server): the ticket, application data each way, then
// close_notify each way.
func replayApplication(t *testing.T, tr rfc8448Trace, sec int, st *handshake.State, rc *record.Conn, peer *rawPeer, ourClient bool) {
	t.Helper()
	crec, srec := tr.records(sec, "client"), tr.records(sec, "server")
	payload := tr.one(t, sec, "client", "send application_data", "payload", 0)
	read := func(what string) record.Message {
		t.Helper()
		m, err := rc.ReadMessage()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return m
	}
	if ourClient {
		peer.deliver(srec[2])
		m := read("ticket")
		if m.Type != record.TypeHandshake {
			t.Fatalf("ticket: %s", m.Type)
		}
		if err := st.HandleMessage(rc, m.Data); err != nil {
			t.Fatalf("ticket refused: %v", err)
		}
		peer.sendAndCompare("client application data", func() error { _, err := st.WriteApplicationData(rc, payload); return err }, crec[2])
		peer.deliver(srec[3])
		if m := read("server application data"); !bytes.Equal(m.Data, payload) {
			t.Fatalf("server application data %x", m.Data)
		}
		peer.sendAndCompare("client close_notify", func() error { return rc.SendAlert(record.Warning, record.CloseNotify) }, crec[3])
		peer.deliver(srec[4])
		if _, err := rc.ReadMessage(); !errors.Is(err, io.EOF) {
			t.Fatalf("server close_notify: %v", err)
		}
		return
	}
	nst := tr.one(t, sec, "server", "construct a NewSessionTicket", "NewSessionTicket", 0)
	peer.sendAndCompare("NewSessionTicket record", func() error {
		if err := rc.WriteRecord(record.TypeHandshake, nst); err != nil {
			return err
		}
		return rc.Flush()
	}, srec[2])
	peer.deliver(crec[2])
	if m := read("client application data"); !bytes.Equal(m.Data, payload) {
		t.Fatalf("client application data %x", m.Data)
	}
	peer.sendAndCompare("server application data", func() error { _, err := st.WriteApplicationData(rc, payload); return err }, srec[3])
	peer.deliver(crec[3])
	if _, err := rc.ReadMessage(); !errors.Is(err, io.EOF) {
		t.Fatalf("client close_notify: %v", err)
	}
	peer.sendAndCompare("server close_notify", func() error { return rc.SendAlert(record.Warning, record.CloseNotify) }, srec[4])
}

// replayAlert ends Sections 5 to 7: our side sends close_notify, the
// trace's peer its own.
func replayAlert(t *testing.T, tr rfc8448Trace, sec int, rc *record.Conn, peer *rawPeer, ourClient bool) {
	t.Helper()
	crec, srec := tr.records(sec, "client"), tr.records(sec, "server")
	ours, theirs := crec[len(crec)-1], srec[len(srec)-1]
	if !ourClient {
		ours, theirs = theirs, ours
	}
	peer.sendAndCompare("close_notify", func() error { return rc.SendAlert(record.Warning, record.CloseNotify) }, ours)
	peer.deliver(theirs)
	if _, err := rc.ReadMessage(); !errors.Is(err, io.EOF) {
		t.Fatalf("peer's close_notify: %v", err)
	}
}

// serverHooks shape our server's messages as the trace's: the
// extensions and order of its ServerHello (and HelloRetryRequest) and
// EncryptedExtensions, and the cookie of Section 5.
func serverHooks(tb testing.TB, tr rfc8448Trace, sec int) handshake.TestHooks {
	round := 0
	return handshake.TestHooks{
		ServerHello: func(sh *handshake.ServerHello) {
			ref, err := handshake.UnmarshalServerHello(tr.one(tb, sec, "server", "construct a ServerHello", "ServerHello", round))
			if err != nil {
				tb.Fatal(err)
			}
			round++
			sh.ExtensionOrder = ref.ExtensionOrder
		},
		EncryptedExtensions: func(ee *handshake.EncryptedExtensions) {
			ref, err := handshake.UnmarshalEncryptedExtensions(tr.one(tb, sec, "server", "construct an EncryptedExtensions", "EncryptedExtensions", 0))
			if err != nil {
				tb.Fatal(err)
			}
			ee.SupportedGroups = ref.SupportedGroups
			ee.RecordSizeLimit = ref.RecordSizeLimit
			ee.ExtensionOrder = ref.ExtensionOrder
		},
		Cookie: func([]byte) []byte {
			hrr, err := handshake.UnmarshalServerHello(tr.one(tb, sec, "server", "construct a ServerHello", "ServerHello", 0))
			if err != nil || !hrr.IsHelloRetryRequest() {
				tb.Fatalf("no HelloRetryRequest in section %d: %v", sec, err)
			}
			return hrr.Cookie
		},
	}
}

// TestRFC8448Server replays each trace with our server.
func TestRFC8448Server(t *testing.T) {
	leakcheck.Check(t)
	tr := loadRFC8448(t)
	key := tr.rsaKey(t)
	for _, c := range rfc8448Cases {
		t.Run(fmt.Sprintf("section-%d", c.section), func(t *testing.T) {
			sec := c.section
			ch1, err := handshake.UnmarshalClientHello(tr.one(t, sec, "client", "construct a ClientHello", "ClientHello", 0))
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			if c.retry {
				n = 1
			}
			sh, err := handshake.UnmarshalServerHello(tr.one(t, sec, "server", "construct a ServerHello", "ServerHello", n))
			if err != nil {
				t.Fatal(err)
			}
			certMsg := tr.one(t, sec, "server", "construct a Certificate", "Certificate", 0)
			sig := cvSignature(t, tr.one(t, sec, "server", "construct a CertificateVerify", "CertificateVerify", 0))
			leaf, err := x509.ParseCertificate(certOf(t, certMsg))
			if err != nil {
				t.Fatal(err)
			}
			// Our server reads its key share, its random, and for an
			// RSA-PSS signature the salt.
			q := [][]byte{tr.one(t, sec, "server", "create an ephemeral", "private key", 0), sh.Random[:]}
			var signer crypto.Signer = key
			if c.clientAuth {
				signer = &replaySigner{leaf.PublicKey, sig} // the RFC gives no ECDSA key
			} else {
				q = append(q, pssSalt(t, key, sig))
			}
			groups := ch1.SupportedGroups
			if c.retry {
				// The server prefers P-256, for which the client sent
				// no share.
				groups = []handshake.NamedGroup{handshake.Secp256r1, handshake.X25519, handshake.Secp384r1}
			}
			cfg := &handshake.Config{
				Versions:      []cipher.Version{cipher.VersionTLS13},
				Suites:        []*cipher.Suite{cipher.SuiteByID(0x1301), cipher.SuiteByID(0x1303), cipher.SuiteByID(0x1302)},
				Groups:        groups,
				HonorEccOrder: c.retry,
				Certificates:  []handshake.Credential{{Chain: [][]byte{leaf.Raw}, Key: signer, Leaf: leaf}},
				Rand:          &queueRand{tb: t, q: q},
				Now:           func() time.Time { return rfc8448Time },
				KeepSecrets:   true,
			}
			if c.clientAuth {
				cr, err := handshake.UnmarshalCertificateRequest(tr.one(t, sec, "server", "construct a CertificateRequest", "CertificateRequest", 0), cipher.VersionTLS13)
				if err != nil {
					t.Fatal(err)
				}
				clientCert := certOf(t, tr.one(t, sec, "client", "construct a Certificate", "Certificate", 0))
				cfg.VerifyPeer, cfg.FailIfNoPeerCert, cfg.OmitCANames = true, true, true
				cfg.SignatureAlgs = cr.SignatureAlgorithms
				cfg.PathOptions = x509path.Options{TrustedCerts: [][]byte{clientCert}, VerifyFun: x509path.DefaultVerifyNone}
			}
			handshake.SetTestHooks(cfg, serverHooks(t, tr, sec))
			crec, srec := tr.records(sec, "client"), tr.records(sec, "server")
			st, rc, peer := replay(t, false, cfg, func(p *rawPeer) {
				p.write(crec[0])
				i := 0
				if c.retry {
					p.expect("HelloRetryRequest", srec[0])
					p.write(crec[1])
					i = 1
				}
				flight := 2
				if c.compat {
					flight = 3
				}
				p.expect("server flight", bytes.Join(srec[i:i+flight], nil))
				p.write(crec[i+1 : len(crec)-1-appRecords(c)]...)
			})
			checkTraceSecrets(t, tr, sec, st)
			if c.clientAuth && (len(st.PeerCertificates) != 1 || st.HelloRetry) {
				t.Fatalf("peer certificates %d", len(st.PeerCertificates))
			}
			if st.HelloRetry != c.retry {
				t.Fatalf("HelloRetry %v", st.HelloRetry)
			}
			if c.ticket {
				replayApplication(t, tr, sec, st, rc, peer, false)
			} else {
				replayAlert(t, tr, sec, rc, peer, false)
			}
		})
	}
}
