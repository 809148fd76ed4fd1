package container

// The first process of `nakami container run`: the hidden role
// __nakami_init__ finishes the container (setup_linux.go), then stays PID 1
// of the PID namespace while the command runs as its child, as tini and
// docker run --init do:
//
//	child.Spawn (namespaces, cgroup, hostname) → execve __nakami_init__ CONFIG
//	  private / → minimal /dev (+ pts, + console) → pivot_root → capabilities
//	  → ready → fork+execve CMD (setsid, and TIOCSCTTY with a terminal)
//	  loop: wait4(-1) reaps every orphan; signals are forwarded to CMD
//	  CMD ends → {stage:"exited", status} → exit with its status (the PID
//	  namespace, and whatever is left in it, dies with PID 1)
//	  --keep: hold instead, for nsenter, until a signal (nakami cleanup)
//	EOF on fd 3 (nakami is gone; not with --keep) → kill(-1, SIGKILL), exit
//
// Syscalls: fork(2)/execve(2) (os.StartProcess), setsid(2), ioctl(2)
// TIOCSCTTY, wait4(2), kill(2), rt_sigaction(2) (os/signal), dup3(2).
// Man pages: pid_namespaces(7) ("the init process"), wait(2), signal(7),
// credentials(7).

import (
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"nakami/engine"
	"nakami/engine/child"
)

// InitRole is the hidden role of a `container run` container's PID 1.
const InitRole = "__nakami_init__"

func init() { child.RegisterRole(InitRole, initMain) }

// initConfig is what the role is told, as one JSON argument.
type initConfig struct {
	Rootfs string   `json:"rootfs"`
	Caps   []string `json:"caps"`
	TTY    bool     `json:"tty"`
	Argv   []string `json:"argv"`
	Keep   bool     `json:"keep"`    // hold after CMD, and outlive nakami
	WaitGo bool     `json:"wait_go"` // start CMD at {"cmd":"go"} (the parent sets up the network first)
}

// searchPath is the PATH the command is looked up in, inside the root.
const searchPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

func initMain(args []string) int {
	c := child.Attach()
	var cfg initConfig
	if len(args) != 1 || json.Unmarshal([]byte(args[0]), &cfg) != nil || len(cfg.Argv) == 0 {
		c.Fail("the init role needs one JSON configuration")
		return 2
	}
	console := ""
	if cfg.TTY {
		console, _ = os.Readlink("/proc/self/fd/0")
	}
	if makePrivate(c) != nil || minimalDev(c, cfg.Rootfs, console) != nil || child.PivotInto(c, cfg.Rootfs) != nil ||
		keepOnly(c, cfg.Caps) != nil {
		return 3
	}
	path, err := lookPath(cfg.Argv[0])
	if err != nil {
		c.Fail(err.Error())
		return 127
	}
	// Watch the parent first: EOF on fd 3 means nakami is gone, and unless
	// the container is kept, so must it be. "go" starts CMD (WaitGo).
	goCmd := make(chan struct{})
	go func() {
		started := false
		for {
			cmd, ok := c.Next()
			if !ok {
				if cfg.Keep {
					return
				}
				unix.Kill(-1, unix.SIGKILL) // every process of this PID namespace but PID 1
				os.Exit(137)
			}
			if cmd == child.CmdGo && !started {
				started = true
				close(goCmd)
			}
		}
	}()
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs)
	env := []string{"PATH=" + searchPath, "HOME=/root", "TERM=" + termOr(cfg.TTY)}
	c.Report(child.StageExec, engine.Op{Call: fmt.Sprintf("fork(); execve(%q, %s)", path, engine.Argv(cfg.Argv)), Shell: strings.Join(cfg.Argv, " "),
		Outcome: "ok", Detail: engine.NoteInitStays})
	c.Ready()
	if cfg.WaitGo {
		<-goCmd
	}
	unix.CloseOnExec(3)
	unix.CloseOnExec(4)
	p, err := os.StartProcess(path, cfg.Argv, &os.ProcAttr{Dir: "/", Env: env, Files: []*os.File{os.Stdin, os.Stdout, os.Stderr},
		Sys: &syscall.SysProcAttr{Setsid: true, Setctty: cfg.TTY, Ctty: 0}})
	if err != nil {
		fmt.Fprintf(os.Stderr, "nakami: cannot start %s in the container: %v\n", cfg.Argv[0], err)
		c.Send(child.Message{Stage: child.StageExited, Status: 126})
		return 126
	}
	go func() {
		for s := range sigs {
			if s != unix.SIGCHLD && s != unix.SIGURG { // SIGURG: the Go runtime's own preemption
				p.Signal(s)
			}
		}
	}()
	status := reap(p.Pid)
	c.Send(child.Message{Stage: child.StageExited, Status: status})
	if cfg.Keep {
		// --keep: the namespaces stay for nsenter; nothing holds the
		// caller's terminal or pipes.
		if null, err := os.OpenFile("/dev/null", os.O_RDWR, 0); err == nil {
			for fd := 0; fd <= 2; fd++ {
				unix.Dup3(int(null.Fd()), fd, 0)
			}
		}
		unix.Close(3)
		unix.Close(4)
		signal.Reset()
		hold := make(chan os.Signal, 1)
		signal.Notify(hold, unix.SIGTERM, unix.SIGINT, unix.SIGHUP)
		<-hold
		return 0
	}
	return status
}

// reap waits for every child until pid ends, and returns its status as a
// shell reports it: the exit code, or 128+N for signal N.
func reap(pid int) int {
	for {
		var ws unix.WaitStatus
		got, err := unix.Wait4(-1, &ws, 0, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return 127
		}
		if got != pid {
			continue // an orphan, reaped
		}
		if ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ws.ExitStatus()
	}
}

// lookPath finds name inside the new root, as a shell would.
func lookPath(name string) (string, error) {
	if strings.Contains(name, "/") {
		if st, err := os.Stat(name); err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
			return "", fmt.Errorf("%s is not an executable file in the root filesystem", name)
		}
		return name, nil
	}
	for _, dir := range filepath.SplitList(searchPath) {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s is not in the root filesystem's %s", name, searchPath)
}

func termOr(tty bool) string {
	if t := os.Getenv("TERM"); tty && t != "" {
		return t
	}
	if tty {
		return "xterm"
	}
	return "dumb"
}

func isTerminal(fd int) bool {
	_, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	return err == nil
}
