package child

// The child protocol, parent side: Spawn clones the child in its new
// namespaces, sends it its Spec on fd 3 and reads its stage messages from
// fd 4 into the transcript until StageReady or StageError (the exchange is
// drawn in doc.go); Process is the running child, which Stop, Send and
// Detach talk to through fd 3.
//
// Syscalls: pipe2(2), clone(2) or clone3(2) with CLONE_INTO_CGROUP (through
// os/exec), write(2) to /proc/PID/uid_map, gid_map and setgroups, open(2)
// of the cgroup directory, kill(2), wait4(2). Man pages: clone(2),
// user_namespaces(7), cgroups(7).

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"nakami/engine"
	"nakami/engine/nsenter"
	"nakami/engine/procfs"
)

// Hidden first arguments of /proc/self/exe.
const (
	RoleChild = "__nakami_child__"
	RolePause = "__nakami_pause__"
	RoleProbe = "__nakami_probe__"
)

// Spec is what the child is asked to do inside its new namespaces.
type Spec struct {
	Role      string   `json:"role"`
	NewNS     []string `json:"new_ns"`               // namespace types to create
	Hostname  string   `json:"hostname,omitempty"`   // sethostname(2) in the new UTS namespace
	MountProc bool     `json:"mount_proc,omitempty"` // make / private, mount a fresh proc on /proc
	Tmpfs     string   `json:"tmpfs,omitempty"`      // mount a tmpfs with this source name on /tmp
	ShmKey    int      `json:"shm_key,omitempty"`    // create a SysV shared memory segment
	Spawn     bool     `json:"spawn,omitempty"`      // start one more process inside
	Boottime  int64    `json:"boottime,omitempty"`   // time namespace boottime offset, seconds
	Shell     string   `json:"-"`                    // the command a person would type
	// CgroupTasks (v1): tasks files the child writes "0" into before
	// anything else, in the nsenter constructor while it has one thread.
	// CgroupDir (v2): the group the parent clones the child into. Set both
	// through Group.Place.
	CgroupTasks []string `json:"cgroup_tasks,omitempty"`
	CgroupDir   string   `json:"-"`
	// Exec: after its stages the child becomes this hidden role (name and
	// arguments), which then sends "ready" itself.
	Exec []string `json:"exec,omitempty"`
	// ExecPath is the file Exec runs instead of /proc/self/exe: inside a
	// root filesystem, where no /proc is mounted, it is rootfs.SelfPath.
	ExecPath string `json:"exec_path,omitempty"`
	// The root the child ends up in (root_linux.go), in this order:
	// DropCaps removes capabilities (e.g. "cap_sys_chroot") from the
	// bounding set of every thread (and from permitted and effective:
	// at once, or at the execve into Exec after a change of root),
	// PivotRoot makes the directory the root of a new mount namespace
	// ("mnt" must be in NewNS), Chroot changes the root directory to it.
	PivotRoot string   `json:"pivot_root,omitempty"`
	Chroot    string   `json:"chroot,omitempty"`
	DropCaps  []string `json:"drop_caps,omitempty"`
	// Stdio, when set, are the child's fds 0, 1 and 2 (else /dev/null and
	// a relay of stderr). Follow keeps fd 4 read after "ready": the
	// messages the role sends later arrive on Process.Messages.
	Stdio  []*os.File `json:"-"`
	Follow bool       `json:"-"`
	// InProcess: Exec names a role of this binary, which the child calls
	// itself instead of execve(2)ing into it (one Go start fewer).
	InProcess bool `json:"in_process,omitempty"`
}

// Process is a running child process holding namespaces.
type Process struct {
	Spec   Spec
	PID    int         // as the host sees it
	Inside int         // as the child sees itself
	Ops    []engine.Op // what the child (and the role it became) reported, up to ready (and up to done, once Go returned)
	cmd    *exec.Cmd
	cfg    *os.File
	entry  engine.Entry
	s      *engine.Session
	done   chan struct{}
	after  chan Message // what the role reports after ready, until EOF
}

// Spawn starts a child in new namespaces, journals it, and waits until it
// reports ready (or fails). Each of the child's stages lands in s.T.
func Spawn(s *engine.Session, spec Spec) (*Process, error) {
	for _, n := range spec.NewNS {
		if _, ok := procfs.NSTypeByName(n); !ok {
			return nil, fmt.Errorf("unknown namespace type %q", n)
		}
	}
	cfgR, cfgW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	msgR, msgW, err := os.Pipe()
	if err != nil {
		cfgR.Close()
		cfgW.Close()
		return nil, err
	}
	cmd := exec.Command("/proc/self/exe", RoleChild)
	cmd.ExtraFiles = []*os.File{cfgR, msgW}
	cmd.Stderr = stderrRelay()
	if len(spec.Stdio) == 3 {
		cmd.Stdin, cmd.Stdout, cmd.Stderr = spec.Stdio[0], spec.Stdio[1], spec.Stdio[2]
	}
	cmd.Env = noTHPEnv(os.Environ(), spec) // thp_linux.go
	if len(spec.CgroupTasks) > 0 {
		cmd.Env = append(cmd.Env, nsenter.EnvCgroupTasks+"="+strings.Join(spec.CgroupTasks, "\n"))
	}
	attr := &syscall.SysProcAttr{}
	var flagNames []string
	for _, n := range spec.NewNS {
		t, _ := procfs.NSTypeByName(n)
		if n == "time" {
			// The constructor creates it, so the offset can be written first.
			cmd.Env = append(cmd.Env, nsenter.EnvUnshareTime+"="+strconv.FormatInt(spec.Boottime, 10))
		} else {
			attr.Cloneflags |= t.Flag
		}
		flagNames = append(flagNames, n)
	}
	if attr.Cloneflags&procfs.CloneNewUser != 0 {
		attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}}
		attr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}}
		attr.GidMappingsEnableSetgroups = false
	}
	cmd.SysProcAttr = attr
	cmd.Env = engine.FakeEnviron(cmd.Env)
	faked := ""
	if engine.Faking() {
		// The negative control (engine/fake.go): the namespaces are
		// reported, not made, and the child fakes its stages (a change of
		// root, a capability drop); a process with nothing to fake, whose
		// start is itself the result, or one that must run inside a cgroup
		// (a workload), is not started at all.
		fakeable := len(spec.NewNS) > 0 || spec.Chroot != "" || spec.PivotRoot != "" || len(spec.DropCaps) > 0
		if !fakeable || spec.CgroupDir != "" || len(spec.CgroupTasks) > 0 {
			closeAll(cfgR, cfgW, msgR, msgW)
			s.T.Add(engine.Op{Call: "clone()", Shell: spec.Shell, By: "nakami", Outcome: "faked", Failed: true, Faked: true, Detail: engine.ErrFaked.Error()})
			return nil, engine.ErrFaked
		}
		attr.Cloneflags, attr.UidMappings, attr.GidMappings = 0, nil, nil
		cmd.Env = slices.DeleteFunc(cmd.Env, func(kv string) bool { return strings.HasPrefix(kv, nsenter.EnvUnshareTime+"=") })
		faked = engine.NoteFakedNoNS
	}

	call := fmt.Sprintf("clone(%s)", procfs.CloneFlagString(flagNames))
	if len(flagNames) == 0 {
		call = "clone()"
	}
	if spec.CgroupDir != "" {
		fd, err := syscall.Open(spec.CgroupDir, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
		if err != nil {
			cfgR.Close()
			cfgW.Close()
			msgR.Close()
			msgW.Close()
			return nil, fmt.Errorf("cannot open cgroup %s: %w", spec.CgroupDir, err)
		}
		defer syscall.Close(fd)
		attr.UseCgroupFD, attr.CgroupFD = true, fd
		call = fmt.Sprintf("clone3({flags: %s, cgroup: open(%q)})", strings.TrimPrefix(procfs.CloneFlagString(flagNames)+"|CLONE_INTO_CGROUP", "|"), spec.CgroupDir)
	}
	start := time.Now()
	err = cmd.Start()
	cfgR.Close()
	msgW.Close()
	op := engine.Op{Call: call, Shell: spec.Shell, Duration: time.Since(start), By: "nakami"}
	if err != nil {
		op.Outcome, op.Failed, op.Detail = engine.ErrnoName(err), true, err.Error()
		s.T.Add(op)
		cfgW.Close()
		msgR.Close()
		return nil, fmt.Errorf("cannot start a child in new %v namespaces: %w", flagNames, err)
	}
	op.Detail, op.Faked = "pid "+strconv.Itoa(cmd.Process.Pid)+faked, faked != ""
	s.T.Add(op)
	c := &Process{Spec: spec, PID: cmd.Process.Pid, cmd: cmd, cfg: cfgW, s: s, done: make(chan struct{}), after: make(chan Message, 64)}
	// The PID exists only after clone, so the journal line follows it; until
	// that line is written the child is still tied to us by the pipe.
	c.entry, err = s.RecordProcess(c.PID)
	go func() { cmd.Wait(); close(c.done) }()
	if err != nil {
		c.kill()
		msgR.Close()
		return nil, err
	}
	if err := json.NewEncoder(cfgW).Encode(spec); err != nil {
		c.kill()
		msgR.Close()
		return nil, fmt.Errorf("cannot send the child its configuration: %w", err)
	}
	if err := c.readStages(msgR); err != nil {
		c.Stop()
		return nil, err
	}
	c.noteTHP()
	return c, nil
}

// Adopt journals a process nakami started itself (not through Spawn) that
// holds while control stays open, so that Stop, Detach and the journal's
// unwind treat it like any child.
func Adopt(s *engine.Session, cmd *exec.Cmd, control *os.File, spec Spec) (*Process, error) {
	c := &Process{Spec: spec, PID: cmd.Process.Pid, Inside: cmd.Process.Pid, cmd: cmd, cfg: control, s: s, done: make(chan struct{})}
	var err error
	c.entry, err = s.RecordProcess(c.PID)
	go func() { cmd.Wait(); close(c.done) }()
	if err != nil {
		c.kill()
		return nil, err
	}
	return c, nil
}

func (c *Process) readStages(r *os.File) error {
	type result struct{ err error }
	res := make(chan result, 1)
	go func() {
		defer r.Close()
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			var m Message
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				res <- result{fmt.Errorf("the child sent an unreadable message: %.80q", sc.Bytes())}
				return
			}
			if m.Op != nil {
				m.Op.By = fmt.Sprintf("child %d", c.PID)
				c.s.T.Add(*m.Op)
				c.Ops = append(c.Ops, *m.Op)
			}
			switch m.Stage {
			case StageReady:
				c.Inside = m.PID
				res <- result{}
				c.readAfter(sc) // a role may report more after ready (await_linux.go)
				r.Close()
				return
			case StageError:
				res <- result{newFailure(m.Err, c.Ops)}
				return
			}
		}
		res <- result{fmt.Errorf("the child exited before it was ready")}
	}()
	select {
	case got := <-res:
		if got.err != nil {
			r.Close()
		}
		return got.err
	case <-time.After(15 * time.Second):
		r.Close()
		return fmt.Errorf("the child did not report ready within 15 s")
	}
}

// Messages are the role's messages after "ready" (Spec.Follow), closed
// when it closes fd 4 or exits; nil without Follow.
func (c *Process) Messages() <-chan Message {
	if !c.Spec.Follow {
		return nil
	}
	return c.after
}

// Stop ends the child (closing its pipe, then SIGKILL if it lingers) and
// marks it undone in the journal. A child that does not die even then (a
// task frozen by the v1 freezer only dies once thawed) is left to the
// journal's unwind, which thaws its cgroup.
func (c *Process) Stop() error {
	c.cfg.Close()
	select {
	case <-c.done:
	case <-time.After(2 * time.Second):
		c.cmd.Process.Kill()
		select {
		case <-c.done:
		case <-time.After(3 * time.Second):
			return fmt.Errorf("child %d did not exit after SIGKILL (is its cgroup frozen?)", c.PID)
		}
	}
	return c.s.Journal.Release(c.entry)
}

// Send writes one command to the child, e.g. "go" for a workload role.
func (c *Process) Send(cmd string) error {
	b, _ := json.Marshal(command{Cmd: cmd})
	_, err := c.cfg.Write(append(b, '\n'))
	return err
}

// Done is closed when the child has exited.
func (c *Process) Done() <-chan struct{} { return c.done }

// Status is the child's wait status once it has exited (ok false before).
func (c *Process) Status() (ws syscall.WaitStatus, ok bool) {
	select {
	case <-c.done:
		if c.cmd.ProcessState != nil {
			ws, ok = c.cmd.ProcessState.Sys().(syscall.WaitStatus)
		}
	default:
	}
	return ws, ok
}

// Exited reports whether the child has exited.
func (c *Process) Exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// Detach tells the child to outlive this process (for --keep); the journal
// still names it, so `nakami cleanup` removes it.
func (c *Process) Detach() error {
	return c.Send(CmdDetach)
}

func (c *Process) kill() {
	c.cmd.Process.Kill()
	c.cfg.Close()
	<-c.done
}

// stderrRelay gives children a pipe that nakami copies to its own stderr,
// rather than nakami's stderr itself: a child kept with --keep must not hold
// the caller's terminal or pipe open (a script waiting for nakami's output
// would wait for the kept child too). Once nakami is gone, nothing reads it.
func stderrRelay() *os.File {
	spawnStderr.once.Do(func() {
		r, w, err := os.Pipe()
		if err != nil {
			return
		}
		spawnStderr.w = w
		go func() { io.Copy(os.Stderr, r) }()
	})
	if spawnStderr.w == nil {
		return nil // /dev/null
	}
	return spawnStderr.w
}

var spawnStderr struct {
	once sync.Once
	w    *os.File
}

func closeAll(fs ...*os.File) {
	for _, f := range fs {
		f.Close()
	}
}
