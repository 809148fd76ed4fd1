package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"nakami/engine"
	"nakami/engine/cgroup"
	"nakami/engine/procfs"
	"nakami/internal/kerneltest"
)

// containerCmd is `nakami container run ARGS` with its journal in runDir.
func containerCmd(t *testing.T, runDir string, args ...string) *exec.Cmd {
	cmd := command(t, nil, append([]string{"container", "run"}, args...)...)
	cmd.Env = append(cmd.Env, "NAKAMI_RUN_DIR="+runDir)
	return cmd
}

func cleanupIn(t *testing.T, runDir string) outcome {
	t.Helper()
	cmd := command(t, nil, "cleanup")
	cmd.Env = append(cmd.Env, "NAKAMI_RUN_DIR="+runDir)
	return runOutcome(t, cmd)
}

// TestContainerRunExitStatus: CMD's status is nakami's, the container has
// its own hostname and PID namespace (CMD is PID 1's child), and nothing is
// left on the host.
func TestContainerRunExitStatus(t *testing.T) {
	needKernel(t)
	before := snapshot(t)
	host, _ := os.Hostname()
	o := runOutcome(t, containerCmd(t, t.TempDir(), "--", "/bin/sh", "-c", "hostname; grep PPid /proc/$$/status; exit 7"))
	if o.code != 7 || !strings.Contains(o.stdout, "nakami-") || strings.Contains(o.stdout, host+"\n") || !strings.Contains(o.stdout, "PPid:\t1\n") {
		t.Errorf("exit %d, stdout %q, stderr %q", o.code, o.stdout, o.stderr)
	}
	assertUnchanged(t, before)
}

// TestContainerRunOOM: a 50 MB allocation in a 10 MB container is killed
// by the OOM killer, reported in one sentence, exit 137; a small command in
// the same 10 MB limit runs to the end.
func TestContainerRunOOM(t *testing.T) {
	needKernel(t)
	before := snapshot(t)
	o := runOutcome(t, containerCmd(t, t.TempDir(), "--memory", "10MB", "--", "/bin/sh", "-c", `x=$(head -c 50000000 /dev/zero | tr '\0' x); echo ${#x}`))
	if o.code != 137 || !strings.Contains(o.stderr, "OOM killer") || strings.Count(o.stderr, "\n") != 1 {
		t.Errorf("50 MB in 10 MB: exit %d, stderr %q", o.code, o.stderr)
	}
	o = runOutcome(t, containerCmd(t, t.TempDir(), "--memory", "10MB", "--", "/bin/sh", "-c", "echo small"))
	if o.code != 0 || o.stdout != "small\n" {
		t.Errorf("a small command in 10 MB: exit %d, stdout %q, stderr %q", o.code, o.stdout, o.stderr)
	}
	assertUnchanged(t, before)
}

// TestContainerRunRefusesBadValues: one sentence, exit 2, nothing made
// (not even a journal).
func TestContainerRunRefusesBadValues(t *testing.T) {
	needKernel(t)
	before := snapshot(t)
	for _, args := range [][]string{
		{"--cpu", "0.5%", "--", "true"}, {"--cpu", "30x", "--", "true"}, {"--memory", "1MB", "--", "true"},
		{"--memory", "10XB", "--", "true"}, {"--net", "wifi", "--", "true"}, {"--net", "bridge"}, {"--cap-add", "cap_bogus", "--", "true"},
		{"--rootfs", "/nonexistent", "--", "true"}, {"--rootfs", "/tmp", "--image", "/etc/passwd", "--", "true"},
		{"--image", "/nonexistent.tar", "--", "true"}, {"-i", "--", "sh"}, {"--pids", "-1", "--", "true"}, {"--"},
	} {
		dir := t.TempDir()
		o := runOutcome(t, containerCmd(t, dir, args...))
		ents, _ := os.ReadDir(dir)
		if o.code != 2 || strings.Count(o.stderr, "\n") != 1 || !strings.HasPrefix(o.stderr, "nakami: ") || len(ents) != 0 {
			t.Errorf("%v: exit %d, stderr %q, journal dir %d entries", args, o.code, o.stderr, len(ents))
		}
	}
	assertUnchanged(t, before)
}

// runGroup waits for the container's cgroup (named in the journal) to
// hold n processes and returns its directory with the CPU controller: the
// v1 cpu hierarchy's, or the v2 group's.
func runGroup(t *testing.T, runDir string, n int) string {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		js, _ := filepath.Glob(filepath.Join(runDir, "*.journal"))
		for _, j := range js {
			_, es, _, _ := engine.ReadJournal(j)
			for _, e := range es {
				if e.Kind != engine.KindCgroup || !strings.HasSuffix(e.Path, "/run") {
					continue
				}
				v1cpu := strings.HasPrefix(e.Path, "/sys/fs/cgroup/cpu/")
				if _, err := os.Stat(filepath.Join(e.Path, "cpu.max")); !v1cpu && err != nil {
					continue
				}
				if ps, err := cgroup.ProcsOf(e.Path); err == nil && len(ps) >= n {
					return e.Path
				}
			}
		}
	}
	t.Fatal("the container's cgroup never held its processes")
	return ""
}

// TestContainerRunCPU: --cpu 30% holds a busy loop at 30 % ± 5 points, as
// the kernel accounts it: CPU time used (cpuacct.usage, or cpu.stat
// usage_usec on v2) over the CFS periods the group was runnable in
// (cpu.stat nr_periods × the 100 ms period).
func TestContainerRunCPU(t *testing.T) {
	needKernel(t)
	before := snapshot(t)
	runDir := t.TempDir()
	cmd := containerCmd(t, runDir, "--cpu", "30%", "--", "/bin/sh", "-c", "while :; do :; done")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	dir := runGroup(t, runDir, 2)
	read := func() (usage, periods uint64) {
		b, _ := os.ReadFile(filepath.Join(dir, "cpu.stat"))
		st, _ := cgroup.ParseKeyed(string(b))
		if strings.HasPrefix(dir, "/sys/fs/cgroup/cpu/") {
			b, _ := os.ReadFile(filepath.Join(strings.Replace(dir, "/cpu/", "/cpuacct/", 1), "cpuacct.usage"))
			usage, _ = strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
		} else {
			usage = st["usage_usec"] * 1000
		}
		return usage, st["nr_periods"]
	}
	time.Sleep(300 * time.Millisecond)
	u0, p0 := read()
	time.Sleep(3 * time.Second)
	u1, p1 := read()
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	share := float64(u1-u0) / (float64(p1-p0) * 100e6) * 100
	t.Logf("%.1f %% of one CPU over %d periods of 100 ms", share, p1-p0)
	if p1-p0 < 20 || share < 25 || share > 35 {
		t.Errorf("the busy loop used %.1f %% of one CPU over %d periods; want 30 ± 5", share, p1-p0)
	}
	assertUnchanged(t, before)
}

// TestContainerRunKeepThenCleanup: --keep leaves the container held (its
// own UTS namespace, in its cgroup) after CMD; nakami cleanup removes it.
func TestContainerRunKeepThenCleanup(t *testing.T) {
	needKernel(t)
	before := snapshot(t)
	runDir := t.TempDir()
	o := runOutcome(t, containerCmd(t, runDir, "--keep", "--", "/bin/sh", "-c", "exit 4"))
	if o.code != 4 || !strings.Contains(o.stderr, "nsenter -t ") || !strings.Contains(o.stderr, "nakami cleanup") {
		t.Fatalf("keep: exit %d, stderr %q", o.code, o.stderr)
	}
	pid, _ := strconv.Atoi(strings.Fields(strings.SplitAfter(o.stderr, "nsenter -t ")[1])[0])
	ns, err := procfs.ReadNamespaces(pid)
	mine, _ := procfs.ReadNamespaces(os.Getpid())
	if err != nil || ns["uts"] == mine["uts"] || ns["pid"] == mine["pid"] {
		t.Errorf("the kept process %d: %v (%v)", pid, ns, err)
	}
	if c := cleanupIn(t, runDir); c.code != 0 || !strings.Contains(c.stdout, "removed process") {
		t.Errorf("cleanup: %+v", c)
	}
	assertUnchanged(t, before)
}

// TestContainerRunKilled: nakami killed by SIGKILL takes its container
// with it (fd 3 reaches EOF); nakami cleanup removes the rest.
func TestContainerRunKilled(t *testing.T) {
	needKernel(t)
	before := snapshot(t)
	runDir := t.TempDir()
	cmd := containerCmd(t, runDir, "--memory", "20MB", "--", "/bin/sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	dir := runGroup(t, runDir, 2)
	cmd.Process.Kill()
	cmd.Wait()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if ps, _ := cgroup.ProcsOf(dir); len(ps) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the container outlived nakami's SIGKILL")
		}
	}
	if c := cleanupIn(t, runDir); c.code != 0 || !strings.Contains(c.stdout, "removed cgroup") {
		t.Errorf("cleanup: %+v", c)
	}
	assertUnchanged(t, before)
}

// TestContainerRunImage: a docker export tarball (flat) and a docker save
// tarball (manifest.json, two layers, the second with a whiteout and an
// opaque directory) become the container's root; the unpacked tree is
// removed afterwards.
func TestContainerRunImage(t *testing.T) {
	needKernel(t)
	tarTool := kerneltest.Tool(t, "tar")
	before := snapshot(t)
	// A root filesystem to package: the one container run builds, kept.
	runDir := t.TempDir()
	o := runOutcome(t, containerCmd(t, runDir, "--keep", "--", "/bin/true"))
	if o.code != 0 {
		t.Fatalf("keep: %+v", o)
	}
	js, _ := filepath.Glob(filepath.Join(runDir, "*.journal"))
	var root string
	for _, j := range js {
		_, es, _, _ := engine.ReadJournal(j)
		for _, e := range es {
			if strings.HasSuffix(e.Path, "/rootfs-container") {
				root = e.Path
			}
		}
	}
	work := t.TempDir()
	tarIt := func(out, dir string, names ...string) {
		t.Helper()
		if b, err := exec.Command(tarTool, append([]string{"-C", dir, "-cf", out}, names...)...).CombinedOutput(); err != nil {
			t.Fatalf("tar: %v\n%s", err, b)
		}
	}
	os.WriteFile(filepath.Join(root, "root", "lower"), []byte("hidden\n"), 0o644)
	tarIt(filepath.Join(work, "export.tar"), root, ".")
	layer2 := filepath.Join(work, "l2")
	os.MkdirAll(filepath.Join(layer2, "etc"), 0o755)
	os.MkdirAll(filepath.Join(layer2, "root"), 0o755)
	os.WriteFile(filepath.Join(layer2, "etc", "marker"), []byte("from layer 2\n"), 0o644)
	os.WriteFile(filepath.Join(layer2, "etc", ".wh.hostname"), nil, 0o644)
	os.WriteFile(filepath.Join(layer2, "root", ".wh..wh..opq"), nil, 0o644)
	save := filepath.Join(work, "save")
	os.MkdirAll(save, 0o755)
	tarIt(filepath.Join(save, "l1.tar"), root, ".")
	tarIt(filepath.Join(save, "l2.tar"), layer2, ".")
	os.WriteFile(filepath.Join(save, "manifest.json"), []byte(`[{"Config":"c.json","RepoTags":["t:1"],"Layers":["l1.tar","l2.tar"]}]`), 0o644)
	tarIt(filepath.Join(work, "save.tar"), save, "manifest.json", "l1.tar", "l2.tar")
	if c := cleanupIn(t, runDir); c.code != 0 {
		t.Fatalf("cleanup: %+v", c)
	}
	o = runOutcome(t, containerCmd(t, t.TempDir(), "--image", filepath.Join(work, "export.tar"), "--", "/bin/sh", "-c", "cat /etc/hostname; ls /root"))
	if o.code != 0 || !strings.Contains(o.stdout, "lower") {
		t.Errorf("docker export: %+v", o)
	}
	o = runOutcome(t, containerCmd(t, t.TempDir(), "--image", filepath.Join(work, "save.tar"), "--", "/bin/sh", "-c",
		"cat /etc/marker; test -e /etc/hostname || echo whiteout; ls /root | grep -c lower"))
	if o.code != 1 || o.stdout != "from layer 2\nwhiteout\n0\n" {
		t.Errorf("docker save: %+v", o)
	}
	assertUnchanged(t, before)
}

// TestContainerRunInteractive: -it gives a shell on a terminal (bound on
// /dev/console, beside a devpts of the container's own), whose ps shows it as PID 1's child and whose hostname is
// the container's.
func TestContainerRunInteractive(t *testing.T) {
	needKernel(t)
	before := snapshot(t)
	s := newTmux(t, []string{"NAKAMI_RUN_DIR=" + t.TempDir()}, "container", "run", "--hostname", "inside-nk", "-it", "--", "/bin/sh")
	s.waitFor("#")
	s.keys("ps -o pid,ppid,comm; hostname; ls /dev/console /dev/pts; echo done-$((6*7))", "Enter")
	scr := s.waitFor("done-42")
	if !strings.Contains(scr, "inside-nk") || !strings.Contains(scr, "/dev/console") || !strings.Contains(scr, "ptmx") {
		t.Errorf("screen:\n%s", scr)
	}
	var shellParent string
	for _, l := range strings.Split(scr, "\n") {
		if f := strings.Fields(l); len(f) == 3 && f[2] == "sh" {
			shellParent = f[1]
		}
	}
	if shellParent != "1" {
		t.Errorf("ps did not show sh as PID 1's child:\n%s", scr)
	}
	s.keys("exit", "Enter")
	s.waitGone()
	assertUnchanged(t, before)
}

// TestBenchRuns: nakami bench --runs 1 --json measures every candidate it
// finds (a missing peer is named, never dropped), the ten overlays are
// mounted with empty upper dirs, and nothing is left on the host.
func TestBenchRuns(t *testing.T) {
	needKernel(t)
	before := snapshot(t)
	cmd := command(t, nil, "bench", "--runs", "1", "--json")
	cmd.Env = append(cmd.Env, "NAKAMI_RUN_DIR="+t.TempDir())
	o := runOutcome(t, cmd)
	var r benchReport
	if err := json.Unmarshal([]byte(o.stdout), &r); err != nil || o.code != 0 {
		t.Fatalf("exit %d, %v: %s %s", o.code, err, o.stdout, o.stderr)
	}
	names := map[string]bool{}
	for _, x := range append(r.Start, r.Network...) {
		names[x.Name] = true
		if (x.Missing == "") != (len(x.Samples) == 1) {
			t.Errorf("%s: missing %q with %d samples", x.Name, x.Missing, len(x.Samples))
		}
	}
	for _, n := range []string{"fork+exec", "unshare+chroot", "nakami", "runc", "crun", "netlink", "ip"} {
		if !names[n] {
			t.Errorf("bench does not name %s", n)
		}
	}
	if r.Overlay.MountedMerged != 10 || r.Overlay.CopiesBytes < 5*r.Overlay.ImageBytes || r.Overlay.OverlayBytes > r.Overlay.ImageBytes/10 {
		t.Errorf("overlay numbers: %+v", r.Overlay)
	}
	assertUnchanged(t, before)
}

// TestContainerRunBridge: --net bridge gives the container eth0 on the
// lesson's subnet with a default route via 192.168.77.1 (its
// /proc/net/route), and the links go with the run.
func TestContainerRunBridge(t *testing.T) {
	needKernel(t)
	before := snapshot(t)
	o := runOutcome(t, containerCmd(t, t.TempDir(), "--net", "bridge", "--", "/bin/cat", "/proc/net/route"))
	// 014DA8C0 is 192.168.77.1, 004DA8C0 192.168.77.0, little-endian.
	if o.code != 0 || !strings.Contains(o.stdout, "eth0\t00000000\t014DA8C0") || !strings.Contains(o.stdout, "eth0\t004DA8C0") {
		t.Errorf("exit %d, stdout %q, stderr %q", o.code, o.stdout, o.stderr)
	}
	assertUnchanged(t, before)
}
