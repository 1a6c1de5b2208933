package ssl

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/record"
)

// TestTLS13Default checks that the default versions negotiate TLS 1.3
// and what ConnectionInformation says of it.
func TestTLS13Default(t *testing.T) {
	checkLeaks(t)
	server, client := passivePair(t, newCreds(t))
	for _, s := range []*Socket{client, server} {
		info, err := s.ConnectionInformation("protocol", "selected_cipher_suite", "sni_hostname", "session_id",
			"master_secret", "client_random", "server_random", "client_traffic_secret", "keylog")
		if err != nil {
			t.Fatal(err)
		}
		if info.Protocol != TLSv1_3 || !info.CipherSuite.Suite().TLS13() || info.SNIHostname != "localhost" {
			t.Errorf("%v: %+v", s.role, info)
		}
		// Middlebox compatibility mode: a 32-byte legacy session ID.
		if len(info.SessionID) != 32 || len(info.ClientRandom) != 32 || len(info.ServerRandom) != 32 {
			t.Errorf("%v: session ID %x, randoms %x %x", s.role, info.SessionID, info.ClientRandom, info.ServerRandom)
		}
		// No master secret in TLS 1.3, no secrets without keep_secrets.
		if info.MasterSecret != nil || info.ClientTrafficSecret != nil || info.Keylog != nil {
			t.Errorf("%v: secrets reported: %+v", s.role, info)
		}
		want := []string{"protocol", "selected_cipher_suite", "sni_hostname", "session_id", "client_random", "server_random"}
		if strings.Join(info.Items, ",") != strings.Join(want, ",") {
			t.Errorf("%v: items %v", s.role, info.Items)
		}
	}
	// The default groups: the hybrid, which is not an elliptic curve
	// for the ecc item.
	info, _ := client.ConnectionInformation()
	if info.ECC != 0 {
		t.Errorf("ecc %v with X25519MLKEM768", info.ECC)
	}
	pair13Data(t, server, client)
}

// pair13Data sends data both ways.
func pair13Data(t *testing.T, server, client *Socket) {
	t.Helper()
	for _, d := range []struct{ from, to *Socket }{{client, server}, {server, client}} {
		msg := numbered(0, 40000)
		errc := make(chan error, 1)
		go func() { errc <- d.from.Send(msg) }()
		got, err := d.to.Recv(len(msg), hangLimit)
		if err != nil {
			t.Fatal(err)
		}
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
		checkNumbered(t, got, len(msg))
	}
}

// recorder is a transport that keeps a copy of what is written.
type recorder struct {
	net.Conn
	mu  sync.Mutex
	out bytes.Buffer
}

func (r *recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	r.out.Write(p)
	r.mu.Unlock()
	return r.Conn.Write(p)
}

func (r *recorder) written() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]byte(nil), r.out.Bytes()...)
}

// TestTLS13KeepSecretsAndKeylog runs a connection with keep_secrets and a
// key log, records what the client writes, and decrypts it with the
// secrets of the key log lines alone: the client's Finished under
// CLIENT_HANDSHAKE_TRAFFIC_SECRET, its data under
// CLIENT_TRAFFIC_SECRET_0, and after UpdateKeys under
// CLIENT_TRAFFIC_SECRET_1, as Wireshark would. Both sides report the
// same secrets in ConnectionInformation.
func TestTLS13KeepSecretsAndKeylog(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	var logBuf syncBuffer
	ls, err := Listen(0, c.serverOpts(IP(mustAddr("127.0.0.1")), Active(false), KeepSecrets(true))...)
	if err != nil {
		t.Fatal(err)
	}
	defer ls.Close()
	srvc := make(chan *Socket, 1)
	go func() {
		s, err := ls.TransportAccept(hangLimit)
		if err == nil && s.SSLAccept(hangLimit) != nil {
			s.Close()
			s = nil
		}
		srvc <- s
	}()
	tc, err := net.Dial("tcp", ls.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{Conn: tc}
	client, err := ConnectConn(rec, c.clientOpts(Active(false), KeepSecrets(true), Keylog(&logBuf)), hangLimit)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	server := <-srvc
	if server == nil {
		t.Fatal("SSLAccept failed")
	}
	defer server.Close()

	items := []string{"client_handshake_traffic_secret", "server_handshake_traffic_secret",
		"client_traffic_secret", "server_traffic_secret", "keylog", "master_secret"}
	ci, _ := client.ConnectionInformation(items...)
	si, _ := server.ConnectionInformation(items...)
	for _, info := range []ConnectionInfo{ci, si} {
		if len(info.ClientHandshakeTrafficSecret) != 32 || len(info.ServerTrafficSecret) != 32 || info.MasterSecret != nil ||
			len(info.Keylog) != 5 || strings.Join(info.Items, ",") != strings.Join(items[:5], ",") {
			t.Fatalf("%+v", info)
		}
	}
	if !bytes.Equal(ci.ClientTrafficSecret, si.ClientTrafficSecret) || !bytes.Equal(ci.ServerHandshakeTrafficSecret, si.ServerHandshakeTrafficSecret) ||
		strings.Join(ci.Keylog, "\n") != strings.Join(si.Keylog, "\n") {
		t.Fatal("the two sides report different secrets")
	}

	first, second := []byte("before the key update\n"), []byte("after the key update\n")
	if err := client.Send(first); err != nil {
		t.Fatal(err)
	}
	if got, err := server.Recv(len(first), hangLimit); err != nil || !bytes.Equal(got, first) {
		t.Fatalf("Recv %q, %v", got, err)
	}
	if err := client.UpdateKeys(KeyUpdateWrite); err != nil {
		t.Fatal(err)
	}
	if err := client.Send(second); err != nil {
		t.Fatal(err)
	}
	if got, err := server.Recv(len(second), hangLimit); err != nil || !bytes.Equal(got, second) {
		t.Fatalf("Recv %q, %v", got, err)
	}
	ci, _ = client.ConnectionInformation("client_traffic_secret", "keylog")
	si, _ = server.ConnectionInformation("client_traffic_secret")
	if ci.ClientKeyUpdates != 1 || si.ClientKeyUpdates != 1 || !bytes.Equal(ci.ClientTrafficSecret, si.ClientTrafficSecret) ||
		!strings.HasPrefix(ci.Keylog[2], "CLIENT_TRAFFIC_SECRET_1 ") {
		t.Fatalf("after the update: client %+v, server %+v", ci, si)
	}

	// Decrypt the client's records with the key log.
	secrets := map[string][]byte{}
	var clientRandom string
	for _, line := range strings.Split(strings.TrimSpace(logBuf.String()), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			t.Fatalf("key log line %q", line)
		}
		clientRandom = f[1]
		secrets[f[0]], _ = hex.DecodeString(f[2])
	}
	if cr, _ := client.ConnectionInformation("client_random"); hex.EncodeToString(cr.ClientRandom) != clientRandom {
		t.Fatalf("key log client random %s", clientRandom)
	}
	suite := ci.CipherSuite.Suite()
	if suite == nil {
		info, _ := client.ConnectionInformation("selected_cipher_suite")
		suite = info.CipherSuite.Suite()
	}
	open := func(label string) *record.Protection {
		key, iv := cipher.TrafficKeys(suite, secrets[label])
		p, err := record.NewProtection(cipher.VersionTLS13, suite, record.Keys{Key: key, IV: iv})
		if err != nil {
			t.Fatalf("%s: %v", label, err)
		}
		return p
	}
	var plain [][]byte
	var types []record.ContentType
	var p *record.Protection
	raw := rec.written()
	for len(raw) >= 5 {
		n := 5 + (int(raw[3])<<8 | int(raw[4]))
		r := append([]byte(nil), raw[:n]...)
		raw = raw[n:]
		switch {
		case r[0] == 22 && p == nil: // the ClientHello
			continue
		case r[0] == 20: // middlebox compatibility
			p = open("CLIENT_HANDSHAKE_TRAFFIC_SECRET")
			continue
		}
		typ, data, err := p.Open(r)
		if err != nil {
			t.Fatalf("record %d does not open: %v", len(plain), err)
		}
		types = append(types, typ)
		plain = append(plain, append([]byte(nil), data...))
		switch {
		case typ == record.TypeHandshake && data[0] == 20: // Finished
			p = open("CLIENT_TRAFFIC_SECRET_0")
		case typ == record.TypeHandshake && data[0] == 24: // KeyUpdate
			p = open("CLIENT_TRAFFIC_SECRET_1")
		}
	}
	if len(plain) != 4 || types[1] != record.TypeApplicationData || !bytes.Equal(plain[1], first) ||
		types[3] != record.TypeApplicationData || !bytes.Equal(plain[3], second) {
		t.Fatalf("decrypted %d records: %q", len(plain), plain)
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestUpdateKeys updates keys both ways in active and passive mode and
// checks the errors of UpdateKeys.
func TestUpdateKeys(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	server, client := pair(t, c, []Option{Active(false), KeepSecrets(true)}, []Option{KeepSecrets(true)})
	// The client is active: its reader handles the server's KeyUpdate.
	if err := server.UpdateKeys(KeyUpdateReadWrite); err != nil {
		t.Fatal(err)
	}
	if err := server.Send([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-client.Messages():
		if d, ok := m.(Data); !ok || string(d.Data) != "ping" {
			t.Fatalf("client got %#v", m)
		}
	case <-time.After(hangLimit):
		t.Fatal("no data")
	}
	// The client answered update_requested with its own KeyUpdate,
	// which the server takes when it reads.
	if err := client.Send([]byte("pong")); err != nil {
		t.Fatal(err)
	}
	if got, err := server.Recv(4, hangLimit); err != nil || string(got) != "pong" {
		t.Fatalf("Recv %q, %v", got, err)
	}
	si, _ := server.ConnectionInformation("client_traffic_secret", "server_traffic_secret")
	ci, _ := client.ConnectionInformation("client_traffic_secret", "server_traffic_secret")
	if si.ServerKeyUpdates != 1 || si.ClientKeyUpdates != 1 || ci.ServerKeyUpdates != 1 || ci.ClientKeyUpdates != 1 ||
		!bytes.Equal(si.ClientTrafficSecret, ci.ClientTrafficSecret) || !bytes.Equal(si.ServerTrafficSecret, ci.ServerTrafficSecret) {
		t.Fatalf("server %+v\nclient %+v", si, ci)
	}
	for i := 0; i < 3; i++ {
		if err := client.UpdateKeys(KeyUpdateWrite); err != nil {
			t.Fatal(err)
		}
	}
	if err := client.Send([]byte("after three")); err != nil {
		t.Fatal(err)
	}
	if got, err := server.Recv(11, hangLimit); err != nil || string(got) != "after three" {
		t.Fatalf("Recv %q, %v", got, err)
	}
	if si, _ := server.ConnectionInformation("client_traffic_secret"); si.ClientKeyUpdates != 4 {
		t.Fatalf("client key updates seen by the server: %d", si.ClientKeyUpdates)
	}

	var re *reasonError
	if err := client.UpdateKeys(KeyUpdateType(7)); !errors.As(err, &re) || re.Term() != "{illegal_parameter,7}" {
		t.Errorf("UpdateKeys(7) = %v", err)
	}
	s12, c12 := passivePair12(t, c)
	if err := c12.UpdateKeys(KeyUpdateWrite); err != ErrNotSupported {
		t.Errorf("UpdateKeys on TLS 1.2 = %v", err)
	}
	_ = s12
	client.Close()
	if err := client.UpdateKeys(KeyUpdateWrite); !errors.Is(err, ErrClosed) {
		t.Errorf("UpdateKeys after Close = %v", err)
	}
	if KeyUpdateReadWrite.String() != "read_write" || KeyUpdateWrite.String() != "write" {
		t.Error("String")
	}
}

func passivePair12(t *testing.T, c *creds) (server, client *Socket) {
	return pair(t, c, []Option{Active(false), Versions(TLSv1_2)}, []Option{Active(false), Versions(TLSv1_2)})
}

// TestExportKeyMaterials checks the exporters of TLS 1.3 and 1.2 between
// our two sides, nil and empty contexts, and the errors.
func TestExportKeyMaterials(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	labels := [][]byte{[]byte("EXPERIMENTAL a"), []byte("EXPERIMENTAL a"), []byte("EXPERIMENTAL b")}
	contexts := [][]byte{nil, {}, []byte("ctx")}
	lengths := []int{16, 16, 100}
	for _, v := range []Protocol{TLSv1_3, TLSv1_2} {
		server, client := pair(t, c, []Option{Active(false), Versions(v)}, []Option{Active(false), Versions(v)})
		ck, err := client.ExportKeyMaterials(labels, contexts, lengths)
		if err != nil {
			t.Fatal(err)
		}
		sk, err := server.ExportKeyMaterials(labels, contexts, lengths)
		if err != nil {
			t.Fatal(err)
		}
		for i := range ck {
			if len(ck[i]) != lengths[i] || !bytes.Equal(ck[i], sk[i]) {
				t.Fatalf("%v: entry %d differs", v, i)
			}
		}
		// RFC 5705 tells no context from an empty one; TLS 1.3 does not.
		if same := bytes.Equal(ck[0], ck[1]); same != (v == TLSv1_3) {
			t.Errorf("%v: no context and empty context equal: %v", v, same)
		}
		if _, err := client.ExportKeyMaterials(labels[:1], contexts, lengths); err == nil || err.(interface{ Term() string }).Term() != "bad_input" {
			t.Errorf("%v: mismatched lists: %v", v, err)
		}
		_, err = client.ExportKeyMaterials([][]byte{[]byte("master secret")}, [][]byte{nil}, []int{8})
		if v == TLSv1_2 && (err == nil || err.(interface{ Term() string }).Term() != "bad_input") {
			t.Errorf("reserved label: %v", err)
		}
		if _, err := client.ExportKeyMaterials([][]byte{[]byte("x")}, [][]byte{nil}, []int{1 << 30}); err == nil {
			t.Errorf("%v: a 1 GiB export succeeded", v)
		}
	}
}

// TestTLS13AgainstGo runs our client against a crypto/tls server: the
// exporters agree, and UpdateKeys with read_write makes Go update too.
func TestTLS13AgainstGo(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{c.server.DER}, PrivateKey: c.server.Key}},
		MinVersion:   tls.VersionTLS13,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ekm := make(chan []byte, 1)
	done := make(chan error, 1)
	go func() {
		conn, err := l.Accept()
		if err != nil {
			done <- err
			return
		}
		defer conn.Close()
		tc := conn.(*tls.Conn)
		if err := tc.Handshake(); err != nil {
			done <- err
			return
		}
		st := tc.ConnectionState()
		k, _ := st.ExportKeyingMaterial("EXPERIMENTAL go", []byte("c"), 20)
		ekm <- k
		r := bufio.NewReader(tc)
		for {
			line, err := r.ReadBytes('\n')
			if err != nil {
				done <- nil
				return
			}
			if _, err := tc.Write(line); err != nil {
				done <- err
				return
			}
		}
	}()
	client, err := Connect("127.0.0.1", l.Addr().(*net.TCPAddr).Port,
		c.clientOpts(Active(false), KeepSecrets(true)), hangLimit)
	if err != nil {
		t.Fatal(err)
	}
	ours, err := client.ExportKeyMaterials([][]byte{[]byte("EXPERIMENTAL go")}, [][]byte{[]byte("c")}, []int{20})
	if err != nil || !bytes.Equal(ours[0], <-ekm) {
		t.Fatalf("exporters differ: %v", err)
	}
	for i := 0; i < 3; i++ {
		if err := client.UpdateKeys(KeyUpdateReadWrite); err != nil {
			t.Fatal(err)
		}
		msg := []byte("line after an update\n")
		if err := client.Send(msg); err != nil {
			t.Fatal(err)
		}
		if got, err := client.Recv(len(msg), hangLimit); err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("Recv %q, %v", got, err)
		}
	}
	info, _ := client.ConnectionInformation("client_traffic_secret", "server_traffic_secret")
	if info.ClientKeyUpdates != 3 || info.ServerKeyUpdates != 3 {
		t.Fatalf("key updates %d and %d, want 3 each", info.ClientKeyUpdates, info.ServerKeyUpdates)
	}
	client.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestKeyUpdateAt sends data with key_update_at small on one side while
// the other asks for updates, both sides sending at once, and checks
// that every byte arrives and both sides count the same updates. Run
// with -race, it checks that key updates from the reader (answering the
// peer) and from the writer (key_update_at, UpdateKeys) are serialized.
func TestKeyUpdateAt(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	server, client := pair(t, c, []Option{Active(false), KeepSecrets(true)},
		[]Option{Active(false), KeepSecrets(true), KeyUpdateAt(4096)})
	const n = 256 << 10
	errc := make(chan error, 4)
	go func() { errc <- client.Send(numbered(0, n)) }()
	go func() {
		for i := 0; i < 5; i++ {
			if err := server.UpdateKeys(KeyUpdateReadWrite); err != nil {
				errc <- err
				return
			}
			if err := server.Send(numbered(0, 1000)); err != nil {
				errc <- err
				return
			}
		}
		errc <- nil
	}()
	go func() {
		got, err := client.Recv(5000, hangLimit)
		if err == nil && !bytes.Equal(got, bytes.Repeat(numbered(0, 1000), 5)) {
			err = errors.New("the server's data arrived damaged")
		}
		errc <- err
	}()
	got, err := server.Recv(n, hangLimit)
	if err != nil {
		t.Fatal(err)
	}
	checkNumbered(t, got, n)
	for i := 0; i < 3; i++ {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	// The client answered the server's requests as it read; a last byte
	// after them makes the server read the answers.
	if err := client.Send([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if got, err := server.Recv(1, hangLimit); err != nil || string(got) != "x" {
		t.Fatalf("Recv %q, %v", got, err)
	}
	ci, _ := client.ConnectionInformation("client_traffic_secret", "server_traffic_secret")
	si, _ := server.ConnectionInformation("client_traffic_secret", "server_traffic_secret")
	// 256 KiB at 4 KiB per key: at least 63 automatic updates, and the
	// answers to the server's five requests.
	if ci.ClientKeyUpdates < 63 || si.ServerKeyUpdates != 5 || ci.ServerKeyUpdates != 5 ||
		si.ClientKeyUpdates != ci.ClientKeyUpdates || !bytes.Equal(si.ClientTrafficSecret, ci.ClientTrafficSecret) {
		t.Fatalf("client %d/%d, server %d/%d", ci.ClientKeyUpdates, ci.ServerKeyUpdates, si.ClientKeyUpdates, si.ServerKeyUpdates)
	}
}
