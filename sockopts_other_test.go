//go:build !linux

package ssl

import (
	"net"
	"testing"
)

// liveLinger is read on Linux only.
func liveLinger(t *testing.T, conn net.Conn) (on, secs int32) {
	t.Fatal("SO_LINGER is read on Linux only")
	return 0, 0
}
