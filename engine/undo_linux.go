package engine

// Removing journaled objects, for a session's own unwind and for `nakami
// cleanup`. Every removal first checks the object is still the one that was
// journaled, and treats "already gone" as success.
//
// Syscalls: kill(2), umount2(2) with MNT_DETACH, rmdir(2), unlink(2);
// netlink RTM_DELLINK. Man pages: umount(2), cgroups(7), ip-netns(8).

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Undo removes one journaled object.
func Undo(e Entry) error {
	switch e.Kind {
	case KindProcess:
		return undoProcess(e.PID, e.Start)
	case KindMount:
		return undoMount(e.Path)
	case KindFile:
		return ignoreMissing(os.Remove(e.Path))
	case KindDir:
		if m, err := mountedUnder(e.Path); err != nil || m != "" {
			if err == nil {
				err = fmt.Errorf("%s is still mounted inside it", m)
			}
			return err // never delete through a mount
		}
		return ignoreMissing(os.RemoveAll(e.Path))
	case KindEmptyDir:
		if err := unix.Rmdir(e.Path); err != nil && err != unix.ENOENT && err != unix.ENOTEMPTY && err != unix.EEXIST {
			return err
		}
		return nil
	case KindCgroup:
		return undoCgroup(e.Path)
	case KindNetns:
		if err := undoMount(e.Path); err != nil {
			return err
		}
		return ignoreMissing(os.Remove(e.Path))
	case KindLink:
		l, err := netlink.LinkByName(e.Name)
		if err != nil {
			var nf netlink.LinkNotFoundError
			if errors.As(err, &nf) {
				return nil
			}
			return err
		}
		return netlink.LinkDel(l)
	}
	return fmt.Errorf("unknown kind %q", e.Kind)
}

func ignoreMissing(err error) error {
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
	got, err := ParseStatStart(string(b))
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

func undoMount(path string) error {
	mounted, err := IsMountPoint(path)
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
		if m, _ := IsMountPoint(path); !m {
			return nil
		}
	}
}

// undoCgroup empties and removes a cgroup directory of either version:
// sub-groups first (rmdir refuses a group with children), then thaw it (a
// task frozen by the v1 freezer does not die of SIGKILL until it runs
// again; thawing a v2 group as well costs nothing), kill what is left (v2 cgroup.kill, and SIGKILL to each PID in cgroup.procs for v1),
// and rmdir, retrying while the dying tasks still count as members.
func undoCgroup(path string) error {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	subs, _ := filepath.Glob(filepath.Join(path, "*", "cgroup.procs"))
	for _, s := range subs {
		if err := undoCgroup(filepath.Dir(s)); err != nil {
			return err
		}
	}
	poke := func(name, value string) {
		if f, err := os.OpenFile(filepath.Join(path, name), os.O_WRONLY, 0); err == nil {
			f.WriteString(value)
			f.Close()
		}
	}
	var err error
	for i := 0; i < 300; i++ {
		poke("freezer.state", "THAWED")
		poke("cgroup.freeze", "0")
		poke("cgroup.kill", "1")
		if b, rerr := os.ReadFile(filepath.Join(path, "cgroup.procs")); rerr == nil {
			for _, f := range strings.Fields(string(b)) {
				if pid, _ := strconv.Atoi(f); pid > 0 {
					thawV1Freezer(pid, path)
					unix.Kill(pid, unix.SIGKILL)
				}
			}
		}
		if err = unix.Rmdir(path); err == nil || err == unix.ENOENT {
			return nil
		}
		if err != unix.EBUSY {
			return err
		}
		time.Sleep(10 * time.Millisecond)
	}
	return err
}

// thawV1Freezer thaws the v1 freezer group of pid when that group belongs
// to the same session as path (a v1 group spans hierarchies, and a member
// frozen in the freezer tree keeps this directory busy until it can die).
func thawV1Freezer(pid int, path string) {
	var tag string
	for _, part := range strings.Split(path, "/") {
		if strings.HasPrefix(part, "nakami-") {
			tag = part
		}
	}
	c, err := DetectCgroups()
	if tag == "" || err != nil || c.Layout.V1["freezer"] == "" {
		return
	}
	cg, _ := ReadCgroups(pid)
	for _, e := range cg {
		if contains(e.Controllers, "freezer") && strings.Contains(e.Path, "/"+tag) {
			if f, err := os.OpenFile(filepath.Join(c.Layout.V1["freezer"], e.Path, "freezer.state"), os.O_WRONLY, 0); err == nil {
				f.WriteString("THAWED")
				f.Close()
			}
		}
	}
}

// mountedUnder returns a mount point at or below dir in this process's
// mount namespace, or "".
func mountedUnder(dir string) (string, error) {
	ms, err := ReadMounts(os.Getpid())
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
