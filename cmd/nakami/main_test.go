package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"

	"nakami/engine/child"
	"nakami/engine/procfs"
	"nakami/internal/kerneltest"
)

// The test binary doubles as nakami: with NAKAMI_BE_MAIN=1 it runs the
// command line instead of the tests, and it answers the hidden child, pause
// and probe roles like the real binary.
func TestMain(m *testing.M) {
	if child.Main() {
		return
	}
	if os.Getenv("NAKAMI_BE_MAIN") == "1" {
		os.Exit(execute(os.Args[1:]))
	}
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

var binPath string

// bin returns a copy of the test binary in a world-readable directory, so
// that an unprivileged user can run it too.
func bin(t *testing.T) string {
	t.Helper()
	if binPath != "" {
		return binPath
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "nakami-testbin-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	binPath = filepath.Join(dir, "nakami")
	in, _ := os.Open(self)
	out, err := os.OpenFile(binPath, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(out, in)
	in.Close()
	out.Close()
	return binPath
}

type outcome struct {
	code           int
	stdout, stderr string
}

// nakami runs the binary with args; cred, when set, runs it as that user.
func nakami(t *testing.T, cred *syscall.Credential, args ...string) outcome {
	t.Helper()
	return runOutcome(t, command(t, cred, args...))
}

// runOutcome runs cmd to the end and collects its exit code and output.
func runOutcome(t *testing.T, cmd *exec.Cmd) outcome {
	t.Helper()
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return outcome{code, so.String(), se.String()}
}

func command(t *testing.T, cred *syscall.Credential, args ...string) *exec.Cmd {
	cmd := exec.Command(bin(t), args...)
	cmd.Env = append(os.Environ(), "NAKAMI_BE_MAIN=1", "LANG=C.UTF-8")
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		cmd.Dir = "/"
		cmd.Env = append(cmd.Env, "HOME=/nonexistent", "XDG_RUNTIME_DIR=")
	}
	return cmd
}

// needKernel: see kerneltest.Need.
func needKernel(t *testing.T) { kerneltest.Need(t) }

// hostState is what must look the same before and after nakami runs: the
// network links, named network namespaces, the mount table, cgroup
// directories and temporary files that carry nakami's prefix, and the
// journal directory.
type hostState struct {
	Links, Netns, Mounts, Cgroups, Temp []string
}

func snapshot(t *testing.T) hostState {
	t.Helper()
	var h hostState
	ls := func(dir string) []string {
		ents, _ := os.ReadDir(dir)
		var out []string
		for _, e := range ents {
			out = append(out, e.Name())
		}
		return out
	}
	h.Links = ls("/sys/class/net")
	h.Netns = ls("/run/netns")
	if _, err := os.Stat("/run/netns"); err == nil {
		h.Netns = append(h.Netns, "/run/netns itself")
	}
	ms, err := procfs.ReadMounts(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		h.Mounts = append(h.Mounts, m.Mountpoint+" "+m.FSType+" "+m.Source)
	}
	filepath.WalkDir("/sys/fs/cgroup", func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		if strings.Count(p, "/") > 6 {
			return filepath.SkipDir
		}
		if strings.Contains(d.Name(), "nakami") {
			h.Cgroups = append(h.Cgroups, p)
		}
		return nil
	})
	for _, n := range ls(os.TempDir()) {
		if strings.HasPrefix(n, "nakami-") && !strings.HasPrefix(n, "nakami-testbin-") {
			h.Temp = append(h.Temp, filepath.Join(os.TempDir(), n))
		}
	}
	for _, d := range []string{"/run/nakami"} {
		if _, err := os.Stat(d); err == nil {
			h.Temp = append(h.Temp, d+" "+strings.Join(ls(d), ","))
		}
	}
	for _, s := range [][]string{h.Links, h.Netns, h.Mounts, h.Cgroups, h.Temp} {
		sort.Strings(s)
	}
	return h
}

// diff lists what changed from h to o, one sorted line per object, so two
// diffs of the same change compare equal.
func (h hostState) diff(o hostState) string {
	var lines []string
	// Multisets: the same mount can legitimately stand twice in a table,
	// and a leaked second copy of it must still show.
	cmp := func(what string, a, c []string) {
		count := map[string]int{}
		for _, x := range a {
			count[x]++
		}
		for _, x := range c {
			count[x]--
		}
		for x, n := range count {
			for ; n < 0; n++ {
				lines = append(lines, what+" appeared: "+x+"\n")
			}
			for ; n > 0; n-- {
				lines = append(lines, what+" vanished: "+x+"\n")
			}
		}
	}
	cmp("link", h.Links, o.Links)
	cmp("netns", h.Netns, o.Netns)
	cmp("mount", h.Mounts, o.Mounts)
	cmp("cgroup", h.Cgroups, o.Cgroups)
	cmp("temp", h.Temp, o.Temp)
	sort.Strings(lines)
	return strings.Join(lines, "")
}

func assertUnchanged(t *testing.T, before hostState) {
	t.Helper()
	if d := before.diff(snapshot(t)); d != "" {
		t.Errorf("the host changed:\n%s", d)
	}
}
