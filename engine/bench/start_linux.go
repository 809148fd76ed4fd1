package bench

// The start candidates: each runs /bin/true and waits for it.

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"

	"nakami/engine"
)

// StartCandidates returns the start candidates on root (a root filesystem
// with /bin/true), with runc and crun on an OCI bundle of it when they are
// installed. self is the nakami binary. Call the returned stop when done.
func StartCandidates(s *engine.Session, self, root string) ([]Candidate, func(), error) {
	run := func(argv ...string) func() error {
		return func() error {
			out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
			if err != nil {
				return fmt.Errorf("%s: %v: %.200s", argv[0], err, out)
			}
			return nil
		}
	}
	cs := []Candidate{
		{Name: "fork+exec", Command: "/bin/true", Run: run("/bin/true")},
		{Name: "unshare+chroot", Command: "unshare -muinpf chroot ROOTFS /bin/true", Run: run("unshare", "-muinpf", "chroot", root, "/bin/true")},
		{Name: "nakami", Command: "nakami container run --rootfs ROOTFS -- /bin/true", Run: run(self, "container", "run", "--rootfs", root, "--", "/bin/true")},
		// nakami's own start (the Go runtime and every package's init), which
		// container run pays twice: in the parent and in the re-executed child.
		{Name: "nakami version", Command: "nakami version (the binary's own start, no container)", Run: run(self, "version")},
	}
	stop := func() {}
	tmp, err := s.TempDir()
	if err != nil {
		return nil, stop, err
	}
	bundle := filepath.Join(tmp, "bundle")
	n := 0
	for _, rt := range []string{"runc", "crun"} {
		path, err := exec.LookPath(rt)
		if err != nil {
			cs = append(cs, Candidate{Name: rt, Command: rt + " run", Missing: rt + " is not installed (apt-get install " + rt + ")"})
			continue
		}
		if _, err := os.Stat(filepath.Join(bundle, "config.json")); err != nil {
			if err := writeBundle(s, path, bundle, root); err != nil {
				return nil, stop, err
			}
		}
		state := filepath.Join(tmp, rt+"-state")
		if err := engine.MakeDirs(s, state); err != nil {
			return nil, stop, err
		}
		c := Candidate{Name: rt, Command: rt + " run --bundle BUNDLE ID (the bundle's rootfs is ROOTFS)"}
		id := func() string { n++; return s.Tag + "-" + rt + "-" + strconv.Itoa(n) }
		if rt == "runc" {
			c.Run = func() error { return run(path, "--root", state, "run", "--bundle", bundle, id())() }
		} else {
			// crun, from a thread whose mount namespace hides the cgroup2 mount.
			hidden, done, err := hiddenUnified()
			if err != nil {
				c.Missing = "crun cannot run here: " + err.Error()
			} else {
				c.Command += "; the cgroup2 mount hidden in a private mount namespace"
				c.Run = func() error { return hidden(run(path, "--root", state, "run", "--bundle", bundle, id())) }
				stop = done
			}
		}
		cs = append(cs, c)
	}
	return cs, stop, nil
}

// writeBundle writes an OCI bundle (config.json from `RUNTIME spec`) whose
// root is root and whose process is /bin/true, with the namespaces of
// unshare -muinpf (no cgroup namespace) and no terminal.
func writeBundle(s *engine.Session, runtimePath, bundle, root string) error {
	if err := engine.MakeDirs(s, bundle); err != nil {
		return err
	}
	cfgPath := filepath.Join(bundle, "config.json")
	if _, err := s.Journal.Record(engine.Entry{Kind: engine.KindFile, Path: cfgPath}); err != nil {
		return err
	}
	if out, err := exec.Command(runtimePath, "spec", "--bundle", bundle).CombinedOutput(); err != nil {
		return fmt.Errorf("%s spec: %v: %s", runtimePath, err, out)
	}
	b, err := os.ReadFile(cfgPath)
	if err != nil {
		return err
	}
	var cfg map[string]any
	if err := json.Unmarshal(b, &cfg); err != nil {
		return err
	}
	cfg["root"] = map[string]any{"path": root, "readonly": false}
	proc := cfg["process"].(map[string]any)
	proc["args"], proc["terminal"] = []string{"/bin/true"}, false
	linux := cfg["linux"].(map[string]any)
	var ns []any
	for _, n := range linux["namespaces"].([]any) {
		if n.(map[string]any)["type"] != "cgroup" {
			ns = append(ns, n)
		}
	}
	linux["namespaces"] = ns
	b, _ = json.MarshalIndent(cfg, "", "  ")
	return os.WriteFile(cfgPath, b, 0o644)
}

// hiddenUnified starts a locked OS thread in a mount namespace of its own
// where /sys/fs/cgroup/unified (if mounted) is detached, and returns a
// function that runs fn on that thread (so what fn forks starts there).
func hiddenUnified() (func(func() error) error, func(), error) {
	work := make(chan func() error)
	errs := make(chan error)
	ready := make(chan error)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with its namespace
		err := unix.Unshare(unix.CLONE_FS | unix.CLONE_NEWNS)
		if err == nil {
			err = unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, "")
		}
		if err == nil {
			if err = unix.Unmount("/sys/fs/cgroup/unified", unix.MNT_DETACH); err == unix.EINVAL || err == unix.ENOENT {
				err = nil // not mounted: nothing to hide
			}
		}
		ready <- err
		if err != nil {
			return
		}
		for fn := range work {
			errs <- fn()
		}
	}()
	if err := <-ready; err != nil {
		return nil, func() {}, err
	}
	return func(fn func() error) error { work <- fn; return <-errs }, func() { close(work) }, nil
}
