package cgroup

// Any group's limits and counters, read by its directory: for checks of
// groups nakami did not make (the learner's own, wherever they are). A
// bounded walk of one hierarchy, the CPU quota and period, the memory
// limit, the OOM kill count and the member PIDs, in the version the caller
// names (the hierarchy's file system). Everything here only reads.
//
// Files: v1 cpu.cfs_quota_us, cpu.cfs_period_us, memory.limit_in_bytes,
// memory.oom_control; v2 cpu.max, memory.max, memory.events; both
// cgroup.procs.
// Syscalls: getdents64(2) (os.ReadDir), open(2)/read(2) on cgroupfs.
// Man pages: cgroups(7); Documentation/admin-guide/cgroup-v1/cpu.rst and
// memory.rst, Documentation/admin-guide/cgroup-v2.rst.

import (
	"os"
	"path/filepath"
)

// Walk visits root's descendant groups (not root itself), breadth first,
// at most max of them. It reports whether it saw every group.
func Walk(root string, max int, visit func(dir string)) (complete bool) {
	queue := []string{root}
	seen := 0
	for len(queue) > 0 {
		dir := queue[0]
		queue = queue[1:]
		ents, err := os.ReadDir(dir)
		if err != nil {
			continue // removed while we looked
		}
		for _, e := range ents {
			if !e.IsDir() {
				continue
			}
			if seen == max {
				return false
			}
			seen++
			sub := filepath.Join(dir, e.Name())
			visit(sub)
			queue = append(queue, sub)
		}
	}
	return true
}

// CPULimit reads a group's CPU bandwidth: v1 cpu.cfs_quota_us and
// cpu.cfs_period_us, v2 cpu.max. quota is -1 when there is no limit; file
// names what was read.
func CPULimit(dir string, version int) (quota, period int64, file string, err error) {
	if version == 2 {
		file = filepath.Join(dir, "cpu.max")
		b, err := os.ReadFile(file)
		if err != nil {
			return 0, 0, file, err
		}
		quota, period, err = ParseCPUMax(string(b))
		return quota, period, file, err
	}
	file = filepath.Join(dir, "cpu.cfs_quota_us")
	if quota, err = readLimit(file); err != nil {
		return 0, 0, file, err
	}
	p, err := readUint(filepath.Join(dir, "cpu.cfs_period_us"))
	return quota, int64(p), file, err
}

// MemoryLimit reads a group's memory limit in bytes: v1
// memory.limit_in_bytes, v2 memory.max; -1 when there is none.
func MemoryLimit(dir string, version int) (limit int64, file string, err error) {
	file = filepath.Join(dir, "memory.limit_in_bytes")
	if version == 2 {
		file = filepath.Join(dir, "memory.max")
	}
	limit, err = readLimit(file)
	return limit, file, err
}

// OOMKills reads how many processes the OOM killer killed in a group (and
// below it): oom_kill in v1 memory.oom_control or v2 memory.events.
func OOMKills(dir string, version int) (kills uint64, file string, err error) {
	file = filepath.Join(dir, "memory.oom_control")
	if version == 2 {
		file = filepath.Join(dir, "memory.events")
	}
	k, err := readKeyed(file)
	return k["oom_kill"], file, err
}

// ProcsOf reads a group's cgroup.procs: the processes in it (not below).
func ProcsOf(dir string) ([]int, error) {
	b, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if err != nil {
		return nil, err
	}
	return ParsePIDList(string(b))
}
