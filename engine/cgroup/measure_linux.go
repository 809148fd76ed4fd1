package cgroup

// Measurements from the kernel's own accounting: a group's CPU share over a
// window (cpuacct.usage or cpu.stat usage_usec, against wall time), its
// throttling counters, and the moments an OOM unfolds (usage reaches the
// limit, then the OOM kill is counted), sampled as fast as pread(2) allows.
//
// Files: cpuacct.usage, cpu.stat, memory.usage_in_bytes,
// memory.limit_in_bytes, memory.oom_control (v1); cpu.stat, memory.current,
// memory.max, memory.events (v2). Syscalls: pread(2). Docs: cgroups(7), cgroup-v1/memory.rst,
// cgroup-v2.rst, scheduler/sched-bwc.rst.

import (
	"fmt"
	"io"
	"os"
	"time"
)

// CPUSample is a group's CPU use over a window.
type CPUSample struct {
	Window      time.Duration `json:"window_ns"`
	UsageNS     uint64        `json:"usage_ns"`     // CPU time the group used in the window
	Share       float64       `json:"share"`        // percent of one CPU
	Throttled   uint64        `json:"throttled"`    // periods throttled in the window
	Periods     uint64        `json:"periods"`      // enforcement periods in the window
	ThrottledNS uint64        `json:"throttled_ns"` // time throttled in the window
}

// MeasureCPU reads the group's usage and throttling twice, window apart.
func MeasureCPU(g *Group, window time.Duration) (CPUSample, error) {
	a, err := g.Stats()
	if err != nil {
		return CPUSample{}, err
	}
	t0 := time.Now()
	time.Sleep(window)
	b, err := g.Stats()
	if err != nil {
		return CPUSample{}, err
	}
	wall := time.Since(t0)
	s := CPUSample{Window: wall, UsageNS: b.CPUUsageNS - a.CPUUsageNS,
		Throttled: b.CPU.NrThrottled - a.CPU.NrThrottled, Periods: b.CPU.NrPeriods - a.CPU.NrPeriods,
		ThrottledNS: b.CPU.ThrottledNS - a.CPU.ThrottledNS}
	s.Share = 100 * float64(s.UsageNS) / float64(wall.Nanoseconds())
	return s, nil
}

// OOMTimeline is how an OOM kill unfolded, as the kernel's counters showed.
type OOMTimeline struct {
	Limit      int64         `json:"limit"`
	Full       time.Time     `json:"full"`   // first sample with usage at the limit
	Killed     time.Time     `json:"killed"` // first sample with the OOM kill counted
	Latency    time.Duration `json:"latency_ns"`
	Resolution time.Duration `json:"resolution_ns"` // mean time between samples
	Samples    int           `json:"samples"`
	OOMKills   uint64        `json:"oom_kills"`
}

// WatchOOM samples the group's memory usage and OOM kill counter, through
// file descriptors opened once and re-read with pread(2), until an OOM kill
// is counted, stop is closed, or timeout passes. Usage can never pass the
// limit, so "at the limit" is the moment of crossing it: from then on
// every new page must be reclaimed from the group itself, or someone killed.
func WatchOOM(g *Group, stop <-chan struct{}, timeout time.Duration) (OOMTimeline, error) {
	var tl OOMTimeline
	usageFile, limitFile, killFile := memEventFiles(g)
	var err error
	if tl.Limit, err = readLimit(limitFile); err != nil || tl.Limit < 0 {
		return tl, fmt.Errorf("the group has no memory limit to watch (%s): %w", limitFile, err)
	}
	uf, err := os.Open(usageFile)
	if err != nil {
		return tl, err
	}
	defer uf.Close()
	kf, err := os.Open(killFile)
	if err != nil {
		return tl, err
	}
	defer kf.Close()
	buf := make([]byte, 512)
	pread := func(f *os.File) (string, error) {
		n, err := f.ReadAt(buf, 0)
		if err != nil && err != io.EOF {
			return "", err
		}
		return string(buf[:n]), nil
	}
	start := time.Now()
	end := start.Add(timeout)
	stopped := false
	for now := start; now.Before(end); {
		u, err := pread(uf)
		if err != nil {
			return tl, err
		}
		usage, err := ParseLimit(u)
		if err != nil {
			return tl, err
		}
		k, err := pread(kf)
		if err != nil {
			return tl, err
		}
		ev, err := ParseKeyed(k)
		if err != nil {
			return tl, err
		}
		now = time.Now()
		tl.Samples++
		if usage >= tl.Limit && tl.Full.IsZero() {
			tl.Full = now
		}
		if ev["oom_kill"] > 0 {
			tl.Killed, tl.OOMKills = now, ev["oom_kill"]
			if tl.Full.IsZero() {
				tl.Full = now
			}
			tl.Latency = tl.Killed.Sub(tl.Full)
			tl.Resolution = now.Sub(start) / time.Duration(tl.Samples)
			return tl, nil
		}
		if stopped {
			return tl, fmt.Errorf("the process ended without an OOM kill being counted")
		}
		select {
		case <-stop:
			stopped = true // one more read: the counter may have just moved
		default:
		}
	}
	return tl, fmt.Errorf("no OOM kill within %v", timeout)
}

// memEventFiles names the usage, limit and OOM-kill counter files.
func memEventFiles(g *Group) (usage, limit, kills string) {
	dir := g.Dir("memory")
	if g.d.Version() == 2 {
		return dir + "/memory.current", dir + "/memory.max", dir + "/memory.events"
	}
	return dir + "/memory.usage_in_bytes", dir + "/memory.limit_in_bytes", dir + "/memory.oom_control"
}
