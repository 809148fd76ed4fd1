package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// ovCommand is command() with a private journal directory, so that the
// `nakami cleanup` of these tests only ever sees this test's sessions.
func ovCommand(t *testing.T, runDir string, args ...string) *exec.Cmd {
	cmd := command(t, nil, args...)
	cmd.Env = append(cmd.Env, "NAKAMI_RUN_DIR="+runDir)
	return cmd
}

func ovRun(t *testing.T, runDir string, args ...string) outcome {
	t.Helper()
	return runOutcome(t, ovCommand(t, runDir, args...))
}

// TestRunOverlayLeavesNoTrace runs the whole lesson: every check passes,
// and the overlay mounts, the layers, the container and the journal are all
// gone afterwards.
func TestRunOverlayLeavesNoTrace(t *testing.T) {
	needKernel(t)
	runDir := t.TempDir()
	before := snapshot(t)
	start := time.Now()
	o := ovRun(t, runDir, "run", "overlay", "--json")
	runPassed(t, o, "overlay")
	t.Logf("the lesson took %v", time.Since(start))
	assertUnchanged(t, before)
	if ents, _ := os.ReadDir(runDir); len(ents) != 0 {
		t.Errorf("journals left in %s: %v", runDir, ents)
	}
}

// ovPausedRun starts `run overlay --step` and returns once the image step
// is done (two overlays mounted on the host, both layers built) and the run
// waits for Enter.
func ovPausedRun(t *testing.T, runDir string) (*exec.Cmd, func() error) {
	t.Helper()
	cmd := ovCommand(t, runDir, "run", "overlay", "--step")
	return cmd, pauseAfter(t, cmd, 6) // mount copy-up whiteout layer1 layer2 image
}

// TestOverlaySIGINT interrupts a paused run: exit 130, nothing left.
func TestOverlaySIGINT(t *testing.T) {
	needKernel(t)
	runDir := t.TempDir()
	before := snapshot(t)
	cmd, wait := ovPausedRun(t, runDir)
	if d := leftovers(before, t); !strings.Contains(d, "mount appeared") {
		t.Fatalf("expected the overlay mounts while paused, host diff:\n%s", d)
	}
	sigintUnwinds(t, cmd, wait, before)
}

// TestOverlaySIGKILLThenCleanup kills a paused run outright: its overlay
// mounts, layers and journal stay until `nakami cleanup` unmounts and
// removes them.
func TestOverlaySIGKILLThenCleanup(t *testing.T) {
	needKernel(t)
	runDir := t.TempDir()
	before := snapshot(t)
	cmd, wait := ovPausedRun(t, runDir)
	d := killLeaves(t, cmd, wait, before, 0, "temp appeared: /tmp/nakami-")
	if strings.Count(d, "mount appeared: /tmp/nakami-") != 2 {
		t.Fatalf("after SIGKILL the two overlay mounts and the temp dir should remain for cleanup, diff:\n%s", d)
	}
	if ents, _ := os.ReadDir(runDir); len(ents) != 1 {
		t.Fatalf("want one journal in %s, got %v", runDir, ents)
	}
	cleanedUp(t, ovRun(t, runDir, "cleanup"), before, "removed mount", "removed dir")
	if o := ovRun(t, runDir, "cleanup"); o.code != 0 {
		t.Errorf("a second cleanup: exit %d\n%s%s", o.code, o.stdout, o.stderr)
	}
}
