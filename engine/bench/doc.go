// Package bench measures what `nakami bench` shows side by side, in one
// run, the candidates alternating so that a noisy moment of the machine
// falls on all of them: the start of a container running /bin/true (a bare
// fork+exec as the floor, unshare(1)+chroot(1), nakami container run, and
// runc and crun on an OCI bundle of the same root filesystem when they are
// installed; a missing one is named), the network topology of the network
// lesson made through netlink and through ip(8), and ten overlay containers
// on one image against ten copies of it.
//
// crun on a hybrid cgroup host (v1 controllers plus a cgroup2 mount at
// /sys/fs/cgroup/unified) takes the cgroup2 mount for the unified mode and
// fails, so it runs from an OS thread that has its own mount namespace in
// which that mount is detached: unshare(CLONE_FS|CLONE_NEWNS) on a locked
// thread, then umount2(MNT_DETACH); the processes that thread forks inherit
// its namespace, nobody else sees it, and it ends with the thread.
//
// Syscalls: fork(2)/execve(2)/wait4(2) (os/exec), unshare(2), mount(2)
// MS_REC|MS_PRIVATE, umount2(2), rtnetlink (package netlab), mount(2)
// overlay (package overlay). Man pages: unshare(1), chroot(1), runc(8),
// crun(1), ip(8), mount_namespaces(7), cgroups(7).
package bench
