package engine

import (
	"syscall"

	"golang.org/x/sys/unix"
)

var errnoNames = func() map[syscall.Errno]string {
	m := map[syscall.Errno]string{}
	for e := syscall.Errno(1); e < 134; e++ {
		if n := unix.ErrnoName(e); n != "" {
			m[e] = n
		}
	}
	return m
}()
