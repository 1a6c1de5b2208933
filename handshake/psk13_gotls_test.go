package handshake_test

import (
	"bufio"
	"crypto/tls"
	"testing"
	"time"

	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/internal/leakcheck"
)

// TestPSK13GoClient: crypto/tls as a client with a ClientSessionCache
// resumes the sessions of our server's stateless and stateful tickets,
// with and without a HelloRetryRequest.
func TestPSK13GoClient(t *testing.T) {
	leakcheck.Check(t)
	pki := newHSPKI(t)
	for _, mode := range []string{"stateless", "stateful", "retry"} {
		t.Run(mode, func(t *testing.T) {
			srv := only13(t, pki.serverConfig(pki.serverECDSA))
			srv.Tickets = statelessTickets(t)
			if mode == "stateful" {
				srv.Tickets = &handshake.ServerTickets{Store: handshake.NewTicketStore(0)}
			}
			gc := goClient13(pki)
			gc.ClientSessionCache = tls.NewLRUClientSessionCache(8)
			if mode == "retry" {
				srv.Groups = []handshake.NamedGroup{handshake.Secp384r1}
			}
			r := go13Pair(t, false, srv, gc, false)
			checkGo13(t, r, nil, 0)
			if r.goState.DidResume || r.ours.st.Resumed {
				t.Fatal("first connection resumed")
			}
			for i := 0; i < 2; i++ {
				r = go13Pair(t, false, srv, gc, false)
				checkGo13(t, r, nil, 0)
				if !r.goState.DidResume || !r.ours.st.Resumed {
					t.Fatalf("connection %d: go resumed %v, ours %v", i+2, r.goState.DidResume, r.ours.st.Resumed)
				}
				if mode == "retry" && !r.ours.st.HelloRetry {
					t.Fatal("no retry")
				}
			}
		})
	}
}

// TestPSK13GoServer: our client resumes with the tickets of crypto/tls as
// a server, and reports the server's certificate of the session.
func TestPSK13GoServer(t *testing.T) {
	leakcheck.Check(t)
	pki := newHSPKI(t)
	for _, retry := range []bool{false, true} {
		gs := goServer13(pki, pki.serverECDSA)
		gs.SetSessionTicketKeys([][32]byte{{1, 2, 3}})
		cli := only13(t, pki.clientConfig())
		if retry {
			gs.CurvePreferences = []tls.CurveID{tls.CurveP384}
			cli.Groups = []handshake.NamedGroup{handshake.X25519, handshake.Secp384r1}
		}
		jar := &ticketJar{}
		cli.OnTicket = jar.add
		first, _ := goServerPair(t, cli, gs)
		tickets := jar.all()
		if len(tickets) == 0 {
			t.Fatal("no ticket from crypto/tls")
		}
		cli.OnTicket = nil
		cli.PSKs = tickets[len(tickets)-1:]
		st, gst := goServerPair(t, cli, gs)
		if !gst.DidResume || !st.Resumed {
			t.Fatalf("retry %v: go resumed %v, ours %v", retry, gst.DidResume, st.Resumed)
		}
		if retry != st.HelloRetry {
			t.Fatalf("retry %v", st.HelloRetry)
		}
		if !equalChains(st.PeerCertificates, first.PeerCertificates) {
			t.Fatal("resumed connection's peer certificates differ from the session's")
		}
	}
}

// goServerPair runs our client against crypto/tls as a server that echoes
// one line, and returns both states once the line came back (with the
// tickets sent before it handled).
func goServerPair(t *testing.T, cli *handshake.Config, gs *tls.Config) (*handshake.State, tls.ConnectionState) {
	t.Helper()
	a, b := tcpPair(t)
	defer a.Close()
	defer b.Close()
	gc := tls.Server(b, gs)
	type goRes struct {
		st  tls.ConnectionState
		err error
	}
	done := make(chan goRes, 1)
	go func() {
		b.SetDeadline(time.Now().Add(20 * time.Second))
		line, err := bufio.NewReader(gc).ReadBytes('\n')
		if err == nil {
			_, err = gc.Write(line)
		}
		done <- goRes{gc.ConnectionState(), err}
	}()
	r := runOurs(a, true, cli)
	if r.err != nil {
		b.Close()
		<-done
		t.Fatal(r.err)
	}
	err := exchange13(r.st, r.rc, []byte("line\n"))
	g := <-done
	if err != nil || g.err != nil {
		t.Fatalf("ours %v; go %v", err, g.err)
	}
	return r.st, g.st
}
