package cgroup

// Group: one interface, two drivers. A v1 group is one directory per
// controller's hierarchy (/sys/fs/cgroup/cpu/G, /sys/fs/cgroup/memory/G…);
// a v2 group is one directory in the unified tree. Callers use the Group's
// methods (SetCPU, SetMemory, SetPids, Freeze, Kill, Stats, Place…); the
// driver behind them is v1_linux.go's or v2_linux.go's.
//
// Syscalls: open(2)/write(2)/read(2) on cgroupfs interface files
// (cgroup.procs, the limits), through the drivers; placing a child is
// clone3(2) CLONE_INTO_CGROUP (v2) or its first write(2) (v1), in
// child.Spawn. Man pages: cgroups(7), clone(2); the kernel's
// Documentation/admin-guide/cgroup-v1/ and cgroup-v2.rst.

import (
	"os"
	"path"
	"path/filepath"
	"strconv"

	"nakami/engine"
	"nakami/engine/child"
)

// driver is one cgroup version's way of doing things; callers use the
// Group's methods, which pick it.
type driver interface {
	Version() int
	// Dir is the directory of group name that holds ctrl's files.
	Dir(name, ctrl string) string
	// Delegate makes ctrls usable by the children of group name (v2:
	// cgroup.subtree_control; v1 needs nothing).
	Delegate(t *engine.Transcript, name string, ctrls []string) error
	SetCPU(t *engine.Transcript, g *Group, quotaUS, periodUS int64) error
	SetMemory(t *engine.Transcript, g *Group, bytes int64) error
	SetPids(t *engine.Transcript, g *Group, max int64) error
	Freeze(t *engine.Transcript, g *Group, frozen bool) error
	Stats(g *Group) (Stats, error)
	// MemEvents reads the two counters of an OOM: charges refused at the
	// limit (v1 memory.failcnt, v2 memory.events max) and OOM kills.
	MemEvents(g *Group) (refused, killed uint64, err error)
	Kill(t *engine.Transcript, g *Group) error
}

// Group is a cgroup: its name relative to each hierarchy's root (e.g.
// nakami-1a2b3c4d/cpu-quota), the controllers it uses, and its driver.
type Group struct {
	Name  string
	Ctrls []string
	d     driver
}

// Version is the cgroup version the group lives in (1 or 2).
func (g *Group) Version() int { return g.d.Version() }

// SetCPU writes the CPU bandwidth limit: quotaUS of CPU time per periodUS
// (v1 cpu.cfs_quota_us and cpu.cfs_period_us, v2 cpu.max).
func (g *Group) SetCPU(t *engine.Transcript, quotaUS, periodUS int64) error {
	return g.d.SetCPU(t, g, quotaUS, periodUS)
}

// SetMemory writes the memory limit (v1 memory.limit_in_bytes, v2
// memory.max; swap is turned off for the group where the kernel offers it).
func (g *Group) SetMemory(t *engine.Transcript, bytes int64) error {
	return g.d.SetMemory(t, g, bytes)
}

// SetPids writes the largest number of tasks (pids.max, both versions).
func (g *Group) SetPids(t *engine.Transcript, max int64) error { return g.d.SetPids(t, g, max) }

// Freeze freezes or thaws every task (v1 freezer.state, v2 cgroup.freeze).
func (g *Group) Freeze(t *engine.Transcript, frozen bool) error { return g.d.Freeze(t, g, frozen) }

// MemEvents reads the two counters of an OOM: charges refused at the limit
// (v1 memory.failcnt, v2 memory.events max) and OOM kills.
func (g *Group) MemEvents() (refused, killed uint64, err error) { return g.d.MemEvents(g) }

// Kill kills every task (v2 cgroup.kill, v1 SIGKILL to each member).
func (g *Group) Kill(t *engine.Transcript) error { return g.d.Kill(t, g) }

// Parent is the group one level up, with the same controllers.
func (g *Group) Parent() *Group {
	return &Group{Name: path.Dir(g.Name), Ctrls: g.Ctrls, d: g.d}
}

// Dir is the directory holding ctrl's files ("" ctrl: the first one).
func (g *Group) Dir(ctrl string) string {
	if ctrl == "" && len(g.Ctrls) > 0 {
		ctrl = g.Ctrls[0]
	}
	return g.d.Dir(g.Name, ctrl)
}

// Dirs lists the group's distinct directories (v1: one per hierarchy).
func (g *Group) Dirs() []string { return cgroupDirs(g.d, g.Name, g.Ctrls) }

func cgroupDirs(d driver, name string, ctrls []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range ctrls {
		if dir := d.Dir(name, c); !seen[dir] {
			seen[dir] = true
			out = append(out, dir)
		}
	}
	if len(ctrls) == 0 {
		out = append(out, d.Dir(name, ""))
	}
	return out
}

// ProcsFiles are the cgroup.procs files a process writes itself into to
// join the group (v1: one per hierarchy).
func (g *Group) ProcsFiles() []string {
	var out []string
	for _, d := range g.Dirs() {
		out = append(out, filepath.Join(d, "cgroup.procs"))
	}
	return out
}

// TasksFiles are the v1 tasks files (thread IDs), one per hierarchy.
func (g *Group) TasksFiles() []string {
	var out []string
	for _, d := range g.Dirs() {
		out = append(out, filepath.Join(d, "tasks"))
	}
	return out
}

// Place sets spec so that the child starts inside g with no window outside
// it: on v2 it is cloned into the group (CLONE_INTO_CGROUP); on v1 it
// writes "0" into each tasks file before the Go runtime starts, while it has
// one thread (nsenter.c), so it moves whole and without the global lock.
func (g *Group) Place(spec child.Spec) child.Spec {
	if g.d.Version() == 2 {
		spec.CgroupDir = g.Dir("")
	} else {
		spec.CgroupTasks = g.TasksFiles()
	}
	return spec
}

// AddProc moves a running process into the group, the way a person does:
// echo PID > cgroup.procs (in every hierarchy of a v1 group).
func (g *Group) AddProc(t *engine.Transcript, pid int) error {
	for _, f := range g.ProcsFiles() {
		if err := writeCg(t, f, strconv.Itoa(pid)); err != nil {
			return err
		}
	}
	return nil
}

// Procs reads the group's cgroup.procs (of its first directory).
func (g *Group) Procs() ([]int, error) {
	b, err := os.ReadFile(filepath.Join(g.Dir(""), "cgroup.procs"))
	if err != nil {
		return nil, err
	}
	return ParsePIDList(string(b))
}

// Stats reads the group's counters and limits from the kernel.
func (g *Group) Stats() (Stats, error) { return g.d.Stats(g) }

// Exists reports whether every directory of the group is there.
func (g *Group) Exists() bool {
	for _, d := range g.Dirs() {
		if _, err := os.Stat(d); err != nil {
			return false
		}
	}
	return true
}

// Stats is what the kernel accounts for a group. Limits of -1 mean
// none; fields of controllers the group does not use stay zero.
type Stats struct {
	Version     int     `json:"version"`
	Procs       []int   `json:"procs"`
	CPUUsageNS  uint64  `json:"cpu_usage_ns"` // cpuacct.usage, or cpu.stat usage_usec
	CPUQuotaUS  int64   `json:"cpu_quota_us"`
	CPUPeriodUS int64   `json:"cpu_period_us"`
	CPU         CPUStat `json:"cpu_stat"` // throttling
	MemCurrent  int64   `json:"memory_current"`
	MemPeak     int64   `json:"memory_peak"`
	MemLimit    int64   `json:"memory_limit"`
	MemRefused  uint64  `json:"memory_refused"` // memory.failcnt / memory.events max
	OOMKills    uint64  `json:"oom_kills"`
	PidsCurrent int64   `json:"pids_current"`
	PidsMax     int64   `json:"pids_max"`
	PidsRefused uint64  `json:"pids_refused"` // pids.events max
	Freeze      string  `json:"freeze"`       // FROZEN, FREEZING, THAWED, or ""
}
