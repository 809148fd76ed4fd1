// Package child runs work inside new or existing namespaces: the child
// protocol (Spawn and the one child end, Conn), the hidden roles the binary
// can be started as (RegisterRole, Main), joining a process's namespaces
// (JoinThread, JoinFile, Probe, ShellCommand), keeping a namespace alive
// with a bind mount (PersistNS), and the change of root a child makes
// before it becomes a role (the capability drop, pivot_root, chroot).
//
// Work that must happen inside new namespaces runs in a child started as
// /proc/self/exe with a hidden first argument. The parent sends the child
// its Spec and reads a typed message (a Stage) per operation, so the
// transcript narrates what happened inside:
//
//	parent (Spawn)                            child (/proc/self/exe __nakami_child__)
//	  │ clone(CLONE_NEW…) + uid/gid maps ───────► │ [C constructor: time ns, nsenter]
//	  │ fd 3 ─── Spec (one JSON line) ──────────► │ Conn.ReadConfig
//	  │ ◄──── {stage:"cgroup", op} ───────── fd 4 │ write(tasks, "0") before Go starts (v1)
//	  │ ◄──── {stage:"time", op} ──────────────── │ (what the constructor did)
//	  │ ◄──── {stage:"hostname", op} ──────────── │ sethostname(2)
//	  │ ◄──── {stage:"mount", op} ─────────────── │ mount --make-rprivate /; proc; tmpfs
//	  │ ◄──── {stage:"ipc", op} ───────────────── │ shmget(2)
//	  │ ◄──── {stage:"spawn", op} ─────────────── │ one more process inside
//	  │ ◄──── {stage:"caps"|"pivot_root"|"chroot", op} the change of root, below
//	  │ ◄──── {stage:"ready", pid} ────────────── │ Conn.Ready; holds: the namespaces stay alive
//	  │ fd 3 ─── {"cmd":"detach"} (--keep) ─────► │ then ignores EOF, waits for a signal
//	  │ close(fd 3) ────────────── EOF ─────────► │ exits; a PID namespace dies with it
//
// Any failed stage is followed by {stage:"error", err}, and the parent
// stops reading. If the parent dies (even by SIGKILL) fd 3 reaches EOF and
// the child exits, so a held namespace never outlives its session unless
// it was detached. On cgroup v2 the parent clones the child straight into
// its group (clone3 CLONE_INTO_CGROUP) and there is no "cgroup" stage.
//
// A child with Spec.Exec then execve(2)s a hidden role (a workload, the
// chroot escape, the serve role, the container), which inherits fds 3 and
// 4, attaches to them (Attach) and speaks for itself: stages of its own,
// then "ready", perhaps waiting for {"cmd":"go"}, holding until EOF:
//
//	parent                                    child → ROLE
//	  │ ◄──── {stage:"exec", op} ──────────────── │ execve("/proc/self/exe", ROLE…)
//	  │ ◄──── {stage:"fork"|"escape"|…, op} ───── │ (the role)
//	  │ ◄──── {stage:"ready", pid} ────────────── │
//	  │ fd 3 ─── {"cmd":"go"} ──────────────────► │ e.g. the memory hog starts allocating
//
// The change of root, in this order (root_linux.go):
//
//	caps        prctl(PR_CAPBSET_DROP) on every thread (libcap's cap package;
//	            a bare prctl changes only the calling thread)
//	pivot_root  mount(NULL, "/", NULL, MS_REC|MS_PRIVATE)      nothing propagates to the host
//	            mount(new_root, new_root, NULL, MS_BIND|MS_REC) new_root becomes a mount point
//	            chdir(new_root); mkdir(".put_old")
//	            mount("proc", "proc", "proc")                  a /proc for the new root
//	            pivot_root(".", ".put_old")                    the old root hangs on /.put_old
//	            umount2("/.put_old", MNT_DETACH); rmdir; chdir("/")
//	chroot      chroot(dir); chdir("/")
//	exec        execve(ExecPath inside the new root, ROLE…)
//
// Joining existing namespaces: uts, ipc, net and cgroup from a locked OS
// thread; mnt after unshare(CLONE_FS) on that thread; user, time and pid
// need a single-threaded process, so a fresh copy of the binary joins them
// in the C constructor of package nsenter before the Go runtime starts.
//
// Syscalls: clone(2), clone3(2), pipe2(2), execve(2), setns(2),
// unshare(2), sethostname(2), mount(2), umount2(2), pivot_root(2),
// chroot(2), chdir(2), mkdir(2), rmdir(2), shmget(2), prctl(2)
// PR_CAPBSET_DROP, capset(2), kill(2), wait4(2), uname(2).
// Man pages: clone(2), namespaces(7), user_namespaces(7),
// pid_namespaces(7), mount_namespaces(7), setns(2), nsenter(1),
// pivot_root(2), chroot(2), capabilities(7), cgroups(7).
package child
