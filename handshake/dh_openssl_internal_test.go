package handshake

import (
	"crypto/rand"
	"encoding/asn1"
	encpem "encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/otpssl/ssl/internal/peertest"
)

// TestDHArithmeticMatchesOpenSSL gives a private exponent made by
// newDHKey and a peer's public value to openssl pkeyutl -derive and
// compares its shared secret with dhKey.shared, for an RFC 7919 group and
// a group without known structure.
func TestDHArithmeticMatchesOpenSSL(t *testing.T) {
	openssl := peertest.Require(t, "openssl")
	dir := t.TempDir()
	oid := asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 3, 1} // dhKeyAgreement (PKCS #3)
	type dhParam struct{ P, G *big.Int }
	type algID struct {
		OID    asn1.ObjectIdentifier
		Params dhParam
	}
	f := FFDHEParams(FFDHE2048)
	odd := new(big.Int).Rsh(f.P, 512) // 1536 bits, not a known group
	odd.SetBit(odd, 0, 1)
	for _, p := range []*big.Int{f.P, odd} {
		g := big.NewInt(2)
		ours, err := newDHKey(rand.Reader, p, g, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		peer, err := newDHKey(rand.Reader, p, g, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		xDER, _ := asn1.Marshal(ours.x)
		priv, err := asn1.Marshal(struct {
			Version int
			Alg     algID
			Key     []byte
		}{0, algID{oid, dhParam{p, g}}, xDER})
		if err != nil {
			t.Fatal(err)
		}
		yDER, _ := asn1.Marshal(peer.y)
		pub, err := asn1.Marshal(struct {
			Alg algID
			Key asn1.BitString
		}{algID{oid, dhParam{p, g}}, asn1.BitString{Bytes: yDER, BitLength: 8 * len(yDER)}})
		if err != nil {
			t.Fatal(err)
		}
		privFile, pubFile, out := filepath.Join(dir, "priv.pem"), filepath.Join(dir, "pub.pem"), filepath.Join(dir, "z")
		os.WriteFile(privFile, encpem.EncodeToMemory(&encpem.Block{Type: "PRIVATE KEY", Bytes: priv}), 0o600)
		os.WriteFile(pubFile, encpem.EncodeToMemory(&encpem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0o600)
		if msg, err := exec.Command(openssl, "pkeyutl", "-derive", "-inkey", privFile, "-peerkey", pubFile, "-out", out).CombinedOutput(); err != nil {
			t.Fatalf("openssl pkeyutl -derive: %v\n%s", err, msg)
		}
		theirs, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		z, err := ours.shared(peer.publicBytes(), false)
		if err != nil {
			t.Fatal(err)
		}
		if new(big.Int).SetBytes(theirs).Cmp(new(big.Int).SetBytes(z)) != 0 {
			t.Fatalf("%d-bit group: Z differs from OpenSSL's", p.BitLen())
		}
		// And the other side agrees, as DH must.
		z2, err := peer.shared(ours.publicBytes(), false)
		if err != nil || new(big.Int).SetBytes(z2).Cmp(new(big.Int).SetBytes(z)) != 0 {
			t.Fatal("the two sides disagree")
		}
	}
}
