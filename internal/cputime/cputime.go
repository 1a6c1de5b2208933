// Package cputime reads the CPU time the process has used, for
// benchmarks: on a machine shared with other work, the wall time of an
// operation measures the machine's load as much as the code, while the
// CPU time this process spent on it does not. The benchmarks of
// handshake/ and interop/ report it per operation as cpu-ns/op beside
// ns/op.
package cputime

import (
	"testing"
	"time"
)

// Meter measures the CPU time of a benchmark's loop.
type Meter struct {
	start time.Duration
	ok    bool
}

// Start reads the process's CPU time; call it right before the loop.
func Start() Meter {
	d, ok := Process()
	return Meter{start: d, ok: ok}
}

// Report reports the CPU time since Start per operation, as cpu-ns/op,
// where the platform tells it (nothing elsewhere); call it right after
// the loop. The time is the whole process's, user and system, every
// goroutine's and the garbage collector's.
func (m Meter) Report(b *testing.B) {
	end, ok := Process()
	if !m.ok || !ok || b.N == 0 {
		return
	}
	b.ReportMetric(float64(end-m.start)/float64(b.N), "cpu-ns/op")
}
