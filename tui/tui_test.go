package tui

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"nakami/engine"
	"nakami/engine/child"
	"nakami/engine/procfs"
	"nakami/internal/kerneltest"
	"nakami/lessons"
)

func TestMain(m *testing.M) {
	child.Main()
	os.Exit(m.Run())
}

// needKernel: see kerneltest.Need.
func needKernel(t *testing.T) { kerneltest.Need(t) }

// start builds the workbench on a real session and drives it with teatest.
func start(t *testing.T, o Options) (*teatest.TestModel, *lessons.Env) {
	t.Helper()
	t.Setenv("NAKAMI_RUN_DIR", t.TempDir())
	t.Setenv("NAKAMI_STATE_DIR", t.TempDir())
	env, err := lessons.Open(context.Background(), o.Lang)
	if err != nil {
		t.Fatal(err)
	}
	tm := teatest.NewTestModel(t, newModel(env, o), teatest.WithInitialTermSize(100, 30))
	return tm, env
}

func press(tm *teatest.TestModel, keys ...string) {
	for _, k := range keys {
		switch k {
		case "enter":
			tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
		case "tab":
			tm.Send(tea.KeyPressMsg{Code: tea.KeyTab})
		default:
			r := []rune(k)[0]
			tm.Send(tea.KeyPressMsg{Code: r, Text: k})
		}
	}
}

// waitFor waits until the screen the model renders contains s. It asks the
// model itself (on its event loop) rather than parsing the byte stream,
// which the renderer writes as minimal diffs.
func waitFor(t *testing.T, tm *teatest.TestModel, s string) {
	t.Helper()
	waitScreen(t, tm, s, func(x string) string { return x })
}

// waitScreen waits until norm(screen) contains norm(s).
func waitScreen(t *testing.T, tm *teatest.TestModel, s string, norm func(string) string) {
	t.Helper()
	want := norm(s)
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		screen := make(chan string, 1)
		tm.Send(visitMsg(func(m *model) { screen <- ansi.Strip(m.render()) }))
		select {
		case got := <-screen:
			if strings.Contains(norm(got), want) {
				return
			}
		case <-time.After(time.Second):
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the screen never showed %q", s)
}

// finish quits (confirming when asked) and returns the final model, after
// the session's objects are removed as tui.Run would.
func finish(t *testing.T, tm *teatest.TestModel, env *lessons.Env) *model {
	t.Helper()
	press(tm, "q", "y")
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*model)
	if err := env.Finish(fm.keep); err != nil {
		t.Error(err)
	}
	fm.confirm = false // show the screen as it was behind the question
	return fm
}

func TestMoveRunAndSeeChecks(t *testing.T) {
	needKernel(t)
	tm, env := start(t, Options{Lang: "en", Start: "namespaces/list"})
	press(tm, "j", "j", "enter") // list → compare → unshare
	waitFor(t, tm, "every check passed")
	fm := finish(t, tm, env)
	if got := fm.cur().key(); got != "namespaces/unshare" {
		t.Fatalf("cursor on %s", got)
	}
	screen := ansi.Strip(fm.render())
	for _, want := range []string{"Transcript", "✓ the fresh /proc inside lists only PID 1", "✓ exactly user, uts, ipc, pid and mnt"} {
		if !strings.Contains(screen, want) {
			t.Errorf("screen lacks %q:\n%s", want, screen)
		}
	}
	if env.LiveObjects() != 0 {
		t.Errorf("%d objects left after quitting", env.LiveObjects())
	}
}

func TestPrerequisitesRunFirst(t *testing.T) {
	needKernel(t)
	tm, env := start(t, Options{Lang: "en", Start: "namespaces/compare"})
	press(tm, "enter")
	waitFor(t, tm, "every check passed")
	fm := finish(t, tm, env)
	rs := fm.results["namespaces/compare"]
	if len(rs) != 2 || rs[0].Step != "list" || !rs[0].Prerequisite {
		t.Errorf("results = %+v", rs)
	}
}

func TestHelpLanguageAndHints(t *testing.T) {
	tm, env := start(t, Options{Lang: "en", Start: "namespaces"})
	press(tm, "?")
	waitFor(t, tm, "reset the lesson")
	press(tm, "x", "L") // any key closes help; L switches language
	waitFor(t, tm, "レッスン")
	waitFor(t, tm, "次のステップ") // the keys' own help follows the language
	press(tm, "h")
	waitFor(t, tm, "ヒント 1/")
	fm := finish(t, tm, env)
	if fm.lang != "ja" || fm.hints["namespaces/list"] != 1 {
		t.Errorf("lang %s, hints %v", fm.lang, fm.hints)
	}
}

func TestResetRemovesObjects(t *testing.T) {
	needKernel(t)
	tm, env := start(t, Options{Lang: "en", Start: "namespaces/persist"})
	press(tm, "enter")
	waitFor(t, tm, "every check passed")
	press(tm, "r")
	waitFor(t, tm, "lesson reset")
	if n := nsfsMounts(t); n != 0 {
		t.Errorf("%d nsfs mounts left after the reset", n)
	}
	press(tm, "enter") // the same step runs again after a reset
	waitFor(t, tm, "every check passed")
	press(tm, "r")
	waitFor(t, tm, "lesson reset")
	fm := finish(t, tm, env)
	if len(fm.results) != 0 || fm.prog.Done["namespaces/persist"] {
		t.Errorf("reset left results %v / progress %v", fm.results, fm.prog.Done)
	}
}

func TestQuitAsksWhenObjectsAreAlive(t *testing.T) {
	needKernel(t)
	tm, env := start(t, Options{Lang: "en", Start: "namespaces/nsenter"})
	press(tm, "enter")
	waitFor(t, tm, "every check passed")
	press(tm, "q")
	waitFor(t, tm, "remove them and quit")
	press(tm, "n") // stay
	press(tm, "q", "k")
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*model)
	if !fm.keep {
		t.Fatal("k did not choose to keep the objects")
	}
	env.Finish(false) // the test removes them itself
}

func TestLayoutsFitTheTerminal(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {100, 30}, {200, 60}} {
		for _, present := range []bool{false, true} {
			m := newModel(&lessons.Env{}, Options{Lang: "en", Present: present})
			m.width, m.height = size[0], size[1]
			lines := strings.Split(m.render(), "\n")
			if len(lines) != size[1] {
				t.Errorf("%v present=%v: %d lines", size, present, len(lines))
			}
			for i, l := range lines {
				if w := visibleWidth(l); w > size[0] {
					t.Errorf("%v present=%v: line %d is %d wide", size, present, i, w)
				}
			}
		}
	}
}

// TestResumesWhereTheLearnerLeftOff: the cursor and the completed steps
// survive a restart, through the XDG state file.
func TestResumesWhereTheLearnerLeftOff(t *testing.T) {
	t.Setenv("NAKAMI_STATE_DIR", t.TempDir())
	m := newModel(&lessons.Env{}, Options{Lang: "en"})
	m.setCursor(3)
	m.prog.Done[m.items[0].key()] = true
	m.prog.Save()
	again := newModel(&lessons.Env{}, Options{Lang: "en"})
	if again.cursor != 3 || !again.prog.Done[m.items[0].key()] {
		t.Errorf("after a restart: cursor %d, done %v", again.cursor, again.prog.Done)
	}
	if _, err := os.Stat(again.prog.Path()); err != nil {
		t.Errorf("no progress file at %s", again.prog.Path())
	}
}

// nsfsMounts counts namespace files bind-mounted in this mount namespace,
// read from the kernel's mount table.
func nsfsMounts(t *testing.T) int {
	ms, err := procfs.ReadMounts(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range ms {
		if m.FSType == "nsfs" {
			n++
		}
	}
	return n
}

// TestNextAfterARunShowsText: after a step ran (the transcript took the
// screen at 100×30), `n` moves to a step that has not run: the status line
// no longer speaks of the old step, and the new step's explanation shows,
// not an empty transcript.
func TestNextAfterARunShowsText(t *testing.T) {
	needKernel(t)
	tm, env := start(t, Options{Lang: "en", Start: "namespaces/list"})
	press(tm, "enter")
	waitFor(t, tm, "every check passed")
	press(tm, "n")
	waitFor(t, tm, "Everyone starts in the same namespaces")
	fm := finish(t, tm, env)
	screen := ansi.Strip(fm.render())
	if strings.Contains(screen, "every check passed") || strings.Contains(screen, "press enter to run this step") {
		t.Errorf("after n, the screen still shows the old step's status or an empty transcript:\n%s", screen)
	}
	if fm.focus != panelText {
		t.Errorf("focus %v, want the text panel", fm.focus)
	}
}

// TestHintScrollsIntoViewAt80x24: the text of a long step does not fit at
// 80×24; the pane says so (▼), and a hint asked for is scrolled to, not
// added below the edge.
func TestHintScrollsIntoViewAt80x24(t *testing.T) {
	tm, env := start(t, Options{Lang: "en", Start: "cgroups/cpu-quota"})
	tm.Send(tea.WindowSizeMsg{Width: 80, Height: 24})
	waitFor(t, tm, "▼")
	press(tm, "h")
	waitFor(t, tm, "Hint 1/")
	waitFor(t, tm, "Step ▲")
	finish(t, tm, env)
}

// TestParameterForm: e opens the step's parameters; a refused value gets
// the same sentence as `run --set`; an accepted one is what the next run
// uses (read back from the group's cpu.cfs_quota_us in the transcript).
func TestParameterForm(t *testing.T) {
	needKernel(t)
	tm, env := start(t, Options{Lang: "en", Start: "cgroups/cpu-quota"})
	waitFor(t, tm, "cpu=50%")
	press(tm, "e")
	waitFor(t, tm, "Parameters of cgroups/cpu-quota")
	tm.Send(tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl})
	press(tm, "x", "y", "z", "enter")
	_, want := lessons.ParsePercent("cpu", "xyz")
	waitFor(t, tm, "✗ "+want.Error()[:20])
	tm.Send(tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl})
	press(tm, "3", "0", "%", "enter")
	waitFor(t, tm, "cpu=30%")
	press(tm, "enter")
	waitFor(t, tm, "every check passed")
	waitFor(t, tm, "30000")
	fm := finish(t, tm, env)
	if env.Params["cpu"] != "30%" || fm.form != nil {
		t.Errorf("params %v", env.Params)
	}
}

// TestTranscriptShowsOperationNotes: what an operation showed (a PID, a
// value read back, the note nakami adds) is in the transcript under it,
// wrapped to the pane, as `nakami run` prints it.
func TestTranscriptShowsOperationNotes(t *testing.T) {
	m := newModel(&lessons.Env{}, Options{Lang: "ja"})
	note := "Go ランタイムが動き出す前なので、グループに課金されるのは 2 MiB のヒュージページではなく 4 KiB のページ。/proc/4242/status の THP_enabled: 0"
	m.results[m.cur().key()] = []lessons.Result{{Title: "t", Ops: []engine.Op{{Call: "prctl(PR_SET_THP_DISABLE, 1)", Outcome: "ok", Detail: note}}}}
	lines := m.transcriptLines(40)
	var joined strings.Builder
	for _, l := range lines {
		l = ansi.Strip(l)
		if w := ansi.StringWidth(l); w > 40 {
			t.Errorf("%q is %d columns wide", l, w)
		}
		joined.WriteString(strings.TrimSpace(l))
	}
	if !strings.Contains(joined.String(), "THP_enabled:0") && !strings.Contains(joined.String(), "THP_enabled: 0") {
		t.Errorf("the note is not in the transcript:\n%s", strings.Join(lines, "\n"))
	}
}
