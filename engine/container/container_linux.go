package container

// A whole container, the way the article's first chapter builds one by
// hand: a process in new mount, UTS, IPC, network, PID and user namespaces,
// inside a cgroup from its first instruction, with its own /proc, the host's
// /dev/null bound in, a new hostname, CAP_SYS_CHROOT gone, pivoted into a
// root filesystem, and then a plain /bin/sh as its first process.
//
// The child protocol (package child) does the first part; the hidden role
// __nakami_container__ does the rest in the new namespaces, then execve()s
// the shell, which keeps PID 1 (as the container sees it):
//
//	parent (nakami)                        child → __nakami_container__ → /bin/sh
//	  │ clone(NEWNS|NEWUTS|NEWIPC|NEWNET|NEWPID|NEWUSER), uid/gid map 0 → us
//	  │ ◄── cgroup: echo $$ > …/cgroup.procs ─────│ (v2: clone3 CLONE_INTO_CGROUP)
//	  │ ◄── hostname ─────────────────────────────│
//	  │ ◄── exec /proc/self/exe __nakami_container__
//	  │ ◄── console: open FIFOs as fds 0, 1, 2 ───│ the learner's "terminal"
//	  │ ◄── mount --make-rprivate /; touch + mount --bind /dev/null
//	  │ ◄── pivot_root (bind, proc, pivot, detach the old root)
//	  │ ◄── caps: drop CAP_SYS_CHROOT from the bounding set (libcap)
//	  │ ◄── ready, then execve("/bin/sh") ────────│
//	  │ console-in ── "uname -n; echo MARK $?" ─► │ sh reads and runs it
//	  │ ◄── console-out ── output, MARK 0 ────────│
//	  │ console-in ── "exit" ───────────────────► │ PID 1 exits: the namespace's
//	                                               processes are killed with it
//
// The console is two FIFOs in the session's temporary directory (journaled),
// opened before the pivot, so nothing of them is visible inside. The parent
// holds both open read-write: when it dies, even by SIGKILL, console-in has
// no writer left, the shell reads EOF and exits, and the container with it.
// fd 3 (the child protocol's configuration pipe) stays open in the shell, so
// a hidden role started from it (the busy loop) ends when the parent closes
// that pipe, exactly as if the parent had started it.
//
// Syscalls: mkfifo(2), open(2), dup3(2), mount(2) (MS_REC|MS_PRIVATE,
// MS_BIND, proc), pivot_root(2), umount2(2), execve(2), read(2)/write(2) on
// FIFOs with deadlines (epoll). Man pages: fifo(7), namespaces(7),
// user_namespaces(7), pid_namespaces(7), mount_namespaces(7), pivot_root(2),
// capabilities(7), cgroups(7).

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"nakami/engine"
	"nakami/engine/child"

	"golang.org/x/sys/unix"
)

// Role is the hidden role that finishes a container: ROOTFS IN OUT.
const Role = "__nakami_container__"

// Namespaces are the namespaces of `unshare -muinpr` (-f is the fork).
var Namespaces = []string{"mnt", "uts", "ipc", "net", "pid", "user"}

func init() { child.RegisterRole(Role, containerMain) }

// NewSpec returns the child.Spec of a container whose first process is
// /bin/sh from rootfs, reading the console. Place it in a group with
// Group.Place.
func NewSpec(role, hostname, rootfs string, con *Console) child.Spec {
	return child.Spec{
		Role:     role,
		NewNS:    Namespaces,
		Hostname: hostname,
		Exec:     []string{Role, rootfs, con.In, con.Out},
		Shell: fmt.Sprintf("cgexec -g cpu,memory:$UUID unshare -muinpfr /bin/sh -c \"mount -t proc proc $ROOTFS/proc; "+
			"touch $ROOTFS/dev/null; mount --bind /dev/null $ROOTFS/dev/null; hostname %s; "+
			"exec capsh --chroot=$ROOTFS --drop=cap_sys_chroot -- -c 'exec /bin/sh'\"", hostname),
	}
}

func containerMain(args []string) int {
	// Attach only sends here: fd 3 stays unread and open for the shell.
	c := child.Attach()
	if len(args) != 3 || !filepath.IsAbs(args[0]) {
		c.Fail("the container role needs ROOTFS IN OUT")
		return 2
	}
	rootfs, in, out := args[0], args[1], args[2]
	if c.Stage(child.StageConsole, fmt.Sprintf("open(%q, O_RDONLY) → 0; open(%q, O_WRONLY) → 1, 2", in, out),
		"exec <console-in >console-out 2>&1", func() error {
			r, err := unix.Open(in, unix.O_RDONLY|unix.O_CLOEXEC, 0)
			if err != nil {
				return err
			}
			w, err := unix.Open(out, unix.O_WRONLY|unix.O_CLOEXEC, 0)
			if err != nil {
				return err
			}
			for _, d := range [][2]int{{r, 0}, {w, 1}, {w, 2}} {
				if err := unix.Dup3(d[0], d[1], 0); err != nil {
					return err
				}
			}
			unix.Close(r)
			unix.Close(w)
			return nil
		}) != nil {
		return 3
	}
	if makePrivate(c) != nil || bindNull(c, rootfs) != nil {
		return 3
	}
	if child.PivotInto(c, rootfs) != nil {
		return 3
	}
	// Only now: libcap reaches every thread by the thread ids in
	// /proc/self/task, and until the pivot /proc is the host's, whose ids
	// mean nothing to tgkill(2) in this PID namespace. The shell gets
	// permitted = effective = bounding at its execve.
	if child.DropCaps(c, child.Spec{DropCaps: []string{"cap_sys_chroot"}, PivotRoot: rootfs, Exec: []string{"/bin/sh"}}) != nil {
		return 3
	}
	argv := []string{"/bin/sh"}
	env := []string{"PATH=/bin", "HOME=/root", "LANG=C", "TERM=dumb"}
	c.Report(child.StageExec, engine.Op{Call: fmt.Sprintf("execve(\"/bin/sh\", %q)", argv), Shell: "exec /bin/sh", Outcome: "ok",
		Detail: engine.NoteShellPID1})
	c.Ready()
	unix.CloseOnExec(4)
	err := unix.Exec("/bin/sh", argv, env)
	fmt.Fprintln(os.Stderr, "execve /bin/sh:", err)
	return 3
}

// Console is a container's terminal: two FIFOs, the shell's standard input
// and its output.
type Console struct {
	In, Out string
	w, r    *os.File
	br      *bufio.Reader
	n       int
}

// NewConsole makes (journaled) and opens the two FIFOs of a console.
func NewConsole(s *engine.Session, name string) (*Console, error) {
	tmp, err := s.TempDir()
	if err != nil {
		return nil, err
	}
	c := &Console{In: filepath.Join(tmp, name+"-console-in"), Out: filepath.Join(tmp, name+"-console-out")}
	for _, p := range []string{c.In, c.Out} {
		if _, err := os.Stat(p); err == nil {
			continue // a step run again reuses its FIFOs
		}
		if _, err := s.Journal.Record(engine.Entry{Kind: engine.KindFile, Path: p}); err != nil {
			return nil, err
		}
		if err := s.T.Do(fmt.Sprintf("mkfifo(%q, 0600)", p), "mkfifo "+p, func() error { return unix.Mkfifo(p, 0o600) }); err != nil {
			return nil, err
		}
	}
	// Read-write opens never block on a FIFO, and keep it from ever seeing
	// EOF while we live.
	if c.w, err = os.OpenFile(c.In, os.O_RDWR, 0); err != nil {
		return nil, err
	}
	if c.r, err = os.OpenFile(c.Out, os.O_RDWR, 0); err != nil {
		c.w.Close()
		return nil, err
	}
	c.br = bufio.NewReader(c.r)
	return c, nil
}

// Close closes the parent's ends: the shell then reads EOF.
func (c *Console) Close() {
	c.w.Close()
	c.r.Close()
}

// Send types a line without waiting for anything (e.g. "exit").
func (c *Console) Send(t *engine.Transcript, line string) error {
	return t.Do(fmt.Sprintf("write(console-in, %q)", line+"\n"), line, func() error {
		_, err := c.w.WriteString(line + "\n")
		return err
	})
}

// Type types a command line into the container's shell and returns what
// it printed and its exit status, read back from console-out up to a marker
// line the shell echoes after it.
func (c *Console) Type(t *engine.Transcript, line string, timeout time.Duration) (string, int, error) {
	c.n++
	mark := fmt.Sprintf("__nakami_done_%d__", c.n)
	start := time.Now()
	op := engine.Op{Call: fmt.Sprintf("write(console-in, %q); read(console-out)", line+"\n"), Shell: line, By: "sh (inside)", Outcome: "ok"}
	if err := engine.FakeRefusal(); err != nil { // the output is the result: nothing typed
		op.Outcome, op.Failed, op.Faked, op.Detail = "faked", true, true, err.Error()
		t.Add(op)
		return "", 0, err
	}
	out, status, err := c.roundTrip(line, mark, timeout)
	op.Duration = time.Since(start)
	op.Detail = strings.TrimRight(out, "\n")
	if err != nil {
		op.Outcome, op.Failed, op.Detail = "error", true, err.Error()
	} else if status != 0 {
		op.Outcome = fmt.Sprintf("exit %d", status)
	}
	if t != nil {
		t.Add(op)
	}
	return out, status, err
}

func (c *Console) roundTrip(line, mark string, timeout time.Duration) (string, int, error) {
	if _, err := fmt.Fprintf(c.w, "%s\necho %s $?\n", line, mark); err != nil {
		return "", 0, err
	}
	c.r.SetReadDeadline(time.Now().Add(timeout))
	defer c.r.SetReadDeadline(time.Time{})
	var b strings.Builder
	for {
		l, err := c.br.ReadString('\n')
		if err != nil {
			return b.String(), 0, fmt.Errorf("the container's shell did not answer %q within %v: %w", line, timeout, err)
		}
		if rest, ok := strings.CutPrefix(l, mark+" "); ok {
			var status int
			fmt.Sscan(rest, &status)
			return b.String(), status, nil
		}
		b.WriteString(l)
	}
}
