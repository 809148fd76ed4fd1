package lessons

// The reference process for "shared with the host or new?": PID 1 when its
// namespace links can be read. Some machines protect PID 1 even from root
// (a sandbox supervisor, an LSM); there the oldest ancestor of nakami whose
// links can be read stands in for it, and every check says so.

import (
	"sync"

	"nakami/engine/procfs"
)

var reference struct {
	once sync.Once
	pid  int
	name string
	why  string // empty when PID 1 itself is the reference
}

// Reference returns the process to compare namespaces with, its command
// name, and (when it is not PID 1) why.
func Reference() (pid int, name string, why string) {
	reference.once.Do(func() {
		_, err := procfs.ReadNamespaces(1)
		if err == nil {
			reference.pid, reference.name = 1, commName(1)
			return
		}
		reference.why = "PID 1: " + err.Error()
		pid, oldest := procfs.SelfPID(), 0
		for pid > 1 {
			if _, err := procfs.ReadNamespaces(pid); err == nil {
				oldest = pid
			}
			st, err := procfs.ReadStatus(pid)
			if err != nil {
				break
			}
			pid = st.PPID
		}
		reference.pid, reference.name = oldest, commName(oldest)
	})
	return reference.pid, reference.name, reference.why
}

// referenceNS returns the reference process's namespace links, read once:
// the namespaces of PID 1 (or its stand-in) do not change while nakami runs.
func referenceNS() (map[string]procfs.NSLink, error) {
	pid, _, _ := Reference()
	refNS.once.Do(func() { refNS.ns, refNS.err = procfs.ReadNamespaces(pid) })
	return refNS.ns, refNS.err
}

var refNS struct {
	once sync.Once
	ns   map[string]procfs.NSLink
	err  error
}

func commName(pid int) string {
	st, err := procfs.ReadStatus(pid)
	if err != nil {
		return "?"
	}
	return st.Name
}
