package caps

// Capabilities on the running kernel: how many it knows, the five sets of
// a process (and of each of its threads), and file capabilities as the
// security.capability extended attribute.
//
// Syscalls: prctl(2) PR_CAPBSET_READ; execve(2) of getcap(8) when installed; getxattr(2), setxattr(2),
// removexattr(2) on security.capability; reads of
// /proc/sys/kernel/cap_last_cap and /proc/PID/task/TID/status.
// Man pages: capabilities(7), xattr(7), setxattr(2), prctl(2), proc(5).

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"nakami/engine"
	"nakami/engine/procfs"

	"golang.org/x/sys/unix"
)

// LastCap reads /proc/sys/kernel/cap_last_cap: the highest capability
// number this kernel knows (40 on Linux 5.9 and later, 37 in the article).
func LastCap() (int, error) {
	b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	if err != nil {
		return 0, fmt.Errorf("cannot read how many capabilities this kernel knows: %w", err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || n < 0 || n > 63 {
		return 0, fmt.Errorf("/proc/sys/kernel/cap_last_cap reads %q, not a number from 0 to 63", strings.TrimSpace(string(b)))
	}
	return n, nil
}

// ProbeLast asks the kernel, bit by bit, whether a capability exists, the
// way libcap finds out: prctl(PR_CAPBSET_READ, n) answers 0 or 1 for a
// known capability and EINVAL past the last one. Each question lands in t
// with describe(n) as its detail. It returns the number of capabilities.
func ProbeLast(t *engine.Transcript, describe func(int) string) (int, error) {
	for n := 0; n <= 64; n++ {
		start := time.Now()
		r, err := unix.PrctlRetInt(unix.PR_CAPBSET_READ, uintptr(n), 0, 0, 0)
		op := engine.Op{Call: fmt.Sprintf("prctl(PR_CAPBSET_READ, %d)", n), Shell: "capsh --supports=" + Name(n),
			Duration: time.Since(start), By: "nakami", Outcome: "ok"}
		switch {
		case err == unix.EINVAL:
			op.Outcome, op.Detail = "EINVAL", fmt.Sprintf(engine.NoteNoCap, n, n-1)
		case err != nil:
			op.Outcome, op.Failed, op.Detail = engine.ErrnoName(err), true, err.Error()
		default:
			op.Detail = fmt.Sprintf("%d %s", n, Name(n))
			if r == 0 {
				op.Detail += engine.NoteNotBounding
			}
			if describe != nil {
				op.Detail += ": " + describe(n)
			}
		}
		t.Add(op)
		if err == unix.EINVAL {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
	return 0, fmt.Errorf("prctl(PR_CAPBSET_READ) never said EINVAL")
}

// ReadSets reads the five sets of pid from /proc/PID/status.
func ReadSets(pid int) (Sets, error) {
	st, err := procfs.ReadStatus(pid)
	if err != nil {
		return Sets{}, err
	}
	return SetsOf(st), nil
}

// ReadThreadSets reads the sets of every thread of pid: capabilities
// belong to threads, and /proc/PID/status shows only the main one.
func ReadThreadSets(pid int) (map[int]Sets, error) {
	dirs, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", pid))
	if err != nil || len(dirs) == 0 {
		return nil, fmt.Errorf("process %d has no readable threads", pid)
	}
	out := map[int]Sets{}
	for _, p := range dirs {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // a thread that ended meanwhile
		}
		st, err := procfs.ParseStatus(string(b))
		if err != nil {
			return nil, err
		}
		tid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
		out[tid] = SetsOf(st)
	}
	return out, nil
}

// ReadFile reads the security.capability attribute of path; ok is
// false when the file has none.
func ReadFile(path string) (f File, ok bool, err error) {
	raw, err := ReadFileRaw(path)
	if err != nil || raw == nil {
		return File{}, false, err
	}
	f, err = DecodeFile(raw)
	if err != nil {
		return f, false, fmt.Errorf("%s: %w", path, err)
	}
	return f, true, nil
}

// ReadFileRaw returns the attribute's bytes (nil when absent).
func ReadFileRaw(path string) ([]byte, error) {
	buf := make([]byte, 64)
	n, err := unix.Getxattr(path, Xattr, buf)
	if errors.Is(err, unix.ENODATA) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read %s of %s: %w", Xattr, path, err)
	}
	return buf[:n], nil
}

// WriteFile stores f on path, as setcap does.
func WriteFile(t *engine.Transcript, path string, f File) error {
	b, err := f.Encode()
	if err != nil {
		return err
	}
	shell := fmt.Sprintf("setcap '%s' %s", f.Text(63), path)
	if f.RootID != 0 {
		shell = fmt.Sprintf("setcap -n %d '%s' %s", f.RootID, f.Text(63), path)
	}
	call := fmt.Sprintf("setxattr(%q, %q, \"%s\", %d, 0)", path, Xattr, hexBytes(b), len(b))
	return t.Do(call, shell, func() error { return unix.Setxattr(path, Xattr, b, 0) })
}

// RemoveFile removes the attribute (setcap -r); absent is fine.
func RemoveFile(t *engine.Transcript, path string) error {
	return t.Do(fmt.Sprintf("removexattr(%q, %q)", path, Xattr), "setcap -r "+path, func() error {
		if err := unix.Removexattr(path, Xattr); err != nil && !errors.Is(err, unix.ENODATA) {
			return err
		}
		return nil
	})
}

func hexBytes(b []byte) string {
	var s strings.Builder
	for _, c := range b {
		fmt.Fprintf(&s, "\\x%02x", c)
	}
	return s.String()
}

// Getcap runs getcap(8) on path, when it is installed, and returns what it
// printed ("PATH cap_net_raw=ep").
func Getcap(path string) (string, error) {
	p, err := exec.LookPath("getcap")
	if err != nil {
		return "", err
	}
	out, err := exec.Command(p, path).Output()
	return strings.TrimSpace(string(out)), err
}
