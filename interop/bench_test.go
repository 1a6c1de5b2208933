package interop_test

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"testing"

	ssl "github.com/otpssl/ssl"
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

type benchKX struct {
	name  string
	cert  func(p *pki) *testpki.Cert
	suite string
}

var benchKXs = []benchKX{
	{"ecdhe-ecdsa-p256-x25519", func(p *pki) *testpki.Cert { return p.serverECDSA }, "ECDHE-ECDSA-AES128-GCM-SHA256"},
	{"ecdhe-rsa2048-x25519", func(p *pki) *testpki.Cert { return p.serverRSA }, "ECDHE-RSA-AES128-GCM-SHA256"},
}

// benchGoServer and benchGoClient are crypto/tls's side: TLS 1.2, the one
// suite, X25519, no resumption. The clients list P-256 after X25519: in TLS
// 1.2 the groups a client lists also bound the curve of an ECDSA server
// certificate (RFC 8422, Section 5.1), which our server enforces.
func benchGoServer(p *pki, cert *testpki.Cert, suite string) *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{goCert(cert)}, MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12,
		CipherSuites: []uint16{suiteID(suite)}, CurvePreferences: []tls.CurveID{tls.X25519}, SessionTicketsDisabled: true}
}

func benchGoClient(p *pki, suite string) *tls.Config {
	return &tls.Config{RootCAs: p.goRoots(), ServerName: serverName, MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12,
		CipherSuites: []uint16{suiteID(suite)}, CurvePreferences: []tls.CurveID{tls.X25519, tls.CurveP256}}
}

// benchOurServer and benchOurClient are our side, with the same settings.
func benchOurServer(b *testing.B, cert *testpki.Cert, suite string) (*ssl.ListenSocket, int) {
	return listen(b, append(ourCert(cert), ssl.Versions(ssl.TLSv1_2), ssl.Ciphers(suiteOf(b, suite)),
		ssl.EccsOption(ssl.X25519), ssl.ReuseSessions(false))...)
}

func benchOurClient(b *testing.B, p *pki, suite string) []ssl.Option {
	return p.clientOpts(ssl.Versions(ssl.TLSv1_2), ssl.Ciphers(suiteOf(b, suite)), ssl.EccsOption(ssl.X25519, ssl.Secp256r1), ssl.ReuseSessions(false))
}

// checkOurs checks that our side negotiated what the benchmark says.
func checkOurs(s *ssl.Socket, suite string) error {
	info, err := s.ConnectionInformation("protocol", "selected_cipher_suite", "ecc")
	if err != nil || info.Protocol != ssl.TLSv1_2 || info.CipherSuite.OpenSSLName() != suite || info.ECC != ssl.X25519 {
		return fmt.Errorf("negotiated %v %v %v (%v)", info.Protocol, info.CipherSuite.OpenSSLName(), info.ECC, err)
	}
	return nil
}

func BenchmarkHandshake(b *testing.B) {
	p := newPKI(b)
	for _, side := range []string{"server", "client"} {
		for _, kx := range benchKXs {
			for _, impl := range []string{"otpssl", "crypto-tls"} {
				b.Run(fmt.Sprintf("side=%s/kx=%s/impl=%s", side, kx.name, impl), func(b *testing.B) {
					cert := kx.cert(p)
					// serve runs the server side until the listener
					// closes; errs gets its first failure.
					errs := make(chan error, 1)
					var port int
					if side == "client" || impl == "crypto-tls" {
						ln, err := tls.Listen("tcp", "127.0.0.1:0", benchGoServer(p, cert, kx.suite))
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
						ls, port = benchOurServer(b, cert, kx.suite)
						go func() {
							for first := true; ; first = false {
								s, err := ls.TransportAccept(ssl.Infinity)
								if err != nil {
									return
								}
								err = s.SSLAccept(ssl.Infinity)
								if err == nil && first {
									err = checkOurs(s, kx.suite)
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
						opts := benchOurClient(b, p, kx.suite)
						s, err := connect(port, opts)
						if err != nil {
							b.Fatal(err)
						}
						if err := checkOurs(s, kx.suite); err != nil {
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
						cfg := benchGoClient(p, kx.suite)
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
					for i := 0; i < b.N; i++ {
						if err := dial(); err != nil {
							b.Fatal(err)
						}
					}
					b.StopTimer()
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

var benchCiphers = []struct{ name, suite string }{
	{"aes-128-gcm", "ECDHE-ECDSA-AES128-GCM-SHA256"},
	{"chacha20-poly1305", "ECDHE-ECDSA-CHACHA20-POLY1305"},
}

func BenchmarkBulk(b *testing.B) {
	p := newPKI(b)
	for _, c := range benchCiphers {
		for _, impl := range []string{"otpssl", "crypto-tls"} {
			b.Run(fmt.Sprintf("cipher=%s/impl=%s", c.name, impl), func(b *testing.B) {
				var client, server net.Conn
				if impl == "otpssl" {
					ls, port := benchOurServer(b, p.serverECDSA, c.suite)
					ch := acceptOne(b, ls)
					s, err := connect(port, benchOurClient(b, p, c.suite))
					if err != nil {
						b.Fatal(err)
					}
					defer s.Close()
					if err := checkOurs(s, c.suite); err != nil {
						b.Fatal(err)
					}
					srv, err := waitAccepted(b, ch)
					if err != nil {
						b.Fatal(err)
					}
					client, server = s, srv
				} else {
					ln, err := tls.Listen("tcp", "127.0.0.1:0", benchGoServer(p, p.serverECDSA, c.suite))
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
					tc, err := tls.Dial("tcp", ln.Addr().String(), benchGoClient(p, c.suite))
					if err != nil {
						b.Fatal(err)
					}
					defer tc.Close()
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
	for i := 0; i < b.N; i++ {
		if _, err := w.Write(msg); err != nil {
			b.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}
