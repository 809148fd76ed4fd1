package caps

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"nakami/engine/child"

	"golang.org/x/sys/unix"
	"kernel.org/pub/linux/libs/security/libcap/cap"

	"nakami/engine"
	"nakami/engine/netlab"
	"nakami/engine/procfs"
	"nakami/internal/kerneltest"
)

// needTool: see kerneltest.Tool.
func needTool(t *testing.T, name string) string { return kerneltest.Tool(t, name) }

// TestNamesMatchLibcapAndKernel: the names table agrees with libcap's, and
// the kernel's count with prctl(PR_CAPBSET_READ) probing.
func TestNamesMatchLibcapAndKernel(t *testing.T) {
	for b := 0; b < Named; b++ {
		if got := cap.Value(b).String(); got != Name(b) {
			t.Errorf("bit %d: libcap says %s, nakami %s", b, got, Name(b))
		}
	}
	last, err := LastCap()
	if err != nil {
		t.Fatal(err)
	}
	n, err := ProbeLast(&engine.Transcript{}, nil)
	if err != nil || n != last+1 || int(cap.MaxBits()) != n {
		t.Errorf("cap_last_cap %d, probing %d (%v), libcap %d", last, n, err, cap.MaxBits())
	}
}

// TestFileCapsInterop: what nakami writes, getcap reads and prints the same
// way, byte for byte what setcap writes; what setcap writes, nakami reads.
func TestFileCapsInterop(t *testing.T) {
	kerneltest.Need(t)
	setcap, getcap := needTool(t, "setcap"), needTool(t, "getcap")
	s := kerneltest.Session(t)
	dir, err := ExecDir(s)
	if err != nil {
		t.Fatal(err)
	}
	last, _ := LastCap()
	mine, theirs := filepath.Join(dir, "mine"), filepath.Join(dir, "theirs")
	for _, p := range []string{mine, theirs} {
		if _, err := s.Journal.Record(engine.Entry{Kind: engine.KindFile, Path: p}); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("#!/bin/true\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		text string
		root uint32
	}{
		{"cap_net_raw+ep", 0}, {"cap_chown,cap_net_raw+eip", 0}, {"cap_chown=p cap_net_raw+i", 0},
		{"=", 0}, {"cap_bpf,cap_checkpoint_restore+p", 0}, {"=ep", 0}, {"cap_net_raw+ep", 1000}, {"cap_sys_admin+i", 4242},
	} {
		f, err := ParseText(c.text, last)
		if err != nil {
			t.Fatal(err)
		}
		f.RootID = c.root
		if err := WriteFile(s.T, mine, f); err != nil {
			t.Fatalf("%s: %v", c.text, err)
		}
		args := []string{c.text, theirs}
		if c.root != 0 {
			args = []string{"-n", strconv.Itoa(int(c.root)), c.text, theirs}
		}
		if out, err := exec.Command(setcap, args...).CombinedOutput(); err != nil {
			t.Fatalf("setcap %v: %v %s", args, err, out)
		}
		a, _ := ReadFileRaw(mine)
		b, _ := ReadFileRaw(theirs)
		if !bytes.Equal(a, b) {
			t.Errorf("%s root %d: nakami wrote %x, setcap %x", c.text, c.root, a, b)
		}
		got, ok, err := ReadFile(theirs)
		f.Revision = got.Revision
		if err != nil || !ok || got != f {
			t.Errorf("%s: nakami reads setcap's as %+v (%v), want %+v", c.text, got, err, f)
		}
		out, err := exec.Command(getcap, "-n", mine).Output()
		want := mine + " " + f.Text(last)
		if c.root != 0 {
			want += " [rootid=" + strconv.Itoa(int(c.root)) + "]"
		}
		if err != nil || strings.TrimSpace(string(out)) != want {
			t.Errorf("getcap -n prints %q, nakami %q", strings.TrimSpace(string(out)), want)
		}
	}
	if err := RemoveFile(s.T, mine); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := ReadFile(mine); ok || err != nil {
		t.Errorf("after removal: %v %v", ok, err)
	}
}

// TestPingCopies is the article's story at the engine level: a SUID-root
// copy run by nobody is root; a plain copy gets EPERM; with cap_net_raw+ep
// it works holding CAP_NET_RAW only.
func TestPingCopies(t *testing.T) {
	kerneltest.Need(t)
	s := kerneltest.Session(t)
	suid, err := CopySelf(s, "ping-suid", 0, 0, 0o4755, "")
	if err != nil {
		t.Fatal(err)
	}
	plain, err := CopySelf(s, "ping", nobody, nobody, 0o755, "")
	if err != nil {
		t.Fatal(err)
	}
	run := func(path string) (*child.Process, Outcome) {
		c, res, err := StartProgram(s, Program{Role: "ping", Path: path, Args: netlab.PingArgs(1), UID: nobody, GID: nobody})
		if err != nil || c == nil {
			t.Fatalf("%s: %v %+v", path, err, res)
		}
		t.Cleanup(func() { c.Stop() })
		return c, res
	}
	c, res := run(suid)
	st, _ := procfs.ReadStatus(c.PID)
	socks, _ := netlab.RawSocketsOf(c.PID)
	if res.Ping.Socket != "ok" || res.Ping.Received != 1 || st.Uid[1] != 0 || st.Uid[0] != nobody || st.CapEff != st.CapBnd || len(socks) != 1 || socks[0].Protocol != 1 {
		t.Errorf("SUID copy: %+v, uid %v, eff %#x bnd %#x, sockets %+v", res.Ping, st.Uid, st.CapEff, st.CapBnd, socks)
	}
	c, res = run(plain)
	st, _ = procfs.ReadStatus(c.PID)
	socks, _ = netlab.RawSocketsOf(c.PID)
	if res.Ping.Socket != "EPERM" || st.CapEff != 0 || len(socks) != 0 {
		t.Errorf("plain copy: %+v, eff %#x, sockets %+v", res.Ping, st.CapEff, socks)
	}
	if err := WriteFile(s.T, plain, File{Permitted: 1 << NetRaw, Effective: true}); err != nil {
		t.Fatal(err)
	}
	c, res = run(plain)
	st, _ = procfs.ReadStatus(c.PID)
	socks, _ = netlab.RawSocketsOf(c.PID)
	if res.Ping.Socket != "ok" || res.Ping.Received != 1 || st.CapEff != 1<<NetRaw || st.CapPrm != 1<<NetRaw || st.Uid[1] != nobody || len(socks) != 1 || socks[0].UID != nobody {
		t.Errorf("cap_net_raw+ep copy: %+v, %+v, sockets %+v", res.Ping, st, socks)
	}
}

// TestAmbientAndEveryThread: the helper raises CAP_NET_RAW into the
// ambient set as nobody and drops cap_sys_admin from the bounding set;
// every thread of the process shows both, and a plain copy it executes
// keeps CAP_NET_RAW (CapAmb 0x2000) and can ping.
func TestAmbientAndEveryThread(t *testing.T) {
	kerneltest.Need(t)
	s := kerneltest.Session(t)
	self, _ := ReadSets(os.Getpid())
	setup := Setup{UID: nobody, GID: nobody, Inh: 1 << NetRaw, Prm: 1 << NetRaw, Amb: 1 << NetRaw, Bnd: self.Bounding &^ (1 << SysAdmin)}
	c, _, err := StartProgram(s, Program{Role: "sets", Setup: &setup})
	if err != nil || c == nil {
		t.Fatal(err)
	}
	threads, err := ReadThreadSets(c.PID)
	if err != nil || len(threads) < 2 {
		t.Fatalf("threads: %v %v", threads, err)
	}
	for tid, cs := range threads {
		if cs.Ambient != 1<<NetRaw || cs.Bounding != setup.Bnd || cs.Permitted != 1<<NetRaw {
			t.Errorf("thread %d: %+v", tid, cs)
		}
	}
	c.Stop()
	plain, err := CopySelf(s, "ping", 0, 0, 0o755, "")
	if err != nil {
		t.Fatal(err)
	}
	c, res, err := StartProgram(s, Program{Role: "ambient", Path: plain, Args: netlab.PingArgs(1), Setup: &setup})
	if err != nil || c == nil {
		t.Fatal(err, res)
	}
	defer c.Stop()
	st, _ := procfs.ReadStatus(c.PID)
	if st.CapAmb != 0x2000 || st.CapEff != 0x2000 || st.Uid[1] != nobody || res.Ping.Received != 1 {
		t.Errorf("ambient ping: %+v %+v", st, res.Ping)
	}
}

// TestExecDirOnNosuid: when the temp dir lies on a nosuid mount, the
// session mounts a tmpfs of its own for the copies, and a set-user-ID copy
// there still makes nobody root; the session removes the mount.
func TestExecDirOnNosuid(t *testing.T) {
	kerneltest.Need(t)
	base := t.TempDir()
	os.Chmod(filepath.Dir(base), 0o755)
	if err := unix.Mount("capstest-nosuid", base, "tmpfs", unix.MS_NOSUID, "mode=0755"); err != nil {
		t.Fatal(err)
	}
	defer unix.Unmount(base, unix.MNT_DETACH)
	t.Setenv("TMPDIR", base)
	s := kerneltest.Session(t)
	dir, err := ExecDir(s)
	if err != nil {
		t.Fatal(err)
	}
	var fs unix.Statfs_t
	if err := unix.Statfs(dir, &fs); err != nil || fs.Flags&unix.ST_NOSUID != 0 || filepath.Base(dir) != "exec" {
		t.Fatalf("exec dir %s: flags %#x, %v", dir, fs.Flags, err)
	}
	path, err := CopySelf(s, "ping-suid", 0, 0, 0o4755, "")
	if err != nil {
		t.Fatal(err)
	}
	c, res, err := StartProgram(s, Program{Role: "suid", Path: path, Args: netlab.PingArgs(0), UID: nobody, GID: nobody})
	if err != nil || c == nil {
		t.Fatal(err, res)
	}
	if res.Ping.EUID != 0 {
		t.Errorf("set-user-ID copy on the session's tmpfs: euid %d", res.Ping.EUID)
	}
	c.Stop()
	if err := s.Journal.ReleaseAll(); err != nil {
		t.Fatal(err)
	}
	if m, _ := procfs.IsMountPoint(dir); m {
		t.Errorf("%s is still mounted", dir)
	}
}

// TestMain: the test binary is also the children's binary (child.Main).
func TestMain(m *testing.M) {
	child.Main()
	os.Exit(m.Run())
}
