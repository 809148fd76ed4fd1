package main

import (
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestRunFirstContainerLeavesNoTrace runs the whole lesson: every check
// passes, and the container, its cgroup, root filesystem, console FIFOs and
// the journal are all gone afterwards.
func TestRunFirstContainerLeavesNoTrace(t *testing.T) {
	needKernel(t)
	before := snapshot(t)
	o := nakami(t, nil, "run", "first-container", "--json")
	runPassed(t, o, "first-container")
	assertUnchanged(t, before)
}

// fcPausedRun starts `run first-container --step` and returns once the
// cpu-limit step is done: the container, its busy loop, the cgroup and the
// root filesystem all exist, and the run waits for Enter.
func fcPausedRun(t *testing.T) (*exec.Cmd, func() error) {
	t.Helper()
	cmd := command(t, nil, "run", "first-container", "--step")
	return cmd, pauseAfter(t, cmd, 6) // rootfs cgroup run inside host-view cpu-limit
}

// TestFirstContainerSIGKILLThenCleanup kills a paused run outright: the
// container dies with it (its shell reads EOF on the console), and the
// cgroup, root filesystem and journal stay until `nakami cleanup`.
func TestFirstContainerSIGKILLThenCleanup(t *testing.T) {
	needKernel(t)
	before := snapshot(t)
	cmd, wait := fcPausedRun(t)
	// The shell sees EOF on its console; its PID namespace goes with it.
	d := killLeaves(t, cmd, wait, before, 200*time.Millisecond, "/tmp/nakami-", "/run/nakami")
	if strings.Contains(d, "mount appeared") {
		t.Errorf("a mount reached the host:\n%s", d)
	}
	cleanedUp(t, nakami(t, nil, "cleanup"), before, "removed")
}
