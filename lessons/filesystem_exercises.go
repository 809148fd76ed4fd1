package lessons

// The filesystem lesson's exercises: tasks the learner does by hand, seen in
// the kernel (read-only). pivot looks at the root mount of each mount
// namespace other than the host's, read from inside that namespace (a
// thread joins it), because /proc/PID/mountinfo only shows what PID's root
// directory reaches and so cannot tell a chroot from a pivot_root. jail
// reads /proc/PID/root and the capability sets in /proc/PID/status.

import (
	"strings"

	"nakami/engine"
	"nakami/engine/caps"
	"nakami/engine/child"
	"nakami/engine/procfs"
)

// fsExercises follow the lesson's steps, in this order.
var fsExercises = []*Exercise{fsJailExercise, fsPivotExercise}

var fsJailExercise = &Exercise{
	ID:       "jail",
	Requires: NeedsRoot,
	Why: T("another user's /proc/PID/root cannot be read without CAP_SYS_PTRACE, and a chroot needs root anyway.",
		"ほかのユーザーの /proc/PID/root は CAP_SYS_PTRACE なしでは読めず、chroot にはどのみち root が要ります。"),
	Check: checkJail,
}

// checkJail: a live process nakami did not start has a root directory
// other than / and cap_sys_chroot in none of its bounding, permitted and
// effective sets.
func checkJail(l *Look) (bool, Text) {
	pids, err := learnerPIDs()
	if err != nil {
		return false, errText(err)
	}
	bit := uint64(1) << capSysChroot
	var seen []Text
	for _, pid := range pids {
		root, err := procfs.ReadRoot(pid)
		if err != nil || root == "/" {
			continue
		}
		if l.OursPID(pid) {
			seen = append(seen, oursProc(pid))
			continue
		}
		if oursUnder(l, engine.KindDir, root) {
			seen = append(seen, Tf("%s is chrooted into %s, a directory nakami made (which does not count)",
				"%s は nakami が作ったディレクトリ %s に chroot している(数えません)", procName(pid), root))
			continue
		}
		st, err := procfs.ReadStatus(pid)
		if err != nil {
			continue
		}
		var holds []string
		for _, s := range []struct {
			name string
			mask uint64
		}{{"CapBnd", st.CapBnd}, {"CapPrm", st.CapPrm}, {"CapEff", st.CapEff}} {
			if s.mask&bit != 0 {
				holds = append(holds, s.name)
			}
		}
		if len(holds) == 0 {
			return true, Tf("%s has its root at %s (/proc/%d/root), and %s is in none of its sets (CapBnd %016x, CapEff %016x): chroot(2) fails with EPERM, so it cannot climb out",
				"%s のルートは %s(/proc/%d/root)で、%s はどの集合にもない(CapBnd %016x、CapEff %016x)。chroot(2) は EPERM で失敗するので、外へは出られない",
				procName(pid), root, pid, caps.Name(capSysChroot), st.CapBnd, st.CapEff)
		}
		seen = append(seen, Tf("%s is chrooted into %s, but %s still holds %s (CapBnd %016x): it can chroot again and climb out",
			"%s は %s に chroot しているが、%s にまだ %s がある(CapBnd %016x)。もう一度 chroot して外へ出られる",
			procName(pid), root, strings.Join(holds, ", "), caps.Name(capSysChroot), st.CapBnd))
	}
	if len(seen) == 0 {
		return false, T("no chrooted process has lost cap_sys_chroot: no process outside nakami has a root directory other than / (every /proc/PID/root points at /)",
			"cap_sys_chroot を失った chroot 中のプロセスはありません。nakami 以外に / 以外のルートディレクトリを持つプロセスがない(どの /proc/PID/root も / を指している)")
	}
	list := joinTexts(capped(seen, 5), "; ")
	return false, Text{EN: "no chrooted process has lost cap_sys_chroot: " + list.EN, JA: "cap_sys_chroot を失った chroot 中のプロセスはありません: " + list.JA}
}

var fsPivotExercise = &Exercise{
	ID:       "pivot",
	Requires: NeedsRoot,
	Why: T("reading another mount namespace's mounts from its own root means joining it, which needs CAP_SYS_ADMIN.",
		"ほかのマウント名前空間のマウントをそのルートから読むにはそこへ参加する必要があり、CAP_SYS_ADMIN が要ります。"),
	Check: checkPivot,
}

// checkPivot: a live process nakami did not start is in a mount namespace
// whose root mount is not the host's, and no mount of the host's root is
// left anywhere in that namespace.
func checkPivot(l *Look) (bool, Text) {
	host, err := hostRootMount()
	if err != nil {
		return false, errText(err)
	}
	hostNS, ok := nsOf(procfs.SelfPID(), "mnt")
	if !ok {
		return false, T("cannot read /proc/self/ns/mnt", "/proc/self/ns/mnt を読めません")
	}
	pids, err := learnerPIDs()
	if err != nil {
		return false, errText(err)
	}
	ours := oursNS(l, "mnt")
	looked := map[uint64]bool{} // namespace → its root mount is the host's
	var seen []Text
	plain := 0
	for _, pid := range pids {
		ino, ok := nsOf(pid, "mnt")
		if !ok {
			continue
		}
		if ino == hostNS {
			if root, err := procfs.ReadRoot(pid); err == nil && root != "/" && l.OursPID(pid) {
				seen = append(seen, oursProc(pid))
			} else if err == nil && root != "/" {
				seen = append(seen, Tf("%s is chrooted into %s in the host's own mount namespace: chroot moves the root directory, not the root mount",
					"%s はホスト自身のマウント名前空間の中で %s に chroot している。chroot が動かすのはルートディレクトリで、ルートマウントではない", procName(pid), root))
			}
			continue
		}
		if kernelThread(pid) {
			continue
		}
		// Each namespace is read once; in one whose root mount is still
		// the host's, each process is looked at for a chroot.
		hostTop, known := looked[ino]
		if !known {
			looked[ino] = false
			if ours[ino] {
				seen = append(seen, Tf("mnt:[%d] of %s is nakami's own namespace (which does not count)", "%[2]s の mnt:[%[1]d] は nakami が作った名前空間(数えません)", ino, procName(pid)))
				continue
			}
			ms, err := child.NamespaceMounts(pid)
			if err != nil {
				if procfs.ProcessExists(pid) {
					seen = append(seen, Tf("mnt:[%d] of %s (%v)", "%[2]s の mnt:[%[1]d](%[3]v)", ino, procName(pid), err))
				}
				continue
			}
			top := rootMount(ms)
			if hostTop = top == nil || sameTree(top, host); !hostTop {
				if old := findTree(ms, host); old != "" {
					seen = append(seen, Tf("%s is in mnt:[%d], whose root mount is %s, but the host's root is still mounted at %s in it: the old root is reachable (umount -l it)",
						"%s のマウント名前空間 mnt:[%d] のルートマウントは %s だが、ホストのルートがまだ %s にマウントされていて、古いルートにたどり着ける(umount -l で外す)", procName(pid), ino, describeMount(top), old))
					continue
				}
				return true, Tf("%s is in mount namespace mnt:[%d], whose root mount is %s, not the host's %s, and no mount of the host's root is left in it",
					"%s のマウント名前空間 mnt:[%d] のルートマウントはホストの %[4]s ではなく %[3]s で、ホストのルートのマウントはその中に残っていない",
					procName(pid), ino, describeMount(top), describeMount(host))
			}
			looked[ino] = true
			plain++
		}
		if !hostTop && known {
			continue
		}
		if root, err := procfs.ReadRoot(pid); err == nil && root != "/" {
			seen = append(seen, Tf("%s has its root directory at %s, but the root mount of its mount namespace mnt:[%d] is still the host's %s: that is chroot, not pivot_root",
				"%s のルートディレクトリは %s だが、そのマウント名前空間 mnt:[%d] のルートマウントはホストの %s のまま。これは pivot_root ではなく chroot", procName(pid), root, ino, describeMount(host)))
		}
	}
	if plain > 0 {
		seen = append(seen, Tf("%d mount namespaces other than the host's still have the host's root mount at /", "ホスト以外の %d 個のマウント名前空間では / がまだホストのルートマウント", plain))
	}
	if len(seen) == 0 {
		return false, Tf("every process outside nakami is in the host's mount namespace mnt:[%d] with its root at /: no process has a root mount of its own", "nakami 以外のプロセスはすべてホストのマウント名前空間 mnt:[%d] にいてルートは /。自分のルートマウントを持つプロセスはありません", hostNS)
	}
	list := joinTexts(capped(seen, 5), "; ")
	return false, Text{EN: "no process has a root mount of its own without the old root: " + list.EN,
		JA: "古いルートなしで自分のルートマウントを持つプロセスはありません: " + list.JA}
}
