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
// `nakami container run` (run_linux.go) uses the same Spawn and the same
// setup (setup_linux.go), with a minimal /dev instead of the console, and
// the capability set of options_linux.go; its first process is the init
// role (init_linux.go), which forks CMD, reaps orphans and forwards
// signals. image_linux.go unpacks docker export and docker save tarballs,
// tty_linux.go is -it's terminal, confine_linux.go the confinement report
// and escape attempts of the first-container lesson.
//
// Syscalls: mkfifo(2), open(2), dup3(2), mount(2), pivot_root(2),
// umount2(2), prctl(2) PR_CAPBSET_DROP, capset(2), execve(2),
// read(2)/write(2), fork(2), wait4(2), ioctl(2) on a pseudo-terminal.
// Man pages: namespaces(7), pid_namespaces(7), user_namespaces(7),
// mount_namespaces(7), pivot_root(2), capabilities(7), cgroups(7), fifo(7).
package container
