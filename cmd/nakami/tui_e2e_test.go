package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// tmuxSession drives the real binary in a private tmux server at 100×30,
// as a person at a terminal would.
type tmuxSession struct {
	t    *testing.T
	sock string
}

func newTmux(t *testing.T, env []string, args ...string) *tmuxSession {
	t.Helper()
	return newTmuxAt(t, "100", "30", env, args...)
}

// newTmuxAt is newTmux at another size.
func newTmuxAt(t *testing.T, width, height string, env []string, args ...string) *tmuxSession {
	t.Helper()
	return newTmuxRun(t, width, height, "", env, append([]string{bin(t)}, args...))
}

// newTmuxRun starts argv (the binary, or a command that runs it) in dir
// ("": the test's own).
func newTmuxRun(t *testing.T, width, height, dir string, env, argv []string) *tmuxSession {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("NAKAMI_REQUIRE_KERNEL") == "1" {
			t.Fatal("tmux is missing (.ci/run installs it)")
		}
		t.Skip("needs tmux")
	}
	s := &tmuxSession{t: t, sock: filepath.Join(t.TempDir(), "tmux.sock")}
	cmdline := append([]string{"new-session", "-d", "-s", "nk", "-x", width, "-y", height,
		"-e", "NAKAMI_BE_MAIN=1", "-e", "LANG=C.UTF-8", "-e", "NAKAMI_STATE_DIR=" + t.TempDir()}, nil...)
	for _, e := range env {
		cmdline = append(cmdline, "-e", e)
	}
	if dir != "" {
		cmdline = append(cmdline, "-c", dir)
	}
	cmdline = append(cmdline, argv...)
	s.run(cmdline...)
	t.Cleanup(func() { exec.Command("tmux", "-S", s.sock, "kill-server").Run() })
	return s
}

func (s *tmuxSession) run(args ...string) string {
	out, err := exec.Command("tmux", append([]string{"-S", s.sock}, args...)...).CombinedOutput()
	if err != nil && args[0] != "has-session" {
		s.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (s *tmuxSession) screen(escapes bool) string {
	args := []string{"capture-pane", "-p", "-t", "nk"}
	if escapes {
		args = append(args, "-e")
	}
	return s.run(args...)
}

func (s *tmuxSession) keys(k ...string) { s.run(append([]string{"send-keys", "-t", "nk"}, k...)...) }

// waitFor polls the screen until it shows every string in want.
func (s *tmuxSession) waitFor(want ...string) string {
	s.t.Helper()
	var scr string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		scr = s.screen(false)
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(scr, w)
		}
		if ok {
			return scr
		}
	}
	s.t.Fatalf("the screen never showed %q; last screen:\n%s", want, scr)
	return ""
}

// waitForText waits for sentences that may wrap: the screen's spaces, line
// ends and box borders are left out of the comparison.
func (s *tmuxSession) waitForText(want ...string) string {
	s.t.Helper()
	squeeze := strings.NewReplacer(" ", "", "\n", "", "│", "")
	var scr string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		scr = s.screen(false)
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(squeeze.Replace(scr), squeeze.Replace(w))
		}
		if ok {
			return scr
		}
	}
	s.t.Fatalf("the screen never showed %q; last screen:\n%s", want, scr)
	return ""
}

// quitRemoving quits while the session holds objects: the workbench asks,
// and y removes them on the way out.
func (s *tmuxSession) quitRemoving() {
	s.t.Helper()
	s.keys("q")
	s.waitUntil("the quit question", func(scr string) bool {
		return strings.Contains(scr, "remove them and quit") || strings.Contains(scr, "削除して終了")
	})
	s.keys("y")
	s.waitGone()
}

func (s *tmuxSession) waitGone() {
	s.t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if err := exec.Command("tmux", "-S", s.sock, "has-session", "-t", "nk").Run(); err != nil {
			return
		}
	}
	s.t.Fatalf("the workbench did not exit; screen:\n%s", s.screen(false))
}

func TestWorkbenchAsAPerson(t *testing.T) {
	needKernel(t)
	before := snapshot(t)
	s := newTmux(t, nil, "namespaces")
	s.waitFor("Lessons", "Namespaces", "The namespace link", "Eight kinds of iso")
	s.keys("j", "j", "Enter") // to namespaces/unshare, run it
	s.waitFor("Transcript", "every check passed", "✓ exactly user, uts, ipc, pid and mnt")
	s.keys("?")
	s.waitFor("Keys", "reset the lesson", "shell inside the step's namespaces")
	s.keys("x") // any key closes the help
	s.waitFor("Transcript")
	s.keys("L")
	s.waitFor("レッスン", "名前空間")
	s.keys("q")
	s.waitFor("y  削除して終了")
	s.keys("y")
	s.waitGone()
	assertUnchanged(t, before)
}

// TestShellKey: `s` suspends the workbench and opens a shell inside the
// step's namespaces on the real terminal; exiting it returns.
func TestShellKey(t *testing.T) {
	needKernel(t)
	before := snapshot(t)
	s := newTmux(t, nil, "namespaces/nsenter")
	s.waitFor("Joining a running")
	s.keys("Enter")
	s.waitFor("every check passed")
	s.keys("s")
	s.waitFor("a shell inside process", "(uts-holder)", "Type exit to return to the workbench", "uts-holder #")
	s.keys("hostname; id -u", "Enter")
	s.waitFor("\nfoobar\n0\n") // the shell's own output: hostname, then id -u
	s.keys("exit", "Enter")
	s.waitFor("press Enter to return")
	s.keys("Enter")
	s.waitFor("back from the shell")
	s.quitRemoving()
	assertUnchanged(t, before)
}

// TestPresenterStartsWithPrerequisitesRun: `--present LESSON/STEP` opens at
// that step in the large one-pane layout, with its prerequisites already run.
func TestPresenterStartsWithPrerequisitesRun(t *testing.T) {
	needKernel(t)
	s := newTmux(t, nil, "--present", "namespaces/compare")
	scr := s.waitFor("Everyone starts in the same namespaces", "every check passed")
	if strings.Contains(scr, "Lessons") {
		t.Errorf("presenter mode shows the lesson list:\n%s", scr)
	}
	s.keys("Tab")
	s.waitFor("Transcript")
	s.quitRemoving()
}

// sgrColor matches an SGR sequence that sets a foreground or background
// colour (30–38, 40–48, 90–97, 100–107); resets and bold are not colours.
var sgrColor = regexp.MustCompile(`\x1b\[([0-9;:]*)m`)

func colourCodes(screen string) []string {
	var out []string
	for _, m := range sgrColor.FindAllStringSubmatch(screen, -1) {
		for _, p := range strings.FieldsFunc(m[1], func(r rune) bool { return r == ';' || r == ':' }) {
			switch {
			case len(p) == 2 && (p[0] == '3' || p[0] == '4') && p[1] != '9',
				len(p) == 2 && p[0] == '9', len(p) == 3 && strings.HasPrefix(p, "10"):
				out = append(out, m[0])
			}
		}
	}
	return out
}

func TestNoColor(t *testing.T) {
	colored := newTmux(t, nil)
	colored.waitFor("Lessons")
	if len(colourCodes(colored.screen(true))) == 0 {
		t.Fatal("the coloured screen shows no colour either: the check below could not fail")
	}
	colored.keys("q")
	colored.waitGone()
	for _, how := range []struct {
		env  []string
		args []string
	}{{[]string{"NO_COLOR=1"}, nil}, {nil, []string{"--no-color"}}} {
		s := newTmux(t, how.env, how.args...)
		s.waitFor("Lessons", "Namespaces")
		if codes := colourCodes(s.screen(true)); len(codes) > 0 {
			t.Errorf("%v %v: colour sequences on screen: %q", how.env, how.args, codes[:min(5, len(codes))])
		}
		s.keys("q")
		s.waitGone()
	}
}

// TestShellKeyTwice: on a step whose process has a PID namespace of its
// own, the shell makes itself the terminal's foreground process group;
// after `exit` the workbench must get the terminal back, with a clean
// status line, and `s` must work again (it used to end nakami with
// "read /dev/stdin: input/output error").
func TestShellKeyTwice(t *testing.T) {
	needKernel(t)
	before := snapshot(t)
	for _, at := range []struct{ w, h, lang, back string }{
		{"80", "24", "en", "back from the shell"}, {"160", "45", "ja", "シェルから戻りました"},
	} {
		s := newTmuxAt(t, at.w, at.h, nil, "--lang", at.lang, "namespaces/types")
		s.waitFor("nakami 中身")
		s.keys("Enter")
		s.waitFor(map[string]string{"en": "every check passed", "ja": "すべてのチェックに合格"}[at.lang])
		for i, word := range []string{"first", "second"} {
			s.keys("s")
			s.waitFor("all #")
			s.keys("echo "+word+"-$((40+2)); exit", "Enter")
			s.waitFor(word+"-42", "Enter") // what the shell printed stays until Enter
			s.keys("Enter")
			scr := s.waitFor(at.back)
			if strings.Contains(scr, "exit status") {
				t.Errorf("%s×%s %s, shell %d: the status line reports a failure:\n%s", at.w, at.h, at.lang, i+1, scr)
			}
		}
		s.quitRemoving()
	}
	assertUnchanged(t, before)
}

// TestLanguageIsKept: the language chosen with L is the one the next start
// opens in (unless --lang asks for another), and a kept session's message
// speaks it.
func TestLanguageIsKept(t *testing.T) {
	needKernel(t)
	state := "NAKAMI_STATE_DIR=" + t.TempDir()
	s := newTmux(t, []string{state}, "namespaces")
	s.waitFor("Lessons", "The namespace link")
	s.keys("L")
	s.waitFor("レッスン")
	s.keys("q")
	s.waitGone()
	again := newTmux(t, []string{state}, "namespaces")
	again.waitFor("レッスン", "名前空間")
	again.keys("q")
	again.waitGone()
	en := newTmux(t, []string{state}, "--lang", "en", "namespaces")
	en.waitFor("Lessons")
	en.keys("q")
	en.waitGone()
}

// TestListNamesParameters: list --json gives each step's parameters with
// their defaults, as --set takes them.
func TestListNamesParameters(t *testing.T) {
	o := nakami(t, nil, "list", "--json")
	var ls []listLesson
	if err := json.Unmarshal([]byte(o.stdout), &ls); err != nil || o.code != 0 {
		t.Fatalf("list --json: exit %d, %v", o.code, err)
	}
	got := map[string]string{}
	for _, l := range ls {
		for _, s := range l.Steps {
			for _, p := range s.Params {
				got[l.ID+"/"+s.ID+" "+p.Name] = p.Default
				if p.Help == "" {
					t.Errorf("%s/%s: parameter %s has no help", l.ID, s.ID, p.Name)
				}
			}
		}
	}
	for k, want := range map[string]string{"cgroups/cpu-quota cpu": "50%", "cgroups/memory-limit memory": "10MB",
		"namespaces/persist hostname": "foobar", "first-container/cgroup cpu": "30%"} {
		if got[k] != want {
			t.Errorf("%s: default %q, want %q (all: %v)", k, got[k], want, got)
		}
	}
}

// TestShellKeyNetns: at network/ping, whose ns0 holds no process, `s`
// opens a shell in ns0 itself (its eth0 has 192.168.77.2), not in some
// other step's namespaces.
func TestShellKeyNetns(t *testing.T) {
	scr := shellAt(t, "network/ping", "-ns0 #", "ip -o addr show eth0; hostname", "192.168.77.2/24")
	if strings.Contains(scr, "foobar") {
		t.Errorf("the shell is in another step's UTS namespace:\n%s", scr)
	}
}

// shellAt runs step in the workbench, opens its shell with s, waits for
// ready, types typed, waits for want, leaves the shell (exit, Enter) and
// the workbench, and checks the host is as before. It returns the screen
// that showed want.
func shellAt(t *testing.T, step, ready, typed, want string) string {
	t.Helper()
	needKernel(t)
	before := snapshot(t)
	s := newTmux(t, nil, step)
	s.waitFor("Lessons")
	s.keys("Enter")
	s.waitFor("every check passed")
	s.keys("s")
	s.waitFor(ready)
	s.keys(typed, "Enter")
	scr := s.waitFor(want)
	s.keys("exit", "Enter")
	s.waitFor("press Enter to return")
	s.keys("Enter")
	s.waitFor("back from the shell")
	s.quitRemoving()
	assertUnchanged(t, before)
	return scr
}

// TestHelpFitsAt80x24: the `?` screen shows every key, the last ones
// (language, help, quit) included, at 80×24 in both languages.
func TestHelpFitsAt80x24(t *testing.T) {
	for _, lang := range []string{"en", "ja"} {
		s := newTmuxAt(t, "80", "24", nil, "--lang", lang, "namespaces")
		s.waitFor("nakami")
		s.keys("?")
		if lang == "en" {
			s.waitFor("move up", "reset the lesson", "English / 日本語", "all keys", "quit (cleans up)")
		} else {
			s.waitFor("上へ", "レッスンをリセット", "English / 日本語", "すべてのキー", "終了(後片付けします)")
		}
		s.keys("x", "q")
		s.waitGone()
	}
}

// TestPresenterPaintsEveryCell: --present paints its own background on
// every cell (read back from tmux with capture-pane -e, following the SGR
// state across the screen), whatever the terminal's own theme.
func TestPresenterPaintsEveryCell(t *testing.T) {
	needKernel(t)
	s := newTmux(t, nil, "--present", "namespaces/list")
	s.waitFor("The namespace links of a process")
	bare, cells := bareCells(s.screen(true))
	if cells == 0 || bare > 0 {
		t.Errorf("%d of %d cells have the terminal's own background", bare, cells)
	}
	s.keys("q")
	s.waitGone()
}

// bareCells counts the cells of a screen read with capture-pane -e, and
// those of them that have the terminal's own background, following the
// SGR state across the screen.
func bareCells(scr string) (bare, cells int) {
	bg := false
	for i := 0; i < len(scr); {
		if m := sgrColor.FindStringSubmatchIndex(scr[i:]); m != nil && m[0] == 0 {
			ps := strings.Split(scr[i+m[2]:i+m[3]], ";")
			for j := 0; j < len(ps); j++ {
				switch ps[j] {
				case "", "0", "49":
					bg = false
				case "48":
					bg = true
					if j+1 < len(ps) && ps[j+1] == "5" {
						j += 2
					} else {
						j += 4
					}
				case "38", "58":
					if j+1 < len(ps) && ps[j+1] == "5" {
						j += 2
					} else {
						j += 4
					}
				}
			}
			i += m[1]
			continue
		}
		if scr[i] != '\n' {
			cells++
			if !bg {
				bare++
			}
		}
		i++
	}
	return bare, cells
}

// TestContainerShellHasTheArticlesTools: in the container's shell (s at
// first-container/inside) what the article types there works: yes, head,
// grep, sleep; and the banner says where the shell is.
func TestContainerShellHasTheArticlesTools(t *testing.T) {
	scr := shellAt(t, "first-container/inside", "Type exit to return",
		"yes nakami | head -n 2 | grep -c nakami; sleep 0; echo tools-$?", "tools-0")
	if strings.Contains(scr, "not found") {
		t.Errorf("a tool is missing in the container:\n%s", scr)
	}
}

// TestPresenterInstructorKeys: at 160×45 the presenter shows the text and
// the transcript side by side with the live numbers in large digits; t
// hides the transcript, b blanks the screen (any key returns), g jumps.
func TestPresenterInstructorKeys(t *testing.T) {
	needKernel(t)
	before := snapshot(t)
	s := newTmuxAt(t, "160", "45", nil, "--present", "cgroups/cpu-quota")
	s.waitFor("Capping CPU time", "Transcript")
	s.keys("Enter")
	s.waitFor("every check passed", "quota 50%", "▄▄█") // the board's digits are three rows tall
	s.keys("t")
	s.waitUntil("t hides the transcript", func(scr string) bool {
		return strings.Contains(scr, "Capping CPU time") && !strings.Contains(scr, "Transcript")
	})
	s.keys("t", "b")
	s.waitUntil("b blanks the screen", func(scr string) bool { return strings.TrimSpace(scr) == "" })
	s.keys("x")
	s.waitFor("Capping CPU time")
	s.keys("g")
	s.waitFor("Jump to")
	s.keys("j", "Enter") // the next step, memory-limit, its prerequisites run first
	s.waitFor("Capping memory and meeting the OOM killer")
	s.quitRemoving()
	assertUnchanged(t, before)
}

// waitUntil waits for a screen that ok accepts.
func (s *tmuxSession) waitUntil(what string, ok func(string) bool) {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok(s.screen(false)) {
		if time.Now().After(deadline) {
			s.t.Fatalf("%s: never seen; the screen is:\n%s", what, s.screen(false))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestWorkbenchOffersCleanup: after a kill -9 in the network lesson, the
// workbench opens on a notice naming the dead session and what it left;
// y removes it, one sentence says what was removed, the notice closes, and
// the host is as it was before the kill. At 80×24 in English and at 160×45
// in Japanese.
func TestWorkbenchOffersCleanup(t *testing.T) {
	needKernel(t)
	for _, at := range []struct {
		w, h, lang             string
		notice, object, key    string
		removed, removedSuffix string
	}{
		{"80", "24", "en", "A session that ended without cleaning up (%s, PID", "bridge ", "y      remove them now", "Removed %s left by %s:", "a bridge"},
		{"160", "45", "ja", "後片付けをせずに終了したセッション(%s、PID", "ブリッジ ", "y      今すぐ削除", "%s が残した %s", "を削除しました"},
	} {
		before := snapshot(t)
		bridge := killNetworkAfterBridge(t)
		t.Cleanup(func() { nakami(t, nil, "cleanup") }) // when the test fails half-way
		tag := "nakami-" + bridge[2:10]
		s := newTmuxAt(t, at.w, at.h, nil, "--lang", at.lang)
		scr := s.waitForText(fmt.Sprintf(at.notice, tag), at.object+bridge, at.key)
		n := 1
		if strings.Contains(scr, "2 objects") || strings.Contains(scr, "2 個のオブジェクト") {
			n = 2 // the isolated step's process had not exited yet
		}
		s.keys("y")
		want := fmt.Sprintf(at.removed, map[int]string{1: "1 object", 2: "2 objects"}[n], tag)
		if at.lang == "ja" {
			want = fmt.Sprintf(at.removed, tag, fmt.Sprintf("%d 個のオブジェクト", n))
		}
		s.waitForText(want, at.removedSuffix)
		s.waitUntil("the notice closes", func(scr string) bool {
			return !strings.Contains(scr, "Left behind") && !strings.Contains(scr, "残されたもの")
		})
		s.keys("q")
		s.waitGone()
		assertUnchanged(t, before)
	}
}

// TestWorkbenchLeavesLeftovers: n closes the notice and leaves the dead
// session's objects where they are; in --present the notice has the
// presenter's background on every cell. As nobody, who cannot read root's
// journals, the notice says in one sentence that nakami cleanup needs
// root, and enter closes it. nakami cleanup then removes everything.
func TestWorkbenchLeavesLeftovers(t *testing.T) {
	needKernel(t)
	before := snapshot(t)
	bridge := killNetworkAfterBridge(t)
	t.Cleanup(func() { nakami(t, nil, "cleanup") }) // when the test fails half-way
	tag := "nakami-" + bridge[2:10]
	stays := func(how string) {
		if _, err := os.Stat("/sys/class/net/" + bridge); err != nil {
			t.Errorf("%s, the bridge %s is gone: %v", how, bridge, err)
		}
	}

	s := newTmuxAt(t, "80", "24", nil, "--present", "--lang", "en")
	s.waitForText(tag, "left", "bridge "+bridge, "n      leave them for later")
	if bare, cells := bareCells(s.screen(true)); cells == 0 || bare > 0 {
		t.Errorf("presenter's notice: %d of %d cells have the terminal's own background", bare, cells)
	}
	s.keys("n")
	s.waitForText("Left in place; nakami cleanup removes them whenever you like.")
	s.keys("q")
	s.waitGone()
	stays("after n")

	nobody := []string{"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--", bin(t), "--lang", "en"}
	s = newTmuxRun(t, "80", "24", "/", []string{"XDG_RUNTIME_DIR=", "HOME=/nonexistent"}, nobody)
	s.waitForText("this user cannot read", "nakami cleanup needs root", "enter  continue")
	s.keys("Enter")
	s.waitFor("Lessons")
	s.keys("q")
	s.waitGone()
	stays("after nobody's workbench")

	if r := nakami(t, nil, "cleanup"); r.code != 0 || !strings.Contains(r.stdout, "removed link "+bridge) {
		t.Errorf("nakami cleanup: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	assertUnchanged(t, before)
}
