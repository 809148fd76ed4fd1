package cgroup

// Pure parsers for cgroupfs files and the cgroup lines of mountinfo. They
// never touch the kernel, so they build and are tested on any OS against
// captured fixtures (testdata/cgroupfs/), hostile input included.
//
// Files: /proc/PID/mountinfo (proc(5)); cgroup v1 cpu.stat,
// memory.oom_control, cpuacct.usage, memory.limit_in_bytes, pids.max
// (Documentation/admin-guide/cgroup-v1/); cgroup v2 cpu.stat, cpu.max,
// memory.events, memory.max, pids.max (Documentation/admin-guide/cgroup-v2.rst).
// Man page: cgroups(7).

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Mount is one mounted cgroup hierarchy.
type Mount struct {
	Path        string   `json:"path"`        // mount point, e.g. /sys/fs/cgroup/cpu
	Version     int      `json:"version"`     // 1 or 2
	Controllers []string `json:"controllers"` // v1: from the super options; v2: empty here
	Name        string   `json:"name,omitempty"`
}

// ParseMounts picks the cgroup and cgroup2 lines out of mountinfo
// text. Lines of other file systems are skipped; a cgroup line that is cut
// short is an error.
func ParseMounts(text string) ([]Mount, error) {
	var out []Mount
	for _, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		pre, post, ok := strings.Cut(line, " - ")
		f, g := strings.Fields(pre), strings.Fields(post)
		isCg := func(s string) bool { return s == "cgroup" || s == "cgroup2" }
		if !ok || len(g) == 0 || !isCg(g[0]) {
			if strings.Contains(line, " cgroup") && (!ok || len(f) < 5) {
				return nil, fmt.Errorf("mountinfo line %.80q is cut short", line)
			}
			continue
		}
		if len(f) < 5 || len(g) < 3 {
			return nil, fmt.Errorf("mountinfo line %.80q is cut short", line)
		}
		m := Mount{Path: unescapeMount(f[4]), Version: 1}
		if g[0] == "cgroup2" {
			m.Version = 2
		}
		if m.Version == 1 {
			for _, o := range strings.Split(g[2], ",") {
				switch {
				case strings.HasPrefix(o, "name="):
					m.Name = strings.TrimPrefix(o, "name=")
				case o == "rw" || o == "ro" || o == "xattr" || o == "clone_children" || o == "noprefix" ||
					o == "cpuset_v2_mode" || o == "favordynmods" || strings.HasPrefix(o, "release_agent="):
				default:
					m.Controllers = append(m.Controllers, o)
				}
			}
		}
		out = append(out, m)
	}
	return out, nil
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Layout is where this host keeps its cgroups.
type Layout struct {
	Mode string            `json:"mode"` // "v1", "v2", "hybrid" or "none"
	V1   map[string]string `json:"v1"`   // controller → mount point
	V2   string            `json:"v2"`   // the unified mount point, or ""
}

// LayoutOf tells v1, v2 or hybrid from the mounted hierarchies: v1
// controllers plus a cgroup2 mount is hybrid (and then the limits live in
// v1, since a controller can be bound to only one hierarchy).
func LayoutOf(ms []Mount) Layout {
	l := Layout{V1: map[string]string{}}
	for _, m := range ms {
		if m.Version == 2 {
			if l.V2 == "" || len(m.Path) < len(l.V2) {
				l.V2 = m.Path
			}
			continue
		}
		for _, c := range m.Controllers {
			if _, seen := l.V1[c]; !seen {
				l.V1[c] = m.Path
			}
		}
	}
	switch {
	case len(l.V1) > 0 && l.V2 != "":
		l.Mode = "hybrid"
	case len(l.V1) > 0:
		l.Mode = "v1"
	case l.V2 != "":
		l.Mode = "v2"
	default:
		l.Mode = "none"
	}
	return l
}

// V1Controllers lists the v1 controllers, sorted.
func (l Layout) V1Controllers() []string {
	var out []string
	for c := range l.V1 {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// ParseKeyed parses a flat keyed file ("key value" per line), such as
// cpu.stat, memory.events, memory.oom_control, pids.events.
func ParseKeyed(text string) (map[string]uint64, error) {
	out := map[string]uint64{}
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 2 {
			return nil, fmt.Errorf("line %.60q is not \"key value\"", line)
		}
		n, err := strconv.ParseUint(f[1], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("line %.60q has a value that is not a count", line)
		}
		out[f[0]] = n
	}
	return out, nil
}

// CPUStat is cpu.stat in either version, in nanoseconds.
type CPUStat struct {
	UsageNS     uint64 `json:"usage_ns"` // v2 only; v1 reads cpuacct.usage
	NrPeriods   uint64 `json:"nr_periods"`
	NrThrottled uint64 `json:"nr_throttled"`
	ThrottledNS uint64 `json:"throttled_ns"`
}

// ParseCPUStat reads v1 (throttled_time in ns) or v2 (usage_usec,
// throttled_usec in µs) cpu.stat.
func ParseCPUStat(text string) (CPUStat, error) {
	k, err := ParseKeyed(text)
	if err != nil {
		return CPUStat{}, fmt.Errorf("cpu.stat: %w", err)
	}
	s := CPUStat{UsageNS: k["usage_usec"] * 1000, NrPeriods: k["nr_periods"], NrThrottled: k["nr_throttled"]}
	if v, ok := k["throttled_usec"]; ok {
		s.ThrottledNS = v * 1000
	} else {
		s.ThrottledNS = k["throttled_time"]
	}
	return s, nil
}

// ParseLimit reads a single-value limit file: "max" (v2) is -1, as is a v1
// value so large it means "unlimited" (memory.limit_in_bytes of a fresh group).
func ParseLimit(text string) (int64, error) {
	v := strings.TrimSpace(text)
	if v == "max" {
		return -1, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		if u, uerr := strconv.ParseUint(v, 10, 64); uerr == nil && u > 1<<62 {
			return -1, nil
		}
		return 0, fmt.Errorf("limit %.40q is neither a number nor \"max\"", v)
	}
	if n >= 1<<62 {
		return -1, nil
	}
	if n < -1 {
		return 0, fmt.Errorf("limit %d is negative", n)
	}
	return n, nil
}

// ParseCPUMax reads v2 cpu.max: "QUOTA PERIOD" in µs, QUOTA "max" is -1.
func ParseCPUMax(text string) (quota, period int64, err error) {
	f := strings.Fields(text)
	if len(f) != 2 {
		return 0, 0, fmt.Errorf("cpu.max %.40q is not \"QUOTA PERIOD\"", text)
	}
	if quota, err = ParseLimit(f[0]); err != nil {
		return 0, 0, fmt.Errorf("cpu.max: %w", err)
	}
	if period, err = strconv.ParseInt(f[1], 10, 64); err != nil || period <= 0 {
		return 0, 0, fmt.Errorf("cpu.max %.40q has no positive period", text)
	}
	return quota, period, nil
}

// FormatCPUMax renders cpu.max; a negative quota is "max".
func FormatCPUMax(quota, period int64) string {
	if quota < 0 {
		return fmt.Sprintf("max %d", period)
	}
	return fmt.Sprintf("%d %d", quota, period)
}

// ParsePIDList reads cgroup.procs or tasks: one PID per line.
func ParsePIDList(text string) ([]int, error) {
	var out []int
	for _, f := range strings.Fields(text) {
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%.20q is not a PID", f)
		}
		out = append(out, n)
	}
	return out, nil
}
