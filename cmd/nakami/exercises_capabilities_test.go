package main

// The capabilities lesson's exercises, done with libcap2-bin (setcap,
// capsh) and coreutils, never with nakami's engine.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"nakami/engine/procfs"
)

var asNobody = &syscall.Credential{Uid: 65534, Gid: 65534}

func TestExerciseFileCap(t *testing.T) {
	learner(t, "setcap", "cp")
	before := snapshot(t)
	const id = "capabilities/file-cap"
	dir, err := os.MkdirTemp("", "nkx-filecap-") // t.TempDir's parent is closed to nobody, who checks it too
	if err == nil {
		err = os.Chmod(dir, 0o755)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	f := filepath.Join(dir, "ping")
	sh(t, "cp /bin/sleep "+f) // any program will do
	check(t, 1, []string{f, "has no file capabilities"}, id, f)

	sh(t, "setcap cap_net_raw+p "+f) // near miss: no effective bit
	check(t, 1, []string{f, `"cap_net_raw=p", not exactly cap_net_raw=ep`}, id, f)
	sh(t, "setcap cap_net_raw,cap_chown+ep "+f) // near miss: one too many
	check(t, 1, []string{"not exactly cap_net_raw=ep"}, id, f)

	sh(t, "setcap cap_net_raw+ep "+f)
	check(t, 0, []string{f, "carries exactly cap_net_raw=ep", "0755"}, id, f)
	check(t, 0, []string{`"done": true`}, id, f, "--json")
	if o := nakami(t, asNobody, "check", id, f); o.code != 0 || !strings.Contains(o.stdout, "exactly cap_net_raw=ep") {
		t.Errorf("as nobody: exit %d\n%s%s", o.code, o.stdout, o.stderr)
	}
	if o := nakami(t, nil, "check", id, f, "--lang", "ja"); o.code != 0 || !strings.Contains(o.stdout, "ちょうど cap_net_raw=ep を持ち") {
		t.Errorf("--lang ja: exit %d\n%s", o.code, o.stdout)
	}

	sh(t, "chmod u+s "+f) // near miss: the capability plus set-user-ID
	check(t, 1, []string{f, "is set-user-ID (mode 04755)"}, id, f)
	sh(t, "chmod u-s "+f)
	check(t, 0, nil, id, f)

	sh(t, "setcap -r "+f) // undo
	check(t, 1, []string{f, "has no file capabilities"}, id, f)
	check(t, 2, nil, id) // PATH is required

	// The lesson's own copy, kept, is not a solution.
	o := nakami(t, nil, "run", "capabilities/setcap", "--keep")
	if o.code != 0 {
		t.Fatalf("run --keep: exit %d\n%s%s", o.code, o.stdout, o.stderr)
	}
	m := regexp.MustCompile(`getcap (\S+);`).FindStringSubmatch(o.stdout)
	if m == nil {
		t.Fatalf("run --keep does not say where its copy is:\n%s", o.stdout)
	}
	check(t, 1, []string{"made by nakami"}, id, m[1])
	// nobody cannot read root's journal, and still must not count it.
	if o := nakami(t, asNobody, "check", id, m[1]); o.code != 1 || !strings.Contains(o.stdout, "made by nakami") {
		t.Errorf("the kept copy as nobody: exit %d\n%s%s", o.code, o.stdout, o.stderr)
	}
	cleanedUp(t, nakami(t, nil, "cleanup"), before, "removed file")
}

// startAmbient starts capsh as the article does, as nobody, with or
// without --addamb, running sleep; it returns sleep's PID once capsh has
// exec'ed it, and kills it at the end.
func startAmbient(t *testing.T, addamb bool) (*exec.Cmd, int) {
	t.Helper()
	args := []string{"--caps=cap_net_raw+ip cap_setpcap,cap_setuid,cap_setgid+ep", "--keep=1", "--user=nobody"}
	if addamb {
		args = append(args, "--addamb=cap_net_raw")
	}
	cmd := exec.Command("capsh", append(args, "--shell=/bin/sh", "--", "-c", "exec sleep 600")...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if st, err := procfs.ReadStatus(cmd.Process.Pid); err == nil && st.Name == "sleep" {
			return cmd, cmd.Process.Pid
		}
	}
	t.Fatalf("capsh %v did not exec sleep", args)
	return nil, 0
}

func TestExerciseAmbient(t *testing.T) {
	learner(t, "capsh", "sleep")
	before := snapshot(t)
	const id = "capabilities/ambient"
	check(t, 1, nil, id)

	near, pid := startAmbient(t, false) // near miss: inheritable only
	who := fmt.Sprintf("PID %d (sleep, uid 65534)", pid)
	check(t, 1, []string{who, "cap_net_raw is not in its ambient set and cap_net_raw is not in its effective set", "CapInh 0000000000002000"}, id)
	near.Process.Kill()
	near.Wait()

	p, pid := startAmbient(t, true)
	who = fmt.Sprintf("PID %d (sleep, uid 65534)", pid)
	check(t, 0, []string{who, "runs as a non-root user", "CapAmb 0000000000002000"}, id)
	check(t, 0, []string{`"done": true`}, id, "--json")
	if o := nakami(t, nil, "check", id, "--lang", "ja"); o.code != 0 || !strings.Contains(o.stdout, "ambient と effective の両方に cap_net_raw") {
		t.Errorf("--lang ja: exit %d\n%s", o.code, o.stdout)
	}
	if o := nakami(t, asNobody, "check", id); o.code != 3 || !strings.Contains(o.stdout, "needs root") {
		t.Errorf("as nobody: exit %d, want 3 (root's journals)\n%s%s", o.code, o.stdout, o.stderr)
	}

	p.Process.Kill() // undo
	p.Wait()
	if o := check(t, 1, nil, id); strings.Contains(o.stdout, fmt.Sprintf("PID %d ", pid)) {
		t.Errorf("a process that exited still counts:\n%s", o.stdout)
	}

	// The lesson's own ambient process, kept, is not a solution.
	if o := nakami(t, nil, "run", "capabilities/ambient", "--keep"); o.code != 0 {
		t.Fatalf("run --keep: exit %d\n%s%s", o.code, o.stdout, o.stderr)
	}
	check(t, 1, []string{"started by nakami"}, id)
	cleanedUp(t, nakami(t, nil, "cleanup"), before, "removed process")
}
