package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"nakami/engine"
	"nakami/lessons"
)

func TestRunNamespacesLeavesNoTrace(t *testing.T) {
	needKernel(t)
	before := snapshot(t)
	o := nakami(t, nil, "run", "namespaces")
	if o.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", o.code, o.stdout, o.stderr)
	}
	if n := strings.Count(o.stdout, "✓"); n < 17 || strings.Contains(o.stdout, "✗") {
		t.Errorf("want every check passing, got %d ✓:\n%s", n, o.stdout)
	}
	assertUnchanged(t, before)
}

func TestRunJSON(t *testing.T) {
	needKernel(t)
	o := nakami(t, nil, "run", "namespaces/nsenter", "--json", "--set", "hostname=lab1")
	var rs []lessons.Result
	if err := json.Unmarshal([]byte(o.stdout), &rs); err != nil || o.code != 0 {
		t.Fatalf("exit %d, %v\n%s", o.code, err, o.stdout)
	}
	r := rs[len(rs)-1]
	if r.Step != "nsenter" || !r.Passed() || len(r.Ops) == 0 || !strings.Contains(r.Checks[0].Detail, `"lab1"`) {
		t.Errorf("result = %+v", r)
	}
}

// pausedRun starts `run namespaces --step` and waits until the persist step
// (a bind mount and a temp dir exist then) is done and the run is paused.
func pausedRun(t *testing.T) (*exec.Cmd, func() error) {
	t.Helper()
	cmd := command(t, nil, "run", "namespaces", "--step")
	return cmd, pauseAfter(t, cmd, 5) // list compare unshare nsenter persist
}

// pauseAfter starts cmd, a `nakami run LESSON --step`, presses Enter after
// each step until steps of them are done, and returns with the run paused
// there. The returned wait lets the run go on to its end.
func pauseAfter(t *testing.T, cmd *exec.Cmd, steps int) (wait func() error) {
	t.Helper()
	stdin, _ := cmd.StdinPipe()
	stderr, _ := cmd.StderrPipe()
	cmd.Stdout = nil
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	for pauses := 0; pauses < steps; {
		if !sc.Scan() {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("%v ended before its step %d", cmd.Args[1:], steps)
		}
		if strings.Contains(sc.Text(), "press Enter") {
			if pauses++; pauses < steps {
				stdin.Write([]byte("\n"))
			}
		}
	}
	return func() error {
		stdin.Close()
		go func() {
			for sc.Scan() {
			}
		}()
		return cmd.Wait()
	}
}

func leftovers(before hostState, t *testing.T) string { return before.diff(snapshot(t)) }

// sigintUnwinds interrupts a paused run: exit 130, and the host is as it
// was before the run.
func sigintUnwinds(t *testing.T, cmd *exec.Cmd, wait func() error, before hostState) {
	t.Helper()
	cmd.Process.Signal(syscall.SIGINT)
	err := wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 {
		t.Errorf("exit after SIGINT: %v, want 130", err)
	}
	assertUnchanged(t, before)
}

// killLeaves kills a paused run outright, gives its held children settle
// to see EOF and exit, and requires each of remains among what is left on
// the host (the journal keeps them for cleanup). It returns that diff.
func killLeaves(t *testing.T, cmd *exec.Cmd, wait func() error, before hostState, settle time.Duration, remains ...string) string {
	t.Helper()
	cmd.Process.Kill()
	wait()
	time.Sleep(settle)
	d := leftovers(before, t)
	for _, want := range remains {
		if !strings.Contains(d, want) {
			t.Fatalf("after SIGKILL, want %q among the leftovers for cleanup, diff:\n%s", want, d)
		}
	}
	return d
}

// cleanedUp requires a cleanup's exit 0, each of says in its output, and
// the host as it was before the run.
func cleanedUp(t *testing.T, o outcome, before hostState, says ...string) {
	t.Helper()
	for _, want := range says {
		if o.code != 0 || !strings.Contains(o.stdout, want) {
			t.Errorf("cleanup (want %q): exit %d\n%s%s", want, o.code, o.stdout, o.stderr)
		}
	}
	assertUnchanged(t, before)
}

func TestSIGINTCleansUp(t *testing.T) {
	needKernel(t)
	before := snapshot(t)
	cmd, wait := pausedRun(t)
	if d := leftovers(before, t); !strings.Contains(d, "nsfs") {
		t.Fatalf("expected the persist step's nsfs mount while paused, host diff:\n%s", d)
	}
	sigintUnwinds(t, cmd, wait, before)
}

func TestSIGKILLThenCleanup(t *testing.T) {
	needKernel(t)
	before := snapshot(t)
	cmd, wait := pausedRun(t)
	d := killLeaves(t, cmd, wait, before, 100*time.Millisecond, "nsfs", "/run/nakami")
	dry := nakami(t, nil, "cleanup", "--dry-run")
	if dry.code != 0 || !strings.Contains(dry.stdout, "would remove mount") {
		t.Errorf("dry run: exit %d\n%s%s", dry.code, dry.stdout, dry.stderr)
	}
	if d2 := leftovers(before, t); d2 != d {
		t.Errorf("--dry-run changed the host:\n%s", d2)
	}
	cleanedUp(t, nakami(t, nil, "cleanup"), before, "removed mount")
	again := nakami(t, nil, "cleanup")
	if again.code != 0 || !strings.Contains(again.stdout, "nothing to clean up") {
		t.Errorf("second cleanup: exit %d\n%s", again.code, again.stdout)
	}
}

func TestCleanupLeavesLiveSessionsAlone(t *testing.T) {
	needKernel(t)
	before := snapshot(t)
	cmd, wait := pausedRun(t)
	o := nakami(t, nil, "cleanup")
	if o.code != 0 || !strings.Contains(o.stdout, "still running") {
		t.Errorf("cleanup during a run: exit %d\n%s", o.code, o.stdout)
	}
	if d := leftovers(before, t); !strings.Contains(d, "nsfs") {
		t.Errorf("cleanup touched a live session's mount")
	}
	cmd.Process.Signal(syscall.SIGTERM)
	wait()
	assertUnchanged(t, before)
}

// TestUnprivileged runs the lesson as nobody: the rootless steps pass, the
// root-only step is refused with a reason, and the exit code is 3.
func TestUnprivileged(t *testing.T) {
	needKernel(t)
	before := snapshot(t)
	o := nakami(t, &syscall.Credential{Uid: 65534, Gid: 65534}, "run", "namespaces", "--json")
	if o.code != 3 {
		t.Fatalf("exit %d, want 3\n%s\n%s", o.code, o.stdout, o.stderr)
	}
	var rs []lessons.Result
	if err := json.Unmarshal([]byte(o.stdout), &rs); err != nil {
		t.Fatal(err, o.stdout)
	}
	got := map[string]string{}
	for _, r := range rs {
		switch {
		case r.Unavailable != "":
			got[r.Step] = "unavailable"
		case r.Passed():
			got[r.Step] = "passed"
		default:
			got[r.Step] = fmt.Sprintf("failed: %s %+v", r.Error, r.Checks)
		}
	}
	// What nobody can run follows from each step's declared requirement:
	// root-only steps say why not, the others pass through user namespaces.
	l, _, err := lessons.Find("namespaces")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, s := range l.Steps {
		want[s.ID] = "passed"
		if s.Requires == lessons.NeedsRoot {
			want[s.ID] = "unavailable"
		}
	}
	if want["persist"] != "unavailable" || len(want) != len(got) {
		t.Errorf("steps as nobody: %v, want %v (persist needs root)", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s as nobody: %s, want %s", k, got[k], v)
		}
	}
	if !strings.Contains(o.stderr, "cannot run here") {
		t.Errorf("stderr does not say why: %q", o.stderr)
	}
	for _, r := range rs {
		if r.Step == "unshare" && !strings.Contains(r.Checks[2].Detail, "65534") {
			t.Errorf("uid map as nobody: %s", r.Checks[2].Detail)
		}
	}
	assertUnchanged(t, before)
	if _, err := os.Stat(filepath.Join(os.TempDir(), "nakami-run-65534")); err == nil {
		t.Error("nobody's journal directory was left behind")
	}
}

func TestInspectMatchesReadlink(t *testing.T) {
	needKernel(t)
	sleep := exec.Command("sleep", "30")
	sleep.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUTS | syscall.CLONE_NEWIPC}
	if err := sleep.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { sleep.Process.Kill(); sleep.Wait() }()
	pid := sleep.Process.Pid
	o := nakami(t, nil, "inspect", fmt.Sprint(pid), "--json")
	var sn lessons.Snapshot
	if err := json.Unmarshal([]byte(o.stdout), &sn); err != nil || o.code != 0 {
		t.Fatalf("exit %d, %v: %s", o.code, err, o.stdout)
	}
	if len(sn.NS) != 10 {
		t.Errorf("inspect reported %d namespace links, want 10", len(sn.NS))
	}
	for _, n := range sn.NS {
		out, err := exec.Command("readlink", fmt.Sprintf("/proc/%d/ns/%s", pid, n.Type)).Output()
		if err != nil {
			t.Fatal(err)
		}
		want := strings.TrimSpace(string(out))
		if got := fmt.Sprintf("%s:[%d]", strings.TrimSuffix(strings.TrimSuffix(n.Type, "_for_children"), ""), n.Inode); !strings.HasSuffix(want, fmt.Sprintf("[%d]", n.Inode)) {
			t.Errorf("%s: inspect %s, readlink %s", n.Type, got, want)
		}
	}
}

func TestJapanese(t *testing.T) {
	o := nakami(t, nil, "--lang", "ja", "list")
	if o.code != 0 || !strings.Contains(o.stdout, "名前空間") {
		t.Errorf("ja list: exit %d\n%s", o.code, o.stdout)
	}
	needKernel(t)
	o = nakami(t, nil, "--lang", "ja", "run", "namespaces")
	if o.code != 0 || !strings.Contains(o.stdout, "ホスト名") || !strings.Contains(o.stdout, "✓ setns で参加した") {
		t.Errorf("ja run: exit %d\n%s", o.code, o.stdout)
	}
	// The engine's notes on its operations are in Japanese too
	// (lessons/opnotes.go): a child placed before Go started, the pids
	// limit's clone failure, huge pages off.
	o = nakami(t, nil, "--lang", "ja", "run", "cgroups/pids-limit")
	for _, want := range []string{"スレッドがまだ 1 本のときに", "個起動したところで clone() が失敗", "ヒュージページではなく 4 KiB のページ"} {
		if o.code != 0 || !strings.Contains(o.stdout, want) {
			t.Errorf("ja run cgroups/pids-limit: exit %d, no %q\n%s", o.code, want, o.stdout)
		}
	}
	if strings.Contains(o.stdout, engine.NotePlaced) {
		t.Errorf("ja run cgroups/pids-limit: an engine note stayed in English\n%s", o.stdout)
	}
}

// TestBadInput: one sentence on stderr, exit 2, nothing left behind.
func TestBadInput(t *testing.T) {
	before := snapshot(t)
	for _, args := range [][]string{
		{"run", "nosuch"},
		{"run", "namespaces/nosuch"},
		{"run"},
		{"--lang", "fr", "list"},
		{"run", "namespaces", "--set", "hostname=bad name!"},
		{"run", "namespaces", "--set", "nope=1"},
		{"run", "namespaces", "--set", "hostname"},
		{"inspect", "abc"},
		{"inspect", "-5"},
		{"inspect", "999999999"},
		{"list", "--bogus"},
		{"frobnicate"},
	} {
		o := nakami(t, nil, args...)
		lines := strings.Split(strings.TrimSpace(o.stderr), "\n")
		if o.code != 2 || len(lines) != 1 || !strings.HasPrefix(lines[0], "nakami: ") || strings.Contains(o.stderr, "goroutine") {
			t.Errorf("%v: exit %d, stderr %q", args, o.code, o.stderr)
		}
	}
	assertUnchanged(t, before)
}

// TestUnreadableJournalLine: cleanup removes what it can read, names the bad
// line in one sentence, exits 2, and touches nothing the journal does not name.
func TestUnreadableJournalLine(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(os.TempDir(), "nakami-deadbeef")
	os.Mkdir(victim, 0o755)
	unrelated := filepath.Join(os.TempDir(), "not-nakami-"+fmt.Sprint(os.Getpid()))
	os.Mkdir(unrelated, 0o755)
	defer os.RemoveAll(unrelated)
	journal := `{"session":"deadbeef","pid":999999999,"start":1}
{"seq":1,"kind":"dir","path":"` + victim + `"}
this is not json
{"seq":2,"kind":"dir","path":"` + unrelated + `"}
`
	os.WriteFile(filepath.Join(dir, "deadbeef.journal"), []byte(journal), 0o600)
	cmd := command(t, nil, "cleanup")
	cmd.Env = append(cmd.Env, "NAKAMI_RUN_DIR="+dir)
	out, err := cmd.CombinedOutput()
	ee, _ := err.(*exec.ExitError)
	if ee == nil || ee.ExitCode() != 2 || !strings.Contains(string(out), "line 3 is unreadable") {
		t.Errorf("cleanup with a bad line: %v\n%s", err, out)
	}
	if _, err := os.Stat(victim); err == nil {
		t.Error("the readable entry was not removed")
	}
	if _, err := os.Stat(unrelated); err != nil {
		t.Error("cleanup removed a directory whose name does not carry the session's tag")
	}
}

// TestKeepThenCleanup: --keep leaves the processes and the mount in place,
// says how to look at them, and `nakami cleanup` removes them all.
func TestKeepThenCleanup(t *testing.T) {
	needKernel(t)
	before := snapshot(t)
	o := nakami(t, nil, "run", "namespaces", "--keep")
	if o.code != 0 || !strings.Contains(o.stdout, "nsenter -t") || !strings.Contains(o.stdout, "findmnt") || !strings.Contains(o.stdout, "nakami cleanup") {
		t.Fatalf("exit %d\n%s", o.code, o.stdout)
	}
	if d := leftovers(before, t); !strings.Contains(d, "nsfs") {
		t.Errorf("--keep did not keep the nsfs mount:\n%s", d)
	}
	out, _ := exec.Command("pgrep", "-f", "__nakami_child__").Output()
	if len(strings.Fields(string(out))) < 3 {
		t.Errorf("--keep did not keep the held processes: %q", out)
	}
	if c := nakami(t, nil, "cleanup"); c.code != 0 || !strings.Contains(c.stdout, "removed process") {
		t.Errorf("cleanup: exit %d\n%s%s", c.code, c.stdout, c.stderr)
	}
	time.Sleep(100 * time.Millisecond)
	if out, _ := exec.Command("pgrep", "-f", "__nakami_child__").Output(); len(out) > 0 {
		t.Errorf("processes left after cleanup: %s", out)
	}
	assertUnchanged(t, before)
}

// runPassed reads a `nakami run LESSON --json` outcome and requires exit 0,
// every step passed, and exactly the lesson's steps, in the registry's order.
// Each check's verdict is logged, so `go test -v` shows what the kernel said.
func runPassed(t *testing.T, o outcome, lesson string) []lessons.Result {
	t.Helper()
	l, _, err := lessons.Find(lesson)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, s := range l.Steps {
		want = append(want, s.ID)
	}
	steps := strings.Join(want, " ")
	var rs []lessons.Result
	if err := json.Unmarshal([]byte(o.stdout), &rs); err != nil || o.code != 0 {
		t.Fatalf("exit %d, %v\n%s\n%s", o.code, err, o.stdout, o.stderr)
	}
	var got []string
	for _, r := range rs {
		got = append(got, r.Step)
		if !r.Passed() {
			t.Errorf("%s did not pass: %s %+v", r.Step, r.Error, r.Checks)
		}
		for _, c := range r.Checks {
			t.Logf("%s: %s — %s", r.Step, c.Name, c.Detail)
		}
	}
	if strings.Join(got, " ") != steps {
		t.Errorf("steps ran: %v, want %s", got, steps)
	}
	return rs
}

// TestDoctor: as root every step can run (exit 0); as nobody doctor exits 3
// with one sentence, and within a lesson no reason is repeated: steps that
// cannot run for the same reason share one line.
func TestDoctor(t *testing.T) {
	needKernel(t)
	if o := nakami(t, nil, "doctor"); o.code != 0 || strings.Contains(o.stdout, "✗") {
		t.Errorf("doctor as root: exit %d\n%s%s", o.code, o.stdout, o.stderr)
	}
	o := nakami(t, &syscall.Credential{Uid: 65534, Gid: 65534}, "doctor")
	if o.code != 3 || !strings.Contains(o.stderr, "steps cannot run here") {
		t.Fatalf("doctor as nobody: exit %d, want 3\n%s", o.code, o.stderr)
	}
	lesson := ""
	seen := map[string]bool{}
	for _, line := range strings.Split(o.stdout, "\n") {
		if strings.HasPrefix(line, "✗ ") {
			lesson, seen = line, map[string]bool{}
			continue
		}
		if lesson == "" || !strings.HasPrefix(line, "    ") {
			continue
		}
		_, why, _ := strings.Cut(line, ": ")
		if seen[why] {
			t.Errorf("%s repeats %q", lesson, why)
		}
		seen[why] = true
	}
	if !strings.Contains(o.stdout, "persist: needs root") {
		t.Errorf("doctor as nobody does not say why persist cannot run:\n%s", o.stdout)
	}
}

// TestSIGINTSaysStopping: Ctrl-C in a run says at once that it is
// stopping and cleaning up, before the unwind finishes.
func TestSIGINTSaysStopping(t *testing.T) {
	needKernel(t)
	before := snapshot(t)
	cmd := command(t, nil, "run", "namespaces", "--step")
	stdin, _ := cmd.StdinPipe()
	defer stdin.Close()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	for sc.Scan() && !strings.Contains(sc.Text(), "press Enter") {
	}
	cmd.Process.Signal(syscall.SIGINT)
	var rest []string
	for sc.Scan() {
		rest = append(rest, sc.Text())
	}
	cmd.Wait()
	if len(rest) == 0 || !strings.Contains(rest[0], "stopping") {
		t.Errorf("after SIGINT, stderr said %q; want a stopping line first", rest)
	}
	assertUnchanged(t, before)
}

// TestUnknownParameterListsTheValidOnes: a --set name nothing takes is
// refused with the names (and defaults) the steps do take.
func TestUnknownParameterListsTheValidOnes(t *testing.T) {
	o := nakami(t, nil, "run", "cgroups/cpu-quota", "--set", "cpus=20%")
	if o.code != 2 || !strings.Contains(o.stderr, "cpu=50%") {
		t.Errorf("exit %d, want 2 and the valid names:\n%s", o.code, o.stderr)
	}
}

// TestStepShowsExplanations: `run --step` prints each step's text before
// its transcript, in the session's language.
func TestStepShowsExplanations(t *testing.T) {
	needKernel(t)
	for _, lang := range []string{"en", "ja"} {
		o := nakami(t, nil, "run", "namespaces/compare", "--step", "--lang", lang)
		c := lessons.ContentFor(lang, "namespaces")
		for _, id := range []string{"list", "compare"} {
			st := c.Step(id)
			title := strings.Index(o.stdout, "━━ "+st.Title+" ━━")
			run := strings.Index(o.stdout, "▶ namespaces/"+id)
			if o.code != 0 || title < 0 || run < title {
				t.Errorf("%s: exit %d; the text of %s (at %d) must come before its transcript (at %d):\n%s", lang, o.code, id, title, run, o.stdout)
			}
		}
	}
}

// TestRunHelpNamesParameters: every step parameter is in run --help with
// its default.
func TestRunHelpNamesParameters(t *testing.T) {
	o := nakami(t, nil, "run", "--help")
	for _, l := range lessons.All() {
		for _, s := range l.Steps {
			for _, p := range s.Params {
				if !strings.Contains(o.stdout, l.ID+"/"+s.ID) || !strings.Contains(o.stdout, p.Name+"="+p.Default) {
					t.Errorf("run --help lacks %s/%s %s=%s", l.ID, s.ID, p.Name, p.Default)
				}
			}
		}
	}
}
