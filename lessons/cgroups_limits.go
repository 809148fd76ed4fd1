package lessons

// cgroups/cpu-quota, memory-limit and pids-limit: a limit written to a
// file, a workload that pushes against it, and the kernel's own counters
// showing the limit held.

import (
	"fmt"
	"math"
	"os"
	"slices"
	"syscall"
	"time"

	"nakami/engine"
	"nakami/engine/cgroup"
	"nakami/engine/child"
	"nakami/engine/procfs"
)

// burnThreads wants more than the quota allows, so the limit is what binds.
func burnThreads(pct float64) string { return fmt.Sprint(int(math.Ceil(pct/100)) + 1) }

var cpuQuotaStep = &Step{
	ID: "cpu-quota",
	Commands: []string{
		"UUID=$(uuidgen); sudo mkdir /sys/fs/cgroup/cpu/$UUID",
		"echo 50000 | sudo tee /sys/fs/cgroup/cpu/$UUID/cpu.cfs_quota_us   # of cpu.cfs_period_us 100000; v2: echo '50000 100000' | sudo tee /sys/fs/cgroup/$UUID/cpu.max",
		"echo $$ | sudo tee /sys/fs/cgroup/cpu/$UUID/cgroup.procs",
		"timeout 15s yes > /dev/null &",
		"cat /sys/fs/cgroup/cpuacct/$UUID/cpuacct.usage /sys/fs/cgroup/cpu/$UUID/cpu.stat   # v2: cat /sys/fs/cgroup/$UUID/cpu.stat",
	},
	Requires: NeedsRoot,
	Why:      T("writing a CPU quota needs write access to cgroupfs.", "CPU クォータを書き込むには cgroupfs への書き込み権限が必要です。"),
	Params:   []Param{cpuParam},
	Live:     Live{Procs: []string{"burner"}, Cgroups: []string{"burner"}},
	Action: func(e *Env) error {
		pct := paramPercent(e, "cgroups", "cpu-quota", "cpu")
		g, err := newGroup(e, "burner", "cpu-quota", "cpu", "cpuacct")
		if err != nil {
			return err
		}
		if err := g.SetCPU(e.S.T, int64(pct*cpuPeriodUS/100), cpuPeriodUS); err != nil {
			return err
		}
		_, err = e.Spawn(g.Place(child.Spec{Role: "burner", Exec: []string{cgroup.RoleBurn, burnThreads(pct)},
			Shell: fmt.Sprintf("cgexec -g cpu,cpuacct:%s yes > /dev/null", g.Name)}))
		return err
	},
	Checks: []Check{
		paramQuotaCheck("burner", "cpu-quota", "cpu"),
		{
			Name: T("measured from the kernel's accounting over 2 s, the busy loop's share is within 5 points of the quota", "カーネルの計測で 2 秒間に測ったビジーループの CPU 使用率がクォータの ±5 ポイント以内"),
			Probe: func(e *Env) (bool, Text) {
				g, why, ok := groupOrNot(e, "burner")
				if !ok || e.Child("burner") == nil {
					return false, why
				}
				return shareWithin(g, 2*time.Second, g)
			},
		},
		{
			Name: T("the throttling counters rise: the group keeps running out of quota", "スロットリングのカウンタが増える: グループはクォータを使い切り続けている"),
			Probe: func(e *Env) (bool, Text) {
				g, why, ok := groupOrNot(e, "burner")
				if !ok || e.Child("burner") == nil {
					return false, why
				}
				return throttling(g, 500*time.Millisecond)
			},
		},
	},
}

// paramQuotaCheck: the kernel holds the quota the step's parameter asked for.
func paramQuotaCheck(role, step, param string) Check {
	return quotaCheck(Tf("the kernel holds the %s quota", "カーネルが %s のクォータを保持している", param), role, 0,
		func(e *Env) float64 { return paramPercent(e, "cgroups", step, param) })
}

// shareWithin measures g's CPU share and compares it with the tightest
// quota among limits (the group itself, and any ancestor).
func shareWithin(g *cgroup.Group, window time.Duration, limits ...*cgroup.Group) (bool, Text) {
	want, version := -1.0, 1
	for _, l := range limits {
		st, err := l.Stats()
		if err != nil {
			return false, errText(err)
		}
		version = st.Version
		if q := 100 * float64(st.CPUQuotaUS) / float64(st.CPUPeriodUS); st.CPUQuotaUS > 0 && (want < 0 || q < want) {
			want = q
		}
	}
	m, err := cgroup.MeasureCPU(g, window)
	if err != nil {
		return false, errText(err)
	}
	src := "cpuacct.usage"
	if version == 2 {
		src = "cpu.stat usage_usec"
	}
	w, u := m.Window.Round(time.Millisecond), time.Duration(m.UsageNS).Round(time.Millisecond)
	d := Text{EN: fmt.Sprintf("%s rose by %v in %v: %.1f%% against a quota of %.0f%%", src, u, w, m.Share, want),
		JA: fmt.Sprintf("%s は %v の間に %v 増加: %.1f%%(クォータ %.0f%%)", src, w, u, m.Share, want)}
	if want > 0 && m.Share < want-5 {
		d.EN += " — below the quota: a quota is a ceiling, not a promise, and other work on this machine took the rest"
		d.JA += " — クォータ未満: クォータは上限であって保証ではなく、残りはこのマシンのほかの処理が使った"
	}
	return want > 0 && math.Abs(m.Share-want) <= 5, d
}

// oomKey is how the OOM unfolded, as the memory-limit step sampled it.
var oomKey = newKey[cgroup.OOMTimeline]("cgroups/oom")

var memoryStep = &Step{
	ID:   "memory-limit",
	Live: Live{Cgroups: []string{"hog"}},
	Commands: []string{
		"sudo cgcreate -g memory:$UUID",
		"sudo cgset -r memory.limit_in_bytes=10000000 $UUID   # v2: echo 10000000 | sudo tee /sys/fs/cgroup/$UUID/memory.max",
		"sudo cgexec -g memory:$UUID python3 -c 'b = []\nwhile True: b.append(bytearray(1 << 20))'",
		"cat /sys/fs/cgroup/memory/$UUID/memory.oom_control   # v2: cat /sys/fs/cgroup/$UUID/memory.events",
		"cat /sys/fs/cgroup/memory/$UUID/memory.max_usage_in_bytes   # v2: memory.peak",
	},
	Requires: NeedsRoot,
	Why:      T("writing a memory limit needs write access to cgroupfs.", "メモリ上限を書き込むには cgroupfs への書き込み権限が必要です。"),
	Params:   []Param{memoryParam},
	Action: func(e *Env) error {
		limit := paramBytes(e, "cgroups", "memory-limit", "memory")
		g, err := newGroup(e, "hog", "memory-limit", "memory")
		if err != nil {
			return err
		}
		if err := g.SetMemory(e.S.T, limit); err != nil {
			return err
		}
		c, err := e.Spawn(g.Place(child.Spec{Role: "hog", Exec: []string{cgroup.RoleHog, fmt.Sprint(2*limit + 32<<20)},
			Shell: fmt.Sprintf("cgexec -g memory:%s python3 -c '…allocate 1 MiB at a time…'", g.Name)}))
		if err != nil {
			return err
		}
		if err := c.Send("go"); err != nil {
			return err
		}
		start := time.Now()
		tl, werr := cgroup.WatchOOM(g, c.Done(), 30*time.Second)
		op := engine.Op{Call: fmt.Sprintf("pread(memory usage, OOM counter) × %d, one per %v", tl.Samples, tl.Resolution),
			Shell: "watch -n0.1 cat " + g.Dir("memory") + "/memory.usage_in_bytes", Duration: time.Since(start), By: "nakami"}
		if werr != nil {
			op.Outcome, op.Failed, op.Detail = "error", true, werr.Error()
		} else {
			op.Detail = Tf("usage reached the limit (%d bytes), and %v later the OOM kill was counted",
				"使用量が上限(%d バイト)に達し、その %v 後に OOM kill が記録された", tl.Limit, tl.Latency).In(e.Lang)
			oomKey.Set(e, tl)
		}
		e.S.T.Add(op)
		select {
		case <-c.Done():
		case <-time.After(10 * time.Second):
		}
		ws, _ := c.Status()
		e.S.T.Add(engine.Op{Call: fmt.Sprintf("wait4(%d)", c.PID), Shell: "wait", Detail: waitText(e.Lang, ws), By: "nakami"})
		return nil
	},
	Checks: []Check{
		groupCheck(T("the kernel counted an OOM kill in the group", "カーネルがグループ内の OOM kill を数えた"), "hog", func(e *Env, g *cgroup.Group, st cgroup.Stats) (bool, Text) {
			file := "memory.oom_control"
			if st.Version == 2 {
				file = "memory.events"
			}
			if st.OOMKills == 0 {
				return false, Tf("%s: oom_kill 0", "%s: oom_kill 0", file)
			}
			tl := oomKey.Value(e)
			return true, Tf("%s: oom_kill %d; the kill came %v after usage reached the limit (sampled every %v)",
				"%s: oom_kill %d。使用量が上限に達してから %v 後に kill された(%v ごとに計測)", file, st.OOMKills, tl.Latency, tl.Resolution)
		}),
		{
			Name: T("the process died of SIGKILL", "プロセスは SIGKILL で終了した"),
			Probe: func(e *Env) (bool, Text) {
				c := e.Procs["hog"]
				if c == nil {
					return false, T("no allocating process yet", "まだメモリを確保するプロセスがありません")
				}
				ws, done := c.Status()
				if !done {
					return false, Tf("process %d is still running", "プロセス %d はまだ動いています", c.PID)
				}
				if !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
					return false, Text{fmt.Sprintf("process %d %s", c.PID, waitText("en", ws)), fmt.Sprintf("プロセス %d: %s", c.PID, waitText("ja", ws))}
				}
				return true, Tf("wait4(%d): killed by signal %d (SIGKILL)", "wait4(%d): シグナル %d (SIGKILL) で終了", c.PID, int(ws.Signal()))
			},
		},
		groupCheck(T("its usage rose to the limit and stopped there", "使用量は上限まで増えてそこで止まった"), "hog", func(e *Env, g *cgroup.Group, st cgroup.Stats) (bool, Text) {
			file := "memory.max_usage_in_bytes"
			if st.Version == 2 {
				file = "memory.peak"
			}
			// A task being OOM-killed may charge a page or two past the
			// limit on its way out; more than 64 pages would be a leak.
			if st.MemLimit < 0 || st.MemPeak < st.MemLimit-256<<10 || st.MemPeak > st.MemLimit+256<<10 {
				return false, Tf("%s %d against a limit of %d", "%s %d(上限 %d)", file, st.MemPeak, st.MemLimit)
			}
			if over := st.MemPeak - st.MemLimit; over > 0 {
				return true, Tf("%s %d, %d pages past the limit %d: charges the kernel may not refuse, such as those of the task it is killing",
					"%s %d。%d ページ分上限 %d を超えたのは、kill 中のタスクの分など、カーネルが拒否できない課金", file, st.MemPeak, over/int64(os.Getpagesize()), st.MemLimit)
			}
			return true, Tf("%s %d, limit %d (the kernel counts whole pages)", "%s %d、上限 %d(カーネルはページ単位で数える)", file, st.MemPeak, st.MemLimit)
		}),
	},
}

var pidsStep = &Step{
	ID: "pids-limit",
	Commands: []string{
		"echo 32 | sudo tee /sys/fs/cgroup/pids/$UUID/pids.max   # v2: /sys/fs/cgroup/$UUID/pids.max",
		"echo $$ | sudo tee /sys/fs/cgroup/pids/$UUID/cgroup.procs",
		":(){ :|:& };:   # bash: fork: retry: Resource temporarily unavailable",
		"cat /sys/fs/cgroup/pids/$UUID/pids.current /sys/fs/cgroup/pids/$UUID/pids.events",
	},
	Requires: NeedsRoot,
	Why:      T("writing pids.max needs write access to cgroupfs.", "pids.max を書き込むには cgroupfs への書き込み権限が必要です。"),
	Params:   []Param{pidsParam},
	Live:     Live{Procs: []string{"bomb"}, Cgroups: []string{"bomb"}},
	Action: func(e *Env) error {
		var max int64
		fmt.Sscan(e.Param(stepOf("cgroups", "pids-limit"), "pids"), &max)
		g, err := newGroup(e, "bomb", "pids-limit", "pids")
		if err != nil {
			return err
		}
		if err := g.SetPids(e.S.T, max); err != nil {
			return err
		}
		_, err = e.Spawn(g.Place(child.Spec{Role: "bomb", Exec: []string{cgroup.RoleBomb, fmt.Sprint(min(2*max, 4096)), "5"},
			Shell: fmt.Sprintf("cgexec -g pids:%s bash -c ':(){ :|:& };:'", g.Name)}))
		return err
	},
	Checks: []Check{
		groupCheck(T("the group is full: pids.current equals pids.max", "グループは満杯: pids.current が pids.max に等しい"), "bomb", func(e *Env, g *cgroup.Group, st cgroup.Stats) (bool, Text) {
			if st.PidsMax < 0 || st.PidsCurrent != st.PidsMax {
				return false, Tf("pids.current %d, pids.max %d", "pids.current %d、pids.max %d", st.PidsCurrent, st.PidsMax)
			}
			return true, Tf("pids.current %d = pids.max %d (%d processes, the rest their threads)", "pids.current %d = pids.max %d(プロセス %d 個、残りはスレッド)",
				st.PidsCurrent, st.PidsMax, len(st.Procs))
		}),
		groupCheck(T("the kernel refused forks at the limit and counted them in pids.events", "カーネルは上限での fork を拒否し、pids.events に数えた"), "bomb", func(e *Env, g *cgroup.Group, st cgroup.Stats) (bool, Text) {
			if st.PidsRefused == 0 {
				return false, Tf("pids.events max %d", "pids.events max %d", st.PidsRefused)
			}
			return true, Tf("pids.events max %d: each a fork the kernel refused (the bomb's clone() got EAGAIN)", "pids.events max %d: どれもカーネルが拒否した fork (爆弾の clone() は EAGAIN)", st.PidsRefused)
		}),
		groupCheck(T("the host is spared: every process the bomb forked is inside the group", "ホストは無事: 爆弾が fork したプロセスはすべてグループの中にある"), "bomb", func(e *Env, g *cgroup.Group, st cgroup.Stats) (bool, Text) {
			c := e.Child("bomb")
			if c == nil {
				return false, notRunning("bomb")
			}
			tree, err := descendants(c.PID)
			if err != nil {
				return false, errText(err)
			}
			var outside []int
			for _, pid := range tree {
				if !slices.Contains(st.Procs, pid) && procfs.ProcessExists(pid) {
					outside = append(outside, pid)
				}
			}
			if len(tree) < 2 || len(outside) > 0 {
				return false, Tf("the bomb's tree has %d processes; outside %s: %v", "爆弾のツリーは %d 個。%s の外: %v", len(tree), g.Dir("pids"), outside)
			}
			return true, Tf("all %d processes descended from PID %d (read from each /proc/PID/status PPid) are in %s/cgroup.procs",
				"PID %[2]d から続く %[1]d 個のプロセス (各 /proc/PID/status の PPid から) はすべて %[3]s/cgroup.procs にある", len(tree), c.PID, g.Dir("pids"))
		}),
	},
}

// descendants lists pid and every process below it, from the PPid lines
// of /proc/PID/status.
func descendants(pid int) ([]int, error) {
	all, err := procfs.ReadProcPIDs("/proc")
	if err != nil {
		return nil, err
	}
	parent := map[int]int{}
	for _, p := range all {
		if st, err := procfs.ReadStatus(p); err == nil {
			parent[p] = st.PPID
		}
	}
	var out []int
	for _, p := range all {
		for q := p; q > 1; q = parent[q] {
			if q == pid {
				out = append(out, p)
				break
			}
		}
	}
	return out, nil
}

func waitText(lang string, ws syscall.WaitStatus) string {
	switch {
	case ws.Signaled():
		return Tf("killed by signal %d (%s)", "シグナル %d (%s) で終了", int(ws.Signal()), engine.SignalName(ws.Signal())).In(lang)
	case ws.Exited():
		return Tf("exited with status %d", "終了ステータス %d で終了", ws.ExitStatus()).In(lang)
	}
	return fmt.Sprintf("wait status %#x", uint32(ws))
}

// throttling watches a group's cpu.stat for window: it passes when
// nr_throttled rose, i.e. the group kept running out of quota.
func throttling(g *cgroup.Group, window time.Duration) (bool, Text) {
	m, err := cgroup.MeasureCPU(g, window)
	if err != nil {
		return false, errText(err)
	}
	if m.Throttled == 0 {
		return false, Tf("cpu.stat nr_throttled did not move in %v (%d periods)", "%v の間 cpu.stat の nr_throttled が増えませんでした(%d 周期)", m.Window.Round(time.Millisecond), m.Periods)
	}
	return true, Tf("in %v: nr_throttled +%d of %d periods, throttled time +%v", "%v の間に nr_throttled +%d(%d 周期中)、スロットル時間 +%v",
		m.Window.Round(time.Millisecond), m.Throttled, m.Periods, time.Duration(m.ThrottledNS).Round(time.Millisecond))
}
