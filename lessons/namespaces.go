package lessons

// The namespaces lesson: rows 9–13 of the article map. Every check reads the
// kernel: /proc/PID/ns links, /proc/PID/status, uid_map, a fresh procfs seen
// through /proc/PID/root, mountinfo, and probes run after setns(2).
//
// This file holds the Lesson, the helpers its steps share (some of which
// other lessons call: stepOf, differing, sameDiff, readNS) and the keep
// help. The steps live by part:
//
//	namespaces_list.go     list, compare       row 9
//	namespaces_unshare.go  unshare             row 10
//	namespaces_join.go     nsenter, persist    rows 11–12
//	namespaces_types.go    types               row 13

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"nakami/engine/procfs"
)

var _ = register(&Lesson{
	ID:        "namespaces",
	Exercises: nsExercises,
	Steps:     []*Step{nsListStep, nsCompareStep, nsUnshareStep, nsEnterStep, nsPersistStep, nsTypesStep},
	KeepHelp: func(e *Env) Text {
		var en, ja strings.Builder
		for role, c := range e.Procs {
			if c.Exited() {
				continue
			}
			fmt.Fprintf(&en, "  %-15s lsns -p %d;  nsenter -t %d -a sh\n", role, c.PID, c.PID)
			fmt.Fprintf(&ja, "  %-15s lsns -p %d;  nsenter -t %d -a sh\n", role, c.PID, c.PID)
		}
		if f := nsFileKey.Value(e); f != "" {
			fmt.Fprintf(&en, "  ns_uts          findmnt %s;  nsenter --uts=%s hostname\n", f, f)
			fmt.Fprintf(&ja, "  ns_uts          findmnt %s;  nsenter --uts=%s hostname\n", f, f)
		}
		return T("Left running for you to look at:\n"+en.String()+"Remove them with: nakami cleanup\n",
			"確認用に残したもの:\n"+ja.String()+"削除するには: nakami cleanup\n")
	},
})

var hostnameParam = Param{
	Name: "hostname", Default: "foobar",
	Help: T("the hostname set inside the new UTS namespace", "新しい UTS 名前空間の中で設定するホスト名"),
	Check: func(v string) error {
		if v == "" || len(v) > 64 || strings.Trim(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") != "" {
			return fmt.Errorf("hostname %q is not 1 to 64 letters, digits, dots or dashes", v)
		}
		return nil
	},
}

// nsHostname is the hostname parameter of the namespaces step with that id.
func nsHostname(e *Env, step string) string {
	return e.Param(stepOf("namespaces", step), "hostname")
}

// joinTypes adds the user namespace when not root: an unprivileged process
// gains the right to join the others only by entering their owner first.
func joinTypes(types ...string) []string {
	if os.Geteuid() != 0 {
		return append([]string{"user"}, types...)
	}
	return types
}

// stepOf finds a step of the course by lesson and step id (for a step's
// parameters, from code that runs inside the step itself).
func stepOf(lesson, step string) *Step {
	_, s, _ := Find(lesson + "/" + step)
	return s
}

// differing lists the namespace types (not the *_for_children links) whose
// inodes differ between a and b.
func differing(a, b map[string]procfs.NSLink) []string {
	var out []string
	for _, t := range procfs.NSTypes {
		if a[t.Name] != b[t.Name] {
			out = append(out, t.Name)
		}
	}
	return out
}

// sameDiff checks that exactly want differ between pid and this process.
func sameDiff(pid int, want []string) (bool, Text) {
	theirs, err := procfs.ReadNamespaces(pid)
	if err != nil {
		return false, errText(err)
	}
	mine, err := procfs.ReadNamespaces(os.Getpid())
	if err != nil {
		return false, errText(err)
	}
	diff := differing(theirs, mine)
	if !slices.Equal(diff, want) {
		return false, Tf("differing: %v, want %v", "異なるもの: %v(期待: %v)", diff, want)
	}
	var parts []string
	for _, t := range diff {
		parts = append(parts, t+":["+strconv.FormatUint(theirs[t].Inode, 10)+"]")
	}
	return true, Tf("new: %s", "新しいもの: %s", strings.Join(parts, " "))
}

// readNS reads a process's links and records the read in the transcript.
func readNS(e *Env, pid int) (map[string]procfs.NSLink, error) {
	var ns map[string]procfs.NSLink
	err := e.S.T.Do(fmt.Sprintf("readlink(\"/proc/%d/ns/*\")", pid), fmt.Sprintf("ls -l /proc/%d/ns", pid), func() (err error) {
		ns, err = procfs.ReadNamespaces(pid)
		return err
	})
	return ns, err
}
