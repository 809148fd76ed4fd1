package rootfs

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"nakami/engine/child"

	"nakami/engine/procfs"
	"nakami/internal/kerneltest"
)

// Build makes a tree where /bin/sh runs chrooted, carries the nakami
// binary so a hidden role runs inside, copies no set-user-ID bit, and is
// gone after the session unwinds.
func TestBuildRootfs(t *testing.T) {
	kerneltest.Need(t)
	s := kerneltest.Session(t)
	start := time.Now()
	r, err := Build(s, "test", Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("rootfs %s: %d files, %.1f MB, built in %v (%v measured outside); programs %v; %d libraries",
		r.Path, r.Files, float64(r.Bytes)/1e6, r.Took, time.Since(start), r.Programs, len(r.Libs))
	if !strings.Contains(r.Path, s.Tag) {
		t.Errorf("%s does not carry the session tag", r.Path)
	}
	out, err := RunIn(s.T, r.Path, "/bin/sh", "-c", "echo ok")
	if err != nil || out != "ok\n" {
		t.Fatalf("chrooted /bin/sh: %q, %v", out, err)
	}
	out, err = RunIn(nil, r.Path, "/bin/sh", "-c", "cat /etc/passwd; ls /")
	if err != nil || !strings.HasPrefix(out, "root:x:0:0:") || !strings.Contains(out, "proc") {
		t.Errorf("inside: %q, %v", out, err)
	}
	// The nakami binary answers a probe inside (its libraries came along).
	out, err = RunIn(nil, r.Path, SelfPath, child.RoleProbe, "hostname")
	if host, _ := os.Hostname(); err != nil || strings.TrimSpace(out) != strconv.Quote(host) {
		t.Errorf("nakami inside: %q, %v", out, err)
	}
	filepath.WalkDir(r.Path, func(p string, d os.DirEntry, err error) error {
		if fi, e := os.Lstat(p); e == nil && fi.Mode()&(os.ModeSetuid|os.ModeSetgid) != 0 {
			t.Errorf("%s kept a set-ID bit", p)
		}
		return nil
	})
	again, err := Build(s, "test", Options{})
	if err != nil || again != r {
		t.Errorf("a second build of the same name: %v %v", again, err)
	}
	if _, err := Build(s, "../x", Options{}); err == nil {
		t.Error("a name with a slash was accepted")
	}
	if err := s.Journal.ReleaseAll(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(r.Path); !os.IsNotExist(err) {
		t.Errorf("%s survived the unwind: %v", r.Path, err)
	}
}

// With busybox requested but maybe absent, the build still works.
func TestBuildRootfsBusybox(t *testing.T) {
	kerneltest.Need(t)
	s := kerneltest.Session(t)
	r, err := Build(s, "bb", Options{Busybox: true, NoSelf: true, Programs: []string{"sh", "ls"}})
	if err != nil {
		t.Fatal(err)
	}
	if out, err := RunIn(nil, r.Path, "/bin/ls", "/"); err != nil || !strings.Contains(out, "etc") {
		t.Errorf("ls inside (busybox %v): %q %v", r.Busybox, out, err)
	}
	if r.Self != "" {
		t.Error("NoSelf carried nakami")
	}
}

// The three ways of changing root, through the child protocol: a plain
// chroot is escaped and reads the canary; without CAP_SYS_CHROOT the escape
// gets EPERM; after pivot_root there is nothing to escape to.
func TestEscape(t *testing.T) {
	kerneltest.Need(t)
	s := kerneltest.Session(t)
	r, err := Build(s, "esc", Options{})
	if err != nil {
		t.Fatal(err)
	}
	canary, content, err := WriteCanary(s)
	if err != nil {
		t.Fatal(err)
	}
	exec := []string{RoleEscape, canary}
	cases := []struct {
		name string
		spec child.Spec
		want func(EscapeResult) bool
		root string
	}{
		{"chroot", child.Spec{Role: "a", Chroot: r.Path, Exec: exec, ExecPath: SelfPath},
			func(e EscapeResult) bool { return e.Escaped && e.Canary == content }, "/"},
		{"drop-cap", child.Spec{Role: "b", Chroot: r.Path, DropCaps: []string{"cap_sys_chroot"}, Exec: exec, ExecPath: SelfPath},
			func(e EscapeResult) bool { return e.Ran && e.ChrootErr == "EPERM" && e.Canary == "" }, r.Path},
		{"pivot-root", child.Spec{Role: "c", NewNS: []string{"mnt", "pid"}, PivotRoot: r.Path, Exec: exec, ExecPath: SelfPath},
			func(e EscapeResult) bool { return e.Escaped && e.ReadErr == "ENOENT" }, "/"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ch, err := child.Spawn(s, c.spec)
			if err != nil {
				t.Fatal(err)
			}
			defer ch.Stop()
			if err := ch.Go(5 * time.Second); err != nil {
				t.Fatal(err)
			}
			rep := EscapeReport(ch)
			if !c.want(rep) {
				t.Errorf("report %+v", rep)
			}
			if root, err := procfs.ReadRoot(ch.PID); err != nil || root != c.root {
				t.Errorf("/proc/%d/root = %q %v, want %q", ch.PID, root, err, c.root)
			}
			st, _ := procfs.ReadStatus(ch.PID)
			hasChroot := st.CapEff&(1<<18) != 0 && st.CapBnd&(1<<18) != 0
			if hasChroot == (c.name == "drop-cap") {
				t.Errorf("CapEff %x CapBnd %x", st.CapEff, st.CapBnd)
			}
			if c.name == "pivot-root" {
				m, err := RootMount(ch.PID)
				if err != nil || !strings.HasSuffix(r.Path, m.Root) || m.Root == "/" {
					t.Errorf("root mount %+v %v", m, err)
				}
				ms, _ := procfs.ReadMounts(ch.PID)
				if len(ms) != 2 {
					t.Errorf("%d mounts after pivot_root, want / and /proc", len(ms))
				}
			}
		})
	}
}

// TestMain: the test binary is also the children's binary (child.Main).
func TestMain(m *testing.M) {
	child.Main()
	os.Exit(m.Run())
}
