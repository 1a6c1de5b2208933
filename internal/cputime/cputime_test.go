package cputime

import (
	"crypto/sha256"
	"runtime"
	"testing"
)

// TestProcessCounts checks that work done shows in the CPU time (where
// the platform tells it) and that the time never goes back.
func TestProcessCounts(t *testing.T) {
	before, ok := Process()
	if !ok {
		if runtime.GOOS != "windows" && runtime.GOOS != "js" && runtime.GOOS != "wasip1" && runtime.GOOS != "plan9" {
			t.Fatalf("no CPU time on %s", runtime.GOOS)
		}
		t.Skipf("no CPU time on %s", runtime.GOOS)
	}
	// About a quarter of a second of hashing, far above the clock's
	// steps (up to 10 ms), must show.
	sum := sha256.Sum256(nil)
	for i := 0; i < 1_000_000; i++ {
		sum = sha256.Sum256(sum[:])
	}
	after, ok := Process()
	if !ok || after <= before {
		t.Fatalf("CPU time went from %v to %v (%v) over a million hashes (%x)", before, after, ok, sum[:4])
	}
}

func BenchmarkMeter(b *testing.B) {
	m := Start()
	sum := sha256.Sum256(nil)
	for i := 0; i < b.N; i++ {
		sum = sha256.Sum256(sum[:])
	}
	m.Report(b)
}
