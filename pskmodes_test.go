package ssl

import (
	"crypto/tls"
	"errors"
	"io"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

// TestPSKKeyExchangeModesOption resolves the psk_key_exchange_modes
// option: modes and atoms, order kept, duplicates dropped, psk_dhe_ke
// alone being the default; an empty list, an unknown mode, another type
// or a configuration without TLS 1.3 is refused.
func TestPSKKeyExchangeModesOption(t *testing.T) {
	if got := PSKKeyExchangeModes(PSKKE, PSKDHEKE).String(); got != "{psk_key_exchange_modes,[psk_ke,psk_dhe_ke]}" {
		t.Fatalf("rendered as %s", got)
	}
	if PSKDHEKE.String() != "psk_dhe_ke" || PSKKE.String() != "psk_ke" || PSKMode(7).String() != "ssl.PSKMode(7)" {
		t.Fatalf("atoms %s %s %s", PSKDHEKE, PSKKE, PSKMode(7))
	}
	for _, tc := range []struct {
		name string
		opts []Option
		want []uint8
	}{
		{"default", nil, nil},
		{"dhe", []Option{PSKKeyExchangeModes(PSKDHEKE)}, nil},
		{"ke", []Option{PSKKeyExchangeModes(PSKKE)}, []uint8{0}},
		{"both", []Option{PSKKeyExchangeModes(PSKKE, PSKDHEKE, PSKKE)}, []uint8{0, 1}},
		{"atoms", []Option{{Name: "psk_key_exchange_modes", Value: []string{"psk_dhe_ke", "psk_ke"}}}, []uint8{1, 0}},
		{"last wins", []Option{PSKKeyExchangeModes(PSKKE), PSKKeyExchangeModes(PSKDHEKE)}, nil},
	} {
		for _, role := range []Role{RoleClient, RoleServer} {
			c := mustResolve(t, role, append([]Option{noVerify}, tc.opts...)...)
			if !slices.Equal(c.pskModes, tc.want) {
				t.Errorf("%s %v: modes %v, want %v", tc.name, role, c.pskModes, tc.want)
			}
			if got := c.handshakeConfig("", netip.Addr{}).PSKModes; !slices.Equal(got, tc.want) {
				t.Errorf("%s %v: handshake modes %v", tc.name, role, got)
			}
		}
	}
	for _, tc := range []struct {
		name string
		opts []Option
		term string
	}{
		{"empty", []Option{PSKKeyExchangeModes()}, "{options,{psk_key_exchange_modes,[]}}"},
		{"unknown", []Option{PSKKeyExchangeModes(PSKKE, PSKMode(2))}, "{options,{psk_key_exchange_modes,[psk_ke,2]}}"},
		{"unknown atom", []Option{{Name: "psk_key_exchange_modes", Value: []string{"psk_ke", "dhe"}}}, "{options,{psk_key_exchange_modes,[psk_ke,dhe]}}"},
		{"type", []Option{{Name: "psk_key_exchange_modes", Value: 1}}, "{options,{psk_key_exchange_modes,1}}"},
		{"no TLS 1.3", []Option{Versions(TLSv1_2), PSKKeyExchangeModes(PSKKE)}, "{options,"},
	} {
		_, err := resolve(RoleClient, append([]Option{noVerify}, tc.opts...))
		var oe *OptionError
		if !errors.As(err, &oe) || !strings.HasPrefix(oe.Term(), tc.term) {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.term)
		}
	}
}

// eccOf returns the ecc item of s, 0 when it is not reported.
func eccOf(t *testing.T, s *Socket) NamedCurve {
	t.Helper()
	info, err := s.ConnectionInformation("ecc")
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(info.Items, "ecc") != (info.ECC != 0) {
		t.Fatalf("ecc item %v with items %v", info.ECC, info.Items)
	}
	return info.ECC
}

// TestPSKModesSockets resumes between our sockets with
// psk_key_exchange_modes, with x25519 as the group: in psk_ke
// (session_resumption true, no ecc item, new tickets) when that is the
// only common mode, in psk_dhe_ke whenever both allow it, and with
// a full handshake when the server does not allow the client's only mode.
func TestPSKModesSockets(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	for _, tc := range []struct {
		name           string
		client, server []PSKMode
		resumed, ecc   bool
	}{
		{"ke", []PSKMode{PSKKE}, []PSKMode{PSKKE}, true, false},
		{"server ke only", []PSKMode{PSKDHEKE, PSKKE}, []PSKMode{PSKKE}, true, false},
		{"both", []PSKMode{PSKKE, PSKDHEKE}, []PSKMode{PSKKE, PSKDHEKE}, true, true},
		{"server default", []PSKMode{PSKKE}, nil, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sopts := []Option{IP(mustAddr("127.0.0.1")), SessionTickets(TicketsStateless), Active(false), SupportedGroups(X25519)}
			if tc.server != nil {
				sopts = append(sopts, PSKKeyExchangeModes(tc.server...))
			}
			ls, err := Listen(0, c.serverOpts(sopts...)...)
			if err != nil {
				t.Fatal(err)
			}
			defer ls.Close()
			key := clientTicketKey{host: "127.0.0.1", port: port(ls), sni: "localhost"}
			copts := []Option{SessionTickets(TicketsAuto), Active(false), SupportedGroups(X25519), PSKKeyExchangeModes(tc.client...)}
			// The first connection gets tickets only when the modes
			// meet.
			server, client := ticketConn(t, c, ls, copts...)
			resumedBoth(t, server, client, false)
			if eccOf(t, client) == 0 || eccOf(t, server) == 0 {
				t.Fatal("full handshake without ecc")
			}
			if n := clientTickets.count(key); (n > 0) != tc.resumed {
				t.Fatalf("client keeps %d tickets", n)
			}
			for i := 0; i < 2; i++ {
				server, client = ticketConn(t, c, ls, copts...)
				resumedBoth(t, server, client, tc.resumed)
				for _, s := range []*Socket{client, server} {
					if got := eccOf(t, s) != 0; got != tc.ecc {
						t.Fatalf("connection %d, %v: ecc reported %v, want %v", i+2, s.role, got, tc.ecc)
					}
				}
			}
		})
	}
}

// TestPSKModesGoTLSClient: crypto/tls, which offers psk_dhe_ke only,
// resumes with psk_dhe_ke against a server that allows psk_ke first.
func TestPSKModesGoTLSClient(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	gc := c.goTLSConfig(t)
	gc.MinVersion, gc.MaxVersion = tls.VersionTLS13, tls.VersionTLS13
	gc.ClientSessionCache = tls.NewLRUClientSessionCache(4)
	ls, err := Listen(0, c.serverOpts(IP(mustAddr("127.0.0.1")), SessionTickets(TicketsStateless), Active(false),
		SupportedGroups(X25519, Secp256r1), PSKKeyExchangeModes(PSKKE, PSKDHEKE))...)
	if err != nil {
		t.Fatal(err)
	}
	defer ls.Close()
	for i := 0; i < 2; i++ {
		done := make(chan error, 1)
		var resumed bool
		go func() {
			conn, err := tls.Dial("tcp", ls.Addr().String(), gc)
			if err != nil {
				done <- err
				return
			}
			defer conn.Close()
			buf := make([]byte, 4)
			if _, err := io.ReadFull(conn, buf); err != nil {
				done <- err
				return
			}
			resumed = conn.ConnectionState().DidResume
			done <- nil
		}()
		s, err := ls.TransportAccept(hangLimit)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SSLAccept(hangLimit); err != nil {
			s.Close()
			t.Fatal(err)
		}
		if err := s.Send([]byte("ping")); err != nil {
			s.Close()
			t.Fatal(err)
		}
		err = <-done
		info, ierr := s.ConnectionInformation("session_resumption", "ecc")
		s.Close()
		if err != nil || ierr != nil {
			t.Fatal(err, ierr)
		}
		if want := i == 1; resumed != want || info.SessionResumption != want || info.ECC == 0 {
			t.Fatalf("connection %d: crypto/tls resumed %v, ours %v, ecc %v; want resumed %v with an (EC)DHE group",
				i+1, resumed, info.SessionResumption, info.ECC, want)
		}
	}
}
