package cgroup

// Removing a journaled cgroup directory (for a session's unwind and for
// `nakami cleanup`): thaw, kill the members, rmdir, sub-groups first.
//
// Syscalls: open(2)/write(2) on freezer.state, cgroup.freeze, cgroup.kill;
// kill(2); rmdir(2). Man pages: cgroups(7), kill(2), rmdir(2).

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"nakami/engine"
	"nakami/engine/procfs"

	"golang.org/x/sys/unix"
)

func init() {
	engine.RegisterUndo(engine.KindCgroup, func(e engine.Entry) error { return undoCgroup(e.Path) })
}

// undoCgroup empties and removes a cgroup directory of either version:
// sub-groups first (rmdir refuses a group with children), then thaw it (a
// task frozen by the v1 freezer does not die of SIGKILL until it runs
// again; thawing a v2 group as well costs nothing), kill what is left (v2 cgroup.kill, and SIGKILL to each PID in cgroup.procs for v1),
// and rmdir, retrying while the dying tasks still count as members.
func undoCgroup(path string) error {
	// An empty group with no children goes at the first rmdir, as nearly
	// every group does at a session's end; the rest is for the others.
	if err := unix.Rmdir(path); err == nil || err == unix.ENOENT {
		return nil
	}
	ents, err := os.ReadDir(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	for _, d := range ents {
		if d.IsDir() { // a sub-group: the directory entry's type, no stat(2)
			if err := undoCgroup(filepath.Join(path, d.Name())); err != nil {
				return err
			}
		}
	}
	poke := func(name, value string) {
		if f, err := os.OpenFile(filepath.Join(path, name), os.O_WRONLY, 0); err == nil {
			f.WriteString(value)
			f.Close()
		}
	}
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
	c, err := Detect()
	if tag == "" || err != nil || c.Layout.V1["freezer"] == "" {
		return
	}
	cg, _ := procfs.ReadCgroups(pid)
	for _, e := range cg {
		if slices.Contains(e.Controllers, "freezer") && strings.Contains(e.Path, "/"+tag) {
			if f, err := os.OpenFile(filepath.Join(c.Layout.V1["freezer"], e.Path, "freezer.state"), os.O_WRONLY, 0); err == nil {
				f.WriteString("THAWED")
				f.Close()
			}
		}
	}
}
