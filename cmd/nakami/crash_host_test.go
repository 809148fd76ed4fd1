package main

// What the crash sweep compares before and after: the host state of
// hostState (links, netns, mounts, cgroup directories, nakami's temp files
// and journals) plus addresses, the processes nakami could have left, and
// System V IPC objects.

import (
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"nakami/engine/procfs"
)

type crashState struct {
	hostState
	Addrs, Procs, IPC []string
}

func crashSnapshot(t *testing.T) crashState {
	t.Helper()
	c := crashState{hostState: snapshot(t)}
	ifs, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range ifs {
		as, _ := i.Addrs()
		for _, a := range as {
			c.Addrs = append(c.Addrs, i.Name+" "+a.String())
		}
	}
	c.Procs = nakamiProcs()
	for _, kind := range []string{"shm", "msg", "sem"} {
		b, _ := os.ReadFile("/proc/sysvipc/" + kind)
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		for _, l := range lines[min(1, len(lines)):] {
			f := strings.Fields(l)
			if len(f) >= 3 { // key, id, perms: which object, not its counters
				c.IPC = append(c.IPC, kind+" "+strings.Join(f[:3], " "))
			}
		}
	}
	for _, s := range [][]string{c.Addrs, c.Procs, c.IPC} {
		sort.Strings(s)
	}
	return c
}

// nakamiProcs lists the processes a nakami run could leave behind: those
// running a copy of nakami (the test's binary copy, or one installed in a
// root filesystem under a nakami temp dir), those in a cgroup whose path
// names nakami, and those in any namespace PID 1 is not in. This test
// process and its threads are not counted.
func nakamiProcs() []string {
	init, _ := procfs.ReadNamespaces(1)
	pids, _ := procfs.ReadProcPIDs("/proc")
	var out []string
	for _, pid := range pids {
		if pid == os.Getpid() {
			continue
		}
		exe, _ := os.Readlink(procfs.Path(pid, "exe"))
		why := ""
		switch {
		case strings.Contains(exe, "nakami-"):
			why = "runs " + exe
		case strings.Contains(readCgroup(pid), "nakami"):
			why = "in a nakami cgroup"
		default:
			ns, err := procfs.ReadNamespaces(pid)
			if err != nil {
				continue // gone, or a kernel thread we cannot read
			}
			for typ, l := range ns {
				if i, ok := init[typ]; ok && i.Inode != l.Inode {
					why = "in a " + typ + " namespace PID 1 is not in"
					break
				}
			}
		}
		if why == "" {
			continue
		}
		stat, _ := os.ReadFile(procfs.Path(pid, "stat"))
		start, _ := procfs.ParseStatStart(string(stat))
		out = append(out, strconv.Itoa(pid)+" start "+strconv.FormatUint(start, 10)+" "+filepath.Base(exe)+": "+why)
	}
	return out
}

func readCgroup(pid int) string {
	b, _ := os.ReadFile(procfs.Path(pid, "cgroup"))
	return string(b)
}

func (c crashState) diff(o crashState) string {
	d := c.hostState.diff(o.hostState)
	var lines []string
	cmp := func(what string, a, b []string) {
		in := map[string]bool{}
		for _, x := range b {
			in[x] = true
		}
		for _, x := range a {
			if !in[x] {
				lines = append(lines, what+" vanished: "+x+"\n")
			}
			delete(in, x)
		}
		for x := range in {
			lines = append(lines, what+" appeared: "+x+"\n")
		}
	}
	cmp("address", c.Addrs, o.Addrs)
	cmp("process", c.Procs, o.Procs)
	cmp("sysv ipc", c.IPC, o.IPC)
	sort.Strings(lines)
	return d + strings.Join(lines, "")
}
