// Package procfs reads the kernel's view of processes from /proc: the
// namespace links (/proc/PID/ns), status (credentials, capability sets,
// NSpid), stat (start time), uid_map and gid_map, cgroup membership, mount
// tables (mountinfo), time namespace offsets, network devices and the
// SysV shared memory table. It also names the namespace types (NSTypes,
// with their CLONE_NEW* flags).
//
// The parsers (procfs.go, nstypes.go) are pure: they build and are tested
// on any OS against captured fixtures in testdata/, hostile input
// included. The readers that open live /proc files are in procfs_linux.go.
//
// Syscalls: open(2)/read(2) and readlink(2) on procfs, nothing else.
// Man pages: proc(5), namespaces(7), user_namespaces(7) (the id map
// format), cgroups(7) (the cgroup line format), time_namespaces(7).
package procfs
