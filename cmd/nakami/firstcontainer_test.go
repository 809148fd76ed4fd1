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
	cmd.Process.Kill()
	wait()
	time.Sleep(200 * time.Millisecond) // the shell sees EOF; its PID namespace goes with it
	d := leftovers(before, t)
	if !strings.Contains(d, "/tmp/nakami-") || !strings.Contains(d, "/run/nakami") {
		t.Fatalf("after SIGKILL the temp dir and journal should remain for cleanup, diff:\n%s", d)
	}
	if strings.Contains(d, "mount appeared") {
		t.Errorf("a mount reached the host:\n%s", d)
	}
	o := nakami(t, nil, "cleanup")
	if o.code != 0 || !strings.Contains(o.stdout, "removed") {
		t.Errorf("cleanup: exit %d\n%s%s", o.code, o.stdout, o.stderr)
	}
	assertUnchanged(t, before)
}
