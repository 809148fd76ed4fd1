package main

// The first-container lesson's exercises, done as a learner does them:
// unshare, mount and capsh for the container, shell writes to cgroupfs for
// the limits (v1 or hybrid: the cpu and memory hierarchies; pure v2: the
// unified tree).

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestExerciseByHand(t *testing.T) {
	learner(t, "unshare", "capsh", "mount", "ldd")
	before := snapshot(t)
	r := smallRootfs(t, "sh", "cat")
	const id = "first-container/by-hand"
	none := "no process outside nakami is PID 1"
	check(t, 1, []string{none}, id)

	start := func(flags string) int {
		c := exec.Command("unshare", flags, "--kill-child", "sh", "-c",
			fmt.Sprintf("mount -t proc proc %[1]s/proc && exec capsh --chroot=%[1]s --drop=cap_sys_chroot --shell=/bin/sh -- -c 'exec cat'", r))
		// cat waits on a pipe that stays open until the end of the test.
		in, err := c.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { in.Close(); stopBackground(c) })
		var pid int
		waitUntil(t, "the container", func() bool { pid = descendant(c.Process.Pid, "cat"); return pid > 0 && rootOf(pid) == r })
		return pid
	}
	// Near miss: no network namespace of its own.
	pid := start("-muipf")
	check(t, 1, []string{fmt.Sprintf("process %d (cat) is PID 1 of pid:[", pid), "but shares the host's net namespace"}, id)
	sh(t, fmt.Sprintf("kill -9 %d", pid))
	waitUntil(t, "the container's end", func() bool { _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); return err != nil })

	pid = start("-muinpf")
	check(t, 0, []string{fmt.Sprintf("process %d (cat) is PID 1 of its own PID namespace", pid), "its root directory is " + r}, id)
	sh(t, fmt.Sprintf("kill -9 %d", pid))
	waitUntil(t, "the container's end", func() bool { _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); return err != nil })
	check(t, 1, []string{none}, id)

	// The lesson's own root filesystem, kept (its container ends with the
	// run), is not a solution either.
	o := nakami(t, nil, "run", "first-container/run", "--keep")
	kept := regexp.MustCompile(`ls (/tmp/nakami-[0-9a-f]+/rootfs-first-container)`).FindStringSubmatch(o.stdout)
	if o.code != 0 || kept == nil {
		t.Fatalf("run --keep: exit %d, no kept root filesystem named\n%s%s", o.code, o.stdout, o.stderr)
	}
	r = kept[1]
	pid = start("-muinpf")
	check(t, 1, []string{fmt.Sprintf("process %d (cat)", pid), "a directory nakami made"}, id)
	cleanedUp(t, nakami(t, nil, "cleanup"), before, "removed")
}

func TestExerciseLimits(t *testing.T) {
	learner(t, "sh", "sleep")
	before := snapshot(t)
	const id = "first-container/limits"
	wants := []string{"CPU 30 %", "memory 10 MB"}
	check(t, 1, wants, id)

	// A group of the learner's on the cpu and memory hierarchies (one
	// directory on v2).
	cpuDir, v2 := learnerGroup(t, "cpu", "limits")
	memDir := cpuDir
	if !v2 {
		memDir, _ = learnerGroup(t, "memory", "limits")
	}
	v1 := cpuDir != memDir
	setCPU := func(quota int) {
		if v1 {
			sh(t, fmt.Sprintf("echo 1000000 > %[1]s/cpu.cfs_period_us && echo %d > %[1]s/cpu.cfs_quota_us", cpuDir, quota))
		} else {
			sh(t, fmt.Sprintf("echo '%d 1000000' > %s/cpu.max", quota, cpuDir))
		}
	}
	memFile := filepath.Join(memDir, "memory.max")
	if v1 {
		memFile = filepath.Join(memDir, "memory.limit_in_bytes")
	}
	setCPU(500000) // near miss: 50 %
	sh(t, "echo 10000000 > "+memFile)
	procs := "echo $$ > " + cpuDir + "/cgroup.procs"
	if v1 {
		procs += " && echo $$ > " + memDir + "/cgroup.procs"
	}
	c := startBackground(t, "sh", "-c", procs+" && exec sleep infinity")
	pid := c.Process.Pid
	waitUntil(t, "the process in the group", func() bool {
		b, _ := os.ReadFile(filepath.Join(memDir, "cgroup.procs"))
		return strings.Contains(" "+strings.Join(strings.Fields(string(b)), " ")+" ", fmt.Sprintf(" %d ", pid)) && descendant(pid, "sleep") == pid
	})
	proc := fmt.Sprintf("process %d (sleep)", pid)
	check(t, 1, []string{proc, "CPU 500000/1000000 µs = 50 %", "not CPU 30 %"}, id)

	setCPU(300000)
	check(t, 0, []string{proc + " is held by CPU 300000/1000000 µs = 30 %", "memory 999"}, id)
	stopBackground(c)
	check(t, 1, wants, id)

	// The lesson's own group, kept, is not a solution, even with a process
	// of the learner's in it.
	o := nakami(t, nil, "run", "first-container/run", "--keep")
	var dirs []string
	for _, m := range regexp.MustCompile(`cat (/sys/fs/cgroup/\S+)/cgroup.procs`).FindAllStringSubmatch(o.stdout, -1) {
		dirs = append(dirs, m[1])
	}
	if o.code != 0 || len(dirs) == 0 {
		t.Fatalf("run --keep: exit %d, no kept cgroup named\n%s%s", o.code, o.stdout, o.stderr)
	}
	c = startBackground(t, "sh", "-c", "for d in "+strings.Join(dirs, " ")+"; do echo $$ > $d/cgroup.procs; done && exec sleep infinity")
	waitUntil(t, "the process in nakami's group", func() bool { return descendant(c.Process.Pid, "sleep") == c.Process.Pid })
	check(t, 1, []string{fmt.Sprintf("process %d (sleep) is in", c.Process.Pid), "a cgroup nakami made"}, id)
	cleanedUp(t, nakami(t, nil, "cleanup"), before, "removed")
}
