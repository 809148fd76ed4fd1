package lessons

// cgroups/freeze and cgroups/nested: stopping a whole group at once, and a
// task/container hierarchy (the one AWS ECS builds: ecs/<task>/<container>)
// where the outer limit binds the inner group.

import (
	"errors"
	"fmt"
	"syscall"
	"time"

	"nakami/engine/cgroup"
	"nakami/engine/child"
)

var freezeStep = &Step{
	ID: "freeze",
	Commands: []string{
		"echo FROZEN | sudo tee /sys/fs/cgroup/freezer/$UUID/freezer.state   # v2: echo 1 | sudo tee /sys/fs/cgroup/$UUID/cgroup.freeze",
		"cat /sys/fs/cgroup/freezer/$UUID/freezer.state   # v2: grep frozen /sys/fs/cgroup/$UUID/cgroup.events",
		"cat /sys/fs/cgroup/cpuacct/$UUID/cpuacct.usage   # v2: grep usage_usec /sys/fs/cgroup/$UUID/cpu.stat",
		"echo THAWED | sudo tee /sys/fs/cgroup/freezer/$UUID/freezer.state   # v2: echo 0 | sudo tee /sys/fs/cgroup/$UUID/cgroup.freeze",
	},
	Requires: NeedsRoot,
	Why:      T("writing freezer.state or cgroup.freeze needs write access to cgroupfs.", "freezer.state や cgroup.freeze を書き込むには cgroupfs への書き込み権限が必要です。"),
	Live:     Live{Procs: []string{"frozen", "thawed"}, Cgroups: []string{"frozen", "thawed"}},
	Action: func(e *Env) error {
		for _, role := range []string{"frozen", "thawed"} {
			g, err := newGroup(e, role, "freeze-"+role, "cpuacct", "freezer")
			if err != nil {
				return err
			}
			spec := g.Place(child.Spec{Role: role, Exec: []string{cgroup.RoleBurn, "1"},
				Shell: fmt.Sprintf("cgexec -g freezer,cpuacct:%s yes > /dev/null &", g.Name)})
			// A task frozen by the v1 freezer cannot die until thawed, so
			// the frozen one is not stopped with the others: the session's
			// unwind thaws its group, then kills it.
			c, err := child.Spawn(e.S, spec)
			if err != nil {
				return err
			}
			e.PIDs[role] = c.PID
			if role == "thawed" {
				e.Procs[role] = c
			}
			if err := g.Freeze(e.S.T, true); err != nil {
				return err
			}
			if err := awaitFreeze(g, "FROZEN"); err != nil {
				return err
			}
			if role == "thawed" {
				if err := g.Freeze(e.S.T, false); err != nil {
					return err
				}
				if err := awaitFreeze(g, "THAWED"); err != nil {
					return err
				}
			}
		}
		return nil
	},
	Checks: []Check{
		groupCheck(T("a frozen group uses no CPU at all, yet its process lives", "凍結したグループは CPU をまったく使わないが、プロセスは生きている"), "frozen", func(e *Env, g *cgroup.Group, _ cgroup.Stats) (bool, Text) {
			m, err := cgroup.MeasureCPU(g, 500*time.Millisecond)
			if err != nil {
				return false, errText(err)
			}
			st, err := g.Stats()
			if err != nil {
				return false, errText(err)
			}
			if st.Freeze != "FROZEN" || m.UsageNS != 0 || len(st.Procs) == 0 {
				return false, Tf("state %s, usage +%d ns in %v, members %v", "状態 %s、使用量 +%d ns(%v の間)、メンバー %v", st.Freeze, m.UsageNS, m.Window.Round(time.Millisecond), st.Procs)
			}
			return true, Tf("state %s; CPU usage +0 ns in %v; process %v still there", "状態 %s。CPU 使用量は %v の間 +0 ns。プロセス %v はまだいる",
				st.Freeze, m.Window.Round(time.Millisecond), st.Procs)
		}),
		{
			Name: T("frozen and thawed again, its twin runs on", "凍結してから解凍したもう一方のグループは再び動いている"),
			Probe: func(e *Env) (bool, Text) {
				g, why, ok := groupOrNot(e, "thawed")
				if !ok || e.Child("thawed") == nil {
					return false, why
				}
				m, err := cgroup.MeasureCPU(g, 500*time.Millisecond)
				if err != nil {
					return false, errText(err)
				}
				st, err := g.Stats()
				if err != nil {
					return false, errText(err)
				}
				if st.Freeze != "THAWED" || m.Share < 10 {
					return false, Tf("state %s, %.1f%% CPU in %v", "状態 %s、CPU %.1f%%(%v の間)", st.Freeze, m.Share, m.Window.Round(time.Millisecond))
				}
				return true, Tf("state %s; CPU usage +%v in %v (%.0f%%)", "状態 %s。CPU 使用量 +%v(%v の間、%.0f%%)",
					st.Freeze, time.Duration(m.UsageNS).Round(time.Millisecond), m.Window.Round(time.Millisecond), m.Share)
			},
		},
	},
}

// awaitFreeze waits until the kernel reports the state (a group passes
// through FREEZING while its tasks stop).
func awaitFreeze(g *cgroup.Group, want string) error {
	for i := 0; i < 500; i++ {
		if st, err := g.Stats(); err == nil && st.Freeze == want {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	st, _ := g.Stats()
	return fmt.Errorf("group %s stayed %s, not %s, for 5 s", g.Name, st.Freeze, want)
}

var nestedStep = &Step{
	ID: "nested",
	Commands: []string{
		"sudo mkdir -p /sys/fs/cgroup/cpu/ecs/$TASK/$CONTAINER   # v2: /sys/fs/cgroup/ecs/$TASK/$CONTAINER",
		"echo 1000000 | sudo tee /sys/fs/cgroup/cpu/ecs/$TASK/cpu.cfs_period_us /sys/fs/cgroup/cpu/ecs/$TASK/$CONTAINER/cpu.cfs_period_us",
		"echo 300000 | sudo tee /sys/fs/cgroup/cpu/ecs/$TASK/cpu.cfs_quota_us   # v2: echo '300000 1000000' | sudo tee /sys/fs/cgroup/ecs/$TASK/cpu.max",
		"echo 800000 | sudo tee /sys/fs/cgroup/cpu/ecs/$TASK/$CONTAINER/cpu.cfs_quota_us   # v2: echo '800000 1000000' | sudo tee …/$CONTAINER/cpu.max",
		"sudo cgexec -g cpu,cpuacct:ecs/$TASK/$CONTAINER yes > /dev/null",
	},
	Requires: NeedsRoot,
	Why:      T("making nested groups needs write access to cgroupfs.", "入れ子のグループを作るには cgroupfs への書き込み権限が必要です。"),
	Params:   []Param{taskCPUParam, ctrCPUParam},
	// The default is v1's refusal (80 % under 30 %); an inner quota below
	// the outer one, which every version takes, is proven too.
	Proofs: []map[string]string{{"container-cpu": "20%"}},
	Live:   Live{Procs: []string{"container"}, Cgroups: []string{"task", "container"}},
	Action: func(e *Env) error {
		outer := paramPercent(e, "cgroups", "nested", "task-cpu")
		inner := paramPercent(e, "cgroups", "nested", "container-cpu")
		ctr, err := newGroup(e, "container", "task/container", "cpu", "cpuacct")
		if err != nil {
			return err
		}
		task := ctr.Parent()
		e.Groups["task"] = task.Name
		if err := task.SetCPU(e.S.T, int64(outer*nestedPeriodUS/100), nestedPeriodUS); err != nil {
			return err
		}
		// v1 refuses an inner quota above the outer one (EINVAL); v2 takes
		// it and enforces the smaller. Either way the outer limit binds.
		if err := ctr.SetCPU(e.S.T, int64(inner*nestedPeriodUS/100), nestedPeriodUS); err != nil &&
			!(ctr.Version() == 1 && inner > outer && errors.Is(err, syscall.EINVAL)) {
			return err
		}
		if _, err := e.Spawn(ctr.Place(child.Spec{Role: "container", Exec: []string{cgroup.RoleBurn, burnThreads(inner)},
			Shell: fmt.Sprintf("cgexec -g cpu,cpuacct:%s yes > /dev/null", ctr.Name)})); err != nil {
			return err
		}
		// With a 1 s period, measure from the first throttle on: from then
		// every period repeats, and any whole number of them adds up alike.
		for i := 0; i < 300; i++ {
			st, err := task.Stats()
			if err == nil && st.CPU.NrThrottled > 0 {
				return nil
			}
			time.Sleep(10 * time.Millisecond)
		}
		return nil
	},
	Checks: []Check{
		paramQuotaCheck("task", "nested", "task-cpu"),
		{
			Name: T("the container holds its own quota, or (v1) nakami's write of one above the task's returned EINVAL and the file still reads -1",
				"コンテナは自身のクォータを持つ。または (v1) タスクより大きいクォータの書き込みが EINVAL を返し、ファイルは -1 のまま"),
			Probe: func(e *Env) (bool, Text) {
				ctr, why, ok := groupOrNot(e, "container")
				if !ok {
					return false, why
				}
				if ctr.Version() == 1 && paramPercent(e, "cgroups", "nested", "container-cpu") > paramPercent(e, "cgroups", "nested", "task-cpu") {
					return refusedQuota(e, ctr)
				}
				return paramQuotaCheck("container", "nested", "container-cpu").Probe(e)
			},
		},
		{
			Name: T("over 2 s the container gets the tighter of the two quotas (±5 points): never more than the task allows", "2 秒間、コンテナが使えるのは 2 つのクォータのうち厳しいほう(±5 ポイント)で、タスクが許す以上は決して使えない"),
			Probe: func(e *Env) (bool, Text) {
				ctr, why, ok := groupOrNot(e, "container")
				if !ok || e.Child("container") == nil {
					return false, why
				}
				task, why, ok := groupOrNot(e, "task")
				if !ok {
					return false, why
				}
				pass, d := shareWithin(ctr, 2*time.Second, task, ctr)
				return pass, Text{EN: "the container's " + d.EN + " (the tighter of the two levels)", JA: "コンテナの " + d.JA + "(2 つの階層のうち厳しいほう)"}
			},
		},
	},
}

// refusedQuota proves that v1 turned down the container's larger quota:
// the write failed with EINVAL, and the file still reads -1 (no quota of
// its own).
func refusedQuota(e *Env, ctr *cgroup.Group) (bool, Text) {
	file := ctr.Dir("cpu") + "/cpu.cfs_quota_us"
	refused, found := failedWith(e, fmt.Sprintf("write(%q", file), "EINVAL")
	st, err := ctr.Stats()
	if err != nil {
		return false, errText(err)
	}
	if !found || st.CPUQuotaUS != -1 {
		return false, Tf("%s reads %d and no write to it was refused", "%s は %d で、拒否された書き込みはありません", file, st.CPUQuotaUS)
	}
	return true, Tf("%s: the kernel refused it with EINVAL, the file still reads -1 (cgroup v1 allows no child more than its parent; v2 would accept it and enforce the smaller)",
		"%s: カーネルは EINVAL で拒否し、ファイルは -1 のまま(cgroup v1 では子は親を超えられない。v2 なら受け付けたうえで小さいほうを適用する)", refused.Call)
}
