package lessons

// Live cgroup data for the workbench: which groups a step observes and what
// the kernel accounts for them, in a shape the TUI can draw (a CPU %
// sparkline against the quota line, a memory bar against the limit, the OOM
// kill count, the member processes) without importing engine.
//
// A step that makes a group records its name, relative to each hierarchy's
// root (e.g. "nakami-1a2b3c4d/cpu-quota"), in Env.Groups under its role, and
// declares the roles it shows in Step.Live.Cgroups. The same name works on
// v1 (one directory per controller's hierarchy) and v2 (one directory).

import (
	"time"

	"nakami/engine/cgroup"
)

// CgroupUsage is one reading of a group's accounting. Limits of -1 mean
// none; fields of controllers the group does not use stay zero.
type CgroupUsage struct {
	Path        string    `json:"path"`    // relative name, as stored in Env.Groups
	Dirs        []string  `json:"dirs"`    // its directories (v1: one per hierarchy)
	Version     int       `json:"version"` // 1 or 2
	Read        time.Time `json:"read"`    // when it was read
	CPUUsageNS  uint64    `json:"cpu_usage_ns"`
	CPUQuotaUS  int64     `json:"cpu_quota_us"`
	CPUPeriodUS int64     `json:"cpu_period_us"`
	Throttled   uint64    `json:"nr_throttled"`
	ThrottledNS uint64    `json:"throttled_ns"`
	MemCurrent  int64     `json:"memory_current"`
	MemLimit    int64     `json:"memory_limit"`
	MemPeak     int64     `json:"memory_peak"`
	OOMKills    uint64    `json:"oom_kills"`
	PidsCurrent int64     `json:"pids_current"`
	PidsMax     int64     `json:"pids_max"`
	Frozen      bool      `json:"frozen"`
	PIDs        []int     `json:"pids"`
}

// ReadCgroupUsage reads the group named path from the kernel.
func ReadCgroupUsage(path string) (*CgroupUsage, error) {
	c, err := cgroup.Detect()
	if err != nil {
		return nil, err
	}
	g, err := c.FindGroup(path)
	if err != nil {
		return nil, err
	}
	st, err := g.Stats()
	u := &CgroupUsage{Path: path, Dirs: g.Dirs(), Version: st.Version, Read: time.Now(),
		CPUUsageNS: st.CPUUsageNS, CPUQuotaUS: st.CPUQuotaUS, CPUPeriodUS: st.CPUPeriodUS,
		Throttled: st.CPU.NrThrottled, ThrottledNS: st.CPU.ThrottledNS,
		MemCurrent: st.MemCurrent, MemLimit: st.MemLimit, MemPeak: st.MemPeak, OOMKills: st.OOMKills,
		PidsCurrent: st.PidsCurrent, PidsMax: st.PidsMax, Frozen: st.Freeze == "FROZEN", PIDs: st.Procs}
	return u, err
}

// CPUPercent is the share of one CPU the group used between prev and u.
func (u *CgroupUsage) CPUPercent(prev *CgroupUsage) float64 {
	if prev == nil || !u.Read.After(prev.Read) || u.CPUUsageNS < prev.CPUUsageNS {
		return 0
	}
	wall := u.Read.Sub(prev.Read)
	return 100 * float64(u.CPUUsageNS-prev.CPUUsageNS) / float64(wall.Nanoseconds())
}

// QuotaPercent is the CPU quota as a share of one CPU, or -1 for none.
func (u *CgroupUsage) QuotaPercent() float64 {
	if u.CPUQuotaUS < 0 || u.CPUPeriodUS <= 0 {
		return -1
	}
	return 100 * float64(u.CPUQuotaUS) / float64(u.CPUPeriodUS)
}
