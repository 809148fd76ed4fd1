package caps

// A process's effective, permitted and inheritable sets straight from the
// kernel, without /proc/PID/status: capget(2) answers for any PID in a
// fraction of a microsecond, where the kernel takes tens of microseconds
// to write a status file. A scan of every process uses it to find the few
// worth reading in full (an ambient capability is always inheritable too).
// Read only. capget(2) reports the thread with that ID (for a PID, the
// process's main thread) and has no ambient or bounding set.
//
// Syscalls: capget(2) (_LINUX_CAPABILITY_VERSION_3, 64 bits).
// Man pages: capget(2), capabilities(7).

import "golang.org/x/sys/unix"

// Peek returns pid's effective, permitted and inheritable sets.
func Peek(pid int) (eff, prm, inh uint64, err error) {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3, Pid: int32(pid)}
	var d [2]unix.CapUserData
	if err := unix.Capget(&hdr, &d[0]); err != nil {
		return 0, 0, 0, err
	}
	join := func(lo, hi uint32) uint64 { return uint64(hi)<<32 | uint64(lo) }
	return join(d[0].Effective, d[1].Effective), join(d[0].Permitted, d[1].Permitted),
		join(d[0].Inheritable, d[1].Inheritable), nil
}
