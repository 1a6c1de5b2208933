package handshake_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/internal/leakcheck"
	"github.com/otpssl/ssl/record"
	"github.com/otpssl/ssl/session"
)

const (
	dheKE = handshake.PSKModeDHEKE
	ke    = handshake.PSKModeKE
)

// TestPSK13Modes resumes between our sides with the key exchange modes
// of both roles: psk_dhe_ke when both allow it, whatever the order of
// the lists, psk_ke when only that is common (no group, State.Group 0),
// a client whose modes share nothing
// with the server's gets a full handshake and no tickets, and a psk_ke
// resumption needs no HelloRetryRequest when the client's share is not
// for the server's group.
func TestPSK13Modes(t *testing.T) {
	leakcheck.Check(t)
	pki := newHSPKI(t)
	for _, tc := range []struct {
		name          string
		client, serv  []uint8
		resumed, kex  bool // kex: the resumption ran (EC)DHE
		retryGroups   bool
		wantHelloRetr bool
	}{
		{name: "default", resumed: true, kex: true},
		{name: "ke_both", client: []uint8{ke}, serv: []uint8{ke}, resumed: true},
		{name: "server_lists_ke_first", client: []uint8{dheKE, ke}, serv: []uint8{ke, dheKE}, resumed: true, kex: true},
		{name: "client_lists_ke_first", client: []uint8{ke, dheKE}, serv: []uint8{ke, dheKE}, resumed: true, kex: true},
		{name: "client_both_server_ke", client: []uint8{dheKE, ke}, serv: []uint8{ke}, resumed: true},
		{name: "client_ke_server_both", client: []uint8{ke}, serv: []uint8{dheKE, ke}, resumed: true},
		{name: "client_both_server_default", client: []uint8{ke, dheKE}, resumed: true, kex: true},
		{name: "client_ke_server_default", client: []uint8{ke}},
		{name: "client_default_server_ke", serv: []uint8{ke}},
		{name: "ke_no_retry", client: []uint8{ke}, serv: []uint8{ke}, resumed: true, retryGroups: true},
		{name: "dhe_retry", client: []uint8{dheKE, ke}, serv: []uint8{dheKE}, resumed: true, kex: true, retryGroups: true, wantHelloRetr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cli, srv := only13(t, pki.clientConfig()), only13(t, pki.serverConfig(pki.serverECDSA))
			srv.Tickets = statelessTickets(t)
			if tc.retryGroups {
				cli.Groups = []handshake.NamedGroup{handshake.X25519, handshake.Secp384r1}
				srv.Groups = []handshake.NamedGroup{handshake.Secp384r1}
			}
			// Tickets from a first handshake where the modes meet.
			cli.PSKModes, srv.PSKModes = []uint8{dheKE, ke}, []uint8{dheKE, ke}
			first, tickets := firstTickets(t, cli, srv)
			if len(tickets) == 0 {
				t.Fatal("no tickets")
			}
			cli.PSKModes, srv.PSKModes = tc.client, tc.serv
			cli.PSKs = tickets[:1]
			jar := &ticketJar{}
			cli.OnTicket = jar.add
			c, s := pair13(t, cli, srv)
			if c.Resumed != tc.resumed || s.Resumed != tc.resumed {
				t.Fatalf("resumed: client %v, server %v, want %v", c.Resumed, s.Resumed, tc.resumed)
			}
			if kex := c.Group != 0; tc.resumed && kex != tc.kex {
				t.Fatalf("group %v after a resumption, want an (EC)DHE exchange: %v", c.Group, tc.kex)
			}
			if !tc.resumed && c.Group == 0 {
				t.Fatal("full handshake without a group")
			}
			if c.HelloRetry != tc.wantHelloRetr {
				t.Fatalf("HelloRetryRequest: %v, want %v", c.HelloRetry, tc.wantHelloRetr)
			}
			if tc.resumed && !equalChains(c.PeerCertificates, first.PeerCertificates) {
				t.Fatal("resumed client does not report the server's chain of the session")
			}
			// Tickets go to a client that can use them, in the next
			// handshake with these modes.
			if got := len(jar.all()) > 0; got != tc.resumed {
				t.Fatalf("tickets received: %v, want %v", got, tc.resumed)
			}
			if !tc.resumed {
				return
			}
			cli.PSKs = jar.all()[:1]
			c, _ = pair13(t, cli, srv)
			if !c.Resumed || (c.Group != 0) != tc.kex {
				t.Fatalf("resumption with a ticket of the resumed connection: resumed %v, group %v", c.Resumed, c.Group)
			}
		})
	}
}

// TestPSK13KEEarlyData sends 0-RTT data in a psk_ke resumption.
func TestPSK13KEEarlyData(t *testing.T) {
	leakcheck.Check(t)
	pki := newHSPKI(t)
	cli, srv := only13(t, pki.clientConfig()), only13(t, pki.serverConfig(pki.serverECDSA))
	cli.PSKModes, srv.PSKModes = []uint8{ke}, []uint8{ke}
	srv.Tickets = statelessTickets(t)
	srv.AcceptEarlyData, srv.MaxEarlyData = true, 100
	tickets := earlyTickets(t, cli, srv)
	data := []byte("early psk_ke data")
	cli.PSKs, cli.EarlyData = tickets[:1], data
	c, s := pair13(t, cli, srv)
	if !c.Resumed || c.Group != 0 {
		t.Fatalf("resumed %v, group %v: want a psk_ke resumption", c.Resumed, c.Group)
	}
	if !c.EarlyDataAccepted || !s.EarlyDataAccepted || !bytes.Equal(s.EarlyData, data) {
		t.Fatalf("early data: client %v, server %v, %q", c.EarlyDataAccepted, s.EarlyDataAccepted, s.EarlyData)
	}
}

// TestPSK13ModesClientScripted answers our client's ClientHello with
// ServerHellos whose key_share does not fit the modes offered: none
// without psk_ke offered or without a PSK selected (missing_extension,
// RFC 8446, Section 6.2), and one resuming with a key_share when only
// psk_ke was offered (illegal_parameter: a mode not listed, Section
// 4.2.9). The client always sends key shares, whatever its modes.
func TestPSK13ModesClientScripted(t *testing.T) {
	leakcheck.Check(t)
	pki := newHSPKI(t)
	sess := &session.Session{Version: cipher.VersionTLS13, CipherSuite: 0x1301, MasterSecret: bytes.Repeat([]byte{1}, 32),
		Ticket: []byte("ticket"), TicketLifetime: 3600, Created: time.Now(), ServerName: hsServerName}
	for _, c := range []struct {
		name     string
		modes    []uint8
		selected bool
		share    bool
		alert    record.Description
	}{
		{"dhe-offered-no-share", nil, true, false, record.MissingExtension},
		{"dhe-offered-no-share-explicit", []uint8{dheKE}, true, false, record.MissingExtension},
		{"ke-offered-no-psk-no-share", []uint8{ke}, false, false, record.MissingExtension},
		{"ke-offered-share", []uint8{ke}, true, true, record.IllegalParameter},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := only13(t, pki.clientConfig())
			cfg.Groups = []handshake.NamedGroup{handshake.X25519}
			cfg.PSKs = []*session.Session{sess}
			cfg.PSKModes = c.modes
			p := start13(t, pki, true, cfg)
			ch := p.readClientHello()
			want := c.modes
			if want == nil {
				want = []uint8{dheKE}
			}
			if !bytes.Equal(ch.PSKModes, want) || len(ch.PSKIdentities) != 1 || len(ch.KeyShares) != 1 {
				t.Fatalf("ClientHello with modes %v, %d PSKs, %d key shares", ch.PSKModes, len(ch.PSKIdentities), len(ch.KeyShares))
			}
			p.send(p.serverHello(func(sh *handshake.ServerHello) {
				sh.HasSelectedIdentity = c.selected
				if !c.share {
					sh.KeyShare = nil
				}
			}))
			p.expectFailure("wait_sh", c.alert)
		})
	}
}
