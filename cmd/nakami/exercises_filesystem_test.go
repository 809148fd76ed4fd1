package main

// The filesystem lesson's exercises, done as a learner does them: a small
// root filesystem copied with cp and ldd, then capsh, chroot, unshare,
// mount and pivot_root from util-linux and libcap2-bin. Also the helpers the
// namespaces and first-container exercise tests share: a background
// process stopped at the end, and a wait for kernel state.

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startBackground starts a learner's long-running command and kills it
// (and reaps it) when the test ends, even on failure.
func startBackground(t *testing.T, name string, args ...string) *exec.Cmd {
	t.Helper()
	c := exec.Command(name, args...)
	c.Stdin, c.Stdout, c.Stderr = nil, nil, nil
	if err := c.Start(); err != nil {
		t.Fatalf("%s %v: %v", name, args, err)
	}
	t.Cleanup(func() { stopBackground(c) })
	return c
}

// stopBackground kills c and waits for it; a second call does nothing.
func stopBackground(c *exec.Cmd) {
	if c.ProcessState != nil {
		return
	}
	c.Process.Signal(syscall.SIGKILL)
	c.Wait()
}

// waitUntil polls cond for up to five seconds.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("gave up waiting for %s", what)
}

// descendant finds the newest process named comm among pid and its
// descendants (/proc/PID/task/PID/children), or 0.
func descendant(pid int, comm string) int {
	found := 0
	var walk func(p int)
	walk = func(p int) {
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", p)); err == nil && strings.TrimSpace(string(b)) == comm {
			found = p
		}
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", p, p))
		for _, f := range strings.Fields(string(b)) {
			var c int
			fmt.Sscan(f, &c)
			walk(c)
		}
	}
	walk(pid)
	return found
}

// smallRootfs copies progs and the libraries ldd names for them into a
// fresh directory, keeping their paths, with empty proc and .put_old.
func smallRootfs(t *testing.T, progs ...string) string {
	t.Helper()
	r := t.TempDir()
	sh(t, fmt.Sprintf(`set -e; R=%s; mkdir -p $R/bin $R/proc $R/.put_old
for p in %s; do cp -L $(command -v $p) $R/bin/; done
for lib in $(ldd $(for p in %[2]s; do command -v $p; done) | grep -o '/[^ :]*' | sort -u); do
  case $lib in /bin/*|/usr/bin/*|/sbin/*|/usr/sbin/*) continue;; esac
  mkdir -p $R$(dirname $lib) && cp -L $lib $R$lib
done`, r, strings.Join(progs, " ")))
	return r
}

// rootOf is where /proc/PID/root points, or "".
func rootOf(pid int) string {
	r, _ := os.Readlink(fmt.Sprintf("/proc/%d/root", pid))
	return r
}

func TestExerciseJail(t *testing.T) {
	learner(t, "capsh", "chroot", "ldd")
	before := snapshot(t)
	r := smallRootfs(t, "sh", "sleep")
	const id = "filesystem/jail"
	check(t, 1, []string{"no chrooted process has lost cap_sys_chroot"}, id)

	// Near miss: a plain chroot keeps CAP_SYS_CHROOT.
	c := startBackground(t, "chroot", r, "/bin/sleep", "infinity")
	waitUntil(t, "the chroot", func() bool { return rootOf(c.Process.Pid) == r })
	check(t, 1, []string{fmt.Sprintf("process %d (sleep) is chrooted into %s", c.Process.Pid, r), "still holds cap_sys_chroot"}, id)
	stopBackground(c)

	c = startBackground(t, "capsh", "--chroot="+r, "--drop=cap_sys_chroot", "--shell=/bin/sh", "--", "-c", "exec sleep infinity")
	waitUntil(t, "the jail", func() bool { return rootOf(c.Process.Pid) == r && descendant(c.Process.Pid, "sleep") == c.Process.Pid })
	check(t, 0, []string{fmt.Sprintf("process %d (sleep) has its root at %s", c.Process.Pid, r), "cap_sys_chroot is in none of its sets"}, id)
	stopBackground(c)
	check(t, 1, []string{"no chrooted process has lost cap_sys_chroot"}, id)

	// The lesson's own jail, kept, is not a solution.
	if o := nakami(t, nil, "run", "filesystem/drop-cap", "--keep"); o.code != 0 {
		t.Fatalf("run --keep: exit %d\n%s", o.code, o.stderr)
	}
	check(t, 1, []string{"was started by nakami"}, id)
	cleanedUp(t, nakami(t, nil, "cleanup"), before, "removed")
}

func TestExercisePivot(t *testing.T) {
	learner(t, "unshare", "chroot", "pivot_root", "mount", "umount", "ldd")
	before := snapshot(t)
	r := smallRootfs(t, "sh", "sleep", "umount")
	const id = "filesystem/pivot"
	check(t, 1, []string{"no process has a root mount of its own"}, id)

	// Near miss: chroot instead of pivot_root, even in a new mount namespace.
	c := startBackground(t, "unshare", "-m", "--kill-child", "chroot", r, "/bin/sleep", "infinity")
	var pid int
	waitUntil(t, "the chroot", func() bool { pid = descendant(c.Process.Pid, "sleep"); return pid > 0 && rootOf(pid) == r })
	check(t, 1, []string{fmt.Sprintf("process %d (sleep) has its root directory at %s", pid, r), "that is chroot, not pivot_root"}, id)
	stopBackground(c)

	// Near miss: pivot_root, but the old root left mounted at /.put_old.
	script := fmt.Sprintf("mount --bind %[1]s %[1]s && mount -t proc proc %[1]s/proc && pivot_root %[1]s %[1]s/.put_old && cd / && exec /bin/sleep infinity", r)
	c = startBackground(t, "unshare", "-mpf", "--kill-child", "sh", "-c", script)
	waitUntil(t, "the pivot", func() bool { pid = descendant(c.Process.Pid, "sleep"); return pid > 0 })
	check(t, 1, []string{"the host's root is still mounted at /.put_old"}, id)
	stopBackground(c)

	script = strings.Replace(script, "cd / &&", "umount -l /.put_old && cd / &&", 1)
	c = startBackground(t, "unshare", "-mpf", "--kill-child", "sh", "-c", script)
	waitUntil(t, "the pivot", func() bool { pid = descendant(c.Process.Pid, "sleep"); return pid > 0 })
	// unshare shares the namespace (and was moved by pivot_root too), so
	// either process may be named.
	check(t, 0, []string{"is in mount namespace", "whose root mount is /dev/", r, "no mount of the host's root is left in it"}, id)
	stopBackground(c)
	check(t, 1, []string{"no process has a root mount of its own"}, id)

	// The lesson's own pivoted process, kept, is not a solution.
	if o := nakami(t, nil, "run", "filesystem/pivot-root", "--keep"); o.code != 0 {
		t.Fatalf("run --keep: exit %d\n%s", o.code, o.stderr)
	}
	check(t, 1, []string{"nakami's own namespace"}, id)
	cleanedUp(t, nakami(t, nil, "cleanup"), before, "removed")
}
