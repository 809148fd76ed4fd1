package engine

// Errno names for the transcript ("EPERM", not "operation not permitted"),
// from the kernel's table as x/sys/unix knows it. Man page: errno(3).

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// signalNames is signal(7)'s name of sig ("SIGKILL"), or "".
func signalNames(sig syscall.Signal) string { return unix.SignalName(sig) }

var errnoNames = func() map[syscall.Errno]string {
	m := map[syscall.Errno]string{}
	for e := syscall.Errno(1); e < 134; e++ {
		if n := unix.ErrnoName(e); n != "" {
			m[e] = n
		}
	}
	return m
}()
