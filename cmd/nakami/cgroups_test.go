package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"nakami/engine"
)

// TestRunCgroupsLeavesNoTrace runs the whole lesson: every check passes and
// no cgroup, process or journal is left.
func TestRunCgroupsLeavesNoTrace(t *testing.T) {
	needKernel(t)
	before := snapshot(t)
	o := nakami(t, nil, "run", "cgroups", "--json")
	runPassed(t, o, "cgroups")
	assertUnchanged(t, before)
}

// TestCgroupsSIGINTAndSIGKILL interrupts a run while its busy loop is
// limited, then kills one outright and lets cleanup remove what it left.
func TestCgroupsSIGINTAndSIGKILL(t *testing.T) {
	needKernel(t)
	before := snapshot(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGKILL} {
		cmd := command(t, nil, "run", "cgroups/freeze")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Wait until the frozen group is frozen, then signal.
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) && !frozenGroup(cmd.Process.Pid) {
			time.Sleep(20 * time.Millisecond)
		}
		if !frozenGroup(cmd.Process.Pid) {
			cmd.Process.Kill()
			t.Fatal("the freeze step's group was never frozen")
		}
		cmd.Process.Signal(sig)
		cmd.Wait()
		if sig == syscall.SIGKILL {
			time.Sleep(100 * time.Millisecond)
			if o := nakami(t, nil, "cleanup"); o.code != 0 || !strings.Contains(o.stdout, "removed cgroup") {
				t.Errorf("cleanup: exit %d\n%s%s", o.code, o.stdout, o.stderr)
			}
		}
		assertUnchanged(t, before)
	}
}

// TestCgroupsBadLimits: each bad --set is refused in one sentence, exit 2,
// before any group exists.
func TestCgroupsBadLimits(t *testing.T) {
	before := snapshot(t)
	for _, args := range [][]string{
		{"run", "cgroups/cpu-quota", "--set", "cpu=-5%"},
		{"run", "cgroups/cpu-quota", "--set", "cpu=abc"},
		{"run", "cgroups/cpu-quota", "--set", "cpu=100000%"},
		{"run", "cgroups/memory-limit", "--set", "memory=10XB"},
		{"run", "cgroups/memory-limit", "--set", "memory=1000"},
		{"run", "cgroups/pids-limit", "--set", "pids=2"},
		{"run", "cgroups/nested", "--set", "task-cpu=abc"},
		{"run", "cgroups", "--set", "memory=-1"},
	} {
		o := nakami(t, nil, args...)
		lines := strings.Split(strings.TrimSpace(o.stderr), "\n")
		if o.code != 2 || len(lines) != 1 || !strings.HasPrefix(lines[0], "nakami: ") || o.stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, o.code, o.stdout, o.stderr)
		}
	}
	assertUnchanged(t, before)
}

// frozenGroup finds the freeze step's frozen group of the session that
// process pid owns (other runs may be going on): v1 freezer.state, or v2
// cgroup.events on a v2-only host.
func frozenGroup(pid int) bool {
	journals, _ := filepath.Glob(filepath.Join(engine.JournalDir(), "*.journal"))
	for _, j := range journals {
		h, _, _, err := engine.ReadJournal(j)
		if err != nil || h.PID != pid {
			continue
		}
		tag := "nakami-" + h.Session
		for _, f := range []string{"/sys/fs/cgroup/freezer/" + tag + "/freeze-frozen/freezer.state", "/sys/fs/cgroup/" + tag + "/freeze-frozen/cgroup.events"} {
			b, _ := os.ReadFile(f)
			if strings.TrimSpace(string(b)) == "FROZEN" || strings.Contains(string(b), "frozen 1") {
				return true
			}
		}
	}
	return false
}
