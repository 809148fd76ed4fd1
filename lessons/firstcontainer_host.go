package lessons

// first-container/host-view and first-container/cpu-limit (article map
// rows 5–6): the container's shell as the host sees it (an ordinary
// process, a child of nakami, with two PIDs), and a busy loop inside it
// held to the cgroup's CPU quota by the kernel.

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"nakami/engine/cgroup"
	"nakami/engine/child"
	"nakami/engine/procfs"
	"nakami/engine/rootfs"
)

// ---- host-view --------------------------------------------------------

// fcChainKey holds the shell's ancestry as the host-view step read it.
var fcChainKey = newKey[[]procfs.Status]("first-container/chain")

// fcChain reads pid and its ancestors up to (and including) nakami.
func fcChain(pid int) ([]procfs.Status, error) {
	var out []procfs.Status
	for p := pid; p > 1 && len(out) < 8; {
		st, err := procfs.ReadStatus(p)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
		if p == os.Getpid() {
			break
		}
		p = st.PPID
	}
	return out, nil
}

func chainText(chain []procfs.Status) string {
	var parts []string
	for i := len(chain) - 1; i >= 0; i-- {
		st := chain[i]
		ns := ""
		if len(st.NSpid) > 1 {
			ns = fmt.Sprintf(" NSpid %v", st.NSpid)
		}
		parts = append(parts, fmt.Sprintf("%s(%d%s)", st.Name, st.PID, ns))
	}
	return strings.Join(parts, " → ")
}

// fcHostCheck checks the container's shell once the host's view of it has
// been read.
func fcHostCheck(name Text, probe func(e *Env, c *child.Process) (bool, Text)) Check {
	return procCheck(name, fcRole, func(e *Env, c *child.Process) (bool, Text) {
		if len(fcChainKey.Value(e)) == 0 {
			return false, T("the host's view has not been read yet", "まだホスト側から見ていません")
		}
		return probe(e, c)
	})
}

var fcHostViewStep = &Step{
	ID:       "host-view",
	After:    []string{"run"},
	Commands: []string{"ps f", "grep -E 'PPid|NSpid' /proc/$(pgrep -n -x sh)/status"},
	Requires: NeedsRoot,
	Why:      fcWhy,
	Live:     Live{Procs: []string{fcRole}},
	Action: func(e *Env) error {
		c, _, err := containerShell(e)
		if err != nil {
			return err
		}
		var chain []procfs.Status
		if err := e.S.T.Do(fmt.Sprintf("read(\"/proc/%d/status\") and each PPid's", c.PID), "ps f", func() (err error) {
			chain, err = fcChain(c.PID)
			return err
		}); err != nil {
			return err
		}
		fcChainKey.Set(e, chain)
		return nil
	},
	Checks: []Check{
		fcHostCheck(T("the container's shell is an ordinary host process with two PIDs: the host's and 1", "コンテナのシェルは、ホストの PID と 1 の 2 つの PID を持つ普通のホストのプロセス"),
			func(e *Env, c *child.Process) (bool, Text) {
				st, err := procfs.ReadStatus(c.PID)
				if err != nil {
					return false, errText(err)
				}
				host, err := procfs.ReadProcPIDs("/proc")
				if err != nil {
					return false, errText(err)
				}
				if len(st.NSpid) != 2 || st.NSpid[0] != c.PID || st.NSpid[1] != 1 || !slices.Contains(host, c.PID) {
					return false, Tf("/proc/%d/status: NSpid %v", "/proc/%d/status: NSpid %v", c.PID, st.NSpid)
				}
				return true, Tf("/proc/%d/status: NSpid %d 1 — the host's /proc lists it among %d processes", "/proc/%d/status: NSpid %d 1 — ホストの /proc には %d 個のプロセスの 1 つとして載っている", c.PID, c.PID, len(host))
			}),
		fcHostCheck(T("its parent is nakami, as ps f draws it", "その親は ps f が描くとおり nakami"),
			func(e *Env, c *child.Process) (bool, Text) {
				chain, err := fcChain(c.PID)
				if err != nil {
					return false, errText(err)
				}
				if len(chain) < 2 || chain[0].PPID != os.Getpid() {
					return false, Tf("chain: %s", "親子関係: %s", chainText(chain))
				}
				return true, Tf("%s (from /proc/PID/status PPid)", "%s(/proc/PID/status の PPid から)", chainText(chain))
			}),
	},
}

// ---- cpu-limit --------------------------------------------------------

var noContainer = T("no container is running yet", "まだコンテナが動いていません")

// fcBurner finds the busy loop: a process in the group whose parent is the
// container's shell.
func fcBurner(e *Env) (int, *cgroup.Group, Text, bool) {
	c, _, err := containerShell(e)
	if err != nil {
		return 0, nil, noContainer, false
	}
	g, why, gok := groupOrNot(e, fcRole)
	if !gok {
		return 0, nil, why, false
	}
	pids, err := g.Procs()
	if err != nil {
		return 0, nil, errText(err), false
	}
	for _, p := range pids {
		if st, err := procfs.ReadStatus(p); err == nil && st.PPID == c.PID && st.Name == "nakami" {
			return p, g, Text{}, true
		}
	}
	return 0, g, Tf("no busy loop among the group's processes %v", "グループのプロセス %v にビジーループがありません", pids), false
}

// fcBurnerCheck checks the busy loop and its group once it runs.
func fcBurnerCheck(name Text, probe func(e *Env, pid int, g *cgroup.Group) (bool, Text)) Check {
	return Check{Name: name, Probe: func(e *Env) (bool, Text) {
		pid, g, why, ok := fcBurner(e)
		if !ok {
			return false, why
		}
		return probe(e, pid, g)
	}}
}

var fcCPUStep = &Step{
	ID:       "cpu-limit",
	After:    []string{"run"},
	Commands: []string{"yes > /dev/null &   # inside the container", "top   # on the host: yes holds near 30 % CPU"},
	Requires: NeedsRoot,
	Why:      fcWhy,
	Live:     Live{Procs: []string{fcRole, "burner"}, Cgroups: []string{fcRole}},
	Action: func(e *Env) error {
		c, con, err := containerShell(e)
		if err != nil {
			return err
		}
		pct, _ := fcLimits(e)
		// fd 3 is the child protocol's pipe, inherited from the shell: the
		// loop ends when nakami closes it. Its "ready" goes to /dev/null.
		if _, _, err := con.Type(e.S.T, fmt.Sprintf("%s %s %s 4>/dev/null & echo $!", rootfs.SelfPath, cgroup.RoleBurn, strconv.Itoa(int(math.Ceil(pct/100)))), 5*time.Second); err != nil {
			return err
		}
		for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if pid, _, _, ok := fcBurner(e); ok {
				e.PIDs["burner"] = pid
				// Let one whole period pass: the first one after an idle
				// spell starts with quota left over from before.
				time.Sleep(fcPeriodUS * time.Microsecond)
				return nil
			}
		}
		return fmt.Errorf("the busy loop did not appear under the container's shell %d", c.PID)
	},
	Checks: []Check{
		fcBurnerCheck(T("the busy loop runs inside: a child of the container's shell, in the group", "ビジーループは中で動いている: コンテナのシェルの子で、グループに属する"),
			func(e *Env, pid int, g *cgroup.Group) (bool, Text) {
				st, err := procfs.ReadStatus(pid)
				if err != nil {
					return false, errText(err)
				}
				return true, Tf("process %d (NSpid %v), parent %d, listed in %s/cgroup.procs", "プロセス %d(NSpid %v)、親 %d、%s/cgroup.procs に載っている", pid, st.NSpid, st.PPID, g.Dir("cpu"))
			}),
		fcBurnerCheck(T("measured from the kernel's accounting over 3 s (three periods), the container's share is within 5 points of the quota", "カーネルの計測で 3 秒間(3 周期)に測ったコンテナの CPU 使用率がクォータの ±5 ポイント以内"),
			func(e *Env, _ int, g *cgroup.Group) (bool, Text) {
				// Whole periods: a window of k periods holds exactly k
				// quotas wherever it starts; 1 s periods make 2 s too few.
				return shareWithin(g, 3*fcPeriodUS*time.Microsecond, g)
			}),
		fcBurnerCheck(T("the throttling counters rise: the container keeps running out of quota", "スロットリングのカウンタが増える: コンテナはクォータを使い切り続けている"),
			func(e *Env, _ int, g *cgroup.Group) (bool, Text) {
				return throttling(g, 2100*time.Millisecond)
			}),
	},
}
