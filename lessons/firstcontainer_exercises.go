package lessons

// The first-container lesson's exercises: the learner builds the article's
// container by hand, nakami reads it in the kernel (read-only). by-hand
// reads /proc/PID/ns, NSpid in /proc/PID/status, /proc/PID/root and, for a
// pivoted root, the root mount seen from inside the mount namespace;
// limits reads /proc/PID/cgroup and the group's limit files in cgroupfs
// (v1 cpu.cfs_quota_us, cpu.cfs_period_us, memory.limit_in_bytes; v2
// cpu.max, memory.max).

import (
	"fmt"
	"slices"
	"strings"

	"github.com/moby/sys/mountinfo"

	"nakami/engine"
	"nakami/engine/child"
	"nakami/engine/procfs"
)

// fcExercises follow the lesson's steps, in this order.
var fcExercises = []*Exercise{fcByHandExercise, fcLimitsExercise}

// fcOwnTypes are the namespaces the container must not share with the host.
var fcOwnTypes = []string{"mnt", "uts", "ipc", "net", "pid"}

var fcByHandExercise = &Exercise{
	ID:       "by-hand",
	Requires: NeedsRoot,
	Why: T("another user's /proc/PID/root and namespaces can be read, and a mount namespace joined, only with root's capabilities.",
		"ほかのユーザーの /proc/PID/root と名前空間を読み、マウント名前空間に参加するには root の権限が要ります。"),
	Check: checkByHand,
}

// checkByHand: a live process nakami did not start is PID 1 of a PID
// namespace of its own, in mnt, uts, ipc and net namespaces other than
// nakami's (the host's), and has a root of its own: a root directory other
// than /, or a mount namespace whose root mount is not the host's.
func checkByHand(l *Look) (bool, Text) {
	self := procfs.SelfPID()
	host := map[string]uint64{}
	for _, typ := range fcOwnTypes {
		ino, ok := nsOf(self, typ)
		if !ok {
			return false, Tf("cannot read /proc/self/ns/%s", "/proc/self/ns/%s を読めません", typ)
		}
		host[typ] = ino
	}
	hostRoot, err := hostRootMount()
	if err != nil {
		return false, errText(err)
	}
	pids, err := learnerPIDs()
	if err != nil {
		return false, errText(err)
	}
	ours := oursNS(l, "pid")
	var seen []Text
	for _, pid := range pids {
		pidNS, ok := nsOf(pid, "pid")
		if !ok || pidNS == host["pid"] {
			continue
		}
		st, err := procfs.ReadStatus(pid)
		if err != nil || len(st.NSpid) < 2 || st.NSpid[len(st.NSpid)-1] != 1 || gone(st) {
			continue
		}
		if ours[pidNS] {
			seen = append(seen, Tf("%s is PID 1 of pid:[%d], a namespace nakami made (which does not count)",
				"%s は nakami が作った pid:[%d] の PID 1(数えません)", procName(pid), pidNS))
			continue
		}
		var shared []string
		readable := true
		for _, typ := range fcOwnTypes[:4] {
			ino, ok := nsOf(pid, typ)
			readable = readable && ok
			if ino == host[typ] {
				shared = append(shared, typ)
			}
		}
		if !readable { // exited meanwhile
			continue
		}
		root, own := ownRoot(l, pid, hostRoot, !slices.Contains(shared, "mnt"))
		switch {
		case len(shared) == 0 && own:
			return true, joinTexts([]Text{Tf("%s is PID 1 of its own PID namespace (NSpid %s), in mnt, uts, ipc, net and pid namespaces other than the host's, and",
				"%s は自分の PID 名前空間の PID 1(NSpid %s)で、mnt・uts・ipc・net・pid の名前空間はどれもホストのものではなく、",
				procName(pid), ints(st.NSpid)), root}, " ")
		case len(shared) > 0:
			seen = append(seen, Tf("%s is PID 1 of pid:[%d], but shares the host's %s namespace", "%s は pid:[%d] の PID 1 だが、ホストの %s 名前空間を共有している",
				procName(pid), pidNS, strings.Join(shared, ", ")))
		default:
			seen = append(seen, joinTexts([]Text{Tf("%s is PID 1 in five namespaces of its own, but", "%s は 5 つの自分の名前空間にいる PID 1 だが、", procName(pid)), root}, " "))
		}
	}
	if len(seen) == 0 {
		return false, Tf("no process outside nakami is PID 1 of a PID namespace of its own (every NSpid line ends in a number other than 1, or the process shares the host's pid:[%d])",
			"nakami 以外に自分の PID 名前空間の PID 1 であるプロセスはありません(NSpid の最後が 1 でないか、ホストの pid:[%d] を共有している)", host["pid"])
	}
	list := joinTexts(capped(seen, 5), "; ")
	return false, Text{EN: "no process outside nakami is PID 1 in five namespaces of its own with a root of its own: " + list.EN,
		JA: "nakami 以外に、5 つの自分の名前空間にいて自分のルートを持つ PID 1 はありません: " + list.JA}
}

// ownRoot says where pid's root is and whether it is its own: a root directory other than /, or,
// in a mount namespace of its own, a root mount that is not the host's.
func ownRoot(l *Look, pid int, host *mountinfo.Info, ownMnt bool) (Text, bool) {
	r, err := procfs.ReadRoot(pid)
	if err != nil {
		return errText(err), false
	}
	if r != "/" && oursUnder(l, engine.KindDir, r) {
		return Tf("its root directory is %s, a directory nakami made (which does not count)", "ルートディレクトリは nakami が作った %s(数えません)", r), false
	}
	if r != "/" {
		return Tf("its root directory is %s (/proc/%d/root)", "ルートディレクトリは %s(/proc/%d/root)", r, pid), true
	}
	if !ownMnt {
		return Tf("its root is the host's / (/proc/%d/root)", "ルートはホストの /(/proc/%d/root)", pid), false
	}
	ms, err := child.NamespaceMounts(pid)
	if err != nil {
		return errText(err), false
	}
	top := rootMount(ms)
	if top == nil || sameTree(top, host) {
		return Tf("its root is the host's root mount %s", "ルートはホストのルートマウント %s", describeMount(host)), false
	}
	return Tf("its root mount is %s, not the host's", "ルートマウントはホストのものではなく %s", describeMount(top)), true
}

// gone reports a zombie or dead process: its namespace links no longer
// resolve, so it is in none.
func gone(st procfs.Status) bool {
	return strings.HasPrefix(st.State, "Z") || strings.HasPrefix(st.State, "X")
}

// ints renders a PID list as NSpid shows it.
func ints(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, " ")
}
