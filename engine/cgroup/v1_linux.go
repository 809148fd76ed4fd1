package cgroup

// The cgroup v1 driver: one hierarchy per controller (or per group of
// co-mounted controllers), so a group is a directory in each.
//
// Files: cpu.cfs_period_us, cpu.cfs_quota_us, cpu.stat (cpu); cpuacct.usage
// (cpuacct); memory.limit_in_bytes, memory.memsw.limit_in_bytes,
// memory.usage_in_bytes, memory.max_usage_in_bytes, memory.failcnt,
// memory.oom_control (memory); pids.max, pids.current, pids.events (pids);
// freezer.state (freezer); cgroup.procs. Syscalls: open(2), write(2), kill(2).
// Docs: cgroups(7); Documentation/admin-guide/cgroup-v1/{cpuacct,memory,
// pids,freezer-subsystem}.rst and scheduler/sched-bwc.rst.

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"nakami/engine"
)

type cgroupV1 struct{ roots map[string]string }

func (d *cgroupV1) Version() int { return 1 }

func (d *cgroupV1) Dir(name, ctrl string) string {
	root, ok := d.roots[ctrl]
	if !ok {
		root = d.roots[firstKey(d.roots)]
	}
	return filepath.Join(root, name)
}

func firstKey(m map[string]string) string {
	best := ""
	for k := range m {
		if best == "" || k < best {
			best = k
		}
	}
	return best
}

func (d *cgroupV1) Delegate(*engine.Transcript, string, []string) error { return nil }

func (d *cgroupV1) file(g *Group, ctrl, name string) string {
	return filepath.Join(d.Dir(g.Name, ctrl), name)
}

func (d *cgroupV1) SetCPU(t *engine.Transcript, g *Group, quota, period int64) error {
	if err := writeCg(t, d.file(g, "cpu", "cpu.cfs_period_us"), strconv.FormatInt(period, 10)); err != nil {
		return err
	}
	return writeCg(t, d.file(g, "cpu", "cpu.cfs_quota_us"), strconv.FormatInt(quota, 10))
}

func (d *cgroupV1) SetMemory(t *engine.Transcript, g *Group, bytes int64) error {
	if err := writeCg(t, d.file(g, "memory", "memory.limit_in_bytes"), strconv.FormatInt(bytes, 10)); err != nil {
		return err
	}
	// With swap the process would be pushed out rather than killed: hold
	// memory+swap to the same figure (the file exists only with swap accounting).
	sw := d.file(g, "memory", "memory.memsw.limit_in_bytes")
	if _, err := os.Stat(sw); err == nil {
		return writeCg(t, sw, strconv.FormatInt(bytes, 10))
	}
	return nil
}

func (d *cgroupV1) SetPids(t *engine.Transcript, g *Group, max int64) error {
	return writeCg(t, d.file(g, "pids", "pids.max"), strconv.FormatInt(max, 10))
}

func (d *cgroupV1) Freeze(t *engine.Transcript, g *Group, frozen bool) error {
	v := "THAWED"
	if frozen {
		v = "FROZEN"
	}
	return writeCg(t, d.file(g, "freezer", "freezer.state"), v)
}

func (d *cgroupV1) has(g *Group, ctrl string) bool { return slices.Contains(g.Ctrls, ctrl) }

func (d *cgroupV1) Stats(g *Group) (Stats, error) {
	st := Stats{Version: 1, CPUQuotaUS: -1, MemLimit: -1, PidsMax: -1}
	var err error
	if st.Procs, err = g.Procs(); err != nil {
		return st, err
	}
	var errs []error
	keep := func(e error) {
		if e != nil {
			errs = append(errs, e)
		}
	}
	if d.has(g, "cpuacct") {
		st.CPUUsageNS, err = readUint(d.file(g, "cpuacct", "cpuacct.usage"))
		keep(err)
	}
	if d.has(g, "cpu") {
		st.CPUQuotaUS, err = readLimit(d.file(g, "cpu", "cpu.cfs_quota_us"))
		keep(err)
		st.CPUPeriodUS, err = readLimit(d.file(g, "cpu", "cpu.cfs_period_us"))
		keep(err)
		b, rerr := os.ReadFile(d.file(g, "cpu", "cpu.stat"))
		keep(rerr)
		if rerr == nil {
			st.CPU, err = ParseCPUStat(string(b))
			keep(err)
		}
	}
	if d.has(g, "memory") {
		st.MemCurrent, err = readLimit(d.file(g, "memory", "memory.usage_in_bytes"))
		keep(err)
		st.MemPeak, err = readLimit(d.file(g, "memory", "memory.max_usage_in_bytes"))
		keep(err)
		st.MemLimit, err = readLimit(d.file(g, "memory", "memory.limit_in_bytes"))
		keep(err)
		st.MemRefused, st.OOMKills, err = d.MemEvents(g)
		keep(err)
	}
	if d.has(g, "pids") {
		st.PidsCurrent, err = readLimit(d.file(g, "pids", "pids.current"))
		keep(err)
		st.PidsMax, err = readLimit(d.file(g, "pids", "pids.max"))
		keep(err)
		if ev, err := readKeyed(d.file(g, "pids", "pids.events")); err == nil {
			st.PidsRefused = ev["max"]
		}
	}
	if d.has(g, "freezer") {
		b, rerr := os.ReadFile(d.file(g, "freezer", "freezer.state"))
		keep(rerr)
		st.Freeze = strings.TrimSpace(string(b))
	}
	return st, errors.Join(errs...)
}

func (d *cgroupV1) MemEvents(g *Group) (refused, killed uint64, err error) {
	if refused, err = readUint(d.file(g, "memory", "memory.failcnt")); err != nil {
		return 0, 0, err
	}
	oc, err := readKeyed(d.file(g, "memory", "memory.oom_control"))
	if err != nil {
		return 0, 0, fmt.Errorf("memory.oom_control: %w", err)
	}
	return refused, oc["oom_kill"], nil
}

// Kill sends SIGKILL to every member: v1 has no cgroup.kill. A frozen
// group is thawed first, since v1 frozen tasks do not die until they run.
func (d *cgroupV1) Kill(t *engine.Transcript, g *Group) error {
	if d.has(g, "freezer") {
		if err := d.Freeze(t, g, false); err != nil {
			return err
		}
	}
	pids, err := g.Procs()
	if err != nil {
		return err
	}
	for _, pid := range pids {
		kill := func() error { return ignoreESRCH(syscall.Kill(pid, syscall.SIGKILL)) }
		if t == nil {
			kill()
			continue
		}
		t.Do(fmt.Sprintf("kill(%d, SIGKILL)", pid), fmt.Sprintf("kill -9 %d", pid), kill)
	}
	return nil
}

func ignoreESRCH(err error) error {
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}
