package cgroup

// cgroups: one interface, two drivers. A v1 group is one directory per
// controller's hierarchy (/sys/fs/cgroup/cpu/G, /sys/fs/cgroup/memory/G…);
// a v2 group is one directory in the unified tree. Groups are made only under
// the session's parent nakami-<id>, every directory journaled before mkdir.
// cgroups have no system calls of their own: everything is a file.
//
// Syscalls: mkdir(2), rmdir(2), open(2)/write(2) on cgroupfs interface
// files, statfs(2), clone3(2) with CLONE_INTO_CGROUP (v2, in Spawn), kill(2).
// Man pages: cgroups(7), clone(2); the kernel's
// Documentation/admin-guide/cgroup-v1/ and cgroup-v2.rst.

import (
	"encoding/json"
	"fmt"
	"nakami/engine"
	"nakami/engine/child"
	"nakami/engine/procfs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
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

// Place sets spec so that the child starts inside g with no window outside
// it: on v2 it is cloned into the group (CLONE_INTO_CGROUP); on v1 it
// writes itself into cgroup.procs before doing anything else.
func (g *Group) Place(spec child.Spec) child.Spec {
	if g.d.Version() == 2 {
		spec.CgroupDir = g.Dir("")
	} else {
		spec.CgroupProcs = g.ProcsFiles()
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

// System is this host's cgroup layout with a driver per version.
type System struct {
	Layout Layout
	v1, v2 driver // nil when that version is not mounted
	// V2Controllers is what the unified root offers its children.
	V2Controllers []string
}

// Detect reads /proc/self/mountinfo and the unified root.
func Detect() (*System, error) {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	ms, err := ParseMounts(string(b))
	if err != nil {
		return nil, err
	}
	c := &System{Layout: LayoutOf(ms)}
	if len(c.Layout.V1) > 0 {
		c.v1 = &cgroupV1{roots: c.Layout.V1}
	}
	if c.Layout.V2 != "" {
		c.v2 = &cgroupV2{root: c.Layout.V2}
		c.V2Controllers = ReadFields(filepath.Join(c.Layout.V2, "cgroup.subtree_control"))
	}
	return c, nil
}

// v2Needs maps the lesson's controller names to what v2 must enable: CPU
// usage (cpuacct) and the freezer are part of every v2 group.
func v2Needs(ctrls []string) []string {
	var out []string
	for _, c := range ctrls {
		if c == "cpu" || c == "memory" || c == "pids" {
			out = append(out, c)
		}
	}
	return out
}

// driverFor picks the driver for ctrls: v1 when every one is mounted there (on a
// hybrid host that is where limits live), else v2 when the unified root
// offers them to its children. The error is one sentence.
func (c *System) driverFor(ctrls ...string) (driver, error) {
	var missing []string
	for _, ctl := range ctrls {
		if _, ok := c.Layout.V1[ctl]; !ok {
			missing = append(missing, ctl)
		}
	}
	if c.v1 != nil && len(missing) == 0 {
		return c.v1, nil
	}
	if c.v2 != nil {
		var lack []string
		for _, ctl := range v2Needs(ctrls) {
			if !slices.Contains(c.V2Controllers, ctl) {
				lack = append(lack, ctl)
			}
		}
		if len(lack) == 0 {
			return c.v2, nil
		}
		return nil, fmt.Errorf("the %s controller is neither mounted as cgroup v1 nor enabled for children in %s/cgroup.subtree_control (%q)",
			strings.Join(lack, ", "), c.Layout.V2, strings.Join(c.V2Controllers, " "))
	}
	return nil, fmt.Errorf("the %s controller is not mounted on this host (no cgroup v1 hierarchy has it and there is no cgroup2 mount)", strings.Join(missing, ", "))
}

// VersionFor says which cgroup version would hold a group using ctrls, or
// why none can (one sentence).
func (c *System) VersionFor(ctrls ...string) (int, error) {
	d, err := c.driverFor(ctrls...)
	if err != nil {
		return 0, err
	}
	return d.Version(), nil
}

// NewGroup makes group name (slashes nest) under the session's parent
// nakami-<id>, level by level, journaling each directory before mkdir, in
// the version driverFor picks for ctrls.
func (c *System) NewGroup(s *engine.Session, name string, ctrls ...string) (*Group, error) {
	d, err := c.driverFor(ctrls...)
	if err != nil {
		return nil, err
	}
	return newGroup(s, d, name, ctrls)
}

func newGroup(s *engine.Session, d driver, name string, ctrls []string) (*Group, error) {
	clean := filepath.Clean("/" + name)[1:]
	if clean != name || name == "" {
		return nil, fmt.Errorf("cgroup name %q is not a clean relative path", name)
	}
	levels := []string{s.Tag}
	for _, part := range strings.Split(name, "/") {
		levels = append(levels, levels[len(levels)-1]+"/"+part)
	}
	for i, lvl := range levels {
		for _, dir := range cgroupDirs(d, lvl, ctrls) {
			if _, err := os.Stat(dir); err == nil {
				continue
			}
			if _, err := s.Journal.Record(engine.Entry{Kind: engine.KindCgroup, Path: dir}); err != nil {
				return nil, err
			}
			if err := s.T.Do(fmt.Sprintf("mkdir(%q, 0755)", dir), "mkdir "+dir,
				func() error { return os.Mkdir(dir, 0o755) }); err != nil {
				return nil, fmt.Errorf("cannot create cgroup %s: %w", dir, err)
			}
		}
		if i < len(levels)-1 {
			if err := d.Delegate(s.T, lvl, ctrls); err != nil {
				return nil, err
			}
		}
	}
	return &Group{Name: levels[len(levels)-1], Ctrls: ctrls, d: d}, nil
}

// FindGroup finds an existing group by its relative name: the v1
// hierarchies that hold it, else the unified tree.
func (c *System) FindGroup(name string) (*Group, error) {
	if filepath.Clean("/" + name)[1:] != name || name == "" {
		return nil, fmt.Errorf("cgroup name %q is not a clean relative path", name)
	}
	if c.v1 != nil {
		g := &Group{Name: name, d: c.v1}
		for _, ctl := range c.Layout.V1Controllers() {
			if _, err := os.Stat(c.v1.Dir(name, ctl)); err == nil {
				g.Ctrls = append(g.Ctrls, ctl)
			}
		}
		if len(g.Ctrls) > 0 {
			return g, nil
		}
	}
	if c.v2 != nil {
		if _, err := os.Stat(c.v2.Dir(name, "")); err == nil {
			return &Group{Name: name, Ctrls: ReadFields(c.v2.Dir(name, "") + "/cgroup.controllers"), d: c.v2}, nil
		}
	}
	return nil, fmt.Errorf("there is no cgroup %s in any mounted hierarchy", name)
}

// writeCg writes value to a cgroupfs file (no O_CREAT: cgroupfs files
// exist or the kernel does not offer them) and records it in t, as the
// call and as the echo a person would type.
func writeCg(t *engine.Transcript, file, value string) error {
	fn := func() error {
		f, err := os.OpenFile(file, os.O_WRONLY|os.O_TRUNC, 0)
		if err != nil {
			return err
		}
		_, err = f.WriteString(value)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	}
	if t == nil {
		return fn()
	}
	return t.Do(fmt.Sprintf("write(%q, %q)", file, value), fmt.Sprintf("echo %s > %s", shellWord(value), file), fn)
}

func shellWord(v string) string {
	if strings.ContainsAny(v, " \t'\"$") {
		return "'" + v + "'"
	}
	return v
}

func ReadFields(file string) []string {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	return strings.Fields(string(b))
}

func readUint(file string) (uint64, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0, err
	}
	return strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
}

func readLimit(file string) (int64, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0, err
	}
	return ParseLimit(string(b))
}

func readKeyed(file string) (map[string]uint64, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return ParseKeyed(string(b))
}

// FSVersion tells from statfs(2) whether dir is on cgroupfs: 1 for
// cgroup v1 (CGROUP_SUPER_MAGIC), 2 for cgroup2 (CGROUP2_SUPER_MAGIC), 0
// for anything else.
func FSVersion(dir string) (int, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, err
	}
	switch st.Type {
	case unix.CGROUP_SUPER_MAGIC:
		return 1, nil
	case unix.CGROUP2_SUPER_MAGIC:
		return 2, nil
	}
	return 0, nil
}

// StartOutside starts (and reaps) one short-lived process where nakami
// itself runs, outside any lesson group, and returns its cgroups as it saw
// them: proof that the host can still fork.
func StartOutside() (int, []procfs.CgroupEntry, error) {
	cmd := exec.Command("/proc/self/exe", child.ArgProbe, "cgroup")
	out, err := cmd.Output()
	if err != nil {
		return 0, nil, fmt.Errorf("cannot start a process outside the group: %w", err)
	}
	var cg []procfs.CgroupEntry
	if err := json.Unmarshal(out, &cg); err != nil {
		return 0, nil, err
	}
	return cmd.Process.Pid, cg, nil
}

// FileExists reports whether an interface file is there: the kernel
// creates them when a group is made, one set per controller.
func FileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
