//go:build !linux

package engine

import "syscall"

var errnoNames = map[syscall.Errno]string{}
