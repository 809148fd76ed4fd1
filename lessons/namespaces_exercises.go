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
var nsExercises = []*Exercise{persistUTSExercise}

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
