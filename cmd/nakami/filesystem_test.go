package main

import (
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestRunFilesystemLeavesNoTrace runs the whole lesson: every check passes,
// and the root filesystem, the canary, the processes (one escaped from its
// chroot) and the journal are all gone afterwards; no mount reached the host.
func TestRunFilesystemLeavesNoTrace(t *testing.T) {
	needKernel(t)
	before := snapshot(t)
	start := time.Now()
	o := nakami(t, nil, "run", "filesystem", "--json")
	runPassed(t, o, "filesystem")
	t.Logf("the lesson took %v", time.Since(start))
	assertUnchanged(t, before)
}

// fsPausedRun starts `run filesystem --step` and returns once the drop-cap
// step is done (the root filesystem, the canary and three held processes,
// one of them escaped, exist) and the run waits for Enter.
func fsPausedRun(t *testing.T) (*exec.Cmd, func() error) {
	t.Helper()
	cmd := command(t, nil, "run", "filesystem", "--step")
	return cmd, pauseAfter(t, cmd, 4) // root chroot escape drop-cap
}

// TestFilesystemSIGINT interrupts a paused run: exit 130, nothing left.
func TestFilesystemSIGINT(t *testing.T) {
	needKernel(t)
	before := snapshot(t)
	cmd, wait := fsPausedRun(t)
	if d := leftovers(before, t); !strings.Contains(d, "nakami-") {
		t.Fatalf("expected the session's temp dir while paused, host diff:\n%s", d)
	}
	sigintUnwinds(t, cmd, wait, before)
}

// TestFilesystemSIGKILLThenCleanup kills a paused run outright: its root
// filesystem and journal stay until `nakami cleanup` removes them.
func TestFilesystemSIGKILLThenCleanup(t *testing.T) {
	needKernel(t)
	before := snapshot(t)
	cmd, wait := fsPausedRun(t)
	d := killLeaves(t, cmd, wait, before, 100*time.Millisecond, "temp appeared: /tmp/nakami-", "/run/nakami")
	if strings.Contains(d, "mount appeared") {
		t.Errorf("a mount reached the host:\n%s", d)
	}
	cleanedUp(t, nakami(t, nil, "cleanup"), before, "removed dir")
}
