package lessons

// The check builders every lesson uses. A check reads kernel state when it
// runs: a live process's /proc files, a cgroup's files, a file's inode and
// extended attributes. Each builder handles "not there yet" (the state
// before the step's action) with one sentence, so a lesson's check says
// only what it compares.

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"syscall"

	"nakami/engine"
	"nakami/engine/caps"
	"nakami/engine/cgroup"
	"nakami/engine/child"
	"nakami/engine/procfs"
)

// errText is an error as a Text (the kernel's words are the same in every
// language).
func errText(err error) Text { return T(err.Error(), err.Error()) }

// notRunning is the detail of a check whose process is not running.
func notRunning(role string) Text {
	return Tf("the step's process %q is not running yet", "ステップのプロセス %q はまだ動いていません", role)
}

// procCheck checks role's live process.
func procCheck(name Text, role string, probe func(e *Env, c *child.Process) (bool, Text)) Check {
	return Check{Name: name, Probe: func(e *Env) (bool, Text) {
		c := e.Child(role)
		if c == nil {
			return false, notRunning(role)
		}
		return probe(e, c)
	}}
}

// statusCheck checks /proc/PID/status of role's live process; the detail
// is prefixed with the file it read.
func statusCheck(name Text, role string, probe func(e *Env, st procfs.Status) (bool, Text)) Check {
	return procCheck(name, role, func(e *Env, c *child.Process) (bool, Text) {
		st, err := procfs.ReadStatus(c.PID)
		if err != nil {
			return false, errText(err)
		}
		ok, d := probe(e, st)
		p := fmt.Sprintf("/proc/%d/status: ", c.PID)
		return ok, T(p+d.EN, p+d.JA)
	})
}

// findGroup finds role's cgroup in the kernel by the name the step
// recorded in Env.Groups.
func findGroup(e *Env, role string) (*cgroup.Group, error) {
	name := e.Groups[role]
	if name == "" {
		return nil, fmt.Errorf("no %s group has been made yet", role)
	}
	c, err := cgroup.Detect()
	if err != nil {
		return nil, err
	}
	return c.FindGroup(name)
}

// groupCheck checks role's cgroup and its accounting, read from cgroupfs.
func groupCheck(name Text, role string, probe func(e *Env, g *cgroup.Group, st cgroup.Stats) (bool, Text)) Check {
	return Check{Name: name, Probe: func(e *Env) (bool, Text) {
		g, err := findGroup(e, role)
		if err != nil {
			return false, T("no group yet: "+err.Error(), "まだグループがありません: "+err.Error())
		}
		st, err := g.Stats()
		if err != nil {
			return false, errText(err)
		}
		return probe(e, g, st)
	}}
}

// quotaCheck: the kernel holds role's CPU quota (v1 cpu.cfs_quota_us and
// cpu.cfs_period_us, v2 cpu.max) at want(e) percent of one CPU, over
// period µs when period is not 0.
func quotaCheck(name Text, role string, period int64, want func(*Env) float64) Check {
	return groupCheck(name, role, func(e *Env, g *cgroup.Group, st cgroup.Stats) (bool, Text) {
		file := "cpu.cfs_quota_us / cpu.cfs_period_us"
		if st.Version == 2 {
			file = "cpu.max"
		}
		w := want(e)
		got := 100 * float64(st.CPUQuotaUS) / float64(st.CPUPeriodUS)
		if st.CPUQuotaUS < 0 || period != 0 && st.CPUPeriodUS != period || math.Abs(got-w) > 0.01 {
			return false, Tf("%s of %s: %d / %d, not %.0f%%", "%s の %s: %d / %d(%.0f%% ではない)", g.Dir("cpu"), file, st.CPUQuotaUS, st.CPUPeriodUS, w)
		}
		return true, Tf("%s: %d / %d µs = %.0f%% of one CPU", "%s: %d / %d µs = CPU 1 個の %.0f%%", file, st.CPUQuotaUS, st.CPUPeriodUS, got)
	})
}

// memberCheck: /proc/PID/cgroup of procRole's live process puts it in
// groupRole's group for each of ctrls (on v2, the one unified line).
func memberCheck(name Text, procRole, groupRole string, ctrls ...string) Check {
	return procCheck(name, procRole, func(e *Env, c *child.Process) (bool, Text) {
		g, err := findGroup(e, groupRole)
		if err != nil {
			return false, errText(err)
		}
		cg, err := procfs.ReadCgroups(c.PID)
		if err != nil {
			return false, errText(err)
		}
		var lines []string
		for _, ctl := range ctrls {
			l, found := cgroupLine(cg, g, ctl)
			if !found || l.Path != "/"+g.Name {
				return false, Tf("/proc/%d/cgroup: %s is at %q, not /%s", "/proc/%d/cgroup: %s は %q(/%s ではない)", c.PID, ctl, l.Path, g.Name)
			}
			lines = append(lines, fmt.Sprintf("%d:%s:%s", l.ID, strings.Join(l.Controllers, ","), l.Path))
		}
		return true, Tf("/proc/%d/cgroup: %s", "/proc/%d/cgroup: %s", c.PID, strings.Join(slices.Compact(lines), "  "))
	})
}

// cgroupLine finds the line of /proc/PID/cgroup that places a process for
// ctl: on v2 the unified line (hierarchy 0), on v1 the hierarchy with ctl.
func cgroupLine(cg []procfs.CgroupEntry, g *cgroup.Group, ctl string) (procfs.CgroupEntry, bool) {
	for _, l := range cg {
		if g.Version() == 2 && l.ID == 0 || g.Version() == 1 && slices.Contains(l.Controllers, ctl) {
			return l, true
		}
	}
	return procfs.CgroupEntry{}, false
}

// FileFacts is a file's inode and capability attribute, as stat(2) and
// getxattr(2) report them.
type FileFacts struct {
	Path    string
	UID     int
	Mode    os.FileMode
	SetUID  bool
	HasCaps bool
	Caps    caps.File
}

// fileCheck checks the file path(e) names: its inode and its
// security.capability attribute.
func fileCheck(name Text, path func(*Env) string, probe func(e *Env, f FileFacts) (bool, Text)) Check {
	return Check{Name: name, Probe: func(e *Env) (bool, Text) {
		p := path(e)
		if p == "" {
			return false, T("the file has not been made yet", "まだファイルがありません")
		}
		fi, err := os.Stat(p)
		if err != nil {
			return false, errText(err)
		}
		fc, has, err := caps.ReadFile(p)
		if err != nil {
			return false, errText(err)
		}
		f := FileFacts{Path: p, UID: int(fi.Sys().(*syscall.Stat_t).Uid), Mode: fi.Mode(),
			SetUID: fi.Mode()&os.ModeSetuid != 0, HasCaps: has, Caps: fc}
		return probe(e, f)
	}}
}

// failedWith finds the last operation of the session whose call starts
// with prefix and failed with errno (e.g. "EINVAL"), as the transcript
// recorded the kernel's answer.
func failedWith(e *Env, prefix, errno string) (engine.Op, bool) {
	ops := e.S.T.Ops()
	for i := len(ops) - 1; i >= 0; i-- {
		if strings.HasPrefix(ops[i].Call, prefix) && ops[i].Outcome == errno {
			return ops[i], true
		}
	}
	return engine.Op{}, false
}

// valueCheck checks the value an earlier step stored under key; missing is
// the detail while there is none.
func valueCheck[T any](name Text, key Key[T], missing Text, probe func(e *Env, v T) (bool, Text)) Check {
	return Check{Name: name, Probe: func(e *Env) (bool, Text) {
		v, ok := key.Get(e)
		if !ok {
			return false, missing
		}
		return probe(e, v)
	}}
}

// joinTexts joins texts language by language.
func joinTexts(ts []Text, sep string) Text {
	var en, ja []string
	for _, t := range ts {
		en, ja = append(en, t.EN), append(ja, t.In("ja"))
	}
	return Text{EN: strings.Join(en, sep), JA: strings.Join(ja, sep)}
}
