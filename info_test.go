package ssl

import (
	"bytes"
	"errors"
	"testing"

	"github.com/otpssl/ssl/cipher"
)

func TestConnectionInformation(t *testing.T) {
	checkLeaks(t)
	f := useFake(t)
	c := newCreds(t)
	f.neg = func(role Role, n *negotiated) {
		n.serverName = "localhost"
		n.group = X25519
		n.clientRandom[0], n.serverRandom[0] = 1, 2
		n.masterSecret = bytes.Repeat([]byte{7}, 48)
		if role == RoleClient {
			n.peerCerts = [][]byte{c.server.DER, c.root.DER}
			n.alpn = "h2"
		}
	}
	server, client := pair(t, c, []Option{Active(false)}, []Option{Active(false), ALPNAdvertisedProtocols("h2")})

	info, err := client.ConnectionInformation()
	if err != nil {
		t.Fatal(err)
	}
	if info.Protocol != TLSv1_2 || info.CipherSuite.ID() != 0xc02f || info.SNIHostname != "localhost" ||
		info.ECC != X25519 || !bytes.Equal(info.SessionID, []byte{9, 9, 9}) || info.NegotiatedProtocol != "h2" {
		t.Errorf("info %+v", info)
	}
	if info.ClientRandom != nil || info.ServerRandom != nil || info.MasterSecret != nil {
		t.Error("secrets reported without being asked for")
	}
	wantItems := []string{"protocol", "cipher_suite", "selected_cipher_suite", "sni_hostname", "ecc", "session_id", "negotiated_protocol"}
	if len(info.Items) < len(wantItems) {
		t.Fatalf("items %v", info.Items)
	}
	for i, it := range wantItems {
		if info.Items[i] != it {
			t.Errorf("item %d = %s, want %s", i, info.Items[i], it)
		}
	}
	names := map[string]bool{}
	for _, o := range info.Options {
		names[o.Name] = true
	}
	if !names["cacerts"] || !names["server_name_indication"] || !names["alpn_advertised_protocols"] || names["active"] {
		t.Errorf("options %v", info.Options)
	}

	info, err = client.ConnectionInformation("master_secret", "client_random", "server_random", "alpn_advertised_protocols", "verify", "bogus", "protocol")
	if err != nil {
		t.Fatal(err)
	}
	if len(info.MasterSecret) != 48 || info.ClientRandom[0] != 1 || info.ServerRandom[0] != 2 || info.Protocol != TLSv1_2 {
		t.Errorf("named items %+v", info)
	}
	if len(info.Options) != 1 || info.Options[0].Name != "alpn_advertised_protocols" {
		t.Errorf("named options %v (verify was not given, so it is undefined)", info.Options)
	}
	if got := len(info.Items); got != 5 {
		t.Errorf("items %v", info.Items)
	}
	info.MasterSecret[0] = 0 // a copy
	if again, _ := client.ConnectionInformation("master_secret"); again.MasterSecret[0] != 7 {
		t.Error("ConnectionInformation returned the socket's own memory")
	}

	if p, err := client.NegotiatedProtocol(); p != "h2" || err != nil {
		t.Errorf("NegotiatedProtocol = %q, %v", p, err)
	}
	if _, err := server.NegotiatedProtocol(); err != ErrProtocolNotNegotiated {
		t.Errorf("server NegotiatedProtocol = %v", err)
	}
	if cert, err := client.Peercert(); err != nil || !bytes.Equal(cert, c.server.DER) {
		t.Errorf("Peercert = %d bytes, %v", len(cert), err)
	}
	if _, err := server.Peercert(); err != ErrNoPeercert {
		t.Errorf("server Peercert = %v, want ErrNoPeercert", err)
	}

	cp, err := client.Peername()
	if err != nil {
		t.Fatal(err)
	}
	ss, err := server.Sockname()
	if err != nil || cp != ss {
		t.Errorf("client Peername %v, server Sockname %v, %v", cp, ss, err)
	}
	cs, _ := client.Sockname()
	sp, _ := server.Peername()
	if cs != sp || !cs.Addr().Is4() {
		t.Errorf("client Sockname %v, server Peername %v", cs, sp)
	}

	client.Close()
	for _, err := range []error{
		func() error { _, err := client.ConnectionInformation(); return err }(),
		func() error { _, err := client.Peercert(); return err }(),
		func() error { _, err := client.Peername(); return err }(),
		func() error { _, err := client.Sockname(); return err }(),
		func() error { _, err := client.NegotiatedProtocol(); return err }(),
	} {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("after Close: %v, want ErrClosed", err)
		}
	}
}

func TestInformationBeforeHandshake(t *testing.T) {
	checkLeaks(t)
	useFake(t)
	c := newCreds(t)
	ls, err := Listen(0, c.serverOpts(IP(mustAddr("127.0.0.1")))...)
	if err != nil {
		t.Fatal(err)
	}
	defer ls.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		s, err := Connect("127.0.0.1", port(ls), c.clientOpts(), hangLimit)
		if err == nil {
			s.Close()
		}
	}()
	s, err := ls.TransportAccept(hangLimit)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.ConnectionInformation(); err != ErrNotConnected {
		t.Errorf("ConnectionInformation before the handshake = %v", err)
	}
	if _, err := s.Peercert(); err != ErrNotConnected {
		t.Errorf("Peercert before the handshake = %v", err)
	}
	if _, err := s.Peername(); err != nil {
		t.Errorf("Peername before the handshake = %v", err)
	}
	if err := s.SSLAccept(hangLimit); err != nil {
		t.Fatal(err)
	}
	<-done
	if info, err := s.ConnectionInformation("ecc", "sni_hostname", "negotiated_protocol", "master_secret"); err != nil || len(info.Items) != 0 {
		t.Errorf("undefined items: %+v, %v (want none)", info, err)
	}
	_ = cipher.VersionTLS12
}
