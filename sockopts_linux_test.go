package ssl

import (
	"net"
	"syscall"
	"testing"
	"unsafe"
)

// liveLinger reads SO_LINGER from a TCP transport: on/off and seconds.
func liveLinger(t *testing.T, conn net.Conn) (on, secs int32) {
	t.Helper()
	sc, err := conn.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var l syscall.Linger
	size := uint32(unsafe.Sizeof(l))
	var errno syscall.Errno
	if err := sc.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall6(syscall.SYS_GETSOCKOPT, fd, syscall.SOL_SOCKET, syscall.SO_LINGER,
			uintptr(unsafe.Pointer(&l)), uintptr(unsafe.Pointer(&size)), 0)
	}); err != nil {
		t.Fatal(err)
	}
	if errno != 0 {
		t.Fatal(errno)
	}
	return l.Onoff, l.Linger
}
