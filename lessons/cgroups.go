package lessons

// The cgroups lesson: rows 14–19 of the article map. Every step runs on
// whichever cgroup version holds the controllers it needs (on a hybrid host,
// v1) and shows the other version's file next to it. Checks read cgroupfs
// files, /proc/PID/cgroup, statfs(2) of the group directories and wait
// statuses; measurements come from the kernel's own accounting.

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"nakami/engine/cgroup"
	"nakami/engine/child"
	"nakami/engine/procfs"
)

var _ = register(&Lesson{
	ID:        "cgroups",
	Exercises: cgroupsExercises,
	Steps:     []*Step{hierarchyStep, membershipStep, procsStep, cpuQuotaStep, memoryStep, pidsStep, freezeStep, nestedStep},
	KeepHelp: func(e *Env) Text {
		var b strings.Builder
		for _, role := range slices.Sorted(maps.Keys(e.Groups)) {
			g, err := findGroup(e, role)
			if err != nil {
				continue
			}
			for _, d := range g.Dirs() {
				fmt.Fprintf(&b, "  %-10s ls %s;  cat %s/cgroup.procs\n", role, d, d)
			}
		}
		return T("Left in place for you to look at:\n"+b.String()+"Remove them with: nakami cleanup\n",
			"確認用に残したもの:\n"+b.String()+"削除するには: nakami cleanup\n")
	},
})

// lessonCtrls are the controllers the lesson uses; the hierarchy step
// makes its group in every hierarchy that holds one of them.
var lessonCtrls = []string{"cpu", "cpuacct", "memory", "pids", "freezer"}

// newGroup makes a group for a step under the session's parent on the
// driver that holds ctrls, and records it under "cgroup:<role>".
func newGroup(e *Env, role, name string, ctrls ...string) (*cgroup.Group, error) {
	c, err := cgroup.Detect()
	if err != nil {
		return nil, err
	}
	g, err := c.NewGroup(e.S, name, ctrls...)
	if err != nil {
		return nil, err
	}
	e.Groups[role] = g.Name
	return g, nil
}

// groupOrNot is findGroup for checks: a Text when there is no group.
func groupOrNot(e *Env, role string) (*cgroup.Group, Text, bool) {
	g, err := findGroup(e, role)
	if err != nil {
		return nil, T("no group yet: "+err.Error(), "まだグループがありません: "+err.Error()), false
	}
	return g, Text{}, true
}

var hierarchyStep = &Step{
	ID:   "hierarchy",
	Live: Live{Cgroups: []string{"hierarchy"}},
	Commands: []string{
		"mount -t cgroup        # v1: one hierarchy per controller",
		"mount -t cgroup2       # v2: one unified tree",
		"cat /sys/fs/cgroup/cgroup.controllers   # v2: the controllers on offer",
		"sudo mkdir /sys/fs/cgroup/cpu/$UUID     # v2: sudo mkdir /sys/fs/cgroup/$UUID",
		"ls /sys/fs/cgroup/cpu/$UUID",
	},
	Requires: NeedsRoot,
	Why:      T("making a directory in cgroupfs needs root (or a delegated subtree).", "cgroupfs にディレクトリを作るには root(または委譲されたサブツリー)が必要です。"),
	Action: func(e *Env) error {
		if err := e.S.T.Do(`read("/proc/self/mountinfo")`, "mount -t cgroup; mount -t cgroup2", func() error {
			_, err := cgroup.Detect()
			return err
		}); err != nil {
			return err
		}
		_, err := newGroup(e, "hierarchy", "hierarchy", lessonCtrls...)
		return err
	},
	Checks: []Check{
		groupCheck(T("the new group is a directory on cgroupfs in every hierarchy the lesson uses", "新しいグループは、レッスンが使うすべての階層で cgroupfs 上のディレクトリになっている"), "hierarchy", func(e *Env, g *cgroup.Group, _ cgroup.Stats) (bool, Text) {
			var parts []string
			for _, d := range g.Dirs() {
				v, err := cgroup.FSVersion(d)
				if err != nil {
					return false, errText(err)
				}
				if v == 0 {
					return false, Tf("%s is not on cgroupfs", "%s は cgroupfs 上にありません", d)
				}
				parts = append(parts, fmt.Sprintf("%s (cgroup v%d)", d, v))
			}
			return true, Tf("statfs: %s", "statfs: %s", strings.Join(parts, ", "))
		}),
		groupCheck(T("mkdir alone made a group: the kernel filled the directory with the controller's files", "mkdir だけでグループができ、カーネルがコントローラのファイルでディレクトリを満たした"), "hierarchy", func(e *Env, g *cgroup.Group, _ cgroup.Stats) (bool, Text) {
			want := map[string]string{"cpu": "cpu.cfs_quota_us", "memory": "memory.limit_in_bytes", "pids": "pids.max", "freezer": "freezer.state", "cpuacct": "cpuacct.usage"}
			if g.Version() == 2 {
				want = map[string]string{"cpu": "cpu.max", "memory": "memory.max", "pids": "pids.max", "freezer": "cgroup.freeze", "cpuacct": "cpu.stat"}
			}
			var seen []string
			for _, ctl := range lessonCtrls {
				f := g.Dir(ctl) + "/" + want[ctl]
				if !cgroup.FileExists(f) {
					return false, Tf("%s is missing", "%s がありません", f)
				}
				seen = append(seen, f)
			}
			return true, Tf("the kernel made %s", "カーネルが作ったファイル: %s", strings.Join(seen, ", "))
		}),
	},
}

var membershipStep = &Step{
	ID: "membership",
	Commands: []string{
		"UUID=$(uuidgen)",
		"sudo cgcreate -g cpu,memory:$UUID",
		"cat /proc/$$/cgroup",
		"echo $$ | sudo tee /sys/fs/cgroup/cpu/$UUID/cgroup.procs /sys/fs/cgroup/memory/$UUID/cgroup.procs   # v2: echo $$ | sudo tee /sys/fs/cgroup/$UUID/cgroup.procs",
		"cat /proc/$$/cgroup",
	},
	Requires: NeedsRoot,
	Why:      T("moving a process into a new group needs write access to cgroupfs.", "プロセスを新しいグループへ移すには cgroupfs への書き込み権限が必要です。"),
	Live:     Live{Procs: []string{"member"}, Cgroups: []string{"member"}},
	Action: func(e *Env) error {
		g, err := newGroup(e, "member", "membership", "cpu", "cpuacct", "memory")
		if err != nil {
			return err
		}
		c, err := e.Spawn(child.Spec{Role: "member", Shell: "sh"})
		if err != nil {
			return err
		}
		read := func() error {
			return e.S.T.Do(fmt.Sprintf("read(\"/proc/%d/cgroup\")", c.PID), fmt.Sprintf("cat /proc/%d/cgroup", c.PID), func() error {
				_, err := procfs.ReadCgroups(c.PID)
				return err
			})
		}
		if err := read(); err != nil {
			return err
		}
		if err := g.AddProc(e.S.T, c.PID); err != nil {
			return err
		}
		return read()
	},
	Checks: []Check{
		memberCheck(T("/proc/PID/cgroup names the new group on the cpu, cpuacct and memory lines", "/proc/PID/cgroup の cpu, cpuacct, memory の行が新しいグループを指している"),
			"member", "member", "cpu", "cpuacct", "memory"),
		{
			Name: T("every other hierarchy still has the process where nakami is", "ほかの階層ではプロセスは nakami と同じ場所のまま"),
			Probe: func(e *Env) (bool, Text) {
				c := e.Child("member")
				g, why, ok := groupOrNot(e, "member")
				if !ok || c == nil {
					return false, why
				}
				mine, err := procfs.ReadCgroups(procfs.SelfPID())
				if err != nil {
					return false, errText(err)
				}
				theirs, err := procfs.ReadCgroups(c.PID)
				if err != nil {
					return false, errText(err)
				}
				moved, same := 0, 0
				for i, l := range theirs {
					if i >= len(mine) || mine[i].ID != l.ID {
						return false, T("the hierarchies differ between the two processes", "2 つのプロセスで階層が異なります")
					}
					if l.Path == "/"+g.Name {
						moved++
					} else if l.Path == mine[i].Path {
						same++
					} else {
						return false, Tf("hierarchy %d moved to %q", "階層 %d が %q に移っています", l.ID, l.Path)
					}
				}
				if moved == 0 {
					return false, T("the process has not moved at all", "プロセスはまったく移っていません")
				}
				return true, Tf("%d lines moved to /%s, %d unchanged", "%d 行が /%s に移り、%d 行はそのまま", moved, g.Name, same)
			},
		},
	},
}

var procsStep = &Step{
	ID: "procs",
	Commands: []string{
		"sudo cgexec -g cpu:$UUID sleep 10 &",
		"cat /sys/fs/cgroup/cpu/$UUID/cgroup.procs   # v2: cat /sys/fs/cgroup/$UUID/cgroup.procs",
	},
	Requires: NeedsRoot,
	Why:      T("starting a process inside a group needs write access to cgroupfs.", "グループの中でプロセスを起動するには cgroupfs への書き込み権限が必要です。"),
	Live:     Live{Procs: []string{"sleeper"}, Cgroups: []string{"sleeper"}},
	Action: func(e *Env) error {
		g, err := newGroup(e, "sleeper", "procs", "cpu")
		if err != nil {
			return err
		}
		spec := g.Place(child.Spec{Role: "sleeper", Shell: fmt.Sprintf("cgexec -g cpu:%s sleep 10 &", g.Name)})
		if _, err := e.Spawn(spec); err != nil {
			return err
		}
		procs := g.Dir("cpu") + "/cgroup.procs"
		return e.S.T.Do(fmt.Sprintf("read(%q)", procs), "cat "+procs, func() error { _, err := g.Procs(); return err })
	},
	Checks: []Check{
		{
			Name: T("the group's cgroup.procs lists the process", "グループの cgroup.procs にプロセスが載っている"),
			Probe: func(e *Env) (bool, Text) {
				c := e.Child("sleeper")
				g, why, ok := groupOrNot(e, "sleeper")
				if !ok || c == nil {
					return false, why
				}
				pids, err := g.Procs()
				if err != nil {
					return false, errText(err)
				}
				if !slices.Contains(pids, c.PID) {
					return false, Tf("%s/cgroup.procs lists %v, not %d", "%s/cgroup.procs は %v で %d を含みません", g.Dir("cpu"), pids, c.PID)
				}
				return true, Tf("%s/cgroup.procs: %v", "%s/cgroup.procs: %v", g.Dir("cpu"), pids)
			},
		},
		{
			Name: T("/proc/PID/cgroup of the process agrees", "プロセスの /proc/PID/cgroup も一致する"),
			Probe: func(e *Env) (bool, Text) {
				c := e.Child("sleeper")
				g, why, ok := groupOrNot(e, "sleeper")
				if !ok || c == nil {
					return false, why
				}
				cg, err := procfs.ReadCgroups(c.PID)
				if err != nil {
					return false, errText(err)
				}
				l, found := cgroupLine(cg, g, "cpu")
				if !found || l.Path != "/"+g.Name {
					return false, Tf("/proc/%d/cgroup: cpu at %q", "/proc/%d/cgroup: cpu は %q", c.PID, l.Path)
				}
				return true, Tf("/proc/%d/cgroup: %d:%s:%s", "/proc/%d/cgroup: %d:%s:%s", c.PID, l.ID, strings.Join(l.Controllers, ","), l.Path)
			},
		},
	},
}
