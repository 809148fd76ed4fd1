package rootfs

// The chroot escape, the hidden role __nakami_escape__ (run from SelfPath
// inside a root filesystem the child chrooted into; the change of root
// itself is child.Spec.Chroot). chroot(2) moves only the root *directory*
// (the start of absolute path lookups), not the working directory, and
// ".." above a root directory is only clamped when the walk *passes
// through* that root. So a process that can still call chroot makes a
// subdirectory, chroots into it (its working directory now lies outside
// its root), walks ".." far enough to reach the real root, and chroots
// there. It sends ready as soon as it runs (in its root, so the parent can
// read /proc/PID/root before the escape), waits for "go", then reports each
// operation as a StageEscape message (child.Conn), and StageDone:
//
//	  ready … {"cmd":"go"}
//	  mkdir(".nakami-escape"); chroot(".nakami-escape")
//	  chdir("..") ×256; chroot(".")
//	  open(CANARY) → kept open (the parent sees it in /proc/PID/fd)
//	  done, then the role holds
//
// The CANARY is a file nakami wrote outside the root filesystem for this
// session (WriteCanary); the escape never reads anything else of the host.
// pivot_root(2) (child.PivotInto) leaves no old root to walk back to, and
// without CAP_SYS_CHROOT the first chroot fails with EPERM.
//
// Syscalls: mkdir(2), chroot(2), chdir(2), open(2)/read(2), write(2) of
// the canary; reads of /proc/PID/mountinfo (RootMount).
// Man pages: chroot(2), pivot_root(2), path_resolution(7),
// capabilities(7), proc(5) (/proc/PID/root, /proc/PID/mountinfo).

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"nakami/engine"
	"nakami/engine/child"
	"nakami/engine/procfs"

	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"
)

// RoleEscape is the hidden role that breaks out of a chroot.
const RoleEscape = "__nakami_escape__"

// EscapeDepth is how many times the escape walks "..": the article's 256,
// far more than any temporary directory is deep.
const EscapeDepth = 256

func init() { child.RegisterRole(RoleEscape, escapeMain) }

// escapeMain is the chroot escape. It speaks the child protocol on fds 3
// and 4: one "escape" message per operation, then "ready", then it holds
// (so /proc/PID/root can be read) until fd 3 reaches EOF.
func escapeMain(args []string) int {
	c := child.Attach()
	if len(args) != 1 || !filepath.IsAbs(args[0]) {
		c.Fail("the escape needs the canary's absolute path")
		return 2
	}
	canary := args[0]
	c.Ready()
	if cmd, ok := c.Next(); !ok || cmd != child.CmdGo {
		return 0
	}
	var kept []*os.File
	report := func(call, shell string, fn func() (string, error)) error {
		return c.Perform(child.StageEscape, call, shell, fn)
	}
	report(`mkdir(".nakami-escape", 0755)`, "mkdir .nakami-escape", func() (string, error) {
		if err := unix.Mkdir(".nakami-escape", 0o755); err != nil && err != unix.EEXIST {
			return "", err
		}
		return "", nil
	})
	if report(`chroot(".nakami-escape")`, "chroot .nakami-escape", func() (string, error) {
		return engine.NoteOutside, unix.Chroot(".nakami-escape")
	}) == nil {
		report(fmt.Sprintf(`chdir("..") ×%d`, EscapeDepth), fmt.Sprintf("for i in $(seq %d); do cd ..; done", EscapeDepth), func() (string, error) {
			for i := 0; i < EscapeDepth; i++ {
				if err := unix.Chdir(".."); err != nil {
					return "", err
				}
			}
			return "", nil
		})
		report(`chroot(".")`, "chroot .", func() (string, error) { return "", unix.Chroot(".") })
		report(fmt.Sprintf("open(%q); read()", canary), "cat "+canary, func() (string, error) {
			f, err := os.Open(canary) // kept open while the role holds
			if err != nil {
				return "", err
			}
			kept = append(kept, f)
			b, err := io.ReadAll(f)
			return strings.TrimSpace(string(b)), err
		})
	}
	c.Done()
	defer runtime.KeepAlive(kept)
	return c.Hold()
}

// EscapeResult is what an escape role reported about itself: for the
// transcript and the tests of the role, never a check's verdict (a check
// reads /proc/PID/root, /proc/PID/cwd and /proc/PID/fd instead, see
// HoldsOpen).
type EscapeResult struct {
	Ran       bool   `json:"ran"`        // the role reported at all
	ChrootErr string `json:"chroot_err"` // errno of chroot(".nakami-escape"), "" when it worked
	Escaped   bool   `json:"escaped"`    // the final chroot(".") worked
	Canary    string `json:"canary"`     // what it read from the canary
	ReadErr   string `json:"read_err"`   // errno of the canary's open, "" when it worked
}

// EscapeReport reads an escape role's report from its child's messages.
func EscapeReport(c *child.Process) EscapeResult {
	var r EscapeResult
	for _, op := range c.Ops {
		switch {
		case op.Call == `chroot(".nakami-escape")`:
			r.Ran = true
			if op.Failed {
				r.ChrootErr = op.Outcome
			}
		case op.Call == `chroot(".")`:
			r.Escaped = !op.Failed
		case strings.HasPrefix(op.Call, "open("):
			if op.Failed {
				r.ReadErr = op.Outcome
			} else {
				r.Canary = op.Detail
			}
		}
	}
	return r
}

// WriteCanary writes (journaled) a file outside any root filesystem,
// naming the session, for the escape to find. It is the only host file the
// escape is ever pointed at.
func WriteCanary(s *engine.Session) (path, content string, err error) {
	tmp, err := s.TempDir()
	if err != nil {
		return "", "", err
	}
	path = filepath.Join(tmp, "canary-"+s.Tag)
	content = fmt.Sprintf("nakami canary of session %s: this file lies outside the root filesystem", s.ID)
	if b, err := os.ReadFile(path); err == nil && string(b) == content+"\n" {
		return path, content, nil
	}
	if _, err := s.Journal.Record(engine.Entry{Kind: engine.KindFile, Path: path}); err != nil {
		return "", "", err
	}
	err = s.T.Do(fmt.Sprintf("open(%q, O_CREAT|O_WRONLY, 0644); write()", path), "echo '"+content+"' > "+path,
		func() error { return os.WriteFile(path, []byte(content+"\n"), 0o644) })
	return path, content, err
}

// RootMount returns the mount that is a process's root: the last line of
// /proc/PID/mountinfo whose mount point is "/" (the top of any stack).
func RootMount(pid int) (*mountinfo.Info, error) {
	ms, err := procfs.ReadMounts(pid)
	if err != nil {
		return nil, err
	}
	var root *mountinfo.Info
	for _, m := range ms {
		if m.Mountpoint == "/" {
			root = m
		}
	}
	if root == nil {
		return nil, fmt.Errorf("/proc/%d/mountinfo has no mount on /", pid)
	}
	return root, nil
}

// HoldsOpen reports whether process pid has path open: one of the
// /proc/PID/fd links points at it, as the kernel names it.
func HoldsOpen(pid int, path string) (bool, error) {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false, err
	}
	for _, e := range ents {
		if t, err := os.Readlink(filepath.Join(dir, e.Name())); err == nil && t == path {
			return true, nil
		}
	}
	return false, nil
}
