package handshake_test

import (
	"crypto"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/otpssl/ssl/pem"
	"github.com/otpssl/ssl/record"
)

// kxtKeyNames are the fixed test keys in testdata (made once with
// openssl genpkey): RSA 2048, ECDSA P-256, P-384, P-521, Ed25519 and DSA
// 2048/256.
var kxtKeyNames = []string{"rsa2048", "p256", "p384", "p521", "ed25519", "dsa2048"}

var (
	kxtKeyMu    sync.Mutex
	kxtKeyCache = map[string]crypto.Signer{}
)

// kxtKey loads testdata/kx-<name>.pem.
func kxtKey(tb testing.TB, name string) crypto.Signer {
	tb.Helper()
	kxtKeyMu.Lock()
	defer kxtKeyMu.Unlock()
	if k, ok := kxtKeyCache[name]; ok {
		return k
	}
	data, err := os.ReadFile(filepath.Join("testdata", "kx-"+name+".pem"))
	if err != nil {
		tb.Fatal(err)
	}
	entries, err := pem.Decode(data)
	if err != nil {
		tb.Fatal(err)
	}
	k, err := pem.PrivateKey(entries, nil)
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	kxtKeyCache[name] = k
	return k
}

// kxtWantAlert fails unless err is (or wraps) a fatal alert with
// description d.
func kxtWantAlert(tb testing.TB, err error, d record.Description) {
	tb.Helper()
	var a record.Alert
	if !errors.As(err, &a) {
		tb.Fatalf("got %v, want a %s alert", err, d)
	}
	if a.Description != d || a.Level != record.Fatal {
		tb.Fatalf("got alert %s (%s: %s), want %s", a.Description, a.Level, a.Reason, d)
	}
}

// kxtRand is a deterministic byte stream (SHA-256 in counter mode over a
// seed) for reproducible keys in tests and fuzz seeds.
type kxtRand struct {
	seed []byte
	ctr  uint64
	buf  []byte
}

func newKXTRand(seed string) *kxtRand { return &kxtRand{seed: []byte(seed)} }

func (r *kxtRand) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(r.buf) == 0 {
			var c [8]byte
			binary.BigEndian.PutUint64(c[:], r.ctr)
			r.ctr++
			h := sha256.New()
			h.Write(r.seed)
			h.Write(c[:])
			r.buf = h.Sum(nil)
		}
		m := copy(p[n:], r.buf)
		r.buf = r.buf[m:]
		n += m
	}
	return n, nil
}
