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
// offset (offsets must be written before any process enters it), and for
// joining a cgroup v1 group while the process has one thread: writing "0" to
// a hierarchy's tasks file moves the writing thread without the global lock
// a whole-process move takes (see nakami_place).
//
// Import it for its side effect in every binary that re-executes itself:
//
//	import _ "nakami/engine/nsenter"
package nsenter

/*
#cgo CFLAGS: -Wall -Wextra -std=gnu11
extern char nakami_nsenter_err[256];
extern long long nakami_tasks_ns[8];
extern int nakami_tasks_done;
*/
import "C"

import (
	"os"
	"time"
)

// Variables the constructor reads. The engine sets them on a child's
// environment; nothing else should.
const (
	EnvPID          = "_NAKAMI_NSENTER_PID"
	EnvTypes        = "_NAKAMI_NSENTER_TYPES"
	EnvUnshareTime  = "_NAKAMI_UNSHARE_TIME"
	EnvUnshareGroup = "_NAKAMI_UNSHARE_CGROUP"
	EnvNoTHP        = "_NAKAMI_NO_THP"
	EnvCgroupTasks  = "_NAKAMI_CGROUP_TASKS" // tasks files, one per line
)

func init() {
	// The constructor already removed them from libc's environ; Go copied
	// the environment from the initial stack, so remove them here too.
	for _, k := range []string{EnvPID, EnvTypes, EnvUnshareTime, EnvUnshareGroup, EnvNoTHP, EnvCgroupTasks} {
		os.Unsetenv(k)
	}
}

// Err returns the failure the constructor met, if any ("setns(user):
// Operation not permitted").
func Err() string {
	return C.GoString(&C.nakami_nsenter_err[0])
}

// Placed returns how long each write of "0" to an EnvCgroupTasks file took,
// in order; fewer than asked when one failed (see Err).
func Placed() []time.Duration {
	var out []time.Duration
	for i := 0; i < int(C.nakami_tasks_done) && i < len(C.nakami_tasks_ns); i++ {
		out = append(out, time.Duration(C.nakami_tasks_ns[i]))
	}
	return out
}
