package engine

// Removing journaled objects, for a session's own unwind and for `nakami
// cleanup`. Every removal first checks the object is still the one that was
// journaled, and treats "already gone" as success.
//
// Syscalls: kill(2), umount2(2) with MNT_DETACH, rmdir(2), unlink(2);
// other kinds (cgroup directories, network links) are removed by the
// undoers their packages register. Man pages: umount(2), kill(2), rmdir(2).

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"nakami/engine/procfs"

	"golang.org/x/sys/unix"
)

// undoers remove the kinds of object a mechanism package journals (cgroup
// directories, links); the kinds below are the engine's own.
var undoers = map[string]func(Entry) error{}

// RegisterUndo says how to remove journaled objects of kind; call it from
// the init function of the package that creates them.
func RegisterUndo(kind string, undo func(Entry) error) {
	if _, dup := undoers[kind]; dup {
		panic("two undoers for kind " + kind)
	}
	undoers[kind] = undo
}

// Undo removes one journaled object.
func Undo(e Entry) error {
	switch e.Kind {
	case KindProcess:
		return undoProcess(e.PID, e.Start)
	case KindMount:
		return UndoMount(e.Path)
	case KindFile:
		return IgnoreMissing(os.Remove(e.Path))
	case KindDir:
		if m, err := mountedUnder(e.Path); err != nil || m != "" {
			if err == nil {
				err = fmt.Errorf("%s is still mounted inside it", m)
			}
			return err // never delete through a mount
		}
		return IgnoreMissing(os.RemoveAll(e.Path))
	case KindEmptyDir:
		if err := unix.Rmdir(e.Path); err != nil && err != unix.ENOENT && err != unix.ENOTEMPTY && err != unix.EEXIST {
			return err
		}
		return nil
	}
	if undo, ok := undoers[e.Kind]; ok {
		return undo(e)
	}
	return fmt.Errorf("no way to remove a journaled %q is linked into this binary", e.Kind)
}

// IgnoreMissing treats "already gone" as success.
func IgnoreMissing(err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

// ProcessIs reports whether pid is alive and started at start (clock ticks),
// i.e. is the very process that was journaled, not a recycled PID.
func ProcessIs(pid int, start uint64) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	got, err := procfs.ParseStatStart(string(b))
	return err == nil && got == start && !strings.Contains(string(b), ") Z ")
}

func undoProcess(pid int, start uint64) error {
	if !ProcessIs(pid, start) {
		return nil
	}
	if err := unix.Kill(pid, unix.SIGKILL); err != nil && err != unix.ESRCH {
		return err
	}
	for i := 0; i < 200 && ProcessIs(pid, start); i++ {
		time.Sleep(5 * time.Millisecond)
	}
	return nil
}

// UndoMount lazily unmounts path until nothing is mounted there.
func UndoMount(path string) error {
	mounted, err := procfs.IsMountPoint(path)
	if err != nil || !mounted {
		return err
	}
	for {
		err := unix.Unmount(path, unix.MNT_DETACH)
		if err == unix.EINVAL || err == unix.ENOENT {
			return nil
		}
		if err != nil {
			return err
		}
		if m, _ := procfs.IsMountPoint(path); !m {
			return nil
		}
	}
}

// mountedUnder returns a mount point at or below dir in this process's
// mount namespace, or "".
func mountedUnder(dir string) (string, error) {
	ms, err := procfs.ReadMounts(os.Getpid())
	if err != nil {
		return "", err
	}
	for _, m := range ms {
		if m.Mountpoint == dir || strings.HasPrefix(m.Mountpoint, dir+"/") {
			return m.Mountpoint, nil
		}
	}
	return "", nil
}
