package handshake

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"

	"github.com/otpssl/ssl/cipher"
)

func TestTranscriptBuffersUntilSuite(t *testing.T) {
	msgs := [][]byte{{1, 0, 0, 2, 9, 9}, {2, 0, 0, 1, 7}, {11, 0, 0, 0}}
	for _, v := range []cipher.Version{cipher.VersionSSL30, cipher.VersionTLS10, cipher.VersionTLS12} {
		s := cipher.SuiteByName("AES256-GCM-SHA384")
		if v < cipher.VersionTLS12 {
			s = cipher.SuiteByName("AES128-SHA")
		}
		tr := newTranscript()
		tr.add(msgs[0])
		tr.setSuite(v, s)
		tr.add(msgs[1])
		want := cipher.NewTranscriptHash(v, s)
		want.Write(msgs[0])
		want.Write(msgs[1])
		if !bytes.Equal(tr.sum(), want.Sum(nil)) {
			t.Fatalf("%s: sum differs", v)
		}
		if !bytes.Equal(tr.messages(), append(append([]byte{}, msgs[0]...), msgs[1]...)) {
			t.Fatalf("%s: messages not kept", v)
		}
		snap := tr.snap()
		tr.add(msgs[2])
		if !bytes.Equal(snap.msgs, tr.messages()[:len(msgs[0])+len(msgs[1])]) {
			t.Fatalf("%s: snapshot messages changed", v)
		}
		tr.release()
		tr.add(msgs[2])
		if tr.messages() != nil {
			t.Fatalf("%s: messages kept after release", v)
		}
		want.Write(msgs[2])
		want.Write(msgs[2])
		if !bytes.Equal(tr.sum(), want.Sum(nil)) {
			t.Fatalf("%s: sum after release differs", v)
		}
	}
	// Released before the suite is known: the buffer still feeds the hash.
	tr := newTranscript()
	tr.release()
	tr.add(msgs[0])
	s := cipher.SuiteByName("AES128-GCM-SHA256")
	tr.setSuite(cipher.VersionTLS12, s)
	want := cipher.NewTranscriptHash(cipher.VersionTLS12, s)
	want.Write(msgs[0])
	if !bytes.Equal(tr.sum(), want.Sum(nil)) || tr.messages() != nil {
		t.Fatal("early release lost the hash or kept the buffer")
	}
}

// TestSnapshotFinished checks the Finished computation of a snapshot for
// SSL 3.0 (copies of the running hashes, not disturbed by what follows)
// and TLS.
func TestSnapshotFinished(t *testing.T) {
	master := bytes.Repeat([]byte{0x42}, 48)
	s := cipher.SuiteByName("AES128-SHA")
	tr := newTranscript()
	tr.setSuite(cipher.VersionSSL30, s)
	tr.add([]byte("hello messages"))
	snap := tr.snap()
	tr.add([]byte("more"))
	got, err := snap.finished(s, master, true)
	if err != nil {
		t.Fatal(err)
	}
	ref := cipher.NewMD5SHA1()
	ref.Write([]byte("hello messages"))
	want, err := cipher.SSL3FinishedVerifyData(master, true, ref.MD5, ref.SHA1)
	if err != nil || !bytes.Equal(got, want) || len(got) != 36 {
		t.Fatalf("SSL 3.0 finished %x, want %x (%v)", got, want, err)
	}
	tr = newTranscript()
	tr.setSuite(cipher.VersionTLS11, s)
	tr.add([]byte("hello messages"))
	got, err = tr.snap().finished(s, master, false)
	h := cipher.NewTranscriptHash(cipher.VersionTLS11, s)
	h.Write([]byte("hello messages"))
	if err != nil || !bytes.Equal(got, cipher.FinishedVerifyData(cipher.VersionTLS11, s, master, false, h.Sum(nil))) {
		t.Fatalf("TLS 1.1 finished %x (%v)", got, err)
	}
}

func TestSubjectOf(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for i, name := range []pkix.Name{{CommonName: "a"}, {CommonName: "b", Organization: []string{"org"}, Country: []string{"SE"}}} {
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(int64(i + 1)), Subject: name, Issuer: pkix.Name{CommonName: "x"},
			NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := x509.ParseCertificate(der)
		got, ok := subjectOf(der)
		if !ok || !bytes.Equal(got, c.RawSubject) {
			t.Fatalf("subject %x, want %x", got, c.RawSubject)
		}
		names := caNames([][]byte{der, der, {0x30, 1}, nil})
		if len(names) != 1 || !bytes.Equal(names[0], c.RawSubject) {
			t.Fatalf("caNames: %d names", len(names))
		}
	}
	for _, bad := range [][]byte{nil, {0x30}, {0x30, 3, 0x30, 1, 0}, {0x31, 0}} {
		if _, ok := subjectOf(bad); ok {
			t.Errorf("subjectOf(%x) succeeded", bad)
		}
	}
	// The names of a huge trust store stop at the 16-bit limit.
	var many [][]byte
	for i := 0; i < 1000; i++ {
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(int64(i + 10)),
			Subject:   pkix.Name{CommonName: string(bytes.Repeat([]byte{'a' + byte(i%26)}, 60)), SerialNumber: big.NewInt(int64(i)).String()},
			NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			t.Fatal(err)
		}
		many = append(many, der)
	}
	total := 0
	names := caNames(many)
	for _, n := range names {
		total += 2 + len(n)
	}
	if total > maxCANamesLen || len(names) == 0 || len(names) == len(many) {
		t.Fatalf("%d names, %d bytes", len(names), total)
	}
}

func TestSelectNextProtocol(t *testing.T) {
	for _, c := range []struct {
		np     NextProtocols
		server []string
		want   string
		err    bool
	}{
		{NextProtocols{Protocols: []string{"a", "b"}}, []string{"b", "a"}, "a", false},
		{NextProtocols{Protocols: []string{"a", "b"}, ServerPrecedence: true}, []string{"b", "a"}, "b", false},
		{NextProtocols{Protocols: []string{"a"}, Default: "d"}, nil, "d", false},
		{NextProtocols{Protocols: []string{"a"}}, []string{"c"}, "", true},
		{NextProtocols{Protocols: []string{""}}, []string{""}, "", true},
	} {
		got, err := selectNextProtocol(&c.np, c.server)
		if got != c.want || (err != nil) != c.err {
			t.Errorf("%+v with %q: %q, %v", c.np, c.server, got, err)
		}
	}
}
