package caps

// Running programs with chosen capabilities: copies of this binary in a
// directory where set-user-ID and file capabilities take effect, and the
// hidden role __nakami_capexec__, which gives itself a capability state and
// then execve(2)s a file, so the kernel's execve rules can be watched.
//
//	nakami (root)                      helper (/proc/self/exe __nakami_capexec__ SPEC)
//	  │ fork+exec, pipes on 0 and 1 ──► │ capset(I)            every step reported
//	  │                                 │ PR_CAPBSET_DROP      as {"helper":{"op":…}}
//	  │                                 │ setuid (keep caps)   on fd 1
//	  │                                 │ securebits, capset(P,E,I)
//	  │                                 │ PR_CAP_AMBIENT_RAISE, PR_SET_NO_NEW_PRIVS
//	  │                                 │ execve(FILE) ─────┐ (same PID)
//	  │ ◄── PingReport (JSON line) ─────┼── FILE: nakami's ping, holding
//	  │ reads /proc/PID/status          │
//	  │ close(fd 0) ── EOF ───────────► │ exits
//
// A Go program has many threads and capabilities and no_new_privs belong to
// each thread, so every change goes through libcap's cap package, which
// makes it on all threads at once (a bare prctl would change one, and the
// thread that calls execve might be another).
//
// Syscalls: capset(2), prctl(2) PR_CAPBSET_DROP, PR_CAP_AMBIENT,
// PR_SET_SECUREBITS, PR_SET_KEEPCAPS, PR_SET_NO_NEW_PRIVS; setuid(2),
// setgid(2), setgroups(2); execve(2); statfs(2); fchown(2), fchmod(2);
// mount(2) (tmpfs, only when the temp dir is nosuid or noexec).
// Man pages: capabilities(7), execve(2), prctl(2), credentials(7),
// mount(2).

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"nakami/engine"
	"nakami/engine/child"
	"nakami/engine/netlab"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
	"kernel.org/pub/linux/libs/security/libcap/cap"
)

// ArgCapExec is the hidden role of the helper.
const ArgCapExec = "__nakami_capexec__"

func init() { child.RegisterRole(ArgCapExec, capexecMain) }

var execDirs sync.Map // session id → directory

// ExecDir returns a directory of the session where set-user-ID bits and
// file capabilities take effect: the session's temp dir, unless it lies on
// a nosuid or noexec mount; then a tmpfs mounted on a subdirectory of it.
func ExecDir(s *engine.Session) (string, error) {
	if d, ok := execDirs.Load(s.ID); ok {
		if _, err := os.Stat(d.(string)); err == nil {
			return d.(string), nil
		}
	}
	dir, err := s.TempDir()
	if err != nil {
		return "", err
	}
	var fs unix.Statfs_t
	if err := unix.Statfs(dir, &fs); err != nil {
		return "", err
	}
	if fs.Flags&(unix.ST_NOSUID|unix.ST_NOEXEC) != 0 {
		dir = filepath.Join(dir, "exec")
		if _, err := s.Journal.Record(engine.Entry{Kind: engine.KindDir, Path: dir}); err != nil {
			return "", err
		}
		if err := s.T.Do(fmt.Sprintf("mkdir(%q, 0755)", dir), "mkdir "+dir, func() error { return os.Mkdir(dir, 0o755) }); err != nil {
			return "", err
		}
		if _, err := s.Journal.Record(engine.Entry{Kind: engine.KindMount, Path: dir}); err != nil {
			return "", err
		}
		err := s.T.Do(fmt.Sprintf("mount(%q, %q, \"tmpfs\", 0, \"mode=0755\")", s.Tag, dir),
			fmt.Sprintf("mount -t tmpfs -o mode=0755 %s %s # the temp dir is nosuid", s.Tag, dir),
			func() error { return unix.Mount(s.Tag, dir, "tmpfs", 0, "mode=0755,size=256m") })
		if err != nil {
			return "", err
		}
	}
	execDirs.Store(s.ID, dir)
	return dir, nil
}

// CopySelf copies this binary to name in the session's exec directory,
// owned by uid:gid with mode (e.g. 0o4755 for set-user-ID), journaled
// first. shell is what a person would type.
func CopySelf(s *engine.Session, name string, uid, gid int, mode uint32, shell string) (string, error) {
	dir, err := ExecDir(s)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, name)
	if _, err := s.Journal.Record(engine.Entry{Kind: engine.KindFile, Path: path}); err != nil {
		return "", err
	}
	call := fmt.Sprintf("copy_file_range(\"/proc/self/exe\" → %q); fchown(%d, %d); fchmod(%#o)", path, uid, gid, mode)
	err = s.T.Do(call, shell, func() error {
		in, err := os.Open("/proc/self/exe")
		if err != nil {
			return err
		}
		defer in.Close()
		os.Remove(path) // an earlier run of the same step in this session
		out, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o700)
		if err != nil {
			return err
		}
		_, err = io.Copy(out, in)
		if err == nil {
			err = out.Chown(uid, gid) // before chmod: chown clears set-user-ID
		}
		if err == nil {
			err = unix.Fchmod(int(out.Fd()), mode)
		}
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		return err
	})
	return path, err
}

// Setup is the state the helper gives itself before execve.
type Setup struct {
	UID        int    `json:"uid"` // 0: stay root
	GID        int    `json:"gid"`
	Inh        uint64 `json:"inh"`
	Prm        uint64 `json:"prm"` // must hold Amb; for root usually every capability
	Amb        uint64 `json:"amb"` // must be within Inh and Prm
	Eff        uint64 `json:"eff"` // for a non-root uid (root's is Prm); within Prm
	Bnd        uint64 `json:"bnd"` // the bounding set to keep
	NoRoot     bool   `json:"noroot,omitempty"`
	NoNewPrivs bool   `json:"nnp,omitempty"`
}

// Run is one program to start and hold.
type Run struct {
	Role     string
	Path     string   // the file to execute; "" with Setup: the helper holds itself
	Args     []string // argv[1:], e.g. PingArgs(1)
	UID, GID int      // without Setup: run directly as this user
	Setup    *Setup
	Shell    string // what a person would type
}

// Result is what came back: the ping's report, or why execve failed.
type Result struct {
	Ping       netlab.PingReport `json:"ping"`
	ExecErr    string            `json:"exec_error,omitempty"` // errno name
	ExecDetail string            `json:"exec_detail,omitempty"`
}

type helperMsg struct {
	Op      *engine.Op `json:"op,omitempty"`
	ExecErr string     `json:"exec_error,omitempty"`
	Detail  string     `json:"detail,omitempty"`
}

type capLine struct {
	Helper *helperMsg `json:"helper,omitempty"`
	netlab.PingReport
}

// Start starts r, journals the process and waits for its report.
// The program must hold (PingArgs does); the returned Child keeps it alive
// until Stop, so its /proc files can be read. When execve is refused, the
// Child is nil and the result says why.
func Start(s *engine.Session, r Run) (*child.Process, Result, error) {
	var res Result
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, res, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, res, err
	}
	defer outR.Close()
	argv0 := filepath.Base(r.Path)
	if r.Path == "" {
		argv0 = ArgCapExec
	}
	var cmd *exec.Cmd
	who := "as root"
	if r.Setup == nil {
		cmd = exec.Command(r.Path, r.Args...)
		cmd.Args[0] = argv0
		if r.UID != 0 || r.GID != 0 {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(r.UID), Gid: uint32(r.GID), Groups: []uint32{}}}
			who = fmt.Sprintf("as uid %d gid %d", r.UID, r.GID)
		}
	} else {
		spec, _ := json.Marshal(helperSpec{Setup: *r.Setup, Path: r.Path, Argv: append([]string{argv0}, r.Args...)})
		cmd = exec.Command("/proc/self/exe", ArgCapExec, string(spec))
		who = "after the helper set its capabilities"
	}
	cmd.Stdin, cmd.Stdout, cmd.Env, cmd.Dir = inR, outW, os.Environ(), "/"
	start := time.Now()
	err = cmd.Start()
	inR.Close()
	outW.Close()
	call := fmt.Sprintf("execve(%q, [%s]) %s", r.Path, strings.Join(append([]string{argv0}, r.Args...), " "), who)
	if r.Path == "" {
		call = "clone() + execve(\"/proc/self/exe\", [" + ArgCapExec + " …]), holding the sets it made"
	}
	if err != nil {
		inW.Close()
		res.ExecErr, res.ExecDetail = engine.ErrnoName(err), err.Error()
		s.T.Add(engine.Op{Call: call, Shell: r.Shell, Duration: time.Since(start), By: "nakami", Outcome: res.ExecErr, Detail: res.ExecDetail})
		return nil, res, nil
	}
	c, err := child.Adopt(s, cmd, inW, child.Spec{Role: r.Role, Shell: r.Shell})
	if err != nil {
		return nil, res, err
	}
	lines := make(chan capLine)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			var l capLine
			if json.Unmarshal(sc.Bytes(), &l) == nil {
				lines <- l
			}
		}
	}()
	timeout := time.After(15 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				c.Stop()
				return nil, res, fmt.Errorf("%s exited before it reported", r.Path)
			}
			if h := l.Helper; h != nil && h.Op != nil {
				h.Op.By = fmt.Sprintf("helper %d", c.PID)
				s.T.Add(*h.Op)
				continue
			} else if h != nil {
				res.ExecErr, res.ExecDetail = h.ExecErr, h.Detail
				s.T.Add(engine.Op{Call: call, Shell: r.Shell, Duration: time.Since(start), By: fmt.Sprintf("helper %d", c.PID), Outcome: h.ExecErr, Detail: h.Detail})
				return nil, res, c.Stop()
			}
			res.Ping = l.PingReport
			s.T.Add(engine.Op{Call: call, Shell: r.Shell, Duration: time.Since(start), By: "nakami", Outcome: "ok",
				Detail: fmt.Sprintf("pid %d, uid %d euid %d, socket: %s, %d sent, %d received", c.PID, l.UID, l.EUID, l.Socket, l.Sent, l.Received)})
			return c, res, nil
		case <-timeout:
			c.Stop()
			return nil, res, fmt.Errorf("%s did not report within 15 s", r.Path)
		}
	}
}

type helperSpec struct {
	Setup Setup    `json:"setup"`
	Path  string   `json:"path"`
	Argv  []string `json:"argv"`
}

func capexecMain(args []string) int {
	out := json.NewEncoder(os.Stdout)
	fail := func(errno, detail string) int {
		out.Encode(capLine{Helper: &helperMsg{ExecErr: errno, Detail: detail}})
		return 3
	}
	var h helperSpec
	if len(args) != 1 || json.Unmarshal([]byte(args[0]), &h) != nil {
		return fail("EINVAL", "the helper needs one JSON argument")
	}
	st := h.Setup
	step := func(call, shell string, fn func() error) bool {
		op, err := engine.Perform(call, shell, func() (string, error) { return "", fn() })
		out.Encode(capLine{Helper: &helperMsg{Op: &op}})
		return err == nil
	}
	names := func(m uint64) string { return strings.Join(Names(m), ",") }
	ok := step(fmt.Sprintf("capset(inheritable=%#x)", st.Inh), "capsh --inh="+names(st.Inh), func() error {
		c := cap.GetProc()
		c.ClearFlag(cap.Inheritable)
		c.SetFlag(cap.Inheritable, true, capValues(st.Inh)...)
		return c.SetProc()
	})
	self, err := ReadSets(os.Getpid())
	if err != nil {
		return fail("ENOENT", err.Error())
	}
	if drop := self.Bounding &^ st.Bnd; ok && drop != 0 {
		ok = step(fmt.Sprintf("prctl(PR_CAPBSET_DROP, …) ×%d, on every thread", len(Bits(drop))), "capsh --drop="+names(drop),
			func() error { return cap.DropBound(capValues(drop)...) })
	}
	if ok && st.NoRoot {
		ok = step("prctl(PR_SET_SECUREBITS, SECBIT_NOROOT)", "capsh --secbits=1", cap.Secbits(cap.SecbitNoRoot).Set)
	}
	if ok && st.UID != 0 {
		ok = step(fmt.Sprintf("setgroups(0, []); setgid(%d); prctl(PR_SET_KEEPCAPS, 1); setuid(%d)", st.GID, st.UID),
			fmt.Sprintf("capsh --keep=1 --gid=%d --uid=%d", st.GID, st.UID), func() error {
				if err := cap.SetGroups(st.GID); err != nil {
					return err
				}
				return cap.SetUID(st.UID)
			})
	}
	if ok {
		eff := st.Eff
		if st.UID == 0 {
			eff = st.Prm
		}
		ok = step(fmt.Sprintf("capset(permitted=%#x, effective=%#x, inheritable=%#x)", st.Prm, eff, st.Inh),
			fmt.Sprintf("capsh --caps='%s'", capsText(st.Prm, eff, st.Inh)), func() error {
				c := cap.NewSet()
				c.SetFlag(cap.Permitted, true, capValues(st.Prm)...)
				c.SetFlag(cap.Effective, true, capValues(eff)...)
				c.SetFlag(cap.Inheritable, true, capValues(st.Inh)...)
				return c.SetProc()
			})
	}
	if ok && st.Amb != 0 {
		ok = step(fmt.Sprintf("prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, …) %s, on every thread", names(st.Amb)),
			"capsh --addamb="+names(st.Amb), func() error { return cap.SetAmbient(true, capValues(st.Amb)...) })
	}
	if ok && st.NoNewPrivs {
		ok = step("prctl(PR_SET_NO_NEW_PRIVS, 1), on every thread", "capsh --no-new-privs", func() error {
			_, err := cap.Prctlw(unix.PR_SET_NO_NEW_PRIVS, 1)
			return err
		})
	}
	if !ok {
		return fail("ESETUP", "the helper could not set up its capabilities")
	}
	if h.Path == "" { // hold as this process, sets as just made
		r, _ := netlab.Ping(0)
		out.Encode(r)
		netlab.HoldUntilEOF()
		return 0
	}
	err = syscall.Exec(h.Path, h.Argv, os.Environ())
	return fail(engine.ErrnoName(err), fmt.Sprintf("execve(%q): %v", h.Path, err))
}

func capValues(m uint64) []cap.Value {
	var out []cap.Value
	for _, b := range Bits(m) {
		out = append(out, cap.Value(b))
	}
	return out
}

// capsText renders a process state the way capsh --caps takes it.
func capsText(p, e, i uint64) string {
	c := cap.NewSet()
	c.SetFlag(cap.Permitted, true, capValues(p)...)
	c.SetFlag(cap.Effective, true, capValues(e)...)
	c.SetFlag(cap.Inheritable, true, capValues(i)...)
	return c.String()
}
