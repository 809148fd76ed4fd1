// Package container is the first-container lesson's container, and the
// small runtime of `nakami container run`: a process in new mount, UTS,
// IPC, network, PID and user namespaces, inside a cgroup from its first
// instruction, pivoted into a root filesystem with CAP_SYS_CHROOT gone,
// whose first process is /bin/sh reading a console of two FIFOs.
//
//	child.Spawn (namespaces, cgroup, hostname)
//	  → execve __nakami_container__ ROOTFS IN OUT
//	      console (FIFOs on 0,1,2) → mount --make-rprivate / → bind /dev/null
//	      → pivot_root → drop CAP_SYS_CHROOT → ready → execve /bin/sh (PID 1)
//
// Syscalls: mkfifo(2), open(2), dup3(2), mount(2), pivot_root(2),
// umount2(2), prctl(2) PR_CAPBSET_DROP, execve(2), read(2)/write(2).
// Man pages: namespaces(7), pid_namespaces(7), user_namespaces(7),
// mount_namespaces(7), pivot_root(2), capabilities(7), cgroups(7), fifo(7).
package container
