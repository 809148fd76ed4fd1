package cgroup

// The cgroup v2 driver: one unified tree; a group is one directory. A parent
// hands controllers to its children through cgroup.subtree_control, and only
// a group without processes of its own may do so ("no internal processes").
// CPU usage (cpu.stat usage_usec), the freezer (cgroup.freeze) and
// cgroup.kill are part of every group; limits need cpu, memory and pids.
//
// Files: cgroup.subtree_control, cgroup.procs, cgroup.freeze, cgroup.events,
// cgroup.kill, cpu.max, cpu.stat, memory.max, memory.swap.max,
// memory.current, memory.peak, memory.events, pids.max, pids.current,
// pids.events. Syscalls: open(2), write(2); clone3(2) CLONE_INTO_CGROUP in
// Spawn. Docs: cgroups(7), Documentation/admin-guide/cgroup-v2.rst.

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"nakami/engine"
)

type cgroupV2 struct{ root string }

// NewV2 returns a v2 driver rooted at root: the unified mount point,
// or (in tests) a directory laid out like one.
func NewV2(root string) driver { return &cgroupV2{root: root} }

func (d *cgroupV2) Version() int { return 2 }

func (d *cgroupV2) Dir(name, _ string) string { return filepath.Join(d.root, name) }

func (d *cgroupV2) file(g *Group, name string) string { return filepath.Join(d.Dir(g.Name, ""), name) }

// Delegate enables ctrls in name's cgroup.subtree_control. The host's own
// root is never written: when it does not offer a controller, that is an
// error the caller reports.
func (d *cgroupV2) Delegate(t *engine.Transcript, name string, ctrls []string) error {
	need := v2Needs(ctrls)
	if len(need) == 0 {
		return nil
	}
	parent := filepath.Join(d.root, filepath.Dir(name))
	offered := ReadFields(filepath.Join(parent, "cgroup.subtree_control"))
	for _, c := range need {
		if !slices.Contains(offered, c) {
			return fmt.Errorf("%s does not hand the %s controller to its children (cgroup.subtree_control reads %q)",
				parent, c, strings.Join(offered, " "))
		}
	}
	have := ReadFields(filepath.Join(d.root, name, "cgroup.subtree_control"))
	var add []string
	for _, c := range need {
		if !slices.Contains(have, c) {
			add = append(add, "+"+c)
		}
	}
	if len(add) == 0 {
		return nil
	}
	return writeCg(t, filepath.Join(d.root, name, "cgroup.subtree_control"), strings.Join(add, " "))
}

func (d *cgroupV2) SetCPU(t *engine.Transcript, g *Group, quota, period int64) error {
	return writeCg(t, d.file(g, "cpu.max"), FormatCPUMax(quota, period))
}

func (d *cgroupV2) SetMemory(t *engine.Transcript, g *Group, bytes int64) error {
	if err := writeCg(t, d.file(g, "memory.max"), strconv.FormatInt(bytes, 10)); err != nil {
		return err
	}
	// No escape into swap: the process must meet the limit, not page out.
	if _, err := os.Stat(d.file(g, "memory.swap.max")); err == nil {
		return writeCg(t, d.file(g, "memory.swap.max"), "0")
	}
	return nil
}

func (d *cgroupV2) SetPids(t *engine.Transcript, g *Group, max int64) error {
	return writeCg(t, d.file(g, "pids.max"), strconv.FormatInt(max, 10))
}

func (d *cgroupV2) Freeze(t *engine.Transcript, g *Group, frozen bool) error {
	v := "0"
	if frozen {
		v = "1"
	}
	return writeCg(t, d.file(g, "cgroup.freeze"), v)
}

func (d *cgroupV2) Stats(g *Group) (Stats, error) {
	st := Stats{Version: 2, CPUQuotaUS: -1, MemLimit: -1, PidsMax: -1}
	var err error
	if st.Procs, err = g.Procs(); err != nil {
		return st, err
	}
	var errs []error
	// Core files: present in every non-root group.
	if b, rerr := os.ReadFile(d.file(g, "cpu.stat")); rerr == nil {
		st.CPU, err = ParseCPUStat(string(b))
		st.CPUUsageNS = st.CPU.UsageNS
		errs = append(errs, err)
	} else {
		errs = append(errs, rerr)
	}
	if ev, rerr := readKeyed(d.file(g, "cgroup.events")); rerr == nil {
		st.Freeze = "THAWED"
		if ev["frozen"] == 1 {
			st.Freeze = "FROZEN"
		} else if b, _ := os.ReadFile(d.file(g, "cgroup.freeze")); strings.TrimSpace(string(b)) == "1" {
			st.Freeze = "FREEZING"
		}
	}
	// Controller files: present only when the parent enabled them.
	if b, rerr := os.ReadFile(d.file(g, "cpu.max")); rerr == nil {
		st.CPUQuotaUS, st.CPUPeriodUS, err = ParseCPUMax(string(b))
		errs = append(errs, err)
	}
	if _, rerr := os.Stat(d.file(g, "memory.max")); rerr == nil {
		st.MemLimit, err = readLimit(d.file(g, "memory.max"))
		errs = append(errs, err)
		st.MemCurrent, err = readLimit(d.file(g, "memory.current"))
		errs = append(errs, err)
		st.MemPeak, _ = readLimit(d.file(g, "memory.peak")) // Linux 5.19+
		st.MemRefused, st.OOMKills, err = d.MemEvents(g)
		errs = append(errs, err)
	}
	if _, rerr := os.Stat(d.file(g, "pids.max")); rerr == nil {
		st.PidsMax, err = readLimit(d.file(g, "pids.max"))
		errs = append(errs, err)
		st.PidsCurrent, err = readLimit(d.file(g, "pids.current"))
		errs = append(errs, err)
		if ev, err := readKeyed(d.file(g, "pids.events")); err == nil {
			st.PidsRefused = ev["max"]
		}
	}
	return st, errors.Join(errs...)
}

func (d *cgroupV2) MemEvents(g *Group) (refused, killed uint64, err error) {
	ev, err := readKeyed(d.file(g, "memory.events"))
	if err != nil {
		return 0, 0, fmt.Errorf("memory.events: %w", err)
	}
	return ev["max"], ev["oom_kill"], nil
}

// Kill writes cgroup.kill (Linux 5.14+), which SIGKILLs every process of
// the group and its descendants, frozen or not.
func (d *cgroupV2) Kill(t *engine.Transcript, g *Group) error {
	return writeCg(t, d.file(g, "cgroup.kill"), "1")
}
