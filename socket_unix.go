//go:build unix

package ssl

import "syscall"

// rawOptions are the socket options read and written with getsockopt and
// setsockopt: level and name.
var rawOptions = map[string][2]int{
	"reuseaddr": {syscall.SOL_SOCKET, syscall.SO_REUSEADDR},
	"nodelay":   {syscall.IPPROTO_TCP, syscall.TCP_NODELAY},
	"keepalive": {syscall.SOL_SOCKET, syscall.SO_KEEPALIVE},
	"recbuf":    {syscall.SOL_SOCKET, syscall.SO_RCVBUF},
	"sndbuf":    {syscall.SOL_SOCKET, syscall.SO_SNDBUF},
	"tos":       {syscall.IPPROTO_IP, syscall.IP_TOS},
	// tos on an IPv6 socket: the traffic class.
	"tclass": {syscall.IPPROTO_IPV6, syscall.IPV6_TCLASS},
}

// rawGet reads the integer socket option name; ok is false when the
// system does not tell.
func rawGet(c syscall.RawConn, name string) (v int, ok bool) {
	opt, known := rawOptions[name]
	if !known {
		return 0, false
	}
	var err error
	cerr := c.Control(func(fd uintptr) {
		v, err = syscall.GetsockoptInt(int(fd), opt[0], opt[1])
	})
	return v, cerr == nil && err == nil
}

// rawSet sets the integer socket option name.
func rawSet(c syscall.RawConn, name string, v int) error {
	opt, known := rawOptions[name]
	if !known {
		return nil
	}
	var err error
	if cerr := c.Control(func(fd uintptr) {
		err = syscall.SetsockoptInt(int(fd), opt[0], opt[1], v)
	}); cerr != nil {
		return cerr
	}
	return err
}
