package ssl

import (
	"bytes"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
	"time"

	otppem "github.com/otpssl/ssl/pem"
)

// ClearPEMCache makes the next Get read the file again, even a change the
// cache cannot see (same size, same modification time).
func TestClearPEMCache(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cert.pem")
	mtime := time.Now().Add(-time.Hour).Truncate(time.Second)
	write := func(b byte) {
		t.Helper()
		data := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{0x30, 1, b}})
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	get := func() []byte {
		t.Helper()
		entries, err := otppem.Default.Get(path)
		if err != nil {
			t.Fatal(err)
		}
		return entries[0].Bytes
	}
	t.Cleanup(otppem.Default.Clear)

	write(1)
	if got := get(); !bytes.Equal(got, []byte{0x30, 1, 1}) {
		t.Fatalf("first read %x", got)
	}
	write(2) // same size and time: invisible to the cache
	if got := get(); !bytes.Equal(got, []byte{0x30, 1, 1}) {
		t.Fatalf("the cache did not serve the first read: %x", got)
	}
	ClearPEMCache()
	if n := otppem.Default.Len(); n != 0 {
		t.Fatalf("%d files cached after ClearPEMCache", n)
	}
	if got := get(); !bytes.Equal(got, []byte{0x30, 1, 2}) {
		t.Fatalf("after ClearPEMCache: %x, want the new content", got)
	}
}
