package main

// The cgroups lesson's exercises, done with mkdir and shell writes to
// cgroupfs (as the article does), never with nakami's engine.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// learnerGroup makes the learner's group nkx-NAME-PID for ctrl where this
// host keeps that controller (its v1 hierarchy, else the unified tree),
// and removes it at the end (after the processes the test put in it are
// gone). It returns the directory and whether it is v2.
func learnerGroup(t *testing.T, ctrl, name string) (dir string, v2 bool) {
	t.Helper()
	root := "/sys/fs/cgroup/" + ctrl
	if _, err := os.Stat(filepath.Join(root, "cgroup.procs")); err != nil {
		root, v2 = "/sys/fs/cgroup", true
		b, _ := os.ReadFile(filepath.Join(root, "cgroup.subtree_control"))
		if !slices.Contains(strings.Fields(string(b)), ctrl) {
			t.Fatalf("the %s controller is neither a v1 hierarchy nor enabled in %s/cgroup.subtree_control (%q)", ctrl, root, b)
		}
	}
	dir = filepath.Join(root, fmt.Sprintf("nkx-%s-%d", name, os.Getpid()))
	sh(t, "mkdir "+dir)
	t.Cleanup(func() {
		for i := 0; i < 50; i++ { // the members' exit reaches cgroupfs a moment later
			if err := os.Remove(dir); err == nil || errors.Is(err, os.ErrNotExist) {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Errorf("cannot remove %s", dir)
	})
	return dir, v2
}

// write is `echo VALUE > FILE`.
func write(t *testing.T, file, value string) {
	t.Helper()
	sh(t, "echo '"+value+"' > "+file)
}

// gone requires the learner's group to be removed (the host snapshot only
// sees groups named nakami).
func gone(t *testing.T, dir string) {
	t.Helper()
	if _, err := os.Stat(dir); err == nil {
		t.Errorf("%s is still there", dir)
	}
}

// startIn starts `sleep 600` and writes its PID into dir's cgroup.procs,
// as the article does with echo $$ | tee; the process is killed at the end.
func startIn(t *testing.T, dir string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sleep", "600")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	write(t, filepath.Join(dir, "cgroup.procs"), fmt.Sprint(cmd.Process.Pid))
	return cmd
}

func TestExerciseCapCPU(t *testing.T) {
	learner(t, "sleep")
	before := snapshot(t)
	const id = "cgroups/cap-cpu"
	dir, v2 := learnerGroup(t, "cpu", "cpu")
	limit := func(quota int) {
		if v2 {
			write(t, dir+"/cpu.max", fmt.Sprintf("%d 100000", quota))
			return
		}
		write(t, dir+"/cpu.cfs_period_us", "100000")
		write(t, dir+"/cpu.cfs_quota_us", fmt.Sprint(quota))
	}
	if o := check(t, 1, nil, id); strings.Contains(o.stdout, dir) {
		t.Errorf("a group with no quota counts:\n%s", o.stdout)
	}

	limit(20000) // a limit with nobody in it
	check(t, 1, []string{dir, "20 % of one CPU", "no live process is in it"}, id)

	limit(25000) // near miss
	p := startIn(t, dir)
	check(t, 1, []string{dir, "25 % of one CPU", "not 20 %"}, id)

	limit(20000)
	check(t, 0, []string{fmt.Sprintf("PID %d sits in %s", p.Process.Pid, dir), "20 % of one CPU"}, id)
	check(t, 0, []string{`"done": true`}, id, "--json")
	o := nakami(t, nil, "check", id, "--lang", "ja")
	if o.code != 0 || !strings.Contains(o.stdout, fmt.Sprintf("PID %d が %s にいます", p.Process.Pid, dir)) {
		t.Errorf("--lang ja: exit %d\n%s", o.code, o.stdout)
	}

	p.Process.Kill() // undo: the process ends
	p.Wait()
	check(t, 1, []string{dir, "no live process is in it"}, id)
	sh(t, "rmdir "+dir)
	if o := check(t, 1, nil, id); strings.Contains(o.stdout, dir) {
		t.Errorf("a removed group still counts:\n%s", o.stdout)
	}

	// The lesson's own step, kept with the same limit, is not a solution.
	if o := nakami(t, nil, "run", "cgroups/cpu-quota", "--set", "cpu=20%", "--keep"); o.code != 0 {
		t.Fatalf("run --keep: exit %d\n%s%s", o.code, o.stdout, o.stderr)
	}
	check(t, 1, []string{"made by nakami"}, id)
	cleanedUp(t, nakami(t, nil, "cleanup"), before, "removed cgroup")
	gone(t, dir)
}

func TestExerciseOOM(t *testing.T) {
	learner(t, "tail")
	before := snapshot(t)
	const id = "cgroups/oom"
	dir, v2 := learnerGroup(t, "memory", "oom")
	if o := check(t, 1, nil, id); strings.Contains(o.stdout, dir) {
		t.Errorf("a group with no limit counts:\n%s", o.stdout)
	}

	// Near miss: the article's limit, and nothing has run into it yet.
	if v2 {
		write(t, dir+"/memory.max", "10000000")
		if _, err := os.Stat(dir + "/memory.swap.max"); err == nil {
			write(t, dir+"/memory.swap.max", "0")
		}
	} else {
		write(t, dir+"/memory.limit_in_bytes", "10000000")
		if _, err := os.Stat(dir + "/memory.memsw.limit_in_bytes"); err == nil {
			write(t, dir+"/memory.memsw.limit_in_bytes", "10000000")
		}
	}
	check(t, 1, []string{dir, "has a memory limit of", "no OOM kill"}, id)

	// tail keeps one endless line of /dev/zero in memory until the kernel
	// kills it.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := exec.CommandContext(ctx, "sh", "-c", "echo $$ > "+dir+"/cgroup.procs && exec tail /dev/zero").Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL || ctx.Err() != nil {
		t.Fatalf("tail /dev/zero in a 10 MB group: %v, want killed by SIGKILL from the OOM killer", err)
	}
	check(t, 0, []string{dir, "OOM kill(s) in it"}, id)
	o := nakami(t, nil, "check", id, "--lang", "ja")
	if o.code != 0 || !strings.Contains(o.stdout, "OOM kill を 1 回数えました") {
		t.Errorf("--lang ja: exit %d\n%s", o.code, o.stdout)
	}

	sh(t, "rmdir "+dir) // undo
	if o := check(t, 1, nil, id); strings.Contains(o.stdout, dir) {
		t.Errorf("a removed group still counts:\n%s", o.stdout)
	}

	// The lesson's own step ends in an OOM kill too; kept, it does not count.
	if o := nakami(t, nil, "run", "cgroups/memory-limit", "--keep"); o.code != 0 {
		t.Fatalf("run --keep: exit %d\n%s%s", o.code, o.stdout, o.stderr)
	}
	check(t, 1, []string{"made by nakami"}, id)
	cleanedUp(t, nakami(t, nil, "cleanup"), before, "removed cgroup")
	gone(t, dir)
}
