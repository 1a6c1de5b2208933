// Package leakcheck finds goroutines a test leaves behind.
//
// A test calls Check at its start; when the test ends, after its other
// cleanups have run, the goroutines that did not exist at the start must
// be gone within a grace period, or the test fails with their stacks.
//
//	func TestSomething(t *testing.T) {
//		leakcheck.Check(t)
//		...
//	}
//
// Tests that use it must not run in parallel with other tests of the same
// package (no t.Parallel), since their goroutines would be counted too.
package leakcheck

import (
	"bytes"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// DefaultGrace is how long Check waits for goroutines to end.
const DefaultGrace = 5 * time.Second

// Check records the goroutines that exist now and registers a cleanup that
// fails tb if others still exist DefaultGrace after the test ends. Being
// registered first, the cleanup runs after every cleanup the test
// registers later (which typically close what the test opened).
//
// ignore names functions (as they appear in stacks, such as
// "pem.(*FileCache).cleaner") whose goroutines are not leaks: caches and
// other process-wide helpers that a test may start and that live on.
func Check(tb testing.TB, ignore ...string) {
	tb.Helper()
	CheckGrace(tb, DefaultGrace, ignore...)
}

// CheckGrace is Check with a grace period of its own.
func CheckGrace(tb testing.TB, grace time.Duration, ignore ...string) {
	tb.Helper()
	before := ids(stacks())
	tb.Cleanup(func() {
		if extra := Wait(before, grace, ignore...); len(extra) > 0 {
			tb.Errorf("leakcheck: %d goroutine(s) left running:\n\n%s", len(extra), strings.Join(extra, "\n\n"))
		}
	})
}

// Snapshot returns the IDs of the goroutines running now, for Wait.
func Snapshot() map[uint64]bool {
	return ids(stacks())
}

// Wait waits up to grace for every goroutine not in before (and not one of
// the runtime's or the testing package's own, nor running one of the
// functions in ignore) to end, and returns the stacks of those still
// running then; nil means none leaked.
func Wait(before map[uint64]bool, grace time.Duration, ignore ...string) []string {
	deadline := time.Now().Add(grace)
	for delay := time.Millisecond; ; delay *= 2 {
		extra := leaked(before, stacks(), ignore)
		if len(extra) == 0 || time.Now().After(deadline) {
			return extra
		}
		if delay > 100*time.Millisecond {
			delay = 100 * time.Millisecond
		}
		time.Sleep(delay)
	}
}

// stacks returns the stack of every goroutine, one string each.
func stacks() []string {
	buf := make([]byte, 1<<16)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []string
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		if s := strings.TrimSpace(string(g)); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// goroutineID parses the ID from a stack's first line
// ("goroutine 17 [running]:"); ok is false when it cannot.
func goroutineID(stack string) (uint64, bool) {
	rest, ok := strings.CutPrefix(stack, "goroutine ")
	if !ok {
		return 0, false
	}
	end := strings.IndexByte(rest, ' ')
	if end < 0 {
		return 0, false
	}
	id, err := strconv.ParseUint(rest[:end], 10, 64)
	return id, err == nil
}

func ids(all []string) map[uint64]bool {
	m := make(map[uint64]bool, len(all))
	for _, s := range all {
		if id, ok := goroutineID(s); ok {
			m[id] = true
		}
	}
	return m
}

// ignored are functions whose goroutines belong to the runtime or the
// testing package, not to the code under test.
var ignored = []string{
	"testing.(*T).Run(",
	"testing.tRunner(",
	"testing.(*M).",
	"testing.runTests",
	"testing.(*F).",
	"runtime.goexit0",
	"os/signal.signal_recv",
	"os/signal.loop",
	"runtime.ensureSigM",
	"created by runtime.gc",
	"runtime.MHeap_Scavenger",
	"runtime/trace.Start",
}

// leaked returns, sorted, the stacks of goroutines not in before that are
// not ignored, leaving out the caller's own goroutine.
func leaked(before map[uint64]bool, all []string, ignore []string) []string {
	var out []string
	for i, s := range all {
		if i == 0 {
			continue // runtime.Stack lists the calling goroutine first
		}
		id, ok := goroutineID(s)
		if !ok || before[id] || isIgnored(s) || mentions(s, ignore) {
			continue
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func isIgnored(stack string) bool {
	for _, f := range ignored {
		if strings.Contains(stack, f) {
			return true
		}
	}
	return false
}

// mentions reports whether stack holds one of the names.
func mentions(stack string, names []string) bool {
	for _, n := range names {
		if strings.Contains(stack, n) {
			return true
		}
	}
	return false
}
