package handshake_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/internal/leakcheck"
	"github.com/otpssl/ssl/record"
	"github.com/otpssl/ssl/session"
)

// Scripted peers against the abbreviated handshake: the script resumes
// (or pretends to) a session both sides hold, and goes wrong at one
// point.

// scriptSession is a TLS 1.2 session of the script's suite with the RSA
// server certificate.
func scriptSession(t *testing.T, pki *hsPKI) *session.Session {
	t.Helper()
	s := &session.Session{
		ID: make([]byte, 32), Version: cipher.VersionTLS12, CipherSuite: cipher.SuiteByName("AES128-GCM-SHA256").ID,
		MasterSecret: make([]byte, 48), ExtendedMasterSecret: true, ServerName: hsServerName,
		PeerCertificates: [][]byte{pki.serverRSA.DER}, PeerVerified: true, Created: time.Now(),
	}
	rand.Read(s.ID)
	rand.Read(s.MasterSecret)
	return s
}

// TestResumeScriptServer: our client resuming against a scripted server.
func TestResumeScriptServer(t *testing.T) {
	leakcheck.Check(t)
	pki := newHSPKI(t)
	suite := cipher.SuiteByName("AES128-GCM-SHA256")
	start := func(t *testing.T) (*scriptPeer, *session.Session) {
		sess := scriptSession(t, pki)
		cfg := pki.clientConfig(suite, cipher.SuiteByName("AES256-GCM-SHA384"))
		cfg.ResumeSession = sess
		p := startScript(t, true, cfg)
		ch := p.readClientHello()
		if !bytes.Equal(ch.SessionID, sess.ID) {
			t.Fatalf("the client offered %x, not the session", ch.SessionID)
		}
		p.master = sess.MasterSecret
		return p, sess
	}
	echo := func(sess *session.Session, mut func(*handshake.ServerHello)) func(*handshake.ServerHello) {
		return func(sh *handshake.ServerHello) {
			sh.SessionID, sh.ExtendedMasterSecret = sess.ID, true
			if mut != nil {
				mut(sh)
			}
		}
	}

	t.Run("resumed", func(t *testing.T) {
		p, sess := start(t)
		p.writeHS(p.serverHello(echo(sess, nil)))
		p.setKeys()
		p.sendCCS()
		p.send(p.finishedMsg())
		p.readCCS()
		fin := p.expect(handshake.TypeFinished)
		r := p.result()
		if r.err != nil || !r.st.Resumed || !bytes.Equal(r.st.PeerCertificates[0], pki.serverRSA.DER) {
			t.Fatalf("%v, resumed %v", r.err, r.st != nil && r.st.Resumed)
		}
		_ = fin
	})
	t.Run("certificate after a resuming ServerHello", func(t *testing.T) {
		p, sess := start(t)
		p.send(p.serverHello(echo(sess, nil)), marshal(t, handshake.NewCertificate(p.v, [][]byte{pki.serverRSA.DER})))
		p.expectFailure("abbreviated", record.UnexpectedMessage)
	})
	t.Run("wrong Finished", func(t *testing.T) {
		p, sess := start(t)
		p.writeHS(p.serverHello(echo(sess, nil)))
		p.setKeys()
		p.sendCCS()
		p.send(marshal(t, &handshake.Finished{VerifyData: make([]byte, 12)}))
		p.expectFailure("abbreviated", record.DecryptError)
	})
	t.Run("other suite", func(t *testing.T) {
		p, sess := start(t)
		p.suite = cipher.SuiteByName("AES256-GCM-SHA384")
		p.send(p.serverHello(echo(sess, nil)))
		p.expectFailure("hello", record.IllegalParameter)
	})
	t.Run("extended master secret dropped", func(t *testing.T) {
		p, sess := start(t)
		p.send(p.serverHello(echo(sess, func(sh *handshake.ServerHello) { sh.ExtendedMasterSecret = false })))
		p.expectFailure("hello", record.HandshakeFailure)
	})
	t.Run("ticket not asked for", func(t *testing.T) {
		p, sess := start(t)
		p.send(p.serverHello(echo(sess, func(sh *handshake.ServerHello) { sh.TicketSupported = true })))
		p.expectFailure("hello", record.UnsupportedExtension)
	})
}

// TestResumeScriptClient: our server resuming for a scripted client.
func TestResumeScriptClient(t *testing.T) {
	leakcheck.Check(t)
	pki := newHSPKI(t)
	suite := cipher.SuiteByName("AES128-GCM-SHA256")
	start := func(t *testing.T) (*scriptPeer, *session.Session, *handshake.Config) {
		sess := scriptSession(t, pki)
		sess.PeerCertificates, sess.PeerVerified = nil, false
		cfg := pki.serverConfig(pki.serverRSA, suite)
		cfg.SessionCache = session.NewMemoryCache()
		cfg.SessionPeer = session.PartialKey{Port: 1}
		sess.LocalCertHash = certHashOf(pki.serverRSA.DER)
		cfg.SessionCache.Update(session.MakeKey(cfg.SessionPeer, sess.ID), sess)
		p := startScript(t, false, cfg)
		p.master = sess.MasterSecret
		p.send(p.clientHello(func(ch *handshake.ClientHello) {
			ch.SessionID, ch.ExtendedMasterSecret, ch.ServerName = sess.ID, true, hsServerName
		}))
		sh, err := handshake.UnmarshalServerHello(p.expect(handshake.TypeServerHello))
		if err != nil || !bytes.Equal(sh.SessionID, sess.ID) {
			t.Fatalf("the server did not resume: %v", err)
		}
		p.sr = sh.Random
		p.fail(p.rc.SetVersion(sh.Version))
		p.setKeys()
		p.readCCS()
		p.expect(handshake.TypeFinished)
		return p, sess, cfg
	}
	t.Run("resumed", func(t *testing.T) {
		p, _, _ := start(t)
		p.sendCCS()
		p.send(p.finishedMsg())
		if r := p.result(); r.err != nil || !r.st.Resumed {
			t.Fatalf("%v", r.err)
		}
	})
	t.Run("wrong Finished deletes the session", func(t *testing.T) {
		p, sess, cfg := start(t)
		p.sendCCS()
		p.send(marshal(t, &handshake.Finished{VerifyData: make([]byte, 12)}))
		p.expectFailure("abbreviated", record.DecryptError)
		if cfg.SessionCache.Lookup(session.MakeKey(cfg.SessionPeer, sess.ID)) != nil {
			t.Fatal("the session survived a failed resumption")
		}
	})
	t.Run("ClientKeyExchange in place of ChangeCipherSpec", func(t *testing.T) {
		p, _, _ := start(t)
		p.send(marshal(t, &handshake.ClientKeyExchange{Body: []byte{0, 1, 2}}))
		p.expectFailure("abbreviated", record.UnexpectedMessage)
	})
}

func certHashOf(der []byte) []byte {
	h := sha256.Sum256(der)
	return h[:]
}
