package lessons

// What the first-container, namespaces and filesystem exercises share: a
// bounded scan of /proc for the processes nakami did not start, one
// namespace link at a time, and the test of whether a namespace, a
// directory or a cgroup is nakami's own (and so does not count). A check
// runs twice a second while its exercise is open, so the scan reads one
// link per process first and only looks closer at the few that differ.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/moby/sys/mountinfo"

	"nakami/engine"
	"nakami/engine/procfs"
)

// maxScan bounds how many processes one check looks at.
const maxScan = 8192

// learnerPIDs lists the processes in /proc other than nakami's own, at most
// maxScan of them. The processes nakami started are among them, so that a
// check can say that one of those would do but does not count (oursProc).
func learnerPIDs() ([]int, error) {
	pids, err := procfs.ReadProcPIDs("/proc")
	if err != nil {
		return nil, err
	}
	self := procfs.SelfPID()
	var out []int
	for _, p := range pids {
		if p == self {
			continue
		}
		if out = append(out, p); len(out) == maxScan {
			break
		}
	}
	return out, nil
}

// nsOf reads the inode of pid's namespace of type typ (/proc/PID/ns/TYPE).
func nsOf(pid int, typ string) (uint64, bool) {
	target, err := os.Readlink(procfs.Path(pid, "ns/"+typ))
	if err != nil {
		return 0, false
	}
	n, err := procfs.ParseNSLink(target)
	return n.Inode, err == nil
}

// oursNS is the set of typ namespaces that live processes nakami started
// are in: a learner's process that joined one of them has not made it.
func oursNS(l *Look, typ string) map[uint64]bool {
	m := map[uint64]bool{}
	for _, e := range l.ours {
		if e.Kind == engine.KindProcess {
			if ino, ok := nsOf(e.PID, typ); ok {
				m[ino] = true
			}
		}
	}
	return m
}

// oursUnder reports whether path is, or is inside, an object of kind
// nakami journaled (a root filesystem directory, a cgroup directory).
func oursUnder(l *Look, kind, path string) bool {
	for _, e := range l.ours {
		if e.Kind == kind && e.Path != "" && (path == e.Path || strings.HasPrefix(path, e.Path+"/")) {
			return true
		}
	}
	return false
}

// kernelThread reports whether pid is a kernel thread (it has no program:
// /proc/PID/exe does not resolve). kdevtmpfs, for one, has a mount
// namespace of its own.
func kernelThread(pid int) bool {
	_, err := os.Readlink(procfs.Path(pid, "exe"))
	return errors.Is(err, fs.ErrNotExist)
}

// oursProc is the note for a process nakami started that would otherwise
// be looked at.
func oursProc(pid int) Text {
	return Tf("%s was started by nakami (which does not count)", "%s は nakami が起動したもの(数えません)", procName(pid))
}

// commOf is pid's command name (/proc/PID/comm), or "?".
func commOf(pid int) string {
	b, err := os.ReadFile(procfs.Path(pid, "comm"))
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(b))
}

// procName is "process PID (comm)".
func procName(pid int) string { return fmt.Sprintf("process %d (%s)", pid, commOf(pid)) }

// rootMount is the mount at "/" in a mount table: the last line for "/",
// the one on top when mounts are stacked there.
func rootMount(ms []*mountinfo.Info) *mountinfo.Info {
	var top *mountinfo.Info
	for _, m := range ms {
		if m.Mountpoint == "/" {
			top = m
		}
	}
	return top
}

// sameTree reports whether two mounts show the same part of the same file
// system (a copy of a mount in another namespace, or a bind of its root).
func sameTree(a, b *mountinfo.Info) bool {
	return a != nil && b != nil && a.Major == b.Major && a.Minor == b.Minor && a.Root == b.Root
}

// describeMount is "SOURCE ROOT (FSTYPE)", e.g. "/dev/vda /tmp/r (ext4)".
func describeMount(m *mountinfo.Info) string {
	if m == nil {
		return "nothing"
	}
	return fmt.Sprintf("%s %s (%s)", m.Source, m.Root, m.FSType)
}

// hostRootMount is the mount at "/" for nakami itself: the host's root
// when nakami runs from an ordinary shell.
func hostRootMount() (*mountinfo.Info, error) {
	ms, err := procfs.ReadMounts(procfs.SelfPID())
	if err != nil {
		return nil, err
	}
	if m := rootMount(ms); m != nil {
		return m, nil
	}
	return nil, fmt.Errorf("/proc/self/mountinfo has no mount at /")
}

// capped keeps a failure's list short: the first n texts, then how many
// more there were.
func capped(ts []Text, n int) []Text {
	if len(ts) <= n {
		return ts
	}
	more := len(ts) - n
	return append(ts[:n:n], Tf("and %d more", "ほか %d 件", more))
}

// findTree returns where in ms a mount showing the same tree as m is
// mounted, or "".
func findTree(ms []*mountinfo.Info, m *mountinfo.Info) string {
	for _, x := range ms {
		if sameTree(x, m) {
			return x.Mountpoint
		}
	}
	return ""
}
