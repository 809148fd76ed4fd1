package lessons

// namespaces/list and namespaces/compare (row 9 of the article map): a
// process's eight namespace links, and the same inodes as PID 1's.

import (
	"fmt"
	"strings"

	"nakami/engine/child"
	"nakami/engine/procfs"
)

var nsListStep = &Step{
	ID:       "list",
	Commands: []string{"ls -l /proc/$$/ns"},
	Live:     Live{Procs: []string{"shell"}},
	Action: func(e *Env) error {
		_, err := e.Spawn(child.Spec{Role: "shell", Shell: "sh"})
		if err == nil {
			_, err = readNS(e, e.PIDs["shell"])
		}
		return err
	},
	Checks: []Check{
		procCheck(T("the process has a link for each of the eight namespace types",
			"プロセスに8種類すべての名前空間のリンクがある"), "shell",
			func(e *Env, c *child.Process) (bool, Text) {
				ns, err := procfs.ReadNamespaces(c.PID)
				if err != nil {
					return false, errText(err)
				}
				var missing, seen []string
				for _, t := range procfs.NSTypes {
					if l, ok := ns[t.Name]; ok && l.Type == t.Name {
						seen = append(seen, fmt.Sprintf("%s:[%d]", t.Name, l.Inode))
					} else {
						missing = append(missing, t.Name)
					}
				}
				if len(missing) > 0 {
					return false, Tf("/proc/%d/ns lacks %s", "/proc/%d/ns に %s がありません", c.PID, strings.Join(missing, ", "))
				}
				return true, Tf("/proc/%d/ns: %s", "/proc/%d/ns: %s", c.PID, strings.Join(seen, " "))
			}),
	},
}

var nsCompareStep = &Step{
	ID:       "compare",
	After:    []string{"list"},
	Commands: []string{"ls -l /proc/1/ns", "readlink /proc/$$/ns/uts /proc/1/ns/uts"},
	Live:     Live{Procs: []string{"shell", "reference"}},
	Action: func(e *Env) error {
		pid, _, why := Reference()
		if pid == 0 {
			return fmt.Errorf("no process to compare with can be read (%s)", why)
		}
		if _, err := readNS(e, pid); err != nil {
			return err
		}
		e.PIDs["reference"] = pid
		return nil
	},
	Checks: []Check{
		procCheck(T("the process shares every namespace with PID 1", "プロセスは PID 1 とすべての名前空間を共有している"), "shell",
			func(e *Env, c *child.Process) (bool, Text) {
				ref, ok := e.PIDs["reference"]
				if !ok {
					return false, T("PID 1 has not been compared yet", "まだ PID 1 と比べていません")
				}
				mine, err := procfs.ReadNamespaces(c.PID)
				if err != nil {
					return false, errText(err)
				}
				theirs, err := procfs.ReadNamespaces(ref)
				if err != nil {
					return false, errText(err)
				}
				_, name, why := Reference()
				note := T("", "")
				if why != "" {
					note = Tf(" (PID 1 is protected on this machine, %s; compared with its oldest readable ancestor, PID %d %s)",
						"(このマシンでは PID 1 が保護されています: %s。読める最も古い祖先 PID %d %s と比較)", why, ref, name)
				}
				if diff := differing(mine, theirs); len(diff) > 0 {
					return false, Tf("these differ from PID %d: %s%s", "PID %d と異なるもの: %s%s", ref, strings.Join(diff, ", "), note.EN)
				}
				return true, T(fmt.Sprintf("all 8 inodes of process %d equal PID %d's (e.g. uts:[%d])%s", c.PID, ref, theirs["uts"].Inode, note.EN),
					fmt.Sprintf("プロセス %d の 8 つの inode はすべて PID %d と同じ(例 uts:[%d])%s", c.PID, ref, theirs["uts"].Inode, note.JA))
			}),
	},
}
