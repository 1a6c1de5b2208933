//go:build !unix

package ssl

import "syscall"

// rawGet reads a socket option: not implemented on this system.
func rawGet(c syscall.RawConn, name string) (int, bool) { return 0, false }

// rawSet sets a socket option: not implemented on this system, where the
// options that need it (reuseaddr, tos) are recorded only.
func rawSet(c syscall.RawConn, name string, v int) error { return nil }
