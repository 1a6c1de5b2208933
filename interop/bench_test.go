package interop_test

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"testing"

	ssl "github.com/otpssl/ssl"
	"github.com/otpssl/ssl/internal/cputime"
	"github.com/otpssl/ssl/internal/testpki"
)

// Benchmarks over loopback TCP, this library (impl=otpssl) against
// crypto/tls (impl=crypto-tls) in one run; the sub-benchmark names are
// key=value pairs, so that `benchstat -col /impl` sets the two side by
// side. They run only with -bench.
//
// BenchmarkHandshake: full TLS 1.2 handshakes, each on a new connection,
// with X25519 key exchange and an ECDSA P-256 or an RSA-2048 certificate.
// side=server varies the server's implementation against a crypto/tls
// client; side=client varies the client's against a crypto/tls server. Both
// ends run in the benchmark's process, so a result holds the fixed peer's
// work too: the difference between the two implementations is the varying
// side's.
//
// BenchmarkBulk: one direction, 16 KiB per write, after a TLS 1.2
// handshake with AES-128-GCM or ChaCha20-Poly1305; MB/s is the throughput.
//
// BenchmarkHandshake13 and BenchmarkBulk13 are the same on TLS 1.3: full
// handshakes (no PSK, no session tickets on either side) with
// TLS_AES_128_GCM_SHA256 and an X25519 key share with an ECDSA P-256 or an
// RSA-2048 certificate (RSA-PSS signatures), or the hybrid X25519MLKEM768
// with the ECDSA certificate, each side offering only the benchmark's
// group, so that no HelloRetryRequest happens; bulk transfer with
// TLS_AES_128_GCM_SHA256 or TLS_CHACHA20_POLY1305_SHA256 over X25519.
// crypto/tls does not let TLS 1.3 suites be chosen: its ChaCha20-Poly1305
// run is skipped where it negotiates AES-GCM (CPUs with AES
// instructions), and its TLS 1.2 ChaCha20-Poly1305 in BenchmarkBulk is
// then the nearest comparison (the same AEAD and record sizes).
//
// Every benchmark reports, beside the wall time, the CPU time the process
// spent per operation (cpu-ns/op, both ends' and the garbage
// collector's), which a machine busy with other work disturbs less.

// benchKX is one handshake benchmark: the server certificate, the suite
// (OpenSSL name) and the one key exchange group.
type benchKX struct {
	name  string
	cert  func(p *pki) *testpki.Cert
	suite string
	group ssl.NamedCurve
}

// benchProto is what the benchmarks of one protocol version run.
type benchProto struct {
	v       ssl.Protocol
	kxs     []benchKX
	ciphers []struct{ name, suite string } // the bulk transfer suites
}

var benchTLS12 = benchProto{
	v: ssl.TLSv1_2,
	kxs: []benchKX{
		{"ecdhe-ecdsa-p256-x25519", func(p *pki) *testpki.Cert { return p.serverECDSA }, "ECDHE-ECDSA-AES128-GCM-SHA256", ssl.X25519},
		{"ecdhe-rsa2048-x25519", func(p *pki) *testpki.Cert { return p.serverRSA }, "ECDHE-RSA-AES128-GCM-SHA256", ssl.X25519},
	},
	ciphers: []struct{ name, suite string }{
		{"aes-128-gcm", "ECDHE-ECDSA-AES128-GCM-SHA256"},
		{"chacha20-poly1305", "ECDHE-ECDSA-CHACHA20-POLY1305"},
	},
}

var benchTLS13 = benchProto{
	v: ssl.TLSv1_3,
	kxs: []benchKX{
		{"ecdsa-p256-x25519", func(p *pki) *testpki.Cert { return p.serverECDSA }, "TLS_AES_128_GCM_SHA256", ssl.X25519},
		{"rsa2048-x25519", func(p *pki) *testpki.Cert { return p.serverRSA }, "TLS_AES_128_GCM_SHA256", ssl.X25519},
		{"ecdsa-p256-x25519mlkem768", func(p *pki) *testpki.Cert { return p.serverECDSA }, "TLS_AES_128_GCM_SHA256", ssl.X25519MLKEM768},
	},
	ciphers: []struct{ name, suite string }{
		{"aes-128-gcm", "TLS_AES_128_GCM_SHA256"},
		{"chacha20-poly1305", "TLS_CHACHA20_POLY1305_SHA256"},
	},
}

// goCurves maps our groups to crypto/tls's.
var goCurves = map[ssl.NamedCurve]tls.CurveID{
	ssl.X25519: tls.X25519, ssl.Secp256r1: tls.CurveP256, ssl.Secp384r1: tls.CurveP384,
	ssl.Secp521r1: tls.CurveP521, ssl.X25519MLKEM768: tls.X25519MLKEM768,
}

// goServer and goClient are crypto/tls's side: the version, the suite
// (TLS 1.2 only: crypto/tls does not let TLS 1.3 suites be chosen), the
// group, no resumption. The TLS 1.2 clients list P-256 after X25519: in TLS
// 1.2 the groups a client lists also bound the curve of an ECDSA server
// certificate (RFC 8422, Section 5.1), which our server enforces.
func (pr benchProto) goServer(p *pki, cert *testpki.Cert, kx benchKX) *tls.Config {
	cfg := &tls.Config{Certificates: []tls.Certificate{goCert(cert)}, MinVersion: uint16(pr.v), MaxVersion: uint16(pr.v),
		CurvePreferences: []tls.CurveID{goCurves[kx.group]}, SessionTicketsDisabled: true}
	if pr.v < ssl.TLSv1_3 {
		cfg.CipherSuites = []uint16{suiteID(kx.suite)}
	}
	return cfg
}

func (pr benchProto) goClient(p *pki, kx benchKX) *tls.Config {
	cfg := &tls.Config{RootCAs: p.goRoots(), ServerName: serverName, MinVersion: uint16(pr.v), MaxVersion: uint16(pr.v),
		CurvePreferences: []tls.CurveID{goCurves[kx.group]}, SessionTicketsDisabled: true}
	if pr.v < ssl.TLSv1_3 {
		cfg.CipherSuites = []uint16{suiteID(kx.suite)}
		cfg.CurvePreferences = append(cfg.CurvePreferences, tls.CurveP256)
	}
	return cfg
}

// ourOpts are our side's options, with the same settings (TLS 1.2 groups
// are eccs, TLS 1.3 ones supported_groups; the TLS 1.2 client lists P-256
// too, as crypto/tls's does).
func (pr benchProto) ourOpts(b *testing.B, kx benchKX, client bool) []ssl.Option {
	opts := []ssl.Option{ssl.Versions(pr.v), ssl.Ciphers(suiteOf(b, kx.suite))}
	switch {
	case pr.v == ssl.TLSv1_3:
		// session_tickets is off by default (and reuse_sessions is
		// for TLS 1.2 and before).
		return append(opts, ssl.SupportedGroups(kx.group))
	case client:
		opts = append(opts, ssl.EccsOption(kx.group, ssl.Secp256r1))
	default:
		opts = append(opts, ssl.EccsOption(kx.group))
	}
	return append(opts, ssl.ReuseSessions(false))
}

// goCheck checks that crypto/tls negotiated what the benchmark says. In
// TLS 1.3 its suite is crypto/tls's choice, not the benchmark's.
func (pr benchProto) goCheck(cs tls.ConnectionState, kx benchKX) error {
	if cs.Version != uint16(pr.v) || cs.CipherSuite != suiteID(kx.suite) {
		return fmt.Errorf("crypto/tls negotiated %s %s, not %s", tls.VersionName(cs.Version), tls.CipherSuiteName(cs.CipherSuite), kx.suite)
	}
	return nil
}

// check checks that our side negotiated what the benchmark says. The
// hybrid group is no elliptic curve for the ecc item; that it was used
// follows from its being the only group either side offers.
func (pr benchProto) check(s *ssl.Socket, kx benchKX) error {
	info, err := s.ConnectionInformation("protocol", "selected_cipher_suite", "ecc")
	want := kx.group
	if want == ssl.X25519MLKEM768 {
		want = 0
	}
	if err != nil || info.Protocol != pr.v || info.CipherSuite.OpenSSLName() != kx.suite || info.ECC != want {
		return fmt.Errorf("negotiated %v %v %v (%v)", info.Protocol, info.CipherSuite.OpenSSLName(), info.ECC, err)
	}
	return nil
}

func BenchmarkHandshake(b *testing.B)   { benchHandshakes(b, benchTLS12) }
func BenchmarkHandshake13(b *testing.B) { benchHandshakes(b, benchTLS13) }

func benchHandshakes(b *testing.B, pr benchProto) {
	p := newPKI(b)
	for _, side := range []string{"server", "client"} {
		for _, kx := range pr.kxs {
			for _, impl := range []string{"otpssl", "crypto-tls"} {
				b.Run(fmt.Sprintf("side=%s/kx=%s/impl=%s", side, kx.name, impl), func(b *testing.B) {
					cert := kx.cert(p)
					// serve runs the server side until the listener
					// closes; errs gets its first failure.
					errs := make(chan error, 1)
					var port int
					if side == "client" || impl == "crypto-tls" {
						ln, err := tls.Listen("tcp", "127.0.0.1:0", pr.goServer(p, cert, kx))
						if err != nil {
							b.Fatal(err)
						}
						defer ln.Close()
						port = ln.Addr().(*net.TCPAddr).Port
						go func() {
							for {
								c, err := ln.Accept()
								if err != nil {
									return
								}
								if err := c.(*tls.Conn).Handshake(); err != nil {
									select {
									case errs <- err:
									default:
									}
								}
								c.Close()
							}
						}()
					} else {
						var ls *ssl.ListenSocket
						ls, port = listen(b, append(ourCert(cert), pr.ourOpts(b, kx, false)...)...)
						go func() {
							for first := true; ; first = false {
								s, err := ls.TransportAccept(ssl.Infinity)
								if err != nil {
									return
								}
								err = s.SSLAccept(ssl.Infinity)
								if err == nil && first {
									err = pr.check(s, kx)
								}
								if err != nil {
									select {
									case errs <- err:
									default:
									}
								}
								s.Close()
							}
						}()
					}
					addr := fmt.Sprintf("127.0.0.1:%d", port)
					var dial func() error
					if side == "client" && impl == "otpssl" {
						opts := p.clientOpts(pr.ourOpts(b, kx, true)...)
						s, err := connect(port, opts)
						if err != nil {
							b.Fatal(err)
						}
						if err := pr.check(s, kx); err != nil {
							b.Fatal(err)
						}
						s.Close()
						dial = func() error {
							s, err := connect(port, opts)
							if err == nil {
								s.Close()
							}
							return err
						}
					} else {
						cfg := pr.goClient(p, kx)
						c, err := tls.Dial("tcp", addr, cfg)
						if err != nil {
							b.Fatal(err)
						}
						err = pr.goCheck(c.ConnectionState(), kx)
						c.Close()
						if err != nil {
							b.Fatal(err)
						}
						dial = func() error {
							c, err := tls.Dial("tcp", addr, cfg)
							if err == nil {
								c.Close()
							}
							return err
						}
					}
					b.ReportAllocs()
					b.ResetTimer()
					cpu := cputime.Start()
					for i := 0; i < b.N; i++ {
						if err := dial(); err != nil {
							b.Fatal(err)
						}
					}
					b.StopTimer()
					cpu.Report(b)
					select {
					case err := <-errs:
						b.Fatalf("server: %v", err)
					default:
					}
				})
			}
		}
	}
}

func BenchmarkBulk(b *testing.B)   { benchBulk(b, benchTLS12) }
func BenchmarkBulk13(b *testing.B) { benchBulk(b, benchTLS13) }

func benchBulk(b *testing.B, pr benchProto) {
	p := newPKI(b)
	for _, c := range pr.ciphers {
		kx := benchKX{c.name, func(p *pki) *testpki.Cert { return p.serverECDSA }, c.suite, ssl.X25519}
		for _, impl := range []string{"otpssl", "crypto-tls"} {
			b.Run(fmt.Sprintf("cipher=%s/impl=%s", c.name, impl), func(b *testing.B) {
				var client, server net.Conn
				if impl == "otpssl" {
					ls, port := listen(b, append(ourCert(p.serverECDSA), pr.ourOpts(b, kx, false)...)...)
					ch := acceptOne(b, ls)
					s, err := connect(port, p.clientOpts(pr.ourOpts(b, kx, true)...))
					if err != nil {
						b.Fatal(err)
					}
					defer s.Close()
					if err := pr.check(s, kx); err != nil {
						b.Fatal(err)
					}
					srv, err := waitAccepted(b, ch)
					if err != nil {
						b.Fatal(err)
					}
					client, server = s, srv
				} else {
					ln, err := tls.Listen("tcp", "127.0.0.1:0", pr.goServer(p, p.serverECDSA, kx))
					if err != nil {
						b.Fatal(err)
					}
					defer ln.Close()
					ch := make(chan net.Conn, 1)
					go func() {
						c, err := ln.Accept()
						if err == nil && c.(*tls.Conn).Handshake() != nil {
							c.Close()
							c = nil
						}
						ch <- c
					}()
					tc, err := tls.Dial("tcp", ln.Addr().String(), pr.goClient(p, kx))
					if err != nil {
						b.Fatal(err)
					}
					defer tc.Close()
					if err := pr.goCheck(tc.ConnectionState(), kx); err != nil {
						if pr.v == ssl.TLSv1_3 {
							b.Skipf("%v: crypto/tls offers no choice of TLS 1.3 suites (it puts AES-GCM first where the CPU has AES instructions); BenchmarkBulk has its ChaCha20-Poly1305 on TLS 1.2", err)
						}
						b.Fatal(err)
					}
					if server = <-ch; server == nil {
						b.Fatal("crypto/tls accept failed")
					}
					defer server.Close()
					client = tc
				}
				benchStream(b, client, server)
			})
		}
	}
}

// benchStream writes b.N chunks of 16 KiB to w and reads them from r.
func benchStream(b *testing.B, w io.Writer, r io.Reader) {
	const size = 16 << 10
	msg := make([]byte, size)
	done := make(chan error, 1)
	total := int64(b.N) * size
	go func() {
		buf := make([]byte, 64<<10)
		for got := int64(0); got < total; {
			n, err := r.Read(buf)
			got += int64(n)
			if err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cputime.Start()
	for i := 0; i < b.N; i++ {
		if _, err := w.Write(msg); err != nil {
			b.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	cpu.Report(b)
}
