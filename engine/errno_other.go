//go:build !linux

package engine

// Off Linux there are no errno names to give: the transcript says "errno"
// and the number. The pure parts of the engine still build and test.

import "syscall"

var errnoNames = map[syscall.Errno]string{}

func signalNames(syscall.Signal) string { return "" }
