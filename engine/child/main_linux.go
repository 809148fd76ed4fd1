package child

// The child itself (childMain: the stages of a Spec, through Conn), and
// the two other hidden roles of the child protocol: a pause process, and
// probes that read kernel state from inside joined namespaces.
//
// Syscalls: (write(2) of "0" to tasks is the constructor's), sethostname(2), mount(2)
// (MS_REC|MS_PRIVATE on /, proc, tmpfs), shmget(2), clone(2)+execve(2) of
// the pause process, execve(2) into a role, uname(2), reads of
// /proc/uptime, /proc/sysvipc/shm and /proc/PID/ns, cgroup.
// Man pages: cgroups(7), mount(2), proc(5), shmget(2), uts_namespaces(7).

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"nakami/engine"
	"nakami/engine/nsenter"
	"nakami/engine/procfs"
)

// Main runs the hidden roles. Call it first thing in main (and TestMain);
// it returns false when the process is not one of them.
func Main() bool {
	if len(os.Args) < 2 {
		return false
	}
	switch os.Args[1] {
	case RoleChild:
		os.Exit(childMain())
	case RolePause:
		// Hold until the parent goes away (stdin closes) or a signal.
		buf := make([]byte, 1)
		os.Stdin.Read(buf)
		os.Exit(0)
	case RoleProbe:
		os.Exit(probeMain(os.Args[2:]))
	}
	if role, ok := roles[os.Args[1]]; ok {
		os.Exit(role(os.Args[2:]))
	}
	return false
}

func childMain() int {
	c := Attach()
	var spec Spec
	if err := c.ReadConfig(&spec); err != nil {
		c.Fail("no configuration from the parent: " + err.Error())
		return 3
	}
	// Into the cgroup first, before any work, so that nothing the child
	// does is ever accounted outside it: done by the constructor (v1), which
	// wrote "0" into each tasks file while this process had one thread.
	placed := nsenter.Placed()
	for i, f := range spec.CgroupTasks {
		op := engine.Op{Call: fmt.Sprintf("write(%q, \"0\")", f), Shell: "echo $$ > " + f, Outcome: "ok",
			Detail: engine.NotePlaced}
		if i >= len(placed) {
			op.Outcome, op.Failed, op.Detail = "failed", true, nsenter.Err()
			c.Report(StageCgroup, op)
			break
		}
		op.Duration = placed[i]
		c.Report(StageCgroup, op)
	}
	if e := nsenter.Err(); e != "" {
		c.Fail(e)
		return 3
	}
	if spec.Boottime != 0 || slices.Contains(spec.NewNS, "time") {
		c.Report(StageTime, engine.Op{
			Call:    fmt.Sprintf("unshare(CLONE_NEWTIME); write(timens_offsets, \"boottime %d 0\"); setns(time_for_children)", spec.Boottime),
			Shell:   fmt.Sprintf("unshare -T --boottime %d", spec.Boottime),
			Outcome: "ok", Detail: engine.NoteTimeNS,
		})
	}
	if spec.Hostname != "" {
		if c.Stage(StageHostname, fmt.Sprintf("sethostname(%q)", spec.Hostname), "hostname "+spec.Hostname,
			func() error { return unix.Sethostname([]byte(spec.Hostname)) }) != nil {
			return 3
		}
	}
	if spec.MountProc {
		if c.Stage(StageMount, `mount(NULL, "/", NULL, MS_REC|MS_PRIVATE, NULL)`, "mount --make-rprivate /",
			func() error { return unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, "") }) != nil {
			return 3
		}
		if c.Stage(StageMount, `mount("proc", "/proc", "proc", MS_NOSUID|MS_NODEV|MS_NOEXEC, NULL)`, "mount -t proc proc /proc",
			func() error {
				return unix.Mount("proc", "/proc", "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "")
			}) != nil {
			return 3
		}
	}
	if spec.Tmpfs != "" {
		if c.Stage(StageMount, fmt.Sprintf(`mount(%q, "/tmp", "tmpfs", 0, "size=1m")`, spec.Tmpfs),
			fmt.Sprintf("mount -t tmpfs -o size=1m %s /tmp", spec.Tmpfs),
			func() error { return unix.Mount(spec.Tmpfs, "/tmp", "tmpfs", 0, "size=1m") }) != nil {
			return 3
		}
	}
	if spec.ShmKey != 0 {
		if c.Stage(StageIPC, fmt.Sprintf("shmget(0x%x, 4096, IPC_CREAT|0600)", spec.ShmKey),
			fmt.Sprintf("ipcmk -M 4096 # key 0x%x", spec.ShmKey),
			func() error { _, err := unix.SysvShmGet(spec.ShmKey, 4096, unix.IPC_CREAT|0o600); return err }) != nil {
			return 3
		}
	}
	var pause *exec.Cmd
	if spec.Spawn {
		pause = exec.Command("/proc/self/exe", RolePause)
		pause.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		stdin, _ := pause.StdinPipe()
		defer stdin.Close()
		if c.Stage(StageSpawn, "clone() + execve(\"/proc/self/exe\")", "sleep infinity &",
			pause.Start) != nil {
			return 3
		}
		go pause.Wait()
	}
	if childRoot(c, spec) != nil {
		return 3
	}
	if role, ok := roles[firstOf(spec.Exec)]; ok && spec.InProcess {
		// A role of this binary, run without a second execve(2) and a
		// second start of the Go runtime and its packages.
		inherited = c
		return role(spec.Exec[1:])
	}
	if len(spec.Exec) > 0 {
		// The role inherits fds 3 and 4 (not close-on-exec) and sends
		// "ready" itself.
		path := "/proc/self/exe"
		if spec.ExecPath != "" {
			path = spec.ExecPath
		}
		argv := append([]string{path}, spec.Exec...)
		c.Report(StageExec, engine.Op{Call: fmt.Sprintf("execve(%q, %s)", path, engine.Argv(argv)), Shell: spec.Shell, Outcome: "ok"})
		err := unix.Exec(path, argv, os.Environ())
		c.Fail("execve: " + err.Error())
		return 3
	}
	c.Ready()
	return c.Hold()
}

func firstOf(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// probeMain reads one piece of kernel state from wherever the constructor
// put this process and prints it as JSON.
func probeMain(args []string) int {
	out := json.NewEncoder(os.Stdout)
	if e := nsenter.Err(); e != "" {
		fmt.Fprintln(os.Stderr, e)
		return 3
	}
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "probe needs one name")
		return 2
	}
	var v any
	var err error
	switch args[0] {
	case "hostname":
		var u unix.Utsname
		err = unix.Uname(&u)
		v = unix.ByteSliceToString(u.Nodename[:])
	case "id":
		// PID 1 of the joined PID namespace (the target, when it is PID 1
		// there) as the kernel shows it in the joined user namespace: its
		// ids translated through uid_map and gid_map, not this probe's own.
		var st procfs.Status
		if st, err = procfs.ReadStatusIn("/proc", 1); err == nil {
			v = map[string]int{"uid": st.Uid[0], "gid": st.Gid[0], "pid": st.PID}
		}
	case "ns":
		v, err = procfs.ReadNamespaces(os.Getpid())
	case "ps":
		v, err = procfs.ReadProcPIDs("/proc")
	case "uptime":
		var b []byte
		b, err = os.ReadFile("/proc/uptime")
		v = strings.Fields(string(b) + " ")[0]
	case "shm":
		var b []byte
		b, err = os.ReadFile("/proc/sysvipc/shm")
		v = procfs.ParseSysvKeys(string(b))
	case "cgroup":
		v, err = procfs.ReadCgroups(os.Getpid())
	case "pid1-cgroup":
		// PID 1's lines, rendered by the kernel relative to the joined
		// cgroup namespace's root.
		var b []byte
		if b, err = os.ReadFile("/proc/1/cgroup"); err == nil {
			v, err = procfs.ParseCgroup(string(b))
		}
	default:
		fmt.Fprintf(os.Stderr, "unknown probe %q\n", args[0])
		return 2
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	out.Encode(v)
	return 0
}
