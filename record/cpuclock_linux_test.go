package record

import (
	"syscall"
	"time"
)

// threadCPUTime returns the CPU time the calling thread has used
// (getrusage with RUSAGE_THREAD, which is 1 on Linux).
func threadCPUTime() (time.Duration, bool) {
	const rusageThread = 1
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
