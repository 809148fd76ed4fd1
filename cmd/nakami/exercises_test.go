package main

// Exercises, done the way a learner does them: with ordinary tools
// (util-linux, iproute2, libcap2-bin, shell writes to cgroupfs), never with
// nakami's engine. Each test performs the task, requires `nakami check` to
// pass, undoes it, requires the check to fail with a sentence naming what
// is missing, tries a near miss that must fail, and leaves the host as it
// was.

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"nakami/internal/kerneltest"
	"nakami/lessons"
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

// TestCheckListAndReset: `nakami check` lists every exercise (exit 0), a
// solved one is remembered, `--reset` forgets it, and bad input is one
// sentence with exit 2.
func TestCheckListAndReset(t *testing.T) {
	learner(t, "unshare")
	o := nakami(t, nil, "check", "--json")
	var all []lessons.ExerciseResult
	if err := json.Unmarshal([]byte(o.stdout), &all); err != nil || o.code != 0 {
		t.Fatalf("check --json: exit %d, %v\n%s", o.code, err, o.stdout)
	}
	perLesson := map[string]int{}
	for _, r := range all {
		perLesson[r.Lesson]++
		if r.Title == "" || r.Detail == "" {
			t.Errorf("%s: no title or detail: %+v", r.ID(), r)
		}
	}
	for _, l := range lessons.All() {
		if perLesson[l.ID] < 2 || perLesson[l.ID] != len(l.Exercises) {
			t.Errorf("lesson %s: %d exercises listed, %d in the registry", l.ID, perLesson[l.ID], len(l.Exercises))
		}
	}
	f := filepath.Join(t.TempDir(), "ns_uts")
	if err := os.WriteFile(f, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	sh(t, "unshare --uts="+f+" hostname foobar")
	check(t, 0, nil, "namespaces/persist-uts")
	sh(t, "umount "+f)
	check(t, 1, []string{"○ namespaces/persist-uts"}, "namespaces/persist-uts") // solved before, not now
	if o := nakami(t, nil, "check", "--reset", "namespaces/persist-uts"); o.code != 0 {
		t.Fatalf("--reset: exit %d\n%s", o.code, o.stderr)
	}
	check(t, 1, []string{"✗ namespaces/persist-uts"}, "namespaces/persist-uts")
	for _, bad := range [][]string{{"check", "nosuch/x"}, {"check", "namespaces/persist-uts", "extra"},
		{"check", "capabilities/file-cap"}, {"check", "--reset", "a/b", "c/d"}} {
		o := nakami(t, nil, bad...)
		if o.code != 2 || strings.Count(strings.TrimSpace(o.stderr), "\n") != 0 {
			t.Errorf("%v: exit %d, want 2 and one sentence\n%s", bad, o.code, o.stderr)
		}
	}
}
