package main

import (
	"os/exec"
	"strings"
	"syscall"
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
	cmd.Process.Signal(syscall.SIGINT)
	if err := wait(); err == nil || err.(*exec.ExitError).ExitCode() != 130 {
		t.Errorf("exit after SIGINT: %v, want 130", err)
	}
	assertUnchanged(t, before)
}

// TestFilesystemSIGKILLThenCleanup kills a paused run outright: its root
// filesystem and journal stay until `nakami cleanup` removes them.
func TestFilesystemSIGKILLThenCleanup(t *testing.T) {
	needKernel(t)
	before := snapshot(t)
	cmd, wait := fsPausedRun(t)
	cmd.Process.Kill()
	wait()
	time.Sleep(100 * time.Millisecond) // the held children see EOF and exit
	d := leftovers(before, t)
	if !strings.Contains(d, "temp appeared: /tmp/nakami-") || !strings.Contains(d, "/run/nakami") {
		t.Fatalf("after SIGKILL the temp dir and journal should remain for cleanup, diff:\n%s", d)
	}
	if strings.Contains(d, "mount appeared") {
		t.Errorf("a mount reached the host:\n%s", d)
	}
	o := nakami(t, nil, "cleanup")
	if o.code != 0 || !strings.Contains(o.stdout, "removed dir") {
		t.Errorf("cleanup: exit %d\n%s%s", o.code, o.stdout, o.stderr)
	}
	assertUnchanged(t, before)
}
