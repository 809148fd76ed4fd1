// Package doctor is `nakami doctor`, the preflight: whether nakami runs as
// root, whether user namespaces can be made (a real clone(2), not a guess
// from sysctls), the cgroup mode (v1, v2, hybrid) and its controllers,
// overlay and netlink support, and which tools are installed; from those,
// which lessons can run here and why not.
//
// Syscalls: clone(2) CLONE_NEWUSER, statfs(2) on /sys/fs/cgroup, socket(2)
// AF_NETLINK; reads of /proc/filesystems and /proc/sysvipc/shm.
// Man pages: user_namespaces(7), cgroups(7), netlink(7).
package doctor
