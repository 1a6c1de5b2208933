//go:build linux

package ssl

import "syscall"

// SO_PRIORITY exists on Linux only.
func init() {
	rawOptions["priority"] = [2]int{syscall.SOL_SOCKET, syscall.SO_PRIORITY}
}
