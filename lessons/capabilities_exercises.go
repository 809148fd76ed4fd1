package lessons

// The capabilities lesson's exercises: the learner gives a copy of a
// program exactly one file capability with setcap, and starts a process
// with an ambient capability with capsh. nakami reads the file's
// security.capability attribute and inode, and every process's
// /proc/PID/status, read-only.

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"nakami/engine"
	"nakami/engine/caps"
	"nakami/engine/procfs"
)

// capsExercises follow the lesson's steps, in this order.
var capsExercises = []*Exercise{fileCapExercise, ambientExercise}

// maxProcs bounds the scan of /proc: the workbench re-runs an open
// exercise's check twice a second.
const maxProcs = 4096

// oursFile reports whether nakami journaled path or a directory above it,
// or path lies in a directory named like a nakami session's (nakami-…):
// a user who is not root cannot read root's journals, yet can reach the
// copies a root nakami kept in its 0755 session directory.
func oursFile(l *Look, path string) bool {
	if l.Ours(engine.KindFile, path) {
		return true
	}
	for d := filepath.Dir(path); ; d = filepath.Dir(d) {
		if l.Ours(engine.KindDir, d) || l.Ours(engine.KindMount, d) || strings.HasPrefix(filepath.Base(d), "nakami-") {
			return true
		}
		if d == "/" || d == "." {
			return false
		}
	}
}

var fileCapExercise = &Exercise{
	ID:   "file-cap",
	Args: []string{"PATH"},
	Check: func(l *Look) (bool, Text) {
		path, err := filepath.Abs(l.Arg(0))
		if err != nil {
			return false, errText(err)
		}
		if real, err := filepath.EvalSymlinks(path); err == nil {
			path = real // getxattr(2) follows the link too
		}
		fi, err := os.Stat(path)
		if err != nil {
			return false, errText(err)
		}
		if oursFile(l, path) {
			return false, Tf("%s was made by nakami, which does not count: make a copy of your own", "%s は nakami が作ったもので、数えません。自分でコピーを作ってください", path)
		}
		if !fi.Mode().IsRegular() {
			return false, Tf("%s is not a regular file (%s), so it is not a copy of a program", "%s は通常ファイルではなく(%s)、プログラムのコピーではありません", path, fi.Mode().Type())
		}
		fc, has, err := caps.ReadFile(path)
		if err != nil {
			return false, errText(err)
		}
		last, err := caps.LastCap()
		if err != nil {
			last = 63
		}
		suid := fi.Mode()&os.ModeSetuid != 0
		var wrong []Text
		switch {
		case !has:
			wrong = append(wrong, Tf("has no file capabilities (no %s attribute)", "ファイルケーパビリティがありません(%s 属性がない)", caps.Xattr))
		case fc.Permitted != netRaw || fc.Inheritable != 0 || !fc.Effective:
			wrong = append(wrong, Tf("carries %q, not exactly cap_net_raw=ep", "持っているのは %q で、ちょうど cap_net_raw=ep ではありません", fc.Text(last)))
		case fc.RootID != 0:
			wrong = append(wrong, Tf("carries cap_net_raw=ep for root id %d only (setcap -n), which the initial user namespace ignores",
				"cap_net_raw=ep を持っていますが root id %d 用(setcap -n)で、最初のユーザー名前空間では無視されます", fc.RootID))
		}
		if suid {
			wrong = append(wrong, Tf("is set-user-ID (mode %#o): whoever runs it becomes its owner, uid %d",
				"set-user-ID です(モード %#o)。誰が実行しても所有者 uid %d になります", modeBits(fi), fileUID(fi)))
		}
		if len(wrong) > 0 {
			w := joinTexts(wrong, "; ")
			return false, Text{EN: path + " " + w.EN + " (needed: exactly cap_net_raw=ep, and no set-user-ID bit)",
				JA: path + ": " + w.JA + "(必要なのは、ちょうど cap_net_raw=ep で、set-user-ID ビットがないこと)"}
		}
		return true, Tf("%s carries exactly cap_net_raw=ep (%s) and is not set-user-ID (mode %#o)",
			"%s はちょうど cap_net_raw=ep を持ち(%s)、set-user-ID ではありません(モード %#o)", path, caps.Xattr, modeBits(fi))
	},
}

var ambientExercise = &Exercise{
	ID:       "ambient",
	Requires: NeedsRoot,
	Why: T("telling your processes from the ones a root nakami kept (nakami run … --keep) means reading root's journals in /run/nakami, which only root can read.",
		"自分のプロセスと root の nakami が残したもの(nakami run … --keep)を見分けるには /run/nakami にある root のジャーナルを読む必要があり、読めるのは root だけです。"),
	Check: func(l *Look) (bool, Text) {
		pids, err := procfs.ReadProcPIDs("/proc")
		if err != nil {
			return false, errText(err)
		}
		var seen []Text
		if len(pids) > maxProcs {
			seen = append(seen, Tf("(only the first %d of %d processes were looked at)", "(%[2]d 個のプロセスのうち最初の %[1]d 個だけを見ました)", maxProcs, len(pids)))
			pids = pids[:maxProcs]
		}
		for _, pid := range pids {
			// Ambient is always within inheritable (capabilities(7)), and
			// capget(2) is far cheaper than a status file: read only those.
			if _, _, inh, err := caps.Peek(pid); err != nil || inh&netRaw == 0 {
				continue
			}
			st, err := procfs.ReadStatus(pid)
			if err != nil || strings.HasPrefix(st.State, "Z") {
				continue // gone, or a zombie
			}
			if st.Uid[0] == 0 && st.Uid[1] == 0 && st.CapAmb&netRaw == 0 {
				continue // root, with cap_net_raw only inheritable
			}
			who := Tf("PID %d (%s, uid %d)", "PID %d(%s、uid %d)", pid, st.Name, st.Uid[1])
			if l.OursPID(pid) {
				seen = append(seen, Text{EN: who.EN + " was started by nakami, which does not count", JA: who.JA + " は nakami が起動したもので、数えません"})
				continue
			}
			sets := Tf("CapInh %016x, CapEff %016x, CapAmb %016x", "CapInh %016x、CapEff %016x、CapAmb %016x", st.CapInh, st.CapEff, st.CapAmb)
			var miss []string
			if st.Uid[0] == 0 || st.Uid[1] == 0 {
				miss = append(miss, "root")
			}
			if st.CapAmb&netRaw == 0 {
				miss = append(miss, "ambient")
			}
			if st.CapEff&netRaw == 0 {
				miss = append(miss, "effective")
			}
			if len(miss) == 0 {
				return true, Text{EN: fmt.Sprintf("%s runs as a non-root user with cap_net_raw in its ambient and effective sets (/proc/%d/status: %s)", who.EN, pid, sets.EN),
					JA: fmt.Sprintf("%s は root 以外のユーザーで動き、ambient と effective の両方に cap_net_raw を持っています(/proc/%d/status: %s)", who.JA, pid, sets.JA)}
			}
			seen = append(seen, ambientMiss(who, pid, sets, miss))
		}
		if len(seen) == 0 {
			return false, T("no process running as a non-root user has cap_net_raw even in its inheritable set (CapInh of /proc/PID/status), where an ambient capability must also be; needed: one with cap_net_raw in CapAmb and CapEff",
				"root 以外のユーザーで動くプロセスで、cap_net_raw を inheritable セット(/proc/PID/status の CapInh)に持つものすらありません。ambient のケーパビリティは必ずそこにもあります。必要なのは CapAmb と CapEff に cap_net_raw を持つプロセスです")
		}
		s := summarize(seen)
		return false, Text{EN: "no process runs as a non-root user with cap_net_raw both ambient and effective: " + s.EN,
			JA: "root 以外のユーザーで cap_net_raw を ambient と effective の両方に持って動くプロセスはありません: " + s.JA}
	},
}

// ambientMiss says what one candidate process lacks.
func ambientMiss(who Text, pid int, sets Text, miss []string) Text {
	ja := map[string]string{"root": "root で動いている", "ambient": "ambient に cap_net_raw がない", "effective": "effective に cap_net_raw がない"}
	en := map[string]string{"root": "it runs as root", "ambient": "cap_net_raw is not in its ambient set", "effective": "cap_net_raw is not in its effective set"}
	var e, j []string
	for _, m := range miss {
		e, j = append(e, en[m]), append(j, ja[m])
	}
	return Text{EN: fmt.Sprintf("%s: %s (/proc/%d/status: %s)", who.EN, strings.Join(e, " and "), pid, sets.EN),
		JA: fmt.Sprintf("%s: %s(/proc/%d/status: %s)", who.JA, strings.Join(j, "、"), pid, sets.JA)}
}

// modeBits is the file's permission and set-ID bits as chmod writes them.
func modeBits(fi os.FileInfo) uint32 { return fi.Sys().(*syscall.Stat_t).Mode & 0o7777 }

// fileUID is the file's owner.
func fileUID(fi os.FileInfo) uint32 { return fi.Sys().(*syscall.Stat_t).Uid }
