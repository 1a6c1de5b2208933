//go:build !unix

package cputime

import "time"

// Process returns the CPU time the process has used so far, and whether
// the platform tells it: here it does not.
func Process() (time.Duration, bool) { return 0, false }
