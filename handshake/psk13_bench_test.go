package handshake_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"net"
	"testing"
	"time"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/internal/cputime"
	"github.com/otpssl/ssl/record"
	"github.com/otpssl/ssl/session"
)

// BenchmarkResume13 compares full and resumed TLS 1.3 handshakes with
// session tickets on both sides (TLS_AES_128_GCM_SHA256, X25519, ECDSA
// P-256), for each pairing of our client and server with crypto/tls's,
// over loopback TCP (so that the server's NewSessionTicket does not wait
// for a reader). Each server sends one ticket per handshake, as
// crypto/tls does; our server's tickets are stateless. A resumed client
// offers the same session each time (crypto/tls reuses its ticket; our
// client is given it). mode=resumed-psk-ke resumes between our sides in
// psk_ke, without the X25519 exchange. cpu-ns/op, the process's CPU time
// per handshake (both sides), is less disturbed than ns/op by other work
// on the machine.
func BenchmarkResume13(b *testing.B) {
	p := newHSPKI(b)
	suite := cipher.SuiteByID(0x1301)
	keys, err := session.NewTicketKeys(0)
	if err != nil {
		b.Fatal(err)
	}
	ourCli := p.clientConfig(suite)
	ourCli.Versions = []cipher.Version{cipher.VersionTLS13}
	ourCli.Groups = []handshake.NamedGroup{handshake.X25519}
	ourSrv := p.serverConfig(p.serverECDSA, suite)
	ourSrv.Versions = []cipher.Version{cipher.VersionTLS13}
	ourSrv.Groups = []handshake.NamedGroup{handshake.X25519}
	ourSrv.IssueSessionID = false
	ourSrv.Tickets = &handshake.ServerTickets{Keys: keys, Amount: 1}
	curves := []tls.CurveID{tls.X25519}
	goSrv := &tls.Config{MinVersion: tls.VersionTLS13, CurvePreferences: curves,
		Certificates: []tls.Certificate{tlsCert(p.serverECDSA)}}
	goSrv.SetSessionTicketKeys([][32]byte{{5}})
	newGoCli := func() *tls.Config {
		return &tls.Config{MinVersion: tls.VersionTLS13, CurvePreferences: curves, RootCAs: p.pool(),
			ServerName: hsServerName, ClientSessionCache: tls.NewLRUClientSessionCache(4)}
	}
	for _, pair := range []struct {
		name           string
		ourCl, ourServ bool
	}{{"go-go", false, false}, {"ours-client", true, false}, {"ours-server", false, true}, {"ours-ours", true, true}} {
		for _, mode := range []string{"full", "resumed", "resumed-psk-ke"} {
			if mode == "resumed-psk-ke" && pair.name != "ours-ours" {
				continue
			}
			resumed := mode != "full"
			b.Run("mode="+mode+"/pair="+pair.name, func(b *testing.B) {
				l, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					b.Fatal(err)
				}
				defer l.Close()
				cli, srv := *ourCli, *ourSrv
				if mode == "resumed-psk-ke" {
					cli.PSKModes = []uint8{handshake.PSKModeKE}
					srv.PSKModes = cli.PSKModes
				}
				goCli := newGoCli()
				if resumed {
					// Prime the client with a session: one handshake, and
					// a read that takes the ticket in.
					jar := &ticketJar{}
					cli.OnTicket = jar.add
					benchConn(b, l, pair.ourCl, pair.ourServ, &cli, &srv, goCli, goSrv, true, false)
					cli.OnTicket = nil
					if pair.ourCl {
						if len(jar.all()) == 0 {
							b.Fatal("no ticket")
						}
						cli.PSKs = jar.all()[:1]
					}
				}
				b.ReportAllocs()
				b.ResetTimer()
				cpu := cputime.Start()
				for i := 0; i < b.N; i++ {
					benchConn(b, l, pair.ourCl, pair.ourServ, &cli, &srv, goCli, goSrv, false, resumed)
				}
				cpu.Report(b)
			})
		}
	}
}

// benchConn runs one handshake over a loopback connection to l; with
// prime, the server then sends a line that the client reads, taking the
// tickets in. It fails unless the handshake resumed as wanted.
func benchConn(b *testing.B, l net.Listener, ourCl, ourServ bool, ourCli, ourSrv *handshake.Config,
	goCli, goSrv *tls.Config, prime, wantResumed bool) {
	accepted := make(chan error, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			accepted <- err
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(20 * time.Second))
		if ourServ {
			rc := record.NewConn(c, record.Config{})
			st, err := handshake.Server(context.Background(), rc, ourSrv)
			if err == nil && prime {
				_, err = st.WriteApplicationData(rc, []byte("x\n"))
			}
			accepted <- err
			return
		}
		gc := tls.Server(c, goSrv)
		err = gc.Handshake()
		if err == nil && prime {
			_, err = gc.Write([]byte("x\n"))
		}
		accepted <- err
	}()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	resumed := false
	if ourCl {
		rc := record.NewConn(c, record.Config{})
		st, err := handshake.Client(context.Background(), rc, ourCli)
		if err == nil {
			resumed = st.Resumed
			if prime {
				_, err = readUntil13(st, rc, "x\n")
			}
		}
		if err != nil {
			b.Fatal(err)
		}
	} else {
		gc := tls.Client(c, goCli)
		if err := gc.Handshake(); err != nil {
			b.Fatal(err)
		}
		resumed = gc.ConnectionState().DidResume
		if prime {
			if _, err := bufio.NewReader(gc).ReadString('\n'); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := <-accepted; err != nil {
		b.Fatal(err)
	}
	if resumed != wantResumed {
		b.Fatalf("resumed %v, want %v", resumed, wantResumed)
	}
}
