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
)

// BenchmarkHandshake measures full TLS 1.2 handshakes over net.Pipe, both
// sides verifying what they must (the client the server's chain and name),
// for each pairing of our client and server with crypto/tls's: go-go is
// the baseline, ours-client and ours-server replace one side, ours-ours
// both. Session tickets and IDs are off on both sides: every handshake is full.
// The names are key=value pairs (kx=..., pair=...), so that `benchstat
// -col /pair` sets the pairings side by side. Beside the wall time, each
// reports the CPU time the process spent per handshake (cpu-ns/op, both
// sides'), which a machine busy with other work disturbs less.
func BenchmarkHandshake(b *testing.B) {
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
		ourCli := p.clientConfig(suite)
		ourCli.Versions = []cipher.Version{cipher.VersionTLS12}
		// X25519 for the key exchange; P-256 listed too, as the curve
		// of the ECDSA certificate must be (RFC 8422, Section 5.1).
		ourCli.Eccs = []handshake.NamedGroup{handshake.X25519, handshake.Secp256r1}
		ourSrv := p.serverConfig(c.cert, suite)
		ourSrv.IssueSessionID = false
		goCli := &tls.Config{MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{suite.ID},
			CurvePreferences: []tls.CurveID{tls.X25519, tls.CurveP256}, RootCAs: p.pool(), ServerName: hsServerName,
			SessionTicketsDisabled: true}
		goSrv := &tls.Config{MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{suite.ID},
			CurvePreferences: []tls.CurveID{tls.X25519, tls.CurveP256}, Certificates: []tls.Certificate{tlsCert(c.cert)},
			SessionTicketsDisabled: true}
		for _, pair := range []struct {
			name           string
			ourCl, ourServ bool
		}{{"go-go", false, false}, {"ours-client", true, false}, {"ours-server", false, true}, {"ours-ours", true, true}} {
			b.Run("kx="+c.name+"/pair="+pair.name, func(b *testing.B) {
				b.ReportAllocs()
				cpu := cputime.Start()
				for i := 0; i < b.N; i++ {
					benchOne(b, pair.ourCl, pair.ourServ, ourCli, ourSrv, goCli, goSrv)
				}
				cpu.Report(b)
			})
		}
	}
}

func benchOne(b *testing.B, ourCl, ourServ bool, ourCli, ourSrv *handshake.Config, goCli, goSrv *tls.Config) {
	x, y := net.Pipe()
	defer x.Close()
	defer y.Close()
	ctx := context.Background()
	errc := make(chan error, 1)
	go func() {
		var err error
		if ourServ {
			_, err = handshake.Server(ctx, record.NewConn(y, record.Config{}), ourSrv)
		} else {
			err = tls.Server(y, goSrv).Handshake()
		}
		if err != nil {
			y.Close()
		}
		errc <- err
	}()
	var err error
	if ourCl {
		_, err = handshake.Client(ctx, record.NewConn(x, record.Config{}), ourCli)
	} else {
		err = tls.Client(x, goCli).Handshake()
	}
	if err != nil {
		x.Close()
	}
	if serr := <-errc; err != nil || serr != nil {
		b.Fatalf("client %v, server %v", err, serr)
	}
}

// BenchmarkHandshake13 is BenchmarkHandshake for TLS 1.3: full handshakes
// (no PSK) with TLS_AES_128_GCM_SHA256, an ECDSA P-256 or an RSA-2048
// certificate (RSA-PSS signatures) and an X25519 or X25519MLKEM768 key
// share, each side offering only the benchmark's group so that no
// HelloRetryRequest happens. crypto/tls's session tickets are off: over
// net.Pipe its server's NewSessionTicket would wait for a reader.
func BenchmarkHandshake13(b *testing.B) {
	p := newHSPKI(b)
	suite := cipher.SuiteByID(0x1301)
	for _, c := range []struct {
		name  string
		cert  *testpki.Cert
		group handshake.NamedGroup
	}{
		{"ECDSA-P256-X25519", p.serverECDSA, handshake.X25519},
		{"RSA2048-X25519", p.serverRSA, handshake.X25519},
		{"ECDSA-P256-X25519MLKEM768", p.serverECDSA, handshake.X25519MLKEM768},
	} {
		ourCli := p.clientConfig(suite)
		ourCli.Versions = []cipher.Version{cipher.VersionTLS13}
		ourCli.Groups = []handshake.NamedGroup{c.group}
		ourSrv := p.serverConfig(c.cert, suite)
		ourSrv.Versions = []cipher.Version{cipher.VersionTLS13}
		ourSrv.Groups = []handshake.NamedGroup{c.group}
		ourSrv.IssueSessionID = false
		curves := []tls.CurveID{goCurve[c.group]}
		goCli := &tls.Config{MinVersion: tls.VersionTLS13, MaxVersion: tls.VersionTLS13, CurvePreferences: curves,
			RootCAs: p.pool(), ServerName: hsServerName, SessionTicketsDisabled: true}
		goSrv := &tls.Config{MinVersion: tls.VersionTLS13, MaxVersion: tls.VersionTLS13, CurvePreferences: curves,
			Certificates: []tls.Certificate{tlsCert(c.cert)}, SessionTicketsDisabled: true}
		for _, pair := range []struct {
			name           string
			ourCl, ourServ bool
		}{{"go-go", false, false}, {"ours-client", true, false}, {"ours-server", false, true}, {"ours-ours", true, true}} {
			b.Run("kx="+c.name+"/pair="+pair.name, func(b *testing.B) {
				b.ReportAllocs()
				cpu := cputime.Start()
				for i := 0; i < b.N; i++ {
					benchOne(b, pair.ourCl, pair.ourServ, ourCli, ourSrv, goCli, goSrv)
				}
				cpu.Report(b)
			})
		}
	}
}
