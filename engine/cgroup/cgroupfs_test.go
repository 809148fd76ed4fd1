package cgroup

import (
	"reflect"
	"strings"
	"testing"

	"nakami/internal/kerneltest"
)

func TestParseCgroupMounts(t *testing.T) {
	for _, tc := range []struct {
		file string
		mode string
		v1   map[string]string
		v2   string
	}{
		{"mountinfo-hybrid.txt", "hybrid", map[string]string{
			"cpu": "/sys/fs/cgroup/cpu", "cpuacct": "/sys/fs/cgroup/cpuacct", "cpuset": "/sys/fs/cgroup/cpuset",
			"memory": "/sys/fs/cgroup/memory", "devices": "/sys/fs/cgroup/devices", "freezer": "/sys/fs/cgroup/freezer",
			"blkio": "/sys/fs/cgroup/blkio", "pids": "/sys/fs/cgroup/pids"}, "/sys/fs/cgroup/unified"},
		{"mountinfo-v2.txt", "v2", map[string]string{}, "/sys/fs/cgroup"},
		// The article's layout: cpu and cpuacct share one hierarchy, and a
		// mount point with a space in it comes escaped as \040.
		{"mountinfo-v1.txt", "hybrid", map[string]string{
			"blkio": "/sys/fs/cgroup/blkio", "pids": "/sys/fs/cgroup/pids",
			"cpu": "/sys/fs/cgroup/cpu,cpuacct", "cpuacct": "/sys/fs/cgroup/cpu,cpuacct",
			"net_cls": "/sys/fs/cgroup/net_cls,net_prio", "net_prio": "/sys/fs/cgroup/net_cls,net_prio",
			"freezer": "/sys/fs/cgroup/freezer", "memory": "/sys/fs/cgroup/memory", "cpuset": "/sys/fs/cgroup/my cgroups"},
			"/sys/fs/cgroup/unified"},
	} {
		ms, err := ParseMounts(kerneltest.Fixture(t, ""+tc.file))
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		l := LayoutOf(ms)
		if l.Mode != tc.mode || !reflect.DeepEqual(l.V1, tc.v1) || l.V2 != tc.v2 {
			t.Errorf("%s: layout %+v", tc.file, l)
		}
	}
	ms, _ := ParseMounts(kerneltest.Fixture(t, "mountinfo-hybrid.txt"))
	for _, m := range ms {
		if m.Name == "systemd" && len(m.Controllers) != 0 {
			t.Errorf("name=systemd is not a controller: %+v", m)
		}
	}
	if l := LayoutOf(nil); l.Mode != "none" {
		t.Errorf("no mounts: %+v", l)
	}
	// v1 only: no cgroup2 line.
	var v1only []string
	for _, line := range strings.Split(kerneltest.Fixture(t, "mountinfo-v1.txt"), "\n") {
		if !strings.Contains(line, "cgroup2") {
			v1only = append(v1only, line)
		}
	}
	if ms, err := ParseMounts(strings.Join(v1only, "\n")); err != nil || LayoutOf(ms).Mode != "v1" {
		t.Errorf("v1 only: %v %v", LayoutOf(ms), err)
	}
	for _, line := range strings.Split(strings.TrimSpace(kerneltest.Fixture(t, "mountinfo-hostile.txt")), "\n") {
		if !strings.Contains(line, "cgroup") {
			continue
		}
		if _, err := ParseMounts(line); err == nil {
			t.Errorf("accepted hostile line %q", line)
		}
	}
}

func TestParseKeyedAndCPUStat(t *testing.T) {
	v1, err := ParseCPUStat(kerneltest.Fixture(t, "cpu.stat-v1.txt"))
	if err != nil || v1 != (CPUStat{}) {
		t.Errorf("v1 cpu.stat = %+v, %v", v1, err)
	}
	v1, err = ParseCPUStat("nr_periods 20\nnr_throttled 19\nthrottled_time 950000000\n")
	if err != nil || v1 != (CPUStat{NrPeriods: 20, NrThrottled: 19, ThrottledNS: 950000000}) {
		t.Errorf("v1 throttled cpu.stat = %+v, %v", v1, err)
	}
	v2, err := ParseCPUStat(kerneltest.Fixture(t, "cpu.stat-v2.txt"))
	if err != nil || v2 != (CPUStat{UsageNS: 4218571000, NrPeriods: 40, NrThrottled: 38, ThrottledNS: 1943087000}) {
		t.Errorf("v2 cpu.stat = %+v, %v", v2, err)
	}
	if core, err := ParseCPUStat(kerneltest.Fixture(t, "cpu.stat-v2-core.txt")); err != nil || core.UsageNS == 0 {
		t.Errorf("v2 core cpu.stat = %+v, %v", core, err)
	}
	ev, err := ParseKeyed(kerneltest.Fixture(t, "memory.events-v2.txt"))
	if err != nil || ev["oom_kill"] != 1 || ev["max"] != 1187 {
		t.Errorf("memory.events = %v, %v", ev, err)
	}
	oc, err := ParseKeyed(kerneltest.Fixture(t, "memory.oom_control-v1.txt"))
	if err != nil || len(oc) != 3 || oc["oom_kill"] != 0 {
		t.Errorf("memory.oom_control = %v, %v", oc, err)
	}
	for _, line := range strings.Split(strings.TrimSpace(kerneltest.Fixture(t, "keyed-hostile.txt")), "\n") {
		if k, err := ParseKeyed(line); err == nil {
			t.Errorf("ParseKeyed(%q) accepted: %v", line, k)
		}
	}
}

func TestParseLimits(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		bad  bool
	}{
		{in: "max\n", want: -1},
		{in: "10000000\n", want: 10000000},
		{in: "9223372036854771712\n", want: -1}, // v1 memory.limit_in_bytes, unlimited
		{in: "-1\n", want: -1},                  // v1 cpu.cfs_quota_us, no quota
		{in: "0", want: 0},
		{in: "-5", bad: true},
		{in: "", bad: true},
		{in: "12 34", bad: true},
		{in: "maximum", bad: true},
		{in: "99999999999999999999999999", bad: true},
	} {
		got, err := ParseLimit(tc.in)
		if tc.bad != (err != nil) || (!tc.bad && got != tc.want) {
			t.Errorf("ParseLimit(%q) = %d, %v", tc.in, got, err)
		}
	}
	for _, tc := range []struct {
		in            string
		quota, period int64
		bad           bool
	}{
		{in: "max 100000\n", quota: -1, period: 100000},
		{in: "50000 100000\n", quota: 50000, period: 100000},
		{in: "300000 1000000", quota: 300000, period: 1000000},
		{in: "50000", bad: true},
		{in: "50000 0", bad: true},
		{in: "x 100000", bad: true},
		{in: "1 2 3", bad: true},
	} {
		q, p, err := ParseCPUMax(tc.in)
		if tc.bad != (err != nil) || (!tc.bad && (q != tc.quota || p != tc.period)) {
			t.Errorf("ParseCPUMax(%q) = %d %d, %v", tc.in, q, p, err)
		}
	}
	if FormatCPUMax(-1, 100000) != "max 100000" || FormatCPUMax(50000, 100000) != "50000 100000" {
		t.Error("FormatCPUMax")
	}
	if p, err := ParsePIDList("12\n345\n"); err != nil || !reflect.DeepEqual(p, []int{12, 345}) {
		t.Errorf("ParsePIDList = %v, %v", p, err)
	}
	for _, bad := range []string{"12\nabc\n", "0\n", "-3"} {
		if _, err := ParsePIDList(bad); err == nil {
			t.Errorf("ParsePIDList(%q) accepted", bad)
		}
	}
}
