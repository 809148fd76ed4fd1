package cgroup

import (
	"os"
	"strings"
	"testing"

	"nakami/engine/child"
	"nakami/internal/kerneltest"
)

// BenchmarkStartCharge reports what a started child costs its memory group
// before its workload allocates anything: the hog role, placed in a group
// without a limit, read at its ready message (memory.usage_in_bytes or
// memory.current). The article's limit is 10 MB, so this is the room the
// workload itself is left. The transparent huge page setting is reported
// with it, since "always" changes the answer most. With NAKAMI_BIN naming a
// built nakami, a second run has the child exec the hog role in that binary,
// as the lessons' children do: its package initialisation (the workbench's
// styles and tables) is charged too.
func BenchmarkStartCharge(b *testing.B) {
	kerneltest.Need(b)
	thp, _ := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	b.Logf("transparent_hugepage/enabled: %s", strings.TrimSpace(string(thp)))
	b.Run("test-binary", func(b *testing.B) { startCharge(b, "") })
	if bin := os.Getenv("NAKAMI_BIN"); bin != "" {
		b.Run("nakami", func(b *testing.B) { startCharge(b, bin) })
	}
}

func startCharge(b *testing.B, bin string) {
	var sum, peak int64
	for i := 0; i < b.N; i++ {
		s := kerneltest.Session(b)
		g, err := detect(b).NewGroup(s, "start", "memory")
		if err != nil {
			b.Fatal(err)
		}
		c, err := child.Spawn(s, g.Place(child.Spec{Role: "start", Exec: []string{RoleHog, "1"}, ExecPath: bin}))
		if err != nil {
			b.Fatal(err)
		}
		st, err := g.Stats()
		if err != nil {
			b.Fatal(err)
		}
		sum += st.MemCurrent
		peak = max(peak, st.MemPeak)
		c.Stop()
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(sum)/float64(b.N), "B-charged/start")
	b.ReportMetric(float64(peak), "B-peak")
}
