package handshake_test

import (
	"testing"

	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/internal/leakcheck"
	"github.com/otpssl/ssl/session"
)

// A ticket opens on every server that shares its keys (the application's
// TLS 1.2 keys serve all its listeners, a fleet shares static keys), and
// such servers may trust other certificates. These tests issue a ticket
// on a lax server and take it to a strict one with the same certificate
// and keys: the strict one must not resume a client it would not have
// accepted in a full handshake.

// TestResumeTicketClientCertOtherTrust: the client certificate of a TLS
// 1.2 ticket is validated again by the server resuming it.
func TestResumeTicketClientCertOtherTrust(t *testing.T) {
	leakcheck.Check(t)
	p := newHSPKI(t)
	cli, lax := resumeConfigs(t, p, suitesByName(t, "ECDHE-ECDSA-AES128-GCM-SHA256")...)
	cli.Certificates = []handshake.Credential{cred(p.clientECDSA)}
	cli.SessionTickets12 = true
	keys, err := session.NewStaticTicketKeys([32]byte{9})
	if err != nil {
		t.Fatal(err)
	}
	lax.SessionCache, lax.TicketKeys, lax.VerifyPeer = nil, keys, true
	strict := *lax
	strict.PathOptions.TrustedCerts = [][]byte{p.serverECDSA.DER}
	strict.FailIfNoPeerCert = true
	if c, _ := mustPair(t, cli, lax); c.Session == nil || len(c.Session.Ticket) == 0 {
		t.Fatal("no ticket")
	}
	if c, s := mustPair(t, cli, lax); !c.Resumed || !s.Resumed {
		t.Fatal("the lax server does not resume its own ticket")
	}
	cr, sr := ourPair(t, cli, &strict)
	if sr.err == nil && sr.st.Resumed {
		t.Fatal("the strict server resumed a session whose client certificate it does not trust")
	}
	if sr.err == nil || cr.err == nil {
		t.Fatalf("the full handshake with an untrusted client certificate succeeded: %v, %v", cr.err, sr.err)
	}
}

// TestPSK13ClientCertOtherTrust: the same for TLS 1.3 tickets, with the
// certificate kept (validated again) and without it (a client that sent
// none is not resumed by a server with fail_if_no_peer_cert).
func TestPSK13ClientCertOtherTrust(t *testing.T) {
	leakcheck.Check(t)
	pki := newHSPKI(t)
	for _, withCert := range []bool{true, false} {
		name := map[bool]string{true: "stateless_with_cert", false: "stateless-no-client-cert"}[withCert]
		t.Run(name, func(t *testing.T) {
			cli, lax := only13(t, pki.clientConfig()), only13(t, pki.serverConfig(pki.serverECDSA))
			lax.VerifyPeer = true
			lax.Tickets = statelessTickets(t)
			lax.Tickets.WithCert = withCert
			strict := *lax
			if withCert {
				cli.Certificates = []handshake.Credential{cred(pki.clientECDSA)}
				strict.PathOptions.TrustedCerts = [][]byte{pki.serverECDSA.DER}
			}
			strict.FailIfNoPeerCert = true
			_, tickets := firstTickets(t, cli, lax)
			if len(tickets) < 2 {
				t.Fatalf("%d tickets", len(tickets))
			}
			cli.PSKs = tickets[:1]
			if c, s := pair13(t, cli, lax); !c.Resumed || !s.Resumed {
				t.Fatal("the lax server does not resume its own ticket")
			}
			cli.PSKs = tickets[1:2]
			cli.KeepSecrets, strict.KeepSecrets = true, true
			_, sr := ourPair13(t, cli, &strict)
			if sr.err == nil && sr.st.Resumed {
				t.Fatal("the strict server resumed a session it would not accept in a full handshake")
			}
			if sr.err == nil {
				t.Fatal("the strict server's full handshake succeeded")
			}
		})
	}
}

// TestPSK13ClientCertResumedAgain: a server with fail_if_no_peer_cert
// and stateless tickets without the certificate resumes its tickets, and
// the tickets of a resumed connection, again (the ticket says the client
// authenticated).
func TestPSK13ClientCertResumedAgain(t *testing.T) {
	leakcheck.Check(t)
	pki := newHSPKI(t)
	cli, srv := only13(t, pki.clientConfig()), only13(t, pki.serverConfig(pki.serverECDSA))
	cli.Certificates = []handshake.Credential{cred(pki.clientECDSA)}
	srv.VerifyPeer, srv.FailIfNoPeerCert = true, true
	srv.Tickets = statelessTickets(t)
	_, tickets := firstTickets(t, cli, srv)
	for i := 0; i < 2; i++ {
		cli.PSKs = tickets[:1]
		jar := &ticketJar{}
		cli.OnTicket = jar.add
		c, s := pair13(t, cli, srv)
		if !c.Resumed || !s.Resumed {
			t.Fatalf("resumption %d: client %v, server %v", i+1, c.Resumed, s.Resumed)
		}
		if tickets = jar.all(); len(tickets) == 0 {
			t.Fatal("no tickets after the resumption")
		}
	}
}

// TestResumeClientOtherTrust: a client with verify_peer offers a session
// (TLS 1.2 by session ID, TLS 1.3 by ticket) only when the server's chain
// of the session passes its own validation: a connection that trusts
// other certificates than the one that made the session runs a full
// handshake, which fails against this server.
func TestResumeClientOtherTrust(t *testing.T) {
	leakcheck.Check(t)
	p := newHSPKI(t)
	t.Run("TLS1.2", func(t *testing.T) {
		cli, srv := resumeConfigs(t, p, suitesByName(t, "ECDHE-ECDSA-AES128-GCM-SHA256")...)
		cli.VerifyPeer = true
		if c, _ := mustPair(t, cli, srv); c.Session == nil || !c.Session.PeerVerified {
			t.Fatal("no verified session")
		}
		if c, s := mustPair(t, cli, srv); !c.Resumed || !s.Resumed {
			t.Fatal("the same configuration does not resume")
		}
		other := *cli
		other.PathOptions.TrustedCerts = [][]byte{p.clientECDSA.DER}
		cr, _ := ourPair(t, &other, srv)
		if cr.err == nil {
			t.Fatalf("a client not trusting the server resumed (%v) or completed a handshake", cr.st.Resumed)
		}
	})
	t.Run("TLS1.3", func(t *testing.T) {
		cli, srv := only13(t, p.clientConfig()), only13(t, p.serverConfig(p.serverECDSA))
		cli.VerifyPeer = true
		srv.Tickets = statelessTickets(t)
		_, tickets := firstTickets(t, cli, srv)
		if len(tickets) < 2 || !tickets[0].PeerVerified {
			t.Fatal("no verified tickets")
		}
		cli.PSKs = tickets[:1]
		if c, s := pair13(t, cli, srv); !c.Resumed || !s.Resumed {
			t.Fatal("the same configuration does not resume")
		}
		other := *cli
		other.PathOptions.TrustedCerts = [][]byte{p.clientECDSA.DER}
		other.PSKs = tickets[1:2]
		cr, _ := ourPair13(t, &other, srv)
		if cr.err == nil {
			t.Fatalf("a client not trusting the server resumed (%v) or completed a handshake", cr.st.Resumed)
		}
	})
}

// TestResumeNoClientCertOldFlag: a TLS 1.2 session without a client
// certificate is never resumed by a server with fail_if_no_peer_cert,
// even one marked PeerVerified (as sessions of a verifying server were
// stored before the flag meant a verified client certificate).
func TestResumeNoClientCertOldFlag(t *testing.T) {
	leakcheck.Check(t)
	p := newHSPKI(t)
	cli, srv := resumeConfigs(t, p, suitesByName(t, "ECDHE-ECDSA-AES128-GCM-SHA256")...)
	srv.VerifyPeer = true
	mustPair(t, cli, srv)
	n := 0
	srv.SessionCache.Foldl(func(k session.Key, s *session.Session, _ any) any {
		old := s.Clone()
		old.PeerVerified = true
		srv.SessionCache.Update(k, old)
		n++
		return nil
	}, nil)
	if n != 1 {
		t.Fatalf("%d sessions in the server cache", n)
	}
	strict := *srv
	strict.FailIfNoPeerCert = true
	_, sr := ourPair(t, cli, &strict)
	if sr.err == nil {
		t.Fatalf("a client without a certificate got past fail_if_no_peer_cert (resumed %v)", sr.st.Resumed)
	}
}
