package cgroup

// The host's cgroup layout (System): which versions are mounted where,
// which driver a set of controllers needs on a hybrid host, and making or
// finding groups in it. Each directory of a new group is journaled before
// mkdir(2), level by level under the session's parent nakami-<id>, and on
// v2 every level hands its controllers down (cgroup.subtree_control).
//
// Syscalls: open(2)/read(2) of /proc/self/mountinfo, mkdir(2), stat(2),
// statfs(2) (FSVersion).
// Man pages: cgroups(7), statfs(2), proc(5) (mountinfo).

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"nakami/engine"

	"golang.org/x/sys/unix"
)

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
