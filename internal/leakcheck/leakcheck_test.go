package leakcheck

import (
	"strings"
	"testing"
	"time"
)

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	cleanups []func()
	errors   []string
}

func (r *recorder) Helper()          {}
func (r *recorder) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }
func (r *recorder) Errorf(f string, a ...any) {
	r.errors = append(r.errors, f)
}

func (r *recorder) finish() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

func TestReportsLeakedGoroutine(t *testing.T) {
	r := &recorder{TB: t}
	CheckGrace(r, 50*time.Millisecond)
	stop := make(chan struct{})
	go func() { <-stop }()
	r.finish()
	close(stop)
	if len(r.errors) != 1 {
		t.Fatalf("got %d failures, want 1", len(r.errors))
	}
	if !strings.Contains(r.errors[0], "left running") {
		t.Errorf("failure text %q", r.errors[0])
	}
}

func TestAcceptsGoroutineThatEnds(t *testing.T) {
	r := &recorder{TB: t}
	CheckGrace(r, 2*time.Second)
	stop := make(chan struct{})
	go func() { <-stop }()
	go func() { time.Sleep(20 * time.Millisecond); close(stop) }()
	r.finish()
	if len(r.errors) != 0 {
		t.Fatalf("unexpected failure: %v", r.errors)
	}
}

func TestWaitListsStacks(t *testing.T) {
	before := Snapshot()
	stop := make(chan struct{})
	go parkForLeakcheckTest(stop)
	extra := Wait(before, 10*time.Millisecond)
	close(stop)
	if len(extra) != 1 || !strings.Contains(extra[0], "parkForLeakcheckTest") {
		t.Fatalf("Wait = %q, want the parked goroutine's stack", extra)
	}
	if extra := Wait(before, 2*time.Second); len(extra) != 0 {
		t.Fatalf("after it ended: %q", extra)
	}
}

func parkForLeakcheckTest(stop chan struct{}) { <-stop }

func TestGoroutineID(t *testing.T) {
	id, ok := goroutineID("goroutine 42 [chan receive]:\nmain.main()")
	if !ok || id != 42 {
		t.Errorf("goroutineID = %d, %v", id, ok)
	}
	if _, ok := goroutineID("nonsense"); ok {
		t.Error("goroutineID accepted nonsense")
	}
}

func TestIgnoredFunctions(t *testing.T) {
	before := Snapshot()
	stop := make(chan struct{})
	go parkForLeakcheckTest(stop)
	defer close(stop)
	if extra := Wait(before, 10*time.Millisecond, "leakcheck.parkForLeakcheckTest"); len(extra) != 0 {
		t.Fatalf("an ignored goroutine was reported: %q", extra)
	}
}
