package main

// Exercises, done the way a learner does them: with ordinary tools
// (util-linux, iproute2, libcap2-bin, shell writes to cgroupfs), never with
// nakami's engine. Each test performs the task, requires `nakami check` to
// pass, undoes it, requires the check to fail with a sentence naming what
// is missing, tries a near miss that must fail, and leaves the host as it
// was.

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"nakami/internal/kerneltest"
)

// learner gives the test a progress file of its own (nakami check records
// what was solved there) and the tools it needs.
func learner(t *testing.T, tools ...string) {
	t.Helper()
	needKernel(t)
	for _, tool := range tools {
		kerneltest.Tool(t, tool)
	}
	t.Setenv("NAKAMI_STATE_DIR", t.TempDir())
}

// check runs `nakami check ID ARGS…` and requires exit code want and each
// of says in its output.
func check(t *testing.T, want int, says []string, id string, args ...string) outcome {
	t.Helper()
	o := nakami(t, nil, append([]string{"check", id}, args...)...)
	if o.code != want {
		t.Errorf("nakami check %s %v: exit %d, want %d\n%s%s", id, args, o.code, want, o.stdout, o.stderr)
	}
	for _, s := range says {
		if !strings.Contains(o.stdout, s) {
			t.Errorf("nakami check %s: want %q in\n%s", id, s, o.stdout)
		}
	}
	return o
}

// sh runs a shell command line as the learner would type it.
func sh(t *testing.T, line string) {
	t.Helper()
	if out, err := exec.Command("sh", "-c", line).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", line, err, out)
	}
}

func TestExercisePersistUTS(t *testing.T) {
	learner(t, "unshare")
	before := snapshot(t)
	f := filepath.Join(t.TempDir(), "ns_uts")
	if err := os.WriteFile(f, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	const id = "namespaces/persist-uts"
	check(t, 1, []string{"no UTS namespace is bind-mounted"}, id)

	sh(t, "unshare --uts="+f+" hostname foobaz") // near miss
	check(t, 1, []string{f, `"foobaz", not foobar`}, id)
	sh(t, "umount "+f)

	sh(t, "unshare --uts="+f+" hostname foobar")
	check(t, 0, []string{f, "its hostname is foobar"}, id)
	sh(t, "umount "+f)
	check(t, 1, []string{"no UTS namespace is bind-mounted"}, id)

	// The lesson's own step, kept, is not a solution.
	if o := nakami(t, nil, "run", "namespaces/persist", "--keep"); o.code != 0 {
		t.Fatalf("run --keep: exit %d\n%s", o.code, o.stderr)
	}
	check(t, 1, []string{"made by nakami"}, id)
	cleanedUp(t, nakami(t, nil, "cleanup"), before, "removed mount")
}

// TestWorkbenchSeesAnExercise: with an exercise open in the workbench, the
// learner does it in another terminal and the item turns green by itself,
// with no key pressed. The time it took is logged; how fast the checks run
// is the workbench's benchmark's business, not a pass criterion.
func TestWorkbenchSeesAnExercise(t *testing.T) {
	learner(t, "unshare")
	before := snapshot(t)
	s := newTmux(t, nil, "namespaces/persist-uts")
	s.waitFor("Keep a namespace nobody is in", "✗ not yet", "no UTS namespace is")
	f := filepath.Join(t.TempDir(), "ns_uts")
	if err := os.WriteFile(f, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	sh(t, "unshare --uts="+f+" hostname foobar")
	done := time.Now()
	s.waitFor("✔ done", "✔ Keep a namespace")
	t.Logf("the workbench showed it done %v after the bind mount", time.Since(done).Round(10*time.Millisecond))
	sh(t, "umount "+f)
	s.waitFor("✗ not yet")
	s.keys("q")
	s.waitGone()
	assertUnchanged(t, before)
}
