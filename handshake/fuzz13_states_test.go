package handshake_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/record"
	"github.com/otpssl/ssl/session"
	"github.com/otpssl/ssl/x509path"
)

// The TLS 1.3 state machine fuzz targets: FuzzClientStates13 feeds
// arbitrary server records to our client offering TLS 1.3 and 1.2,
// FuzzServerStates13 arbitrary client records to our TLS 1.3 server,
// through the scripted transport of fuzz_states_test.go. Both sides are
// deterministic (fuzzRand, fixed certificates and time; the server's
// groups leave out X25519MLKEM768, whose encapsulation takes no random
// source), so the seeds, the records one of our sides sent the other in
// real handshakes, encrypted ones included, replay whole handshakes:
// TestStateFuzzSeeds13 checks they still complete, and
// -hs.update-fuzz-seeds records them anew. The transport frames the
// items of a TLS 1.3 connection with legacy_record_version 0x0303, as a
// peer does: the record header is the AEAD's additional data, so any
// other version would fail every protected record. The client seeds with
// the hybrid group change at each recording (the recording server
// encapsulates with crypto/rand) but replay all the same: the client's
// ML-KEM key comes from its seeded random source.

// fuzz13Suites are the five TLS 1.3 suites and two of TLS 1.2.
func fuzz13Suites(tb testing.TB) []*cipher.Suite {
	return append(suites13(tb), suitesByName(tb, "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-CHACHA20-POLY1305")...)
}

// fuzzClientConfig13 is the client of FuzzClientStates13.
func fuzzClientConfig13(tb testing.TB) *handshake.Config {
	fx := hsFuzzFixture(tb)
	return &handshake.Config{
		Versions:      []cipher.Version{cipher.VersionTLS13, cipher.VersionTLS12},
		Suites:        fuzz13Suites(tb),
		Groups:        []handshake.NamedGroup{handshake.X25519MLKEM768, handshake.X25519, handshake.Secp256r1, handshake.Secp384r1},
		SignatureAlgs: fuzzSchemes(),
		Certificates:  []handshake.Credential{fx.client},
		ServerName:    "fuzz.test",
		ALPN:          []string{"h2", "http/1.1"},
		PathOptions:   x509path.Options{VerifyFun: x509path.DefaultVerifyNone, Hostname: "fuzz.test"},
		OnTicket:      func(*session.Session) {},
		Rand:          newFuzzRand("fuzz13 client"),
		Now:           func() time.Time { return fuzzTime },
	}
}

// fuzzTicketKeys are the fixed stateless ticket keys of the fuzz server
// (and of the servers that give the recording clients their tickets), so
// that a recorded resumption opens its ticket on replay. A sealed ticket
// holds a random nonce: tickets differ at each recording, which changes
// nothing on replay.
func fuzzTicketKeys(tb testing.TB) *session.TicketKeys {
	var key [session.TicketKeyLen]byte
	copy(key[:], "fuzz13 ticket key")
	k, err := session.NewStaticTicketKeys(key)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// fuzzServerConfig13 is the server of FuzzServerStates13: it asks for a
// client certificate (optional), prefers its own group order, so that a
// client's share can lead to a HelloRetryRequest, and issues and takes
// stateless tickets, in psk_dhe_ke or psk_ke.
func fuzzServerConfig13(tb testing.TB) *handshake.Config {
	fx := hsFuzzFixture(tb)
	return &handshake.Config{
		Versions:      []cipher.Version{cipher.VersionTLS13},
		Suites:        suites13(tb),
		Groups:        []handshake.NamedGroup{handshake.X25519, handshake.Secp256r1, handshake.Secp384r1},
		HonorEccOrder: true,
		SignatureAlgs: fuzzSchemes(),
		Certificates:  []handshake.Credential{fx.ec, fx.rsa},
		VerifyPeer:    true,
		ALPN:          []string{"h2"},
		PathOptions:   x509path.Options{VerifyFun: x509path.DefaultVerifyNone, TrustedCerts: [][]byte{fx.rsa.Chain[0]}},
		Tickets:       &handshake.ServerTickets{Keys: fuzzTicketKeys(tb)},
		PSKModes:      []uint8{handshake.PSKModeDHEKE, handshake.PSKModeKE},
		Rand:          newFuzzRand("fuzz13 server"),
		Now:           func() time.Time { return fuzzTime },
	}
}

// states13 are the state names a failure may be reported in.
var states13 = map[string]bool{
	"hello": true, "certify": true, "cipher": true, "start": true, "wait_sh": true, "wait_ee": true,
	"wait_cert_cr": true, "wait_cert": true, "wait_cv": true, "wait_finished": true, "negotiated": true,
	"connection": true,
}

func checkFuzzError13(t *testing.T, err error) {
	var he *handshake.Error
	if !errors.As(err, &he) {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return
		}
		t.Fatalf("error of type %T outside *handshake.Error: %v", err, err)
	}
	if !states13[he.State] {
		t.Fatalf("unknown state %q", he.State)
	}
	if !he.Alert.Remote && (he.Alert.Level != record.Fatal || !he.Alert.Description.Known() || he.Alert.Description == record.CloseNotify) {
		t.Fatalf("generated alert %+v is not a fatal alert", he.Alert)
	}
	if he.Err == nil || he.Error() == "" {
		t.Fatalf("error without cause: %#v", he)
	}
}

// legacyRecordVersion is the version a record of a connection at v
// carries in its header: TLS 1.3 records say TLS 1.2 (RFC 8446, Section
// 5.1), and the protected ones authenticate that header, so the scripted
// transport must frame them as a real peer does.
func legacyRecordVersion(v cipher.Version) cipher.Version {
	if v == cipher.VersionTLS13 {
		return cipher.VersionTLS12
	}
	return v
}

// runFuzzSide13 runs our side against the items and checks what a
// failure must look like; after a handshake it hands what follows to
// HandleMessage (tickets, key updates) and writes data, as the socket
// layer would. It returns the state on success.
func runFuzzSide13(t *testing.T, client bool, cfg *handshake.Config, items []byte) *handshake.State {
	ic := &itemConn{items: items}
	rc := record.NewConn(ic, record.Config{})
	ic.version = func() cipher.Version { return legacyRecordVersion(rc.Version()) }
	var st *handshake.State
	var err error
	if client {
		st, err = handshake.Client(context.Background(), rc, cfg)
	} else {
		st, err = handshake.Server(context.Background(), rc, cfg)
	}
	if err != nil {
		checkFuzzError13(t, err)
		return nil
	}
	switch {
	case st.Suite == nil || st.Version < cipher.VersionTLS12 || st.Version > cipher.VersionTLS13:
		t.Fatalf("bad state after success: %+v", st)
	case st.Version == cipher.VersionTLS13 && (!st.Suite.TLS13() || len(st.ServerFinished) != st.Suite.Hash().Size()):
		t.Fatalf("bad TLS 1.3 state after success: %+v", st)
	}
	for i := 0; i < 8; i++ {
		m, err := rc.ReadMessage()
		if err != nil {
			var a record.Alert
			if errors.As(err, &a) && !a.Remote && a.Level != record.Fatal {
				t.Fatalf("non-fatal alert %+v", a)
			}
			return st
		}
		if m.Type == record.TypeHandshake {
			if err := st.HandleMessage(rc, m.Data); err != nil {
				checkFuzzError13(t, err)
				return st
			}
			if _, err := st.WriteApplicationData(rc, []byte("after a post-handshake message")); err != nil {
				t.Fatalf("write after a post-handshake message: %v", err)
			}
		}
	}
	return st
}

func FuzzClientStates13(f *testing.F) {
	f.Fuzz(func(t *testing.T, items []byte) {
		runFuzzSide13(t, true, fuzzClientConfig13(t), items)
	})
}

func FuzzServerStates13(f *testing.F) {
	f.Fuzz(func(t *testing.T, items []byte) {
		runFuzzSide13(t, false, fuzzServerConfig13(t), items)
	})
}

// recordSeed13 runs our client against our server over loopback TCP
// (whose buffers let a server write its tickets while the client writes),
// the side under test with its fuzz config and the peer shaped by c, and
// returns the peer's records as items. After a TLS 1.3 handshake the peer
// asks for a key update, which the side under test takes after whatever
// came before it (tickets), so that the seeds reach the post-handshake
// messages too.
func recordSeed13(t *testing.T, clientUnderTest bool, c fuzzSeedCase) []byte {
	var cli, srv *handshake.Config
	if clientUnderTest {
		cli = fuzzClientConfig13(t)
		srv = fuzzServerConfig13(t)
		srv.Rand = newFuzzRand("fuzz13 seed server " + c.name)
		srv.VerifyPeer, srv.Tickets = false, nil
		c.peer(srv)
	} else {
		srv = fuzzServerConfig13(t)
		cli = fuzzClientConfig13(t)
		cli.Versions = []cipher.Version{cipher.VersionTLS13}
		cli.Rand = newFuzzRand("fuzz13 seed client " + c.name)
		cli.Certificates, cli.OnTicket = nil, nil
		c.peer(cli)
	}
	a, b := tcpPair(t)
	defer a.Close()
	defer b.Close()
	rec := &recordingConn{Conn: b}
	done := make(chan ourResult, 1)
	go func() {
		r := runOurs(rec, !clientUnderTest, map[bool]*handshake.Config{true: cli, false: srv}[!clientUnderTest])
		if r.err == nil && r.st.Version == cipher.VersionTLS13 {
			if err := r.st.UpdateKeys(r.rc, true); err != nil {
				r.err = err
			}
		}
		done <- r
	}()
	r := runOurs(a, clientUnderTest, map[bool]*handshake.Config{true: cli, false: srv}[clientUnderTest])
	for i := 0; r.err == nil && r.st.Version == cipher.VersionTLS13; i++ {
		if i == 8 {
			t.Fatalf("seed %s: no KeyUpdate in 8 messages", c.name)
		}
		m, err := r.rc.ReadMessage()
		if err != nil || m.Type != record.TypeHandshake {
			t.Fatalf("seed %s: no KeyUpdate: %v", c.name, err)
		}
		if err := r.st.HandleMessage(r.rc, m.Data); err != nil {
			t.Fatalf("seed %s: %v", c.name, err)
		}
		if cu, su := r.st.KeyUpdates(); cu+su > 0 {
			break
		}
	}
	pr := <-done
	if r.err != nil || pr.err != nil {
		t.Fatalf("seed %s: %v / %v", c.name, r.err, pr.err)
	}
	if pr.st.Resumed != r.st.Resumed {
		t.Fatalf("seed %s: one side resumed, the other not", c.name)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return recordsToItems(t, rec.out.Bytes())
}

// fuzzTickets13 returns the tickets a fuzz server gives our client in a
// full handshake: the sessions a recorded client resumes.
func fuzzTickets13(t *testing.T) []*session.Session {
	cli := fuzzClientConfig13(t)
	cli.Versions, cli.Certificates = []cipher.Version{cipher.VersionTLS13}, nil
	cli.Rand = newFuzzRand("fuzz13 first handshake")
	_, tickets := firstTickets(t, cli, fuzzServerConfig13(t))
	if len(tickets) == 0 {
		t.Fatal("no ticket from the fuzz server")
	}
	return tickets
}

func clientSeedCases13(tb testing.TB) []fuzzSeedCase {
	fx := hsFuzzFixture(tb)
	s := func(id uint16) []*cipher.Suite { return []*cipher.Suite{cipher.SuiteByID(id)} }
	return []fuzzSeedCase{
		{"aes128-ecdsa", func(c *handshake.Config) { c.Suites = s(0x1301) }},
		{"hybrid", func(c *handshake.Config) {
			c.Suites, c.Groups = s(0x1301), []handshake.NamedGroup{handshake.X25519MLKEM768}
		}},
		{"retry-p384-cookie", func(c *handshake.Config) {
			c.Suites, c.Groups = s(0x1302), []handshake.NamedGroup{handshake.Secp384r1}
		}},
		{"certificate-request-alpn", func(c *handshake.Config) { c.Suites, c.VerifyPeer = s(0x1303), true }},
		{"rsa-pss-ccm", func(c *handshake.Config) {
			c.Suites, c.Certificates = s(0x1304), []handshake.Credential{fx.rsa}
		}},
		{"ccm8-no-compat", func(c *handshake.Config) {
			c.Suites, c.DisableMiddleboxCompat = s(0x1305), true
		}},
		{"tls12-fallback", func(c *handshake.Config) {
			c.Versions, c.Suites = []cipher.Version{cipher.VersionTLS12}, one(tb, "ECDHE-ECDSA-AES128-GCM-SHA256")
		}},
		{"tickets", func(c *handshake.Config) {
			c.Suites, c.Tickets = s(0x1301), &handshake.ServerTickets{Keys: fuzzTicketKeys(tb), Amount: 2}
		}},
	}
}

func serverSeedCases13(t *testing.T) []fuzzSeedCase {
	tb := testing.TB(t)
	fx := hsFuzzFixture(tb)
	s := func(id uint16) []*cipher.Suite { return []*cipher.Suite{cipher.SuiteByID(id)} }
	return []fuzzSeedCase{
		{"aes128-x25519", func(c *handshake.Config) { c.Suites, c.Groups = s(0x1301), []handshake.NamedGroup{handshake.X25519} }},
		{"retry-for-x25519", func(c *handshake.Config) {
			c.Suites, c.Groups = s(0x1302), []handshake.NamedGroup{handshake.Secp256r1, handshake.X25519}
		}},
		{"client-certificate-alpn", func(c *handshake.Config) {
			c.Suites, c.Certificates, c.ALPN = s(0x1303), []handshake.Credential{fx.client}, []string{"h2"}
		}},
		{"rsa-pss-certificate", func(c *handshake.Config) {
			c.Suites, c.SignatureAlgs = s(0x1304), []handshake.SignatureScheme{handshake.RSAPSSRSAESHA256}
		}},
		{"ccm8-no-compat-p384", func(c *handshake.Config) {
			c.Suites, c.DisableMiddleboxCompat = s(0x1305), true
			c.Groups = []handshake.NamedGroup{handshake.Secp384r1}
		}},
		{"resumption", func(c *handshake.Config) { c.PSKs = fuzzTickets13(t) }},
		{"resumption-retry", func(c *handshake.Config) {
			c.PSKs, c.Groups = fuzzTickets13(t), []handshake.NamedGroup{handshake.Secp256r1, handshake.X25519}
		}},
		{"resumption-psk-ke", func(c *handshake.Config) {
			c.PSKs, c.PSKModes = fuzzTickets13(t), []uint8{handshake.PSKModeKE}
		}},
	}
}

// TestStateFuzzSeeds13 checks that every committed seed of the TLS 1.3
// state machine fuzz targets still completes its handshake, and with
// -hs.update-fuzz-seeds records them anew.
func TestStateFuzzSeeds13(t *testing.T) {
	for _, target := range []struct {
		name   string
		client bool
		cases  []fuzzSeedCase
	}{
		{"FuzzClientStates13", true, clientSeedCases13(t)},
		{"FuzzServerStates13", false, serverSeedCases13(t)},
	} {
		for _, c := range target.cases {
			items := stateSeedItems(t, "TestStateFuzzSeeds13", target.name, c.name, func() []byte { return recordSeed13(t, target.client, c) })
			cfg := fuzzServerConfig13(t)
			if target.client {
				cfg = fuzzClientConfig13(t)
			}
			tickets := 0
			if target.client {
				cfg.OnTicket = func(*session.Session) { tickets++ }
			}
			st := runFuzzSide13(t, target.client, cfg, items)
			if st == nil {
				t.Errorf("%s/%s: the seed no longer completes a handshake", target.name, c.name)
				continue
			}
			if c.name != "tls12-fallback" {
				if cu, su := st.KeyUpdates(); cu+su == 0 {
					t.Errorf("%s/%s: the seed's KeyUpdate was not taken", target.name, c.name)
				}
			}
			if resumed := strings.HasPrefix(c.name, "resumption"); st.Resumed != resumed {
				t.Errorf("%s/%s: resumed %v", target.name, c.name, st.Resumed)
			}
			if c.name == "resumption-psk-ke" && st.Group != 0 {
				t.Errorf("%s/%s: group %v, want a psk_ke resumption", target.name, c.name, st.Group)
			}
			if c.name == "tickets" && tickets != 2 {
				t.Errorf("%s/%s: %d tickets taken, want 2", target.name, c.name, tickets)
			}
		}
	}
}
