package overlay

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"nakami/engine/child"

	"nakami/engine"
	"nakami/engine/netlab"
	"nakami/engine/procfs"
	"nakami/engine/rootfs"
	"nakami/internal/kerneltest"
)

func TestParseOverlayOptions(t *testing.T) {
	lower, upper, work := ParseOptions(`rw,lowerdir=/a/l2:/b\:c/l1,upperdir=/u\,x,workdir=/w,uuid=on`)
	if !slices.Equal(lower, []string{"/a/l2", "/b:c/l1"}) || upper != "/u,x" || work != "/w" {
		t.Errorf("got %q %q %q", lower, upper, work)
	}
	lower, _, _ = ParseOptions("rw,lowerdir+=/l1,lowerdir+=/l2")
	if !slices.Equal(lower, []string{"/l1", "/l2"}) {
		t.Errorf("lowerdir+: %q", lower)
	}
	if l, u, w := ParseOptions("rw,relatime"); l != nil || u != "" || w != "" {
		t.Errorf("no overlay options: %q %q %q", l, u, w)
	}
}

func TestParseListeningTCP(t *testing.T) {
	text := `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 2 1 0000000000000000 20 4 30 10 -1
   2: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3 1 0000000000000000 100 0 0 10 0
   3: garbage
`
	got := netlab.ParseListeningTCP(text)
	if !slices.Equal(got, []string{"127.0.0.1:8080", "0.0.0.0:22"}) {
		t.Errorf("got %v", got)
	}
}

func TestGuardLoopbackURL(t *testing.T) {
	for _, ok := range []string{"http://127.0.0.1:8080/", "http://127.0.0.2/x", "http://[::1]:80/"} {
		if _, err := netlab.GuardLoopbackURL(ok); err != nil {
			t.Errorf("%s refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"http://192.168.77.1/", "http://example.com/", "https://127.0.0.1/", "http://localhost/", "ftp://127.0.0.1/", "::"} {
		if _, err := netlab.GuardLoopbackURL(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// TestOverlayCopyUpWhiteoutOpaque mounts a real overlay in the session's
// directory and reads every effect back from the kernel: mountinfo, the
// copied-up file, a 0/0 whiteout and an opaque directory; the unwind then
// unmounts it and removes the directories.
func TestOverlayCopyUpWhiteoutOpaque(t *testing.T) {
	kerneltest.Need(t)
	s := kerneltest.Session(t)
	dir, err := engine.SessionPath(s, "ovtest")
	if err != nil {
		t.Fatal(err)
	}
	p := func(n string) string { return filepath.Join(dir, n) }
	if err := engine.MakeDirs(s, dir, p("lower"), p("lower/d"), p("upper"), p("work"), p("merged")); err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"lower/a": "old\n", "lower/b": "bye\n", "lower/d/x": "x\n"} {
		if err := os.WriteFile(p(name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	o := Spec{Lower: []string{p("lower")}, Upper: p("upper"), Work: p("work"), Merged: p("merged")}
	if err := Mount(s, o); err != nil {
		t.Fatal(err)
	}
	info, err := Read(o.Merged)
	if err != nil {
		t.Fatal(err)
	}
	if info.FSType != "overlay" || !slices.Equal(info.Lower, o.Lower) || info.Upper != o.Upper || info.Work != o.Work {
		t.Errorf("mountinfo: %s", info.Line)
	}
	if err := Mount(s, o); err != nil { // again: nothing happens
		t.Fatal(err)
	}

	// copy-up
	if err := engine.WriteFile(s, p("merged/a"), "new\n", "echo new > merged/a"); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p("upper/a")); string(b) != "new\n" {
		t.Errorf("upper/a = %q", b)
	}
	if b, _ := os.ReadFile(p("lower/a")); string(b) != "old\n" {
		t.Errorf("lower/a = %q", b)
	}

	// whiteout
	if w, _, err := Whiteout(p("lower/b")); w || err != nil {
		t.Errorf("a regular file counts as a whiteout: %v %v", w, err)
	}
	if err := engine.Remove(s, p("merged/b"), "rm merged/b"); err != nil {
		t.Fatal(err)
	}
	if w, desc, err := Whiteout(p("upper/b")); !w || err != nil {
		t.Errorf("upper/b: %s %v", desc, err)
	}
	if _, err := os.Stat(p("merged/b")); !os.IsNotExist(err) {
		t.Errorf("merged/b still there: %v", err)
	}

	// opaque directory
	if x, err := Xattr(p("upper"), XattrOpaque); x != "" || err != nil {
		t.Errorf("upper is opaque before anything: %q %v", x, err)
	}
	if err := engine.Remove(s, p("merged/d"), "rm -r merged/d"); err != nil {
		t.Fatal(err)
	}
	if err := engine.Mkdir(s, p("merged/d"), "mkdir merged/d"); err != nil {
		t.Fatal(err)
	}
	if x, err := Xattr(p("upper/d"), XattrOpaque); x != "y" || err != nil {
		t.Errorf("upper/d opaque = %q, %v", x, err)
	}
	if tree, _ := Tree(p("upper")); strings.Join(tree, ",") != "a,b (c 0/0),d/" {
		t.Errorf("upper: %v", tree)
	}
	if tree, _ := Tree(p("merged")); strings.Join(tree, ",") != "a,d/" {
		t.Errorf("merged: %v", tree)
	}

	// the unwind unmounts first, then removes
	if err := s.Journal.ReleaseAll(); err != nil {
		t.Fatal(err)
	}
	if m, _ := procfs.IsMountPoint(o.Merged); m {
		t.Error("still mounted after the unwind")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s remains: %v", dir, err)
	}
}

// TestOverlayServeAndFetch runs the serve role as a container's first
// process on an overlay image whose upper layer holds the fetch program.
func TestOverlayServeAndFetch(t *testing.T) {
	kerneltest.Need(t)
	s := kerneltest.Session(t)
	r, err := rootfs.Build(s, "ovbase", rootfs.Options{Programs: []string{"sh"}})
	if err != nil {
		t.Fatal(err)
	}
	dir, _ := engine.SessionPath(s, "ovimg")
	p := func(n string) string { return filepath.Join(dir, n) }
	if err := engine.MakeDirs(s, dir, p("upper"), p("work"), p("merged")); err != nil {
		t.Fatal(err)
	}
	o := Spec{Lower: []string{r.Path}, Upper: p("upper"), Work: p("work"), Merged: p("merged")}
	if err := Mount(s, o); err != nil {
		t.Fatal(err)
	}
	if _, err := rootfs.InstallProgram(s, o.Merged, "/usr/local/bin/fetch"); err != nil {
		t.Fatal(err)
	}
	c, err := child.Spawn(s, child.Spec{Role: "c", NewNS: []string{"mnt", "pid", "net"}, PivotRoot: o.Merged, ExecPath: rootfs.SelfPath,
		Exec: []string{netlab.RoleServe, "8081", "body\n", "/usr/local/bin/fetch", "-o", "/tmp/got", "http://127.0.0.1:8081/"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	if op, ok := netlab.EntrypointReport(c); !ok || op.Failed {
		t.Fatalf("entrypoint: %+v", op)
	}
	if b, _ := os.ReadFile(p("upper/tmp/got")); string(b) != "body\n" {
		t.Errorf("upper/tmp/got = %q", b)
	}
	if _, err := os.Stat(filepath.Join(r.Path, "tmp/got")); !os.IsNotExist(err) {
		t.Errorf("the write reached the lower layer: %v", err)
	}
	if ln, _ := netlab.ListeningTCP(c.PID); !slices.Contains(ln, "127.0.0.1:8081") {
		t.Errorf("container listens on %v", ln)
	}
	if ln, _ := netlab.ListeningTCP(os.Getpid()); slices.Contains(ln, "127.0.0.1:8081") {
		t.Errorf("the host's namespace listens on 127.0.0.1:8081 too")
	}
}

// TestMain: the test binary is also the children's binary (child.Main).
func TestMain(m *testing.M) {
	child.Main()
	os.Exit(m.Run())
}
