// Package cgroup makes and controls control groups: detection of the
// host's layout (v1, v2 or hybrid), one Group whose methods set CPU,
// memory and pids limits, freeze, kill and read statistics whichever
// version it lives in (a v1 and a v2 driver behind it), measurements from
// the kernel's own accounting (CPU share, throttling, the moments of an
// OOM), the lesson's workloads as hidden roles, and the undoer that
// removes journaled groups.
//
// cgroups have no system calls of their own: everything is a file.
//
//	v1 (one hierarchy per controller)          v2 (one unified tree)
//	/sys/fs/cgroup/cpu,cpuacct/                /sys/fs/cgroup/   (or …/unified on hybrid)
//	  nakami-<id>/G/cpu.cfs_quota_us             cgroup.subtree_control  "+cpu +memory +pids"
//	/sys/fs/cgroup/memory/                       nakami-<id>/            no processes of its own
//	  nakami-<id>/G/memory.limit_in_bytes          cgroup.subtree_control
//	/sys/fs/cgroup/pids/                           G/cpu.max  memory.max  pids.max
//	  nakami-<id>/G/pids.max                         cgroup.procs  cgroup.freeze  cgroup.kill
//	/sys/fs/cgroup/freezer/
//	  nakami-<id>/G/freezer.state
//
// Every directory is journaled before mkdir(2), under the session's own
// parent nakami-<id>; a child enters its group before it does anything
// (v1: its C constructor writes "0" to each tasks file; v2: clone3 with
// CLONE_INTO_CGROUP).
//
// The parsers of cgroupfs files and of the cgroup lines of mountinfo
// (cgroupfs.go) are pure and build and test on any OS.
//
// Syscalls: mkdir(2), rmdir(2), open(2)/write(2)/pread(2) on cgroupfs
// files, statfs(2), clone3(2) CLONE_INTO_CGROUP (in child.Spawn), kill(2),
// mmap(2), raw clone(2) and wait4(2) in the workloads.
// Man pages: cgroups(7), clone(2); the kernel's
// Documentation/admin-guide/cgroup-v1/ and cgroup-v2.rst,
// scheduler/sched-bwc.rst.
package cgroup
