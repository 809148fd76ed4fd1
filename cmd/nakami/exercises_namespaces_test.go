package main

// namespaces/nsenter-change, done as a learner does it: unshare and
// nsenter from util-linux. The host's own hostname is never changed.

import (
	"fmt"
	"os"
	"testing"
)

// utsOf is the UTS namespace link of pid.
func utsOf(pid int) string {
	l, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/uts", pid))
	return l
}

func TestExerciseNsenterChange(t *testing.T) {
	learner(t, "unshare", "nsenter")
	before := snapshot(t)
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if h, _ := os.Hostname(); h != host {
			t.Errorf("the host's hostname changed from %q to %q", host, h)
		}
	})
	const id = "namespaces/nsenter-change"
	none := "no UTS namespace other than the host's is named inside"
	check(t, 1, []string{none}, id)

	c := startBackground(t, "unshare", "-u", "sleep", "infinity")
	pid := c.Process.Pid
	waitUntil(t, "the new UTS namespace", func() bool { return utsOf(pid) != "" && utsOf(pid) != utsOf(os.Getpid()) })
	sh(t, fmt.Sprintf("nsenter -t %d -u hostname outside", pid)) // near miss
	proc := fmt.Sprintf("process %d (sleep)", pid)
	check(t, 1, []string{proc, `has hostname "outside", not inside`}, id)

	sh(t, fmt.Sprintf("nsenter -t %d -u hostname inside", pid))
	check(t, 0, []string{proc, "its hostname is inside", "the host's is still " + host}, id)
	check(t, 0, []string{"そのホスト名は inside"}, id, "--lang", "ja")
	stopBackground(c)
	check(t, 1, []string{none}, id)

	// The lesson's own process, kept with the same hostname, is not a
	// solution.
	if o := nakami(t, nil, "run", "namespaces/nsenter", "--set", "hostname=inside", "--keep"); o.code != 0 {
		t.Fatalf("run --keep: exit %d\n%s", o.code, o.stderr)
	}
	check(t, 1, []string{"nakami's own namespace"}, id)
	cleanedUp(t, nakami(t, nil, "cleanup"), before, "removed process")
}
