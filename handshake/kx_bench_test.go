package handshake_test

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"testing"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/handshake"
)

// The server's work per handshake, ours and the same primitive calls done
// bare, side by side: benchstat of ours/bare shows the overhead of the
// key exchange code itself (parsing, encoding, checks, allocation).

func benchServerECDHEECDSA(b *testing.B, g handshake.NamedGroup) {
	key := kxtKey(b, "p256")
	cr, sr := kxtRandom32(), kxtRandom32()
	client, err := handshake.GenerateEphemeral(nil, g)
	if err != nil {
		b.Fatal(err)
	}
	cke := append([]byte{byte(len(client.Public()))}, client.Public()...)
	curve := map[handshake.NamedGroup]ecdh.Curve{handshake.X25519: ecdh.X25519(), handshake.Secp256r1: ecdh.P256()}[g]
	priv := key.(*ecdsa.PrivateKey)

	b.Run("ours", func(b *testing.B) {
		sp := &handshake.ServerKXParams{Version: cipher.VersionTLS12, ClientVersion: cipher.VersionTLS12,
			ClientRandom: cr, ServerRandom: sr, Key: key, SignatureScheme: handshake.ECDSASecp256r1SHA256, Group: g}
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			kx, _ := handshake.NewKeyAgreement(cipher.KXECDHEECDSA)
			if _, err := kx.GenerateServerKeyExchange(sp); err != nil {
				b.Fatal(err)
			}
			if _, err := kx.ProcessClientKeyExchange(sp, cke); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("bare", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			k, err := curve.GenerateKey(rand.Reader)
			if err != nil {
				b.Fatal(err)
			}
			pub := k.PublicKey().Bytes()
			params := append([]byte{3, byte(g >> 8), byte(g), byte(len(pub))}, pub...)
			h := sha256.New()
			h.Write(cr)
			h.Write(sr)
			h.Write(params)
			if _, err := ecdsa.SignASN1(rand.Reader, priv, h.Sum(nil)); err != nil {
				b.Fatal(err)
			}
			peer, err := curve.NewPublicKey(cke[1:])
			if err != nil {
				b.Fatal(err)
			}
			if _, err := k.ECDH(peer); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkServerECDHEECDSAP256 is an ECDHE-ECDSA server on P-256: a
// fresh P-256 key, a signed ServerKeyExchange, the client's point checked
// and the shared secret.
func BenchmarkServerECDHEECDSAP256(b *testing.B) { benchServerECDHEECDSA(b, handshake.Secp256r1) }

// BenchmarkServerECDHEECDSAX25519 is the same with X25519 for the
// exchange (the signature stays ECDSA P-256).
func BenchmarkServerECDHEECDSAX25519(b *testing.B) { benchServerECDHEECDSA(b, handshake.X25519) }

// BenchmarkServerRSA2048 is an RSA key transport server: the client's
// encrypted pre-master decrypted without an oracle.
func BenchmarkServerRSA2048(b *testing.B) {
	key := kxtKey(b, "rsa2048").(*rsa.PrivateKey)
	pm := make([]byte, 48)
	pm[0], pm[1] = 3, 3
	rand.Read(pm[2:])
	ct, err := rsa.EncryptPKCS1v15(rand.Reader, &key.PublicKey, pm)
	if err != nil {
		b.Fatal(err)
	}
	cke := append([]byte{byte(len(ct) >> 8), byte(len(ct))}, ct...)
	b.Run("ours", func(b *testing.B) {
		sp := &handshake.ServerKXParams{Version: cipher.VersionTLS12, ClientVersion: cipher.VersionTLS12, Key: key}
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			kx, _ := handshake.NewKeyAgreement(cipher.KXRSA)
			if _, err := kx.ProcessClientKeyExchange(sp, cke); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("bare", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			out := make([]byte, 48)
			if _, err := rand.Read(out); err != nil {
				b.Fatal(err)
			}
			if err := rsa.DecryptPKCS1v15SessionKey(rand.Reader, key, ct, out); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkKeyShareX25519 is the TLS 1.3 server's key share work for
// X25519: ours (Encapsulate) against crypto/ecdh directly.
func BenchmarkKeyShareX25519(b *testing.B) {
	c, err := handshake.GenerateEphemeral(nil, handshake.X25519)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("ours", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, _, err := handshake.Encapsulate(nil, handshake.X25519, c.Public()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("bare", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			k, err := ecdh.X25519().GenerateKey(rand.Reader)
			if err != nil {
				b.Fatal(err)
			}
			peer, err := ecdh.X25519().NewPublicKey(c.Public())
			if err != nil {
				b.Fatal(err)
			}
			if _, err := k.ECDH(peer); err != nil {
				b.Fatal(err)
			}
			_ = k.PublicKey().Bytes()
		}
	})
}
