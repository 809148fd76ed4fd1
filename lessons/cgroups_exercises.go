package lessons

// The cgroups lesson's exercises: the learner makes groups by hand with
// mkdir and echo in cgroupfs (or cgcreate/cgset/cgexec), and nakami walks
// the hierarchies read-only to find them, wherever they are: the CPU
// quota of a group with a live process in it, and a memory limit the OOM
// killer enforced.

import (
	"fmt"
	"path/filepath"
	"strings"

	"nakami/engine"
	"nakami/engine/cgroup"
	"nakami/engine/procfs"
)

// cgroupsExercises follow the lesson's steps, in this order.
var cgroupsExercises = []*Exercise{capCPUExercise, oomExercise}

// maxGroups bounds each walk of a hierarchy: the workbench re-runs an open
// exercise's check twice a second.
const maxGroups = 2000

var cgJournalWhy = T("telling your groups from the ones a root nakami kept (nakami run … --keep) means reading root's journals in /run/nakami, which only root can read.",
	"自分のグループと root の nakami が残したもの(nakami run … --keep)を見分けるには /run/nakami にある root のジャーナルを読む必要があり、読めるのは root だけです。")

// hierarchy is one mounted tree that may hold a controller's files.
type hierarchy struct {
	root    string
	version int
}

// hierarchiesFor lists where ctrl's files can be: its v1 mount, and the
// unified tree (on a hybrid host its groups simply lack the files).
func hierarchiesFor(ctrl string) ([]hierarchy, error) {
	sys, err := cgroup.Detect()
	if err != nil {
		return nil, err
	}
	var hs []hierarchy
	if root, ok := sys.Layout.V1[ctrl]; ok {
		hs = append(hs, hierarchy{root, 1})
	}
	if sys.Layout.V2 != "" {
		hs = append(hs, hierarchy{sys.Layout.V2, 2})
	}
	return hs, nil
}

// oursCgroup reports whether nakami journaled dir or a group above it
// (below root).
func oursCgroup(l *Look, root, dir string) bool {
	for d := dir; len(d) > len(root) && strings.HasPrefix(d, root+"/"); d = filepath.Dir(d) {
		if l.Ours(engine.KindCgroup, d) {
			return true
		}
	}
	return false
}

// liveMembers lists the processes in dir that are alive (not zombies) and
// not started by nakami.
func liveMembers(l *Look, dir string) (live []int, nakamis int) {
	pids, _ := cgroup.ProcsOf(dir)
	for _, pid := range pids {
		if l.OursPID(pid) {
			nakamis++
			continue
		}
		if st, err := procfs.ReadStatus(pid); err == nil && !strings.HasPrefix(st.State, "Z") {
			live = append(live, pid)
		}
	}
	return live, nakamis
}

// summarize joins at most four findings and says how many more there were.
func summarize(seen []Text) Text {
	if len(seen) > 4 {
		more := len(seen) - 4
		seen = append(seen[:4:4], Tf("and %d more", "ほか %d 件", more))
	}
	return joinTexts(seen, "; ")
}

// hierarchyNames lists the roots walked, for a failure that found nothing.
func hierarchyNames(hs []hierarchy) Text {
	var out []string
	for _, h := range hs {
		out = append(out, h.root)
	}
	return Text{EN: strings.Join(out, " and "), JA: strings.Join(out, "、")}
}

// underRoots formats en and ja with the walked roots as their only argument.
func underRoots(hs []hierarchy, en, ja string) Text {
	n := hierarchyNames(hs)
	return Text{EN: fmt.Sprintf(en, n.EN), JA: fmt.Sprintf(ja, n.JA)}
}

func percent(quota, period int64) string {
	return fmt.Sprintf("%.4g %%", 100*float64(quota)/float64(period))
}

// scanGroups walks every group under ctrl's hierarchies (v1 and v2) and
// asks look about each: whether it bears on the task at all (has the
// limit), whether it does the task, and what it shows. A group nakami made
// is named and does not count. It stops at the first group that does it;
// otherwise the failure is none (a format of the roots walked, in en and
// ja) when no group bears on the task, or short followed by what the
// groups that do show.
func scanGroups(l *Look, ctrl string, none [2]string, short Text, look func(h hierarchy, dir string) (relevant, done bool, shows Text)) (bool, Text) {
	hs, err := hierarchiesFor(ctrl)
	if err != nil {
		return false, errText(err)
	}
	var seen []Text
	for _, h := range hs {
		var done *Text
		complete := cgroup.Walk(h.root, maxGroups, func(dir string) {
			if done != nil {
				return
			}
			relevant, ok, t := look(h, dir)
			switch {
			case !relevant:
			case oursCgroup(l, h.root, dir):
				seen = append(seen, Tf("%s (made by nakami, which does not count)", "%s(nakami が作ったもので、数えません)", dir))
			case ok:
				done = &t
			default:
				seen = append(seen, t)
			}
		})
		if done != nil {
			return true, *done
		}
		if !complete {
			seen = append(seen, Text{EN: fmt.Sprintf("(only the first %d groups under %s were looked at)", maxGroups, h.root),
				JA: fmt.Sprintf("(%s の下は最初の %d グループだけを見ました)", h.root, maxGroups)})
		}
	}
	if len(seen) == 0 {
		return false, underRoots(hs, none[0], none[1])
	}
	sum := summarize(seen)
	return false, Text{EN: short.EN + ": " + sum.EN, JA: short.JA + ": " + sum.JA}
}

var capCPUExercise = &Exercise{
	ID:       "cap-cpu",
	Requires: NeedsRoot,
	Why:      cgJournalWhy,
	Check: func(l *Look) (bool, Text) {
		return scanGroups(l, "cpu", [2]string{
			"no cgroup under %s has a CPU quota (cpu.cfs_quota_us is -1, cpu.max starts with max); needed: a group whose quota is 20 %% of its period, with a live process in it",
			"%s の下に CPU クォータを持つ cgroup はありません(cpu.cfs_quota_us は -1、cpu.max は max で始まる)。必要なのは、クォータが周期の 20 %% で、生きたプロセスがいるグループです"},
			T("no live process sits in a group limited to 20 % of one CPU", "1 CPU の 20 % に制限されたグループにいる生きたプロセスはありません"),
			func(h hierarchy, dir string) (bool, bool, Text) {
				quota, period, _, err := cgroup.CPULimit(dir, h.version)
				if err != nil || quota < 0 || period <= 0 {
					return false, false, Text{}
				}
				share := Tf("cpu.cfs_quota_us %d of cpu.cfs_period_us %d µs (%s of one CPU)", "cpu.cfs_period_us %[2]d µs のうち cpu.cfs_quota_us %[1]d(1 CPU の %[3]s)",
					quota, period, percent(quota, period))
				if h.version == 2 {
					share = Tf("cpu.max %q (%s of one CPU)", "cpu.max が %q(1 CPU の %s)", cgroup.FormatCPUMax(quota, period), percent(quota, period))
				}
				live, nakamis := liveMembers(l, dir)
				switch {
				case quota*5 != period:
					return true, false, Text{EN: dir + ": " + share.EN + ", not 20 %", JA: dir + ": " + share.JA + "。20 % ではありません"}
				case len(live) == 0 && nakamis > 0:
					return true, false, Text{EN: dir + ": " + share.EN + ", but only nakami's own processes are in it, which do not count",
						JA: dir + ": " + share.JA + "。ただし中にいるのは nakami 自身のプロセスだけで、数えません"}
				case len(live) == 0:
					return true, false, Text{EN: dir + ": " + share.EN + ", but no live process is in it (its cgroup.procs is empty)",
						JA: dir + ": " + share.JA + "。ただし中に生きたプロセスがいません(cgroup.procs が空)"}
				}
				return true, true, Text{EN: fmt.Sprintf("PID %d sits in %s: %s", live[0], dir, share.EN),
					JA: fmt.Sprintf("PID %d が %s にいます: %s", live[0], dir, share.JA)}
			})
	},
}

var oomExercise = &Exercise{
	ID:       "oom",
	Requires: NeedsRoot,
	Why:      cgJournalWhy,
	Check: func(l *Look) (bool, Text) {
		return scanGroups(l, "memory", [2]string{
			"no cgroup under %s has a memory limit (memory.limit_in_bytes or memory.max is unlimited everywhere); needed: a group with a limit in which the OOM killer killed a process",
			"%s の下にメモリ上限を持つ cgroup はありません(memory.limit_in_bytes や memory.max はどこも無制限)。必要なのは、上限があり、その中で OOM killer がプロセスを kill したグループです"},
			T("no group of yours has both a memory limit and an OOM kill", "メモリ上限があり OOM kill も起きた、あなたのグループはありません"),
			func(h hierarchy, dir string) (bool, bool, Text) {
				limit, lfile, err := cgroup.MemoryLimit(dir, h.version)
				if err != nil || limit < 0 {
					return false, false, Text{}
				}
				kills, kfile, err := cgroup.OOMKills(dir, h.version)
				if err != nil {
					return true, false, Tf("%s has a memory limit of %d bytes, but %v", "%s のメモリ上限は %d バイトですが、%v", dir, limit, err)
				}
				if kills > 0 {
					return true, true, Tf("%s has a memory limit of %d bytes (%s) and the kernel counted %d OOM kill(s) in it (oom_kill in %s)",
						"%s のメモリ上限は %d バイト(%s)で、カーネルはその中で OOM kill を %d 回数えました(%s の oom_kill)",
						dir, limit, filepath.Base(lfile), kills, filepath.Base(kfile))
				}
				return true, false, Tf("%s has a memory limit of %d bytes, but the kernel counted no OOM kill in it (oom_kill 0 in %s)",
					"%s のメモリ上限は %d バイトですが、カーネルはその中で OOM kill を数えていません(%s の oom_kill が 0)",
					dir, limit, filepath.Base(kfile))
			})
	},
}
