package lessons

// The namespaces lesson's exercises: the learner keeps a namespace alive by
// hand, and joins a running one to change what only it sees. nakami reads
// the mount table and joins namespaces read-only to look.

import (
	"strings"

	"nakami/engine"
	"nakami/engine/child"
	"nakami/engine/procfs"
)

// nsExercises follow the lesson's steps, in this order.
var nsExercises = []*Exercise{persistUTSExercise, nsenterChangeExercise}

var persistUTSExercise = &Exercise{
	ID:       "persist-uts",
	Requires: NeedsRoot,
	Why: T("reading the hostname of a namespace held by a file means joining it, which needs CAP_SYS_ADMIN.",
		"ファイルが保持する名前空間のホスト名を読むにはそこへ参加する必要があり、CAP_SYS_ADMIN が要ります。"),
	Check: func(l *Look) (bool, Text) {
		ms, err := procfs.ReadMounts(procfs.SelfPID())
		if err != nil {
			return false, errText(err)
		}
		var seen []Text
		for _, m := range ms {
			if m.FSType != "nsfs" || !strings.HasPrefix(m.Root, "uts:[") {
				continue
			}
			if l.Ours(engine.KindMount, m.Mountpoint) {
				seen = append(seen, Tf("%s (made by nakami, which does not count)", "%s(nakami が作ったもので、数えません)", m.Mountpoint))
				continue
			}
			host, err := child.HostnameAt(m.Mountpoint)
			if err != nil {
				seen = append(seen, Tf("%s (%v)", "%s(%v)", m.Mountpoint, err))
				continue
			}
			if host == "foobar" {
				return true, Tf("%s holds UTS namespace %s, and its hostname is foobar", "%s が UTS 名前空間 %s を保持していて、そのホスト名は foobar",
					m.Mountpoint, m.Root)
			}
			seen = append(seen, Tf("%s, but its hostname is %q, not foobar", "%s。ただしホスト名は foobar ではなく %q", m.Mountpoint, host))
		}
		if len(seen) == 0 {
			return false, T("no UTS namespace is bind-mounted anywhere (/proc/self/mountinfo has no nsfs mount of uts:[…])",
				"UTS 名前空間はどこにも bind mount されていません(/proc/self/mountinfo に uts:[…] の nsfs マウントがない)")
		}
		list := joinTexts(seen, "; ")
		return false, Text{EN: "a UTS namespace is bind-mounted at " + list.EN, JA: "UTS 名前空間が bind mount されている場所: " + list.JA}
	},
}

// insideName is the hostname the nsenter-change exercise asks for.
const insideName = "inside"

var nsenterChangeExercise = &Exercise{
	ID:       "nsenter-change",
	Requires: NeedsRoot,
	Why: T("reading the hostname of another process's UTS namespace means joining it, which needs CAP_SYS_ADMIN.",
		"ほかのプロセスの UTS 名前空間のホスト名を読むにはそこへ参加する必要があり、CAP_SYS_ADMIN が要ります。"),
	Check: checkNsenterChange,
}

// checkNsenterChange: a live process nakami did not start sits in a UTS
// namespace other than nakami's own (the host's) whose hostname is
// "inside", while the host's hostname is not.
func checkNsenterChange(l *Look) (bool, Text) {
	hostName, err := child.UnameNodename()
	if err != nil {
		return false, errText(err)
	}
	if hostName == insideName {
		return false, T("the host's own hostname is inside (uname -n outside any container): only the container's may change; set the host's back with sudo hostname OLDNAME",
			"ホスト自身のホスト名が inside になっています(コンテナの外での uname -n)。変えてよいのはコンテナの中だけです。sudo hostname 元の名前 で戻してください")
	}
	host, ok := nsOf(procfs.SelfPID(), "uts")
	if !ok {
		return false, T("cannot read /proc/self/ns/uts", "/proc/self/ns/uts を読めません")
	}
	pids, err := learnerPIDs()
	if err != nil {
		return false, errText(err)
	}
	ours := oursNS(l, "uts")
	var order []uint64
	first := map[uint64]int{}
	for _, pid := range pids {
		ino, ok := nsOf(pid, "uts")
		if !ok || ino == host || kernelThread(pid) {
			continue
		}
		if _, seen := first[ino]; !seen {
			first[ino] = pid
			order = append(order, ino)
		}
	}
	if len(order) == 0 {
		return false, Tf("every process outside nakami is in the host's UTS namespace uts:[%d] (hostname %s): no UTS namespace other than the host's is named inside, as none has one of its own",
			"nakami 以外のプロセスはすべてホストの UTS 名前空間 uts:[%d](ホスト名 %s)にいて、自分の UTS 名前空間を持つものがないので、名前が inside のものもありません", host, hostName)
	}
	var seen []Text
	for _, ino := range order {
		pid := first[ino]
		if ours[ino] {
			seen = append(seen, Tf("uts:[%d] of %s (nakami's own namespace, which does not count)", "%[2]s の uts:[%[1]d](nakami が作った名前空間で、数えません)", ino, procName(pid)))
			continue
		}
		name, err := child.Hostname(pid)
		if err != nil {
			if procfs.ProcessExists(pid) {
				seen = append(seen, Tf("uts:[%d] of %s (%v)", "%[2]s の uts:[%[1]d](%[3]v)", ino, procName(pid), err))
			}
			continue
		}
		if name == insideName {
			return true, Tf("%s is in UTS namespace uts:[%d], not the host's uts:[%d], and its hostname is inside; the host's is still %s",
				"%s はホストの uts:[%[3]d] ではない UTS 名前空間 uts:[%[2]d] にいて、そのホスト名は inside。ホストのホスト名は %[4]s のまま",
				procName(pid), ino, host, hostName)
		}
		seen = append(seen, Tf("uts:[%d] of %s has hostname %q, not inside", "%[2]s の uts:[%[1]d] のホスト名は inside ではなく %[3]q", ino, procName(pid), name))
	}
	list := joinTexts(capped(seen, 5), "; ")
	return false, Text{EN: "no UTS namespace other than the host's is named inside: " + list.EN,
		JA: "ホスト以外で名前が inside の UTS 名前空間はありません: " + list.JA}
}
