package handshake_test

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/internal/leakcheck"
	"github.com/otpssl/ssl/record"
	"github.com/otpssl/ssl/session"
	"github.com/otpssl/ssl/x509path"
)

// RFC 8448, Section 4 (resumed 0-RTT handshake) replayed byte for byte
// through our client and our server, as the other sections are
// (rfc8448_replay_test.go): the session is the one of Section 3's
// NewSessionTicket with its resumption PSK, offered 6 ms after the ticket
// came (the trace's obfuscated_ticket_age less its ticket_age_add); the
// early data, which the trace does not print, is opened from the trace's
// record with its client_early_traffic_secret, and the server's
// EncryptedExtensions, to copy their shape, from its record with the
// server handshake traffic secret. The trace's server sends no ticket on
// this connection, so ours is told to send none.

// openTraceRecord opens a TLS 1.3 record of the trace, the first sealed
// under secret.
func openTraceRecord(t *testing.T, s *cipher.Suite, secret, rec []byte) []byte {
	t.Helper()
	key, iv := cipher.TrafficKeys(s, secret)
	p, err := record.NewProtection(cipher.VersionTLS13, s, record.Keys{Key: key, IV: iv})
	if err != nil {
		t.Fatal(err)
	}
	_, data, err := p.Open(append([]byte(nil), rec...))
	if err != nil {
		t.Fatalf("opening a trace record: %v", err)
	}
	return data
}

// section4 is what both replays of Section 4 take from the trace.
type section4 struct {
	tr         rfc8448Trace
	suite      *cipher.Suite
	ch         *handshake.ClientHello
	sh         *handshake.ServerHello
	ee         *handshake.EncryptedExtensions
	sess       *session.Session
	early      []byte
	serverLeaf *x509.Certificate
}

func loadSection4(t *testing.T) *section4 {
	t.Helper()
	tr := loadRFC8448(t)
	s := &section4{tr: tr, suite: cipher.SuiteByID(0x1301)}
	var err error
	if s.ch, err = handshake.UnmarshalClientHello(tr.one(t, 4, "client", "construct a ClientHello", "ClientHello", 0)); err != nil {
		t.Fatal(err)
	}
	if s.sh, err = handshake.UnmarshalServerHello(tr.one(t, 4, "server", "construct a ServerHello", "ServerHello", 0)); err != nil {
		t.Fatal(err)
	}
	nst, err := handshake.UnmarshalNewSessionTicket(tr.one(t, 3, "server", "construct a NewSessionTicket", "NewSessionTicket", 0), cipher.VersionTLS13)
	if err != nil {
		t.Fatal(err)
	}
	if s.serverLeaf, err = x509.ParseCertificate(certOf(t, tr.one(t, 3, "server", "construct a Certificate", "Certificate", 0))); err != nil {
		t.Fatal(err)
	}
	if len(s.ch.PSKIdentities) != 1 {
		t.Fatal("the trace's hello offers one PSK")
	}
	age := time.Duration(s.ch.PSKIdentities[0].ObfuscatedTicketAge-nst.AgeAdd) * time.Millisecond
	s.sess = &session.Session{
		Version: cipher.VersionTLS13, CipherSuite: s.suite.ID,
		MasterSecret: tr.one(t, 4, "client", "generate resumption secret", "expanded", 0),
		Ticket:       nst.Ticket, TicketLifetime: nst.Lifetime, TicketAgeAdd: nst.AgeAdd, MaxEarlyData: nst.MaxEarlyDataSize,
		ServerName: s.ch.ServerName, Created: rfc8448Time.Add(-age),
		PeerCertificates: [][]byte{s.serverLeaf.Raw},
	}
	crec, srec := tr.records(4, "client"), tr.records(4, "server")
	s.early = openTraceRecord(t, s.suite, tr.one(t, 4, "client", `derive secret "tls13 c e traffic"`, "expanded", 0), crec[1])
	flight := openTraceRecord(t, s.suite, tr.one(t, 4, "server", `derive secret "tls13 s hs traffic"`, "expanded", 0), srec[1])
	if len(flight) < handshake.HeaderLen {
		t.Fatal("short flight")
	}
	n := handshake.HeaderLen + (int(flight[1])<<16 | int(flight[2])<<8 | int(flight[3]))
	if n > len(flight) {
		t.Fatal("short flight")
	}
	if s.ee, err = handshake.UnmarshalEncryptedExtensions(flight[:n]); err != nil || !s.ee.EarlyData {
		t.Fatalf("the trace's EncryptedExtensions: %v", err)
	}
	return s
}

// finish4 plays the end of Section 4 on our side: application data each
// way, then close_notify each way, in the trace's order (the client's
// first).
func finish4(t *testing.T, s *section4, st *handshake.State, rc *record.Conn, peer *rawPeer, ourClient bool) {
	t.Helper()
	crec, srec := s.tr.records(4, "client"), s.tr.records(4, "server")
	payload := s.tr.one(t, 3, "client", "send application_data", "payload", 0)
	read := func(what string) {
		t.Helper()
		m, err := rc.ReadMessage()
		if err != nil || m.Type != record.TypeApplicationData || !bytes.Equal(m.Data, payload) {
			t.Fatalf("%s: %v %x", what, err, m.Data)
		}
	}
	write := func(what string, want []byte) {
		t.Helper()
		peer.sendAndCompare(what, func() error { _, err := st.WriteApplicationData(rc, payload); return err }, want)
	}
	closeNotify := func(what string, want []byte) {
		t.Helper()
		peer.sendAndCompare(what, func() error { return rc.SendAlert(record.Warning, record.CloseNotify) }, want)
	}
	eof := func(what string) {
		t.Helper()
		if _, err := rc.ReadMessage(); !errors.Is(err, io.EOF) {
			t.Fatalf("%s: %v", what, err)
		}
	}
	if ourClient {
		write("client application data", crec[4])
		peer.deliver(srec[2])
		read("server application data")
		closeNotify("client close_notify", crec[5])
		peer.deliver(srec[3])
		eof("server close_notify")
		return
	}
	peer.deliver(crec[4])
	read("client application data")
	write("server application data", srec[2])
	peer.deliver(crec[5])
	eof("client close_notify")
	closeNotify("server close_notify", srec[3])
}

// TestRFC8448ClientSection4 replays Section 4 with our client: the
// resumed ClientHello with its binder, the early data, EndOfEarlyData and
// Finished, the secrets, the application data.
func TestRFC8448ClientSection4(t *testing.T) {
	leakcheck.Check(t)
	s := loadSection4(t)
	tr := s.tr
	cfg := &handshake.Config{
		Versions:      []cipher.Version{cipher.VersionTLS13},
		Suites:        []*cipher.Suite{cipher.SuiteByID(0x1301), cipher.SuiteByID(0x1303), cipher.SuiteByID(0x1302)},
		Groups:        s.ch.SupportedGroups,
		SignatureAlgs: s.ch.SignatureAlgorithms,
		ServerName:    s.ch.ServerName,
		Rand:          &queueRand{tb: t, q: [][]byte{s.ch.Random[:], tr.one(t, 4, "client", "create an ephemeral", "private key", 0)}},
		Now:           func() time.Time { return rfc8448Time },
		PathOptions: x509path.Options{TrustedCerts: [][]byte{s.serverLeaf.Raw},
			VerifyFun: x509path.DefaultVerifyNone},
		DisableMiddleboxCompat: true,
		KeepSecrets:            true,
		PSKs:                   []*session.Session{s.sess},
		EarlyData:              s.early,
	}
	handshake.SetTestHooks(cfg, handshake.TestHooks{ClientHello: clientHook(t, tr, 4)})
	crec, srec := tr.records(4, "client"), tr.records(4, "server")
	st, rc, peer := replay(t, true, cfg, func(p *rawPeer) {
		p.expect("ClientHello", crec[0])
		p.expect("early data", crec[1])
		p.write(srec[0], srec[1])
		p.expect("EndOfEarlyData and Finished", bytes.Join(crec[2:4], nil))
	})
	if !st.Resumed || !st.EarlyDataAccepted || !bytes.Equal(st.PeerCertificates[0], s.serverLeaf.Raw) {
		t.Fatalf("resumed %v, early data accepted %v", st.Resumed, st.EarlyDataAccepted)
	}
	checkTraceSecrets(t, tr, 4, st)
	finish4(t, s, st, rc, peer, true)
}

// TestRFC8448ServerSection4 replays Section 4 with our server: it
// resumes the trace's ticket, checks the binder and the ticket age,
// accepts and delivers the early data, and sends the trace's flight.
func TestRFC8448ServerSection4(t *testing.T) {
	leakcheck.Check(t)
	s := loadSection4(t)
	tr := s.tr
	tickets := &handshake.ServerTickets{Amount: -1}
	certHash := sha256.Sum256(s.serverLeaf.Raw)
	handshake.SetTicketOpener(tickets, func(ticket []byte) *session.Session {
		if !bytes.Equal(ticket, s.sess.Ticket) {
			return nil
		}
		sess := s.sess.Clone()
		sess.PeerCertificates, sess.LocalCertHash = nil, certHash[:]
		return sess
	})
	cfg := &handshake.Config{
		Versions:        []cipher.Version{cipher.VersionTLS13},
		Suites:          []*cipher.Suite{cipher.SuiteByID(0x1301), cipher.SuiteByID(0x1303), cipher.SuiteByID(0x1302)},
		Groups:          s.ch.SupportedGroups,
		Certificates:    []handshake.Credential{{Chain: [][]byte{s.serverLeaf.Raw}, Key: tr.rsaKey(t), Leaf: s.serverLeaf}},
		Rand:            &queueRand{tb: t, q: [][]byte{tr.one(t, 4, "server", "create an ephemeral", "private key", 0), s.sh.Random[:]}},
		Now:             func() time.Time { return rfc8448Time },
		KeepSecrets:     true,
		Tickets:         tickets,
		AcceptEarlyData: true,
	}
	handshake.SetTestHooks(cfg, handshake.TestHooks{
		ServerHello: func(sh *handshake.ServerHello) { sh.ExtensionOrder = s.sh.ExtensionOrder },
		EncryptedExtensions: func(ee *handshake.EncryptedExtensions) {
			ee.SupportedGroups, ee.RecordSizeLimit, ee.ExtensionOrder = s.ee.SupportedGroups, s.ee.RecordSizeLimit, s.ee.ExtensionOrder
		},
	})
	crec, srec := tr.records(4, "client"), tr.records(4, "server")
	st, rc, peer := replay(t, false, cfg, func(p *rawPeer) {
		p.write(crec[0])
		// The early data is read once the server's flight is out (the
		// pipe holds no data).
		sent := make(chan error, 1)
		go func() { _, err := p.conn.Write(crec[1]); sent <- err }()
		p.expect("server flight", bytes.Join(srec[0:2], nil))
		if err := <-sent; err != nil {
			t.Fatalf("early data: %v", err)
		}
		p.write(crec[2], crec[3])
	})
	if !st.Resumed || !st.EarlyDataAccepted || !bytes.Equal(st.EarlyData, s.early) || len(st.PeerCertificates) != 0 {
		t.Fatalf("resumed %v, early data accepted %v: %x", st.Resumed, st.EarlyDataAccepted, st.EarlyData)
	}
	checkTraceSecrets(t, tr, 4, st)
	finish4(t, s, st, rc, peer, false)
}
