package cipher

import (
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/otpssl/ssl/internal/peertest"
)

func randBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// suiteWithPRF returns a registry suite with the given PRF that is valid
// in TLS 1.2.
func suiteWithPRF(p PRF) *Suite {
	for _, s := range Suites() {
		if s.PRF == p && s.ValidFor(VersionTLS12) {
			return s
		}
	}
	return nil
}

// The TLS 1.2 PRF test vectors posted to the IETF TLS working group list
// (https://www.ietf.org/mail-archive/web/tls/current/msg03416.html) and
// reproduced in many libraries' test suites (for example GnuTLS's
// tests/tls12-prf.c and Botan's src/tests/data/kdf/tls_prf.vec).
func TestPRF12PublishedVectors(t *testing.T) {
	tests := []struct {
		prf                  PRF
		secret, seed, output string
	}{
		{
			PRFSHA256, "9bbe436ba940f017b17652849a71db35", "a0ba9f936cda311827a6f796ffd5198c",
			`e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a
			 6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab
			 4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701
			 87347b66`,
		},
		{
			PRFSHA384, "b80b733d6ceefcdc71566ea48e5567df", "cd665cf6a8447dd6ff8b27555edb7465",
			`7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cd
			 e9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd
			 8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d918425
			 9b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee6
			 91c8f3a26854308d5eaa3be85e0990703d73e56f`,
		},
	}
	for _, tc := range tests {
		want := unhex(t, tc.output)
		s := suiteWithPRF(tc.prf)
		got, err := PRFBytes(VersionTLS12, s, unhex(t, tc.secret), "test label", unhex(t, tc.seed), len(want))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s PRF:\n got %x\nwant %x", tc.prf, got, want)
		}
		// P_hash is a stream: a shorter output is a prefix.
		short, _ := PRFBytes(VersionTLS12, s, unhex(t, tc.secret), "test label", unhex(t, tc.seed), 33)
		if !bytes.Equal(short, want[:33]) {
			t.Errorf("%s PRF: 33-byte output is not a prefix", tc.prf)
		}
	}
	// default_prf suites use SHA-256 in TLS 1.2, and so does a nil suite.
	for _, s := range []*Suite{suiteWithPRF(PRFDefault), nil} {
		got, _ := PRFBytes(VersionTLS12, s, unhex(t, tests[0].secret), "test label", unhex(t, tests[0].seed), 100)
		if !bytes.Equal(got, unhex(t, tests[0].output)) {
			t.Errorf("default PRF of %v in TLS 1.2 is not P_SHA256", s)
		}
	}
}

// Key derivation vectors for TLS 1.0 with TLS_RSA_WITH_RC4_128_SHA,
// generated with GnuTLS (gnutls-cli -d 9) and published in Go's crypto/tls
// test suite (src/crypto/tls/prf_test.go): premaster secret and randoms
// in, master secret, MAC and encryption keys, and 32 bytes of RFC 5705
// keying material for label "label" with context "context" and without a
// context out.
var gnutlsTLS10Vectors = []struct {
	preMaster, clientRandom, serverRandom, master string
	clientMAC, serverMAC, clientKey, serverKey    string
	ekmContext, ekmNoContext                      string
}{
	{
		"0302cac83ad4b1db3b9ab49ad05957de2a504a634a386fc600889321e1a971f57479466830ac3e6f468e87f5385fa0c5",
		"4ae66303755184a3917fcb44880605fcc53baa01912b22ed94473fc69cebd558",
		"4ae663020ec16e6bb5130be918cfcafd4d765979a3136a5d50c593446e4e44db",
		"3d851bab6e5556e959a16bc36d66cfae32f672bfa9ecdef6096cbb1b23472df1da63dbbd9827606413221d149ed08ceb",
		"805aaa19b3d2c0a0759a4b6c9959890e08480119",
		"2d22f9fe519c075c16448305ceee209fc24ad109",
		"d50b5771244f850cd8117a9ccafe2cf1",
		"e076e33206b30507a85c32855acd0919",
		"4d1bb6fc278c37d27aa6e2a13c2e079095d143272c2aa939da33d88c1c0cec22",
		"93fba89599b6321ae538e27c6548ceb8b46821864318f5190d64a375e5d69d41",
	},
	{
		"03023f7527316bc12cbcd69e4b9e8275d62c028f27e65c745cfcddc7ce01bd3570a111378b63848127f1c36e5f9e4890",
		"4ae66364b5ea56b20ce4e25555aed2d7e67f42788dd03f3fee4adae0459ab106",
		"4ae66363ab815cbf6a248b87d6b556184e945e9b97fbdf247858b0bdafacfa1c",
		"7d64be7c80c59b740200b4b9c26d0baaa1c5ae56705acbcf2307fe62beb4728c19392c83f20483801cce022c77645460",
		"97742ed60a0554ca13f04f97ee193177b971e3b0",
		"37068751700400e03a8477a5c7eec0813ab9e0dc",
		"207cddbc600d2a200abac6502053ee5c",
		"df3f94f6e1eacc753b815fe16055cd43",
		"2c9f8961a72b97cbe76553b5f954caf8294fc6360ef995ac1256fe9516d0ce7f",
		"274f19c10291d188857ad8878e2119f5aa437d4da556601cf1337aff23154016",
	},
	{
		`832d515f1d61eebb2be56ba0ef79879efb9b527504abb386fb4310ed5d0e3b1f220d3bb6b455033a2773e6d8bdf951d2
		 78a187482b400d45deb88a5d5a6bb7d6a7a1decc04eb9ef0642876cd4a82d374d3b6ff35f0351dc5d411104de431375
		 355addc39bfb1f6329fb163b0bc298d658338930d07d313cd980a7e3d9196cac1`,
		"4ae663b2ee389c0de147c509d8f18f5052afc4aaf9699efe8cb05ece883d3a5e",
		"4ae664d503fd4cff50cfc1fb8fc606580f87b0fcdac9554ba0e01d785bdf278e",
		"1aff2e7a2c4279d0126f57a65a77a8d9d0087cf2733366699bec27eb53d5740705a8574bb1acc2abbe90e44f0dd28d6c",
		"3c7647c93c1379a31a609542aa44e7f117a70085",
		"0d73102994be74a575a3ead8532590ca32a526d4",
		"ac7581b0b6c10d85bbd905ffbf36c65e",
		"ff07edde49682b45466bd2e39464b306",
		"678b0d43f607de35241dc7e9d1a7388a52c35033a1a0336d4d740060a6638fe2",
		"f3b4ac743f015ef21d79978297a53da3e579ee047133f38c234d829c0f907dab",
	},
}

func TestTLS10KeyDerivationGnuTLSVectors(t *testing.T) {
	s := SuiteByID(0x0005) // TLS_RSA_WITH_RC4_128_SHA
	for i, tc := range gnutlsTLS10Vectors {
		cr, sr := unhex(t, tc.clientRandom), unhex(t, tc.serverRandom)
		master := MasterSecret(VersionTLS10, s, unhex(t, tc.preMaster), cr, sr)
		if got := hex.EncodeToString(master); got != tc.master {
			t.Errorf("#%d: master secret %s, want %s", i, got, tc.master)
			continue
		}
		k := DeriveKeys(VersionTLS10, s, master, cr, sr)
		for _, f := range []struct{ name, got, want string }{
			{"client MAC", hex.EncodeToString(k.ClientMAC), tc.clientMAC},
			{"server MAC", hex.EncodeToString(k.ServerMAC), tc.serverMAC},
			{"client key", hex.EncodeToString(k.ClientKey), tc.clientKey},
			{"server key", hex.EncodeToString(k.ServerKey), tc.serverKey},
		} {
			if f.got != f.want {
				t.Errorf("#%d: %s %s, want %s", i, f.name, f.got, f.want)
			}
		}
		if len(k.ClientIV) != 0 || len(k.ServerIV) != 0 {
			t.Errorf("#%d: RC4 suite got IVs", i)
		}
		ekm, err := ExportKeyingMaterial(VersionTLS10, s, master, cr, sr, "label", []byte("context"), true, 32)
		if err != nil || hex.EncodeToString(ekm) != tc.ekmContext {
			t.Errorf("#%d: exporter with context %x (%v), want %s", i, ekm, err, tc.ekmContext)
		}
		ekm, err = ExportKeyingMaterial(VersionTLS10, s, master, cr, sr, "label", nil, false, 32)
		if err != nil || hex.EncodeToString(ekm) != tc.ekmNoContext {
			t.Errorf("#%d: exporter without context %x (%v), want %s", i, ekm, err, tc.ekmNoContext)
		}
		// An empty context is not the same as no context (RFC 5705).
		ekm, _ = ExportKeyingMaterial(VersionTLS10, s, master, cr, sr, "label", nil, true, 32)
		if hex.EncodeToString(ekm) == tc.ekmNoContext {
			t.Errorf("#%d: empty context exported the same as no context", i)
		}
		// TLS 1.1 uses the same PRF.
		if m11 := MasterSecret(VersionTLS11, s, unhex(t, tc.preMaster), cr, sr); !bytes.Equal(m11, master) {
			t.Errorf("#%d: TLS 1.1 master secret differs from TLS 1.0", i)
		}
	}
}

// opensslPRF runs `openssl kdf ... TLS1-PRF`, whose seed is label || seed.
func opensslPRF(t *testing.T, openssl, digest string, secret []byte, label string, seed []byte, n int) []byte {
	t.Helper()
	fullSeed := append([]byte(label), seed...)
	args := []string{"kdf", "-keylen", strconv.Itoa(n), "-kdfopt", "digest:" + digest,
		"-kdfopt", "hexsecret:" + hex.EncodeToString(secret),
		"-kdfopt", "hexseed:" + hex.EncodeToString(fullSeed), "TLS1-PRF"}
	out, err := exec.Command(openssl, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	b, err := hex.DecodeString(strings.ReplaceAll(strings.TrimSpace(string(out)), ":", ""))
	if err != nil || len(b) != n {
		t.Fatalf("openssl kdf printed %q", out)
	}
	return b
}

// TestPRFAgainstOpenSSL compares the TLS 1.0/1.1 PRF and both TLS 1.2 PRFs
// with OpenSSL's TLS1-PRF KDF on random secrets (of odd and even length,
// which matters for the TLS 1.0 secret split) and several output lengths.
func TestPRFAgainstOpenSSL(t *testing.T) {
	openssl := peertest.Require(t, "openssl")
	cases := []struct {
		v      Version
		s      *Suite
		digest string
	}{
		{VersionTLS10, SuiteByID(0x002F), "MD5-SHA1"},
		{VersionTLS11, SuiteByID(0x002F), "MD5-SHA1"},
		{VersionTLS12, SuiteByID(0x002F), "SHA256"},
		{VersionTLS12, SuiteByID(0xC02F), "SHA256"},
		{VersionTLS12, SuiteByID(0xC030), "SHA384"},
	}
	for _, c := range cases {
		for _, n := range []int{1, 12, 48, 100, 257} {
			secret := randBytes(t, 47+n%2)
			seed := randBytes(t, 64)
			label := "otpssl test " + strconv.Itoa(n)
			got, err := PRFBytes(c.v, c.s, secret, label, seed, n)
			if err != nil {
				t.Fatal(err)
			}
			if want := opensslPRF(t, openssl, c.digest, secret, label, seed, n); !bytes.Equal(got, want) {
				t.Errorf("%s %s n=%d:\n got %x\nwant %x", c.v, c.digest, n, got, want)
			}
		}
	}
	// The master secret, extended master secret and Finished are the PRF
	// with their labels; check each once against OpenSSL.
	pre, cr, sr := randBytes(t, 48), randBytes(t, 32), randBytes(t, 32)
	s := SuiteByID(0xC030)
	if got, want := MasterSecret(VersionTLS12, s, pre, cr, sr), opensslPRF(t, openssl, "SHA384", pre, "master secret", append(append([]byte{}, cr...), sr...), 48); !bytes.Equal(got, want) {
		t.Errorf("master secret:\n got %x\nwant %x", got, want)
	}
	sessionHash := randBytes(t, 36)
	if got, want := ExtendedMasterSecret(VersionTLS10, s, pre, sessionHash), opensslPRF(t, openssl, "MD5-SHA1", pre, "extended master secret", sessionHash, 48); !bytes.Equal(got, want) {
		t.Errorf("extended master secret:\n got %x\nwant %x", got, want)
	}
	transcript := randBytes(t, 48)
	if got, want := FinishedVerifyData(VersionTLS12, s, pre, true, transcript), opensslPRF(t, openssl, "SHA384", pre, "client finished", transcript, 12); !bytes.Equal(got, want) {
		t.Errorf("client finished:\n got %x\nwant %x", got, want)
	}
	if got, want := FinishedVerifyData(VersionTLS11, s, pre, false, transcript[:36]), opensslPRF(t, openssl, "MD5-SHA1", pre, "server finished", transcript[:36], 12); !bytes.Equal(got, want) {
		t.Errorf("server finished:\n got %x\nwant %x", got, want)
	}
	keys := DeriveKeys(VersionTLS12, SuiteByID(0xC027), pre, cr, sr) // ECDHE-RSA-AES128-SHA256
	block := opensslPRF(t, openssl, "SHA256", pre, "key expansion", append(append([]byte{}, sr...), cr...), 2*(32+16))
	want := Keys{ClientMAC: block[:32], ServerMAC: block[32:64], ClientKey: block[64:80], ServerKey: block[80:96]}
	if !bytes.Equal(keys.ClientMAC, want.ClientMAC) || !bytes.Equal(keys.ServerMAC, want.ServerMAC) ||
		!bytes.Equal(keys.ClientKey, want.ClientKey) || !bytes.Equal(keys.ServerKey, want.ServerKey) ||
		len(keys.ClientIV) != 0 || len(keys.ServerIV) != 0 {
		t.Errorf("TLS 1.2 CBC key block split wrong: %+v", keys)
	}
}

func TestPRFBytesErrors(t *testing.T) {
	for _, v := range []Version{VersionSSL30, VersionTLS13, 0, 0x0305} {
		if _, err := PRFBytes(v, nil, []byte("s"), "l", nil, 10); !errors.Is(err, ErrNoPRF) {
			t.Errorf("PRFBytes(%s) error %v, want ErrNoPRF", v, err)
		}
		if _, err := ExportKeyingMaterial(v, nil, nil, nil, nil, "EXPERIMENTAL x", nil, false, 10); !errors.Is(err, ErrNoPRF) {
			t.Errorf("ExportKeyingMaterial(%s) error %v, want ErrNoPRF", v, err)
		}
		if MasterSecret(v, nil, nil, nil, nil) != nil && v != VersionSSL30 {
			t.Errorf("MasterSecret(%s) not nil", v)
		}
		if ExtendedMasterSecret(v, nil, nil, nil) != nil || FinishedVerifyData(v, nil, nil, true, nil) != nil {
			t.Errorf("%s: extended master secret or Finished without a PRF", v)
		}
	}
	for _, n := range []int{-1, MaxPRFLen + 1, int(^uint(0) >> 1)} {
		if _, err := PRFBytes(VersionTLS12, nil, nil, "l", nil, n); err == nil {
			t.Errorf("PRFBytes accepted n=%d", n)
		}
		if _, err := ExportKeyingMaterial(VersionTLS12, nil, nil, nil, nil, "l", nil, false, n); err == nil {
			t.Errorf("ExportKeyingMaterial accepted n=%d", n)
		}
	}
	if b, err := PRFBytes(VersionTLS12, nil, nil, "", nil, 0); err != nil || len(b) != 0 {
		t.Errorf("PRFBytes n=0: %x, %v", b, err)
	}
	for _, label := range []string{"client finished", "server finished", "master secret", "extended master secret", "key expansion"} {
		if _, err := ExportKeyingMaterial(VersionTLS12, nil, make([]byte, 48), nil, nil, label, nil, false, 16); !errors.Is(err, ErrReservedLabel) {
			t.Errorf("label %q: error %v, want ErrReservedLabel", label, err)
		}
	}
	if _, err := ExportKeyingMaterial(VersionTLS12, nil, make([]byte, 48), nil, nil, "EXPERIMENTAL x", make([]byte, 0x10000), true, 16); err == nil {
		t.Error("context of 2^16 bytes accepted")
	}
	if _, err := ExportKeyingMaterial(VersionTLS12, nil, make([]byte, 48), nil, nil, "EXPERIMENTAL x", make([]byte, 0xffff), true, 16); err != nil {
		t.Errorf("context of 2^16-1 bytes refused: %v", err)
	}
}

func TestDeriveKeysLayout(t *testing.T) {
	master, cr, sr := randBytes(t, 48), randBytes(t, 32), randBytes(t, 32)
	for _, s := range Suites() {
		for v := VersionSSL30; v <= VersionTLS13; v++ {
			k := DeriveKeys(v, s, master, cr, sr)
			if !s.ValidFor(v) || s.TLS13() {
				if k.ClientKey != nil || k.ClientMAC != nil || k.ClientIV != nil {
					t.Errorf("%s in %s: keys for an invalid combination", s, v)
				}
				continue
			}
			p := s.Cipher.Params()
			wantIV := 0
			switch {
			case p.Kind == KindAEAD:
				wantIV = p.FixedIVLen
			case p.Kind == KindBlock && v <= VersionTLS10:
				wantIV = p.BlockSize
			}
			if len(k.ClientMAC) != s.MAC.Size() || len(k.ServerMAC) != s.MAC.Size() ||
				len(k.ClientKey) != p.KeyLen || len(k.ServerKey) != p.KeyLen ||
				len(k.ClientIV) != wantIV || len(k.ServerIV) != wantIV {
				t.Errorf("%s in %s: sizes mac %d/%d key %d/%d iv %d/%d", s, v,
					len(k.ClientMAC), len(k.ServerMAC), len(k.ClientKey), len(k.ServerKey), len(k.ClientIV), len(k.ServerIV))
			}
			if KeyBlockLen(v, s) != 2*(s.MAC.Size()+p.KeyLen+wantIV) {
				t.Errorf("%s in %s: KeyBlockLen %d", s, v, KeyBlockLen(v, s))
			}
			if v == VersionSSL30 && KeyBlockLen(v, s) > ssl3MaxExpand {
				t.Errorf("%s: SSL 3.0 key block of %d bytes exceeds the expansion", s, KeyBlockLen(v, s))
			}
			// Appending to one key must not overwrite the next.
			if len(k.ClientMAC) > 0 {
				before := append([]byte(nil), k.ServerMAC...)
				_ = append(k.ClientMAC, 0xff)
				if !bytes.Equal(before, k.ServerMAC) {
					t.Errorf("%s: keys share capacity", s)
				}
			}
			if v != VersionSSL30 {
				block, _ := PRFBytes(v, s, master, "key expansion", append(append([]byte{}, sr...), cr...), KeyBlockLen(v, s))
				var joined []byte
				for _, b := range [][]byte{k.ClientMAC, k.ServerMAC, k.ClientKey, k.ServerKey, k.ClientIV, k.ServerIV} {
					joined = append(joined, b...)
				}
				if !bytes.Equal(joined, block) {
					t.Errorf("%s in %s: keys are not the key block in order", s, v)
				}
			}
		}
	}
	if k := DeriveKeys(VersionTLS12, nil, master, cr, sr); k.ClientKey != nil {
		t.Error("keys for a nil suite")
	}
}

func TestTranscriptHash(t *testing.T) {
	msg := []byte("handshake messages")
	h := NewTranscriptHash(VersionTLS10, nil)
	h.Write(msg)
	m, s := md5.Sum(msg), sha1.Sum(msg)
	if want := append(m[:], s[:]...); !bytes.Equal(h.Sum(nil), want) || h.Size() != 36 {
		t.Errorf("MD5SHA1 sum %x, want %x", h.Sum(nil), want)
	}
	state, err := h.(interface{ MarshalBinary() ([]byte, error) }).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	c := NewMD5SHA1()
	if err := c.UnmarshalBinary(state); err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("more"))
	h.Write([]byte("more"))
	if !bytes.Equal(c.Sum(nil), h.Sum(nil)) {
		t.Error("restored MD5SHA1 diverged")
	}
	for _, bad := range [][]byte{nil, {0}, {0, 5, 1}, state[:len(state)-1], append(append([]byte{}, state...), 0), {0, 1, 0, 0, 1, 0}} {
		if err := NewMD5SHA1().UnmarshalBinary(bad); err == nil {
			t.Errorf("UnmarshalBinary(%x) succeeded", bad)
		}
	}
	h.Reset()
	if !bytes.Equal(h.Sum(nil), NewMD5SHA1().Sum(nil)) {
		t.Error("Reset did not empty the hash")
	}
	if NewTranscriptHash(VersionTLS12, SuiteByID(0xC030)).Size() != 48 || NewTranscriptHash(VersionTLS12, nil).Size() != 32 ||
		NewTranscriptHash(VersionTLS13, SuiteByID(0x1302)).Size() != 48 {
		t.Error("TLS 1.2/1.3 transcript hash has the wrong size")
	}
}
