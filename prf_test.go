package ssl

import (
	"bytes"
	"crypto/tls"
	"errors"
	"net"
	"testing"

	"github.com/otpssl/ssl/cipher"
)

// TestPRFMatchesTheExporter: PRF(MasterSecret, label, [ClientRandom,
// ServerRandom(, length and context)]) is the RFC 5705 exporter, which
// crypto/tls computes on its side of the same connection, in TLS 1.2, 1.1
// and 1.0; in TLS 1.3 the two exporter forms are the TLS 1.3 exporter
// (with the context as the third part) and the others are undefined.
func TestPRFMatchesTheExporter(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	for _, v := range []Protocol{TLSv1_3, TLSv1_2, TLSv1_1, TLSv1} {
		t.Run(v.String(), func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			cfg := c.goTLSConfig(t)
			cfg.MinVersion, cfg.MaxVersion = tls.VersionTLS10, tls.VersionTLS13
			type res struct {
				state tls.ConnectionState
				conn  *tls.Conn
				err   error
			}
			ch := make(chan res, 1)
			go func() {
				raw, err := ln.Accept()
				if err != nil {
					ch <- res{err: err}
					return
				}
				tc := tls.Server(raw, cfg)
				err = tc.Handshake()
				ch <- res{tc.ConnectionState(), tc, err}
			}()
			client, err := Connect("127.0.0.1", ln.Addr().(*net.TCPAddr).Port,
				c.clientOpts(Versions(v), Active(false)), hangLimit)
			if err != nil {
				t.Fatal(err)
			}
			defer client.Close()
			r := <-ch
			if r.err != nil {
				t.Fatal(r.err)
			}
			defer r.conn.Close()

			label := []byte("EXPORTER-otpssl-test")
			got, err := client.PRF(MasterSecret, label, []PRFSeed{ClientRandom, ServerRandom}, 48)
			if err != nil {
				t.Fatal(err)
			}
			want, err := r.state.ExportKeyingMaterial(string(label), nil, 48)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("PRF = %x, exporter = %x (%v)", got, want, err)
			}
			ctx := []byte("context value")
			withContext := []PRFSeed{ClientRandom, ServerRandom, PRFSeedBytes([]byte{0, byte(len(ctx))}), PRFSeedBytes(ctx)}
			if v == TLSv1_3 {
				withContext = []PRFSeed{ClientRandom, ServerRandom, PRFSeedBytes(ctx)}
			}
			got, err = client.PRF(MasterSecret, label, withContext, 100)
			if err != nil {
				t.Fatal(err)
			}
			want, _ = r.state.ExportKeyingMaterial(string(label), ctx, 100)
			if !bytes.Equal(got, want) {
				t.Fatalf("with a context: PRF = %x, exporter = %x", got, want)
			}
			if v == TLSv1_3 {
				for i, seed := range [][]PRFSeed{nil, {ServerRandom, ClientRandom}, {ClientRandom, ServerRandom, ClientRandom},
					{ClientRandom}, {ClientRandom, ServerRandom, PRFSeedBytes(nil), PRFSeedBytes(nil)}} {
					if _, err := client.PRF(MasterSecret, label, seed, 8); !errors.Is(err, ErrPRFUndefined) {
						t.Errorf("TLS 1.3 form %d: %v, want undefined", i, err)
					}
				}
				if _, err := client.PRF(PRFSecretBytes([]byte("s")), label, []PRFSeed{ClientRandom, ServerRandom}, 8); !errors.Is(err, ErrPRFUndefined) {
					t.Errorf("TLS 1.3 with a secret of the caller's: %v", err)
				}
			}
		})
	}
}

// TestPRFForms: every secret and seed form, against the cipher package's
// PRF fed with what ConnectionInformation reports, equal on both sides.
func TestPRFForms(t *testing.T) {
	checkLeaks(t)
	server, client := pair(t, newCreds(t), []Option{Active(false)}, []Option{Active(false), Versions(TLSv1_2)})
	info, err := client.ConnectionInformation("master_secret", "client_random", "server_random", "protocol", "selected_cipher_suite")
	if err != nil {
		t.Fatal(err)
	}
	if info.Protocol != TLSv1_2 || len(info.MasterSecret) != 48 {
		t.Fatalf("info %+v", info)
	}
	suite := cipher.SuiteByID(info.CipherSuite.ID())
	cr, sr := info.ClientRandom, info.ServerRandom
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	tests := []struct {
		secret PRFSecret
		label  string
		seed   []PRFSeed
		n      int
		key    []byte
		raw    []byte
	}{
		{MasterSecret, "key expansion", []PRFSeed{ServerRandom, ClientRandom}, 72, info.MasterSecret, cat(sr, cr)},
		{MasterSecret, "label", []PRFSeed{ClientRandom}, 16, info.MasterSecret, cr},
		{MasterSecret, "", nil, 0, info.MasterSecret, nil},
		{PRFSecretBytes([]byte("user secret")), "user", []PRFSeed{PRFSeedBytes([]byte("seed")), ClientRandom}, 33,
			[]byte("user secret"), cat([]byte("seed"), cr)},
		{PRFSecretBytes(nil), "empty secret", []PRFSeed{PRFSeedBytes(nil), ServerRandom, PRFSeedBytes([]byte{1})}, 5,
			nil, cat(sr, []byte{1})},
	}
	for i, tc := range tests {
		got, err := client.PRF(tc.secret, []byte(tc.label), tc.seed, tc.n)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		want, _ := cipher.PRFBytes(cipher.VersionTLS12, suite, tc.key, tc.label, tc.raw, tc.n)
		if !bytes.Equal(got, want) || len(got) != tc.n {
			t.Errorf("case %d: PRF = %x, want %x", i, got, want)
		}
		other, err := server.PRF(tc.secret, []byte(tc.label), tc.seed, tc.n)
		if err != nil || !bytes.Equal(other, got) {
			t.Errorf("case %d: the server computes %x, %v", i, other, err)
		}
	}
	if _, err := client.PRF(MasterSecret, nil, nil, -1); reasonTerm(err) != "badarg" {
		t.Errorf("PRF of length -1 = %v", err)
	}
	if _, err := client.PRF(MasterSecret, nil, nil, cipher.MaxPRFLen+1); reasonTerm(err) != "badarg" {
		t.Errorf("PRF of length MaxPRFLen+1 = %v", err)
	}
	client.Close()
	if _, err := client.PRF(MasterSecret, nil, nil, 1); !errors.Is(err, ErrClosed) {
		t.Errorf("PRF after Close = %v", err)
	}
}

// TestPRFUndefined: SSL 3.0 and TLS 1.3 have no PRF: Erlang's {error,
// undefined}. Before the handshake there is nothing to derive from.
func TestPRFUndefined(t *testing.T) {
	checkLeaks(t)
	f := useFake(t)
	c := newCreds(t)
	for _, v := range []cipher.Version{cipher.VersionSSL30, cipher.VersionTLS13} {
		f.mu.Lock()
		f.neg = func(_ Role, n *negotiated) {
			n.version = v
			n.masterSecret = make([]byte, 48)
		}
		f.mu.Unlock()
		_, client := pair(t, c, []Option{Active(false)}, []Option{Active(false)})
		_, err := client.PRF(MasterSecret, []byte("x"), []PRFSeed{ClientRandom}, 8)
		if !errors.Is(err, ErrPRFUndefined) || reasonTerm(err) != "undefined" {
			t.Errorf("%v: PRF = %v, want undefined", v, err)
		}
	}

	ls, err := Listen(0, c.serverOpts(IP(mustAddr("127.0.0.1")))...)
	if err != nil {
		t.Fatal(err)
	}
	defer ls.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		if c, err := Connect("127.0.0.1", port(ls), c.clientOpts(), hangLimit); err == nil {
			c.Close()
		}
	}()
	s, err := ls.TransportAccept(hangLimit)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.PRF(MasterSecret, nil, nil, 1); !errors.Is(err, ErrNotConnected) {
		t.Errorf("PRF before the handshake = %v", err)
	}
	s.Close()
	<-done
}
