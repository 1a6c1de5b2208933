package handshake_test

import (
	"context"
	"crypto/tls"
	"net"
	"testing"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/internal/cputime"
	"github.com/otpssl/ssl/internal/testpki"
	"github.com/otpssl/ssl/record"
	"github.com/otpssl/ssl/session"
)

// BenchmarkResume12 sets full and resumed TLS 1.2 handshakes side by
// side over net.Pipe: this library on both sides (mode=full,
// mode=resumed-id with the session caches, mode=resumed-ticket with RFC
// 5077 tickets and no server cache) and crypto/tls on both sides as the
// reference (mode=full, mode=resumed-ticket with a ClientSessionCache;
// crypto/tls has no session IDs). mode=resumed-id-verify is resumed-id
// with a client that has verify_peer, and so validates the session's
// server chain again before offering it, as a crypto/tls client does. Every resumed iteration is checked to
// have resumed. `benchstat -col /mode` sets the modes side by side;
// cpu-ns/op (both sides' CPU time) is the figure to read on a busy
// machine.
func BenchmarkResume12(b *testing.B) {
	p := newHSPKI(b)
	for _, c := range []struct {
		name  string
		suite string
		cert  *testpki.Cert
	}{
		{"ECDHE-ECDSA-P256-X25519", "ECDHE-ECDSA-AES128-GCM-SHA256", p.serverECDSA},
		{"ECDHE-RSA2048-X25519", "ECDHE-RSA-AES128-GCM-SHA256", p.serverRSA},
	} {
		suite := cipher.SuiteByName(c.suite)
		ours := func(mode string) (cli, srv *handshake.Config) {
			cli = p.clientConfig(suite)
			cli.Versions = []cipher.Version{cipher.VersionTLS12}
			cli.Eccs = []handshake.NamedGroup{handshake.X25519, handshake.Secp256r1}
			srv = p.serverConfig(c.cert, suite)
			switch mode {
			case "full":
				srv.IssueSessionID = false
			case "resumed-id", "resumed-id-verify":
				cli.SessionCache, cli.OfferSessions = session.NewMemoryCache(), true
				srv.SessionCache = session.NewMemoryCache()
				// verify_peer: the client validates the session's server
				// chain again before offering it.
				cli.VerifyPeer = mode == "resumed-id-verify"
			case "resumed-ticket":
				cli.SessionCache, cli.OfferSessions, cli.SessionTickets12 = session.NewMemoryCache(), true, true
				srv.TicketKeys, _ = session.NewTicketKeys(0)
			}
			return cli, srv
		}
		for _, mode := range []string{"full", "resumed-id", "resumed-id-verify", "resumed-ticket"} {
			cli, srv := ours(mode)
			b.Run("kx="+c.name+"/pair=ours-ours/mode="+mode, func(b *testing.B) {
				oursResumeOne(b, cli, srv) // the session to resume
				b.ReportAllocs()
				b.ResetTimer()
				cpu := cputime.Start()
				for i := 0; i < b.N; i++ {
					if st := oursResumeOne(b, cli, srv); st.Resumed != (mode != "full") {
						b.Fatalf("mode %s: resumed %v", mode, st.Resumed)
					}
				}
				cpu.Report(b)
			})
		}
		for _, mode := range []string{"full", "resumed-ticket"} {
			goCli := &tls.Config{MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{suite.ID},
				CurvePreferences: []tls.CurveID{tls.X25519, tls.CurveP256}, RootCAs: p.pool(), ServerName: hsServerName,
				SessionTicketsDisabled: mode == "full"}
			if mode != "full" {
				goCli.ClientSessionCache = tls.NewLRUClientSessionCache(4)
			}
			goSrv := &tls.Config{MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{suite.ID},
				CurvePreferences: []tls.CurveID{tls.X25519, tls.CurveP256}, Certificates: []tls.Certificate{tlsCert(c.cert)},
				SessionTicketsDisabled: mode == "full"}
			b.Run("kx="+c.name+"/pair=go-go/mode="+mode, func(b *testing.B) {
				goResumeOne(b, goCli, goSrv)
				b.ReportAllocs()
				b.ResetTimer()
				cpu := cputime.Start()
				for i := 0; i < b.N; i++ {
					if r := goResumeOne(b, goCli, goSrv); r != (mode != "full") {
						b.Fatalf("mode %s: resumed %v", mode, r)
					}
				}
				cpu.Report(b)
			})
		}
	}
}

func oursResumeOne(b *testing.B, cli, srv *handshake.Config) *handshake.State {
	x, y := net.Pipe()
	defer x.Close()
	defer y.Close()
	ctx := context.Background()
	errc := make(chan error, 1)
	go func() {
		_, err := handshake.Server(ctx, record.NewConn(y, record.Config{}), srv)
		if err != nil {
			y.Close()
		}
		errc <- err
	}()
	st, err := handshake.Client(ctx, record.NewConn(x, record.Config{}), cli)
	if err != nil {
		x.Close()
	}
	if serr := <-errc; err != nil || serr != nil {
		b.Fatalf("client %v, server %v", err, serr)
	}
	return st
}

// goResumeOne runs one crypto/tls handshake and reports whether it
// resumed. A TLS 1.2 crypto/tls client keeps the ticket the server sends
// with its Finished, so the handshake is complete when Handshake returns.
func goResumeOne(b *testing.B, cli, srv *tls.Config) bool {
	x, y := net.Pipe()
	defer x.Close()
	defer y.Close()
	errc := make(chan error, 1)
	go func() {
		err := tls.Server(y, srv).Handshake()
		if err != nil {
			y.Close()
		}
		errc <- err
	}()
	c := tls.Client(x, cli)
	err := c.Handshake()
	if err != nil {
		x.Close()
	}
	if serr := <-errc; err != nil || serr != nil {
		b.Fatalf("client %v, server %v", err, serr)
	}
	return c.ConnectionState().DidResume
}
