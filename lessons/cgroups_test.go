package lessons

import (
	"context"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"testing"

	"nakami/engine"
)

func TestCgroupParams(t *testing.T) {
	ncpu := runtime.NumCPU()
	for _, tc := range []struct {
		p    Param
		v    string
		good bool
	}{
		{cpuParam, "50%", true}, {cpuParam, "20", true}, {cpuParam, "12.5%", true},
		{cpuParam, fmt.Sprintf("%d%%", 100*ncpu), true},
		{cpuParam, fmt.Sprintf("%d%%", 100*ncpu+1), false},
		{cpuParam, "-5%", false}, {cpuParam, "abc", false}, {cpuParam, "0%", false}, {cpuParam, "0.5%", false},
		{cpuParam, "", false}, {cpuParam, "50%%", false}, {cpuParam, "1e3%", false},
		{taskCPUParam, "30%", true}, {ctrCPUParam, "abc", false},
		{memoryParam, "10MB", true}, {memoryParam, "10000000", true}, {memoryParam, "64MiB", true}, {memoryParam, "1G", true},
		{memoryParam, "10XB", false}, {memoryParam, "abc", false}, {memoryParam, "-5MB", false}, {memoryParam, "1MB", false},
		{memoryParam, "4096", false}, {memoryParam, "2GB", false}, {memoryParam, "99999999999999999999", false},
		{memoryParam, "10 MB", false},
		{pidsParam, "32", true}, {pidsParam, "24", true}, {pidsParam, "23", false}, {pidsParam, "5000", false},
		{pidsParam, "-5", false}, {pidsParam, "abc", false},
	} {
		err := tc.p.Check(tc.v)
		if tc.good != (err == nil) {
			t.Errorf("%s=%q: %v", tc.p.Name, tc.v, err)
		}
		if err != nil && (strings.Contains(err.Error(), "\n") || !strings.HasPrefix(err.Error(), tc.p.Name+"=")) {
			t.Errorf("%s=%q: not one sentence naming the parameter: %q", tc.p.Name, tc.v, err)
		}
	}
	if n, _ := ParseBytes("memory", "10MB"); n != 10000000 {
		t.Errorf("10MB = %d, want the article's 10000000", n)
	}
	if n, _ := ParseBytes("memory", "10M"); n != 10<<20 {
		t.Errorf("10M = %d, want 10 MiB as the kernel reads it", n)
	}
}

func TestCgroupUsagePercent(t *testing.T) {
	a := &CgroupUsage{CPUUsageNS: 1e9, CPUQuotaUS: 50000, CPUPeriodUS: 100000}
	b := *a
	b.Read = a.Read.Add(2e9)
	b.CPUUsageNS = 2e9
	if p := b.CPUPercent(a); p != 50 {
		t.Errorf("CPUPercent = %v", p)
	}
	if b.CPUPercent(nil) != 0 || a.CPUPercent(&b) != 0 || a.QuotaPercent() != 50 {
		t.Error("CPUPercent/QuotaPercent edge cases")
	}
	if (&CgroupUsage{CPUQuotaUS: -1, CPUPeriodUS: 100000}).QuotaPercent() != -1 {
		t.Error("no quota should read -1")
	}
}

// TestCgroupsLive runs the lesson and reads its groups the way the
// workbench does, while they exist.
func TestCgroupsLive(t *testing.T) {
	needKernel(t)
	t.Setenv("NAKAMI_RUN_DIR", t.TempDir())
	l, s, err := Find("cgroups/cpu-quota")
	if err != nil {
		t.Fatal(err)
	}
	sess, err := engine.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	env := NewEnv(context.Background(), sess, "en")
	defer func() {
		env.Close()
		if err := sess.Close(); err != nil {
			t.Error(err)
		}
	}()
	env.Params["cpu"] = "30%"
	r := RunStep(env, l, s)
	if !r.Passed() {
		t.Fatalf("cpu-quota at 30%%: %+v", r)
	}
	for _, c := range r.Checks {
		t.Logf("%s: %s", c.Name, c.Detail)
	}
	if got := slices.Collect(maps.Keys(env.Groups)); len(got) != 1 || got[0] != "burner" {
		t.Errorf("groups recorded: %v", got)
	}
	u, err := ReadCgroupUsage(env.Groups["burner"])
	if err != nil {
		t.Fatal(err)
	}
	if u.QuotaPercent() != 30 || len(u.PIDs) != 1 || u.PIDs[0] != env.PIDs["burner"] || u.CPUUsageNS == 0 || len(u.Dirs) != 2 {
		t.Errorf("usage = %+v", u)
	}
	if _, err := ReadCgroupUsage("nakami-nosuch/x"); err == nil {
		t.Error("a missing group was read")
	}
	if _, err := ReadCgroupUsage("../etc"); err == nil {
		t.Error("a path outside the hierarchies was accepted")
	}
}
