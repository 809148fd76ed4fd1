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
// The helper's own side is helper_linux.go. The parent side (Start)
// starts the helper or the file directly, journals the process
// (child.Adopt), relays each reported step into the transcript, and keeps
// the process until Stop closes its standard input (child.Conn's hold).
//
// Syscalls: pipe2(2), clone(2)+execve(2), setuid(2)/setgid(2) through
// os/exec's Credential, statfs(2), mkdir(2), mount(2) (tmpfs, only when
// the temp dir is nosuid or noexec), open(2), copy of /proc/self/exe,
// fchown(2), fchmod(2).
// Man pages: capabilities(7), execve(2), credentials(7), mount(2).

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"nakami/engine"
	"nakami/engine/child"
	"nakami/engine/netlab"

	"golang.org/x/sys/unix"
)

// RoleCapExec is the hidden role of the helper.
const RoleCapExec = "__nakami_capexec__"

func init() { child.RegisterRole(RoleCapExec, capexecMain) }

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

// Program is one program to start and hold.
type Program struct {
	Role     string
	Path     string   // the file to execute; "" with Setup: the helper holds itself
	Args     []string // argv[1:], e.g. PingArgs(1)
	UID, GID int      // without Setup: run directly as this user
	Setup    *Setup
	Shell    string // what a person would type
	// HoldOnFail: when execve fails, the helper holds as itself and
	// StartProgram returns it with the Outcome (with Setup only).
	HoldOnFail bool
}

// Outcome is what came back: the ping's report, or why execve failed.
type Outcome struct {
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

// StartProgram starts r, journals the process and waits for its report.
// The program must hold (PingArgs does); the returned Child keeps it alive
// until Stop, so its /proc files can be read. When execve is refused, the
// Child is nil and the result says why.
func StartProgram(s *engine.Session, r Program) (*child.Process, Outcome, error) {
	var res Outcome
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
		argv0 = RoleCapExec
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
		spec, _ := json.Marshal(helperSpec{Setup: *r.Setup, Path: r.Path, Argv: append([]string{argv0}, r.Args...), Hold: r.HoldOnFail})
		cmd = exec.Command("/proc/self/exe", RoleCapExec, string(spec))
		who = "after the helper set its capabilities"
	}
	cmd.Stdin, cmd.Stdout, cmd.Env, cmd.Dir = inR, outW, engine.FakeEnviron(os.Environ()), "/"
	start := time.Now()
	err = cmd.Start()
	inR.Close()
	outW.Close()
	call := fmt.Sprintf("execve(%q, [%s]) %s", r.Path, strings.Join(append([]string{argv0}, r.Args...), " "), who)
	if r.Path == "" {
		call = "clone() + execve(\"/proc/self/exe\", [" + RoleCapExec + " …]), holding the sets it made"
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
				if r.HoldOnFail && r.Setup != nil {
					return c, res, nil
				}
				return nil, res, c.Stop()
			}
			res.Ping = l.PingReport
			s.T.Add(engine.Op{Call: call, Shell: r.Shell, Duration: time.Since(start), By: "nakami", Outcome: "ok",
				Detail: fmt.Sprintf(engine.NotePing, c.PID, l.UID, l.EUID, l.Socket, l.Sent, l.Received)})
			return c, res, nil
		case <-timeout:
			c.Stop()
			return nil, res, fmt.Errorf("%s did not report within 15 s", r.Path)
		}
	}
}
