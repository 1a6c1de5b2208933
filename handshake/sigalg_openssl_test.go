package handshake_test

import (
	"crypto/md5"
	"crypto/sha1"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/internal/peertest"
)

// kxtOpenSSLCase is one signature algorithm as OpenSSL's command line
// spells it.
type kxtOpenSSLCase struct {
	key     string
	v       cipher.Version
	scheme  handshake.SignatureScheme
	digest  string // dgst option; "" for the pkeyutl cases
	pss     bool
	ed      bool // pkeyutl -rawin
	md5sha1 bool // pkeyutl over the 36-byte digest (TLS 1.0-1.1 RSA)
}

// kxtOpenSSLCases lists every scheme this library supports that OpenSSL
// signs with, and the fixed algorithms before TLS 1.2.
func kxtOpenSSLCases() []kxtOpenSSLCase {
	var cs []kxtOpenSSLCase
	v12 := cipher.VersionTLS12
	for _, h := range []struct {
		name string
		hi   uint16
	}{{"sha1", 2}, {"sha224", 3}, {"sha256", 4}, {"sha384", 5}, {"sha512", 6}} {
		cs = append(cs, kxtOpenSSLCase{key: "rsa2048", v: v12, scheme: handshake.SignatureScheme(h.hi<<8 | 1), digest: h.name})
		for _, ec := range []string{"p256", "p384", "p521"} {
			cs = append(cs, kxtOpenSSLCase{key: ec, v: v12, scheme: handshake.SignatureScheme(h.hi<<8 | 3), digest: h.name})
		}
		if h.hi <= 4 {
			cs = append(cs, kxtOpenSSLCase{key: "dsa2048", v: v12, scheme: handshake.SignatureScheme(h.hi<<8 | 2), digest: h.name})
		}
	}
	for i, h := range []string{"sha256", "sha384", "sha512"} {
		s := handshake.RSAPSSRSAESHA256 + handshake.SignatureScheme(i)
		cs = append(cs, kxtOpenSSLCase{key: "rsa2048", v: v12, scheme: s, digest: h, pss: true},
			kxtOpenSSLCase{key: "rsa2048", v: cipher.VersionTLS13, scheme: s, digest: h, pss: true})
	}
	cs = append(cs,
		kxtOpenSSLCase{key: "p256", v: cipher.VersionTLS13, scheme: handshake.ECDSASecp256r1SHA256, digest: "sha256"},
		kxtOpenSSLCase{key: "p384", v: cipher.VersionTLS13, scheme: handshake.ECDSASecp384r1SHA384, digest: "sha384"},
		kxtOpenSSLCase{key: "p521", v: cipher.VersionTLS13, scheme: handshake.ECDSASecp521r1SHA512, digest: "sha512"},
		kxtOpenSSLCase{key: "ed25519", v: v12, scheme: handshake.Ed25519, ed: true},
		kxtOpenSSLCase{key: "ed25519", v: cipher.VersionTLS13, scheme: handshake.Ed25519, ed: true},
		kxtOpenSSLCase{key: "rsa2048", v: cipher.VersionTLS10, md5sha1: true},
		kxtOpenSSLCase{key: "p256", v: cipher.VersionTLS11, digest: "sha1"},
		kxtOpenSSLCase{key: "p521", v: cipher.VersionTLS10, digest: "sha1"},
		kxtOpenSSLCase{key: "dsa2048", v: cipher.VersionTLS10, digest: "sha1"},
	)
	return cs
}

func kxtOpenSSL(t *testing.T, openssl string, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command(openssl, args...).CombinedOutput()
	return string(out), err
}

// TestSignaturesInteropOpenSSL signs with this library and verifies with
// openssl, and the other way round, for every scheme both support.
func TestSignaturesInteropOpenSSL(t *testing.T) {
	openssl := peertest.Require(t, "openssl")
	dir := t.TempDir()
	pubs := map[string]string{}
	for _, name := range kxtKeyNames {
		pub := filepath.Join(dir, name+".pub")
		if out, err := kxtOpenSSL(t, openssl, "pkey", "-in", filepath.Join("testdata", "kx-"+name+".pem"), "-pubout", "-out", pub); err != nil {
			t.Fatalf("openssl pkey: %v\n%s", err, out)
		}
		pubs[name] = pub
	}
	msg := []byte("client_random + server_random + ServerECDHParams \x00\x01\xff")
	msgFile := filepath.Join(dir, "msg")
	if err := os.WriteFile(msgFile, msg, 0o600); err != nil {
		t.Fatal(err)
	}
	m5, s1 := md5.Sum(msg), sha1.Sum(msg)
	md5sha1 := append(m5[:], s1[:]...)
	digestFile := filepath.Join(dir, "md5sha1")
	if err := os.WriteFile(digestFile, md5sha1, 0o600); err != nil {
		t.Fatal(err)
	}
	sigFile := filepath.Join(dir, "sig")
	for _, c := range kxtOpenSSLCases() {
		name := c.key + "/" + c.v.String() + "/" + c.scheme.String()
		keyFile := filepath.Join("testdata", "kx-"+c.key+".pem")
		var verifyArgs, signArgs []string
		okText := "Verified OK"
		switch {
		case c.ed:
			verifyArgs = []string{"pkeyutl", "-verify", "-pubin", "-inkey", pubs[c.key], "-rawin", "-in", msgFile, "-sigfile", sigFile}
			signArgs = []string{"pkeyutl", "-sign", "-inkey", keyFile, "-rawin", "-in", msgFile, "-out", sigFile}
			okText = "Signature Verified Successfully"
		case c.md5sha1:
			verifyArgs = []string{"pkeyutl", "-verify", "-pubin", "-inkey", pubs[c.key], "-in", digestFile, "-sigfile", sigFile}
			signArgs = []string{"pkeyutl", "-sign", "-inkey", keyFile, "-in", digestFile, "-out", sigFile}
			okText = "Signature Verified Successfully"
		default:
			verifyArgs = []string{"dgst", "-" + c.digest, "-verify", pubs[c.key], "-signature", sigFile}
			signArgs = []string{"dgst", "-" + c.digest, "-sign", keyFile, "-out", sigFile}
			if c.pss {
				pss := []string{"-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest"}
				verifyArgs = append(verifyArgs, pss...)
				signArgs = append(signArgs, pss...)
			}
			verifyArgs = append(verifyArgs, msgFile)
			signArgs = append(signArgs, msgFile)
		}

		// Ours, checked by OpenSSL.
		sig, err := handshake.Sign(nil, kxtKey(t, c.key), c.v, c.scheme, msg)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := os.WriteFile(sigFile, sig, 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := kxtOpenSSL(t, openssl, verifyArgs...); err != nil || !strings.Contains(out, okText) {
			t.Errorf("%s: openssl refuses our signature: %v\n%s", name, err, out)
		}
		// A corrupted one must be refused, or the check above proves nothing.
		sig[len(sig)/3] ^= 0x04
		if err := os.WriteFile(sigFile, sig, 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := kxtOpenSSL(t, openssl, verifyArgs...); err == nil || strings.Contains(out, okText) {
			t.Errorf("%s: openssl accepts a corrupted signature:\n%s", name, out)
		}

		// OpenSSL's, checked by us.
		if out, err := kxtOpenSSL(t, openssl, signArgs...); err != nil {
			t.Fatalf("%s: openssl sign: %v\n%s", name, err, out)
		}
		theirs, err := os.ReadFile(sigFile)
		if err != nil {
			t.Fatal(err)
		}
		if err := handshake.Verify(kxtKey(t, c.key).Public(), c.v, c.scheme, msg, theirs); err != nil {
			t.Errorf("%s: OpenSSL's signature refused: %v", name, err)
		}
		if c.md5sha1 {
			if err := handshake.VerifyDigest(kxtKey(t, c.key).Public(), c.v, 0, md5sha1, theirs); err != nil {
				t.Errorf("%s: VerifyDigest: %v", name, err)
			}
		}
	}
}
