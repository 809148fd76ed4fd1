package lessons

// first-container/limits: a process of the learner's in a cgroup with the
// article's limits, 30 % of one CPU (quota/period = 0.3) and 10 MB of
// memory. Read from /proc/PID/cgroup and the group's files: on a host with
// the controllers in cgroup v1 (v1 or hybrid) cpu.cfs_quota_us,
// cpu.cfs_period_us and memory.limit_in_bytes in each controller's
// hierarchy, on pure v2 cpu.max and memory.max in the unified tree.

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"nakami/engine"
	"nakami/engine/cgroup"
	"nakami/engine/procfs"
)

// The article's limits: cgset -r cpu.cfs_quota_us=300000, period 1000000,
// memory.limit_in_bytes=10000000.
const (
	fcQuotaTenths = 3        // quota/period = 3/10
	fcMemory      = 10000000 // bytes, as the article writes it
	fcMemoryMiB   = 10 << 20 // "10M" in memory.max
)

var fcLimitsExercise = &Exercise{
	ID:       "limits",
	Requires: NeedsRoot,
	Why: T("making a cgroup and moving a process into it takes root (or a delegated subtree); nakami only reads cgroupfs.",
		"cgroup を作ってプロセスを移すには root(または委譲されたサブツリー)が要ります。nakami は cgroupfs を読むだけです。"),
	Check: checkLimits,
}

// groupLimits is what one process's cgroups say: where they are, and the
// CPU quota and period (quota -1: none) and memory limit (-1: none).
type groupLimits struct {
	cpuDir, memDir        string
	quota, period, memory int64
	cpuFiles, memFile     string
}

// groupDirs finds pid's cpu and memory cgroup directories in layout l
// (from /proc/PID/cgroup); ok is false when the process is gone.
func groupDirs(pid int, l cgroup.Layout) (cpuDir, memDir string, ok bool) {
	cg, err := procfs.ReadCgroups(pid)
	if err != nil {
		return "", "", false
	}
	dirOf := func(ctl string) string {
		for _, e := range cg {
			if mnt, ok := l.V1[ctl]; ok {
				if e.ID != 0 && slices.Contains(e.Controllers, ctl) {
					return filepath.Join(mnt, e.Path)
				}
			} else if l.V2 != "" && e.ID == 0 {
				return filepath.Join(l.V2, e.Path)
			}
		}
		return ""
	}
	cpuDir, memDir = dirOf("cpu"), dirOf("memory")
	return cpuDir, memDir, cpuDir != "" || memDir != ""
}

// limitsOf reads the limits of a cpu and a memory cgroup directory.
func limitsOf(cpuDir, memDir string, l cgroup.Layout) groupLimits {
	g := groupLimits{cpuDir: cpuDir, memDir: memDir, quota: -1, memory: -1}
	if _, v1 := l.V1["cpu"]; v1 {
		g.cpuFiles = "cpu.cfs_quota_us / cpu.cfs_period_us"
		if f := cgroup.ReadFields(filepath.Join(g.cpuDir, "cpu.cfs_quota_us")); len(f) == 1 {
			g.quota, _ = cgroup.ParseLimit(f[0])
		}
		if f := cgroup.ReadFields(filepath.Join(g.cpuDir, "cpu.cfs_period_us")); len(f) == 1 {
			fmt.Sscan(f[0], &g.period)
		}
	} else if g.cpuDir != "" {
		g.cpuFiles = "cpu.max"
		if b, err := os.ReadFile(filepath.Join(g.cpuDir, "cpu.max")); err == nil {
			g.quota, g.period, _ = cgroup.ParseCPUMax(string(b))
		}
	}
	g.memFile = "memory.max"
	if _, v1 := l.V1["memory"]; v1 {
		g.memFile = "memory.limit_in_bytes"
	}
	if b, err := os.ReadFile(filepath.Join(g.memDir, g.memFile)); err == nil && g.memDir != "" {
		g.memory, _ = cgroup.ParseLimit(string(b))
	}
	return g
}

// cpuOK: the quota is 30 % of the period.
func (g groupLimits) cpuOK() bool {
	return g.quota > 0 && g.period > 0 && g.quota*10 == g.period*fcQuotaTenths
}

// memOK: 10 MB as the kernel keeps it (rounded down to whole pages), or
// 10 MiB.
func (g groupLimits) memOK() bool {
	page := int64(os.Getpagesize())
	return g.memory >= fcMemory/page*page && g.memory <= fcMemory || g.memory == fcMemoryMiB
}

func (g groupLimits) cpuText() Text {
	if g.quota < 0 || g.period <= 0 {
		return Tf("no CPU quota (%s in %s)", "CPU の上限なし(%s、%s)", g.cpuFiles, g.cpuDir)
	}
	return Tf("CPU %d/%d µs = %.0f %% (%s in %s)", "CPU %d/%d µs = %.0f %%(%s、%s)",
		g.quota, g.period, float64(g.quota)*100/float64(g.period), g.cpuFiles, g.cpuDir)
}

func (g groupLimits) memText() Text {
	if g.memory < 0 {
		return Tf("no memory limit (%s in %s)", "メモリの上限なし(%s、%s)", g.memFile, g.memDir)
	}
	return Tf("memory %d bytes (%s in %s)", "メモリ %d バイト(%s、%s)", g.memory, g.memFile, g.memDir)
}

// checkLimits: a live process nakami did not start sits in cgroups (not
// nakami's) whose CPU quota is 30 % of one CPU and whose memory limit is
// 10 MB.
func checkLimits(l *Look) (bool, Text) {
	sys, err := cgroup.Detect()
	if err != nil {
		return false, errText(err)
	}
	layout := sys.Layout
	if layout.Mode == "none" {
		return false, T("no cgroup file system is mounted", "cgroup ファイルシステムがマウントされていません")
	}
	pids, err := learnerPIDs()
	if err != nil {
		return false, errText(err)
	}
	// Processes in the same groups share the answer: read each pair once.
	cache := map[string]groupLimits{}
	reported := map[string]bool{}
	var seen []Text
	for _, pid := range pids {
		cpuDir, memDir, ok := groupDirs(pid, layout)
		key := cpuDir + "\x00" + memDir
		if !ok || reported[key] {
			continue
		}
		g, cached := cache[key]
		if !cached {
			g = limitsOf(cpuDir, memDir, layout)
			cache[key] = g
		}
		if g.quota < 0 && g.memory < 0 {
			continue
		}
		if st, err := procfs.ReadStatus(pid); err != nil || gone(st) {
			continue
		}
		if l.OursPID(pid) {
			seen = append(seen, oursProc(pid))
			continue
		}
		reported[key] = true
		if oursUnder(l, engine.KindCgroup, g.cpuDir) || oursUnder(l, engine.KindCgroup, g.memDir) {
			seen = append(seen, Tf("%s is in %s, a cgroup nakami made (which does not count)", "%s は nakami が作った cgroup %s にいる(数えません)", procName(pid), g.cpuDir))
			continue
		}
		both := joinTexts([]Text{g.cpuText(), g.memText()}, ", ")
		if g.cpuOK() && g.memOK() {
			return true, Text{EN: procName(pid) + " is held by " + both.EN, JA: procName(pid) + " を抑えているのは " + both.JA}
		}
		var want []string
		if !g.cpuOK() {
			want = append(want, "CPU 30 %")
		}
		if !g.memOK() {
			want = append(want, "memory 10 MB")
		}
		seen = append(seen, Text{EN: procName(pid) + ": " + both.EN + ", not " + strings.Join(want, " and "),
			JA: procName(pid) + ": " + both.JA + "。" + strings.Join(want, "と") + " ではない"})
	}
	if len(seen) == 0 {
		return false, Tf("no process outside nakami is in a cgroup with a CPU quota or a memory limit (cgroup %s), let alone CPU 30 %% and memory 10 MB",
			"nakami 以外に CPU やメモリの上限のある cgroup にいるプロセスはなく(cgroup %s)、CPU 30 %% とメモリ 10 MB のものもありません", layout.Mode)
	}
	list := joinTexts(capped(seen, 5), "; ")
	return false, Text{EN: "no process is held at CPU 30 % and memory 10 MB: " + list.EN,
		JA: "CPU 30 % とメモリ 10 MB で抑えられたプロセスはありません: " + list.JA}
}
