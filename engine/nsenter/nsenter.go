//go:build linux

// Package nsenter joins or creates namespaces before the Go runtime starts.
//
// Why C: setns(2) into a user namespace fails with EINVAL in a multithreaded
// process, and setns(2) into a time namespace likewise. A Go program is
// multithreaded before main runs (the runtime starts sysmon and GC workers),
// so the only place these calls can succeed is a constructor that runs while
// the process still has one thread. runc's nsenter does the same for the same
// reason. Joining a PID namespace changes only where children go
// (pid_for_children), so after joining one the constructor forks and the
// child carries on into the Go runtime, inside; the parent waits and exits
// with the child's status.
//
// uts, ipc, net and cgroup can be joined from a locked OS thread, and mnt
// from one after unshare(CLONE_FS); child.JoinThread does that. This package
// exists for the types that cannot, and for creating a time namespace with an
// offset (offsets must be written before any process enters it).
//
// Import it for its side effect in every binary that re-executes itself:
//
//	import _ "nakami/engine/nsenter"
package nsenter

/*
#cgo CFLAGS: -Wall -Wextra -std=gnu11
extern char nakami_nsenter_err[256];
*/
import "C"

import "os"

// Variables the constructor reads. The engine sets them on a child's
// environment; nothing else should.
const (
	EnvPID          = "_NAKAMI_NSENTER_PID"
	EnvTypes        = "_NAKAMI_NSENTER_TYPES"
	EnvUnshareTime  = "_NAKAMI_UNSHARE_TIME"
	EnvUnshareGroup = "_NAKAMI_UNSHARE_CGROUP"
	EnvNoTHP        = "_NAKAMI_NO_THP"
)

func init() {
	// The constructor already removed them from libc's environ; Go copied
	// the environment from the initial stack, so remove them here too.
	for _, k := range []string{EnvPID, EnvTypes, EnvUnshareTime, EnvUnshareGroup, EnvNoTHP} {
		os.Unsetenv(k)
	}
}

// Err returns the failure the constructor met, if any ("setns(user):
// Operation not permitted").
func Err() string {
	return C.GoString(&C.nakami_nsenter_err[0])
}
