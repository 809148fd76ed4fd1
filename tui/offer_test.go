package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"nakami/lessons"
)

// killed is what a network lesson killed after its bridge step leaves.
func killed() DeadSession {
	return DeadSession{Tag: "nakami-0a35151d", PID: 4242, Objects: []Object{
		{ObjBridge, "nk0a35151dbr0"}, {ObjNetns, "/run/netns/nakami-0a35151d-ns0"}, {ObjCgroup, "/sys/fs/cgroup/pids/nakami-0a35151d-capped"},
	}}
}

// TestOfferSentences: what the notice and the outcome say, by kind, in
// both languages.
func TestOfferSentences(t *testing.T) {
	d := killed()
	for lang, want := range map[string]string{
		"en": "A session that ended without cleaning up (nakami-0a35151d, PID 4242) left 3 objects: a bridge, a network namespace and a cgroup.",
		"ja": "後片付けをせずに終了したセッション(nakami-0a35151d、PID 4242)が 3 個のオブジェクトを残しています(ブリッジ、ネットワーク名前空間、cgroup)。",
	} {
		if got := sessionSentence(lang, d); got != want {
			t.Errorf("%s:\n got %s\nwant %s", lang, got, want)
		}
	}
	d.Objects = append(d.Objects, Object{ObjMount, "/a"}, Object{ObjMount, "/b"})
	if got := kindsPhrase("en", d.Objects); got != "a bridge, a network namespace, 2 mounts and a cgroup" {
		t.Errorf("en kinds: %s", got)
	}
	if got := kindsPhrase("ja", d.Objects); got != "ブリッジ、ネットワーク名前空間、マウント 2 個、cgroup" {
		t.Errorf("ja kinds: %s", got)
	}
	for _, c := range []struct {
		r        Removal
		lang     string
		contains string
	}{
		{r: Removal{Removed: []DeadSession{killed()}}, lang: "en", contains: "Removed 3 objects left by nakami-0a35151d: a bridge, a network namespace and a cgroup."},
		{r: Removal{Removed: []DeadSession{killed()}}, lang: "ja", contains: "nakami-0a35151d が残した 3 個のオブジェクトを削除しました(ブリッジ、ネットワーク名前空間、cgroup)。"},
		{r: Removal{Problem: "cgroup /x: permission denied", Problems: 2, NeedsRoot: true}, lang: "en",
			contains: "Could not remove everything, because nakami cleanup needs root: cgroup /x: permission denied (and 1 more)"},
		{r: Removal{Problem: "cgroup /x: permission denied", Problems: 1, NeedsRoot: true}, lang: "ja", contains: "root 権限が必要なため"},
		{r: Removal{}, lang: "en", contains: "Nothing was left to remove."},
	} {
		if got := removalSentence(c.lang, c.r); !strings.Contains(got, c.contains) {
			t.Errorf("%s %+v:\n got %s\nwant %s", c.lang, c.r, got, c.contains)
		}
	}
}

// TestOfferFits: the notice fits every cell of 80×24 and larger, in both
// languages, presenter mode included, with its keys on screen, and a list
// too long for the screen says how much it left out.
func TestOfferFits(t *testing.T) {
	long := killed()
	for i := 0; i < 30; i++ {
		long.Objects = append(long.Objects, Object{ObjDir, "/tmp/nakami-0a35151d-rootfs/a/rather/long/path/that/wraps/on/a/small/terminal"})
	}
	for _, lo := range []Leftovers{
		{Sessions: []DeadSession{killed()}, Remove: func() Removal { return Removal{} }},
		{Sessions: []DeadSession{long, killed()}, Remove: func() Removal { return Removal{} }},
		{RootOnly: true},
		{Sessions: []DeadSession{killed(), killed(), killed(), killed(), killed(), killed(), killed(), killed()}, Remove: func() Removal { return Removal{} }},
	} {
		for _, size := range [][2]int{{80, 24}, {160, 45}} {
			for _, present := range []bool{false, true} {
				for _, lang := range []string{"en", "ja"} {
					m := newModel(&lessons.Env{}, Options{Lang: lang, Present: present, Leftovers: &lo})
					m.width, m.height = size[0], size[1]
					screen := m.render()
					lines := strings.Split(screen, "\n")
					if len(lines) != size[1] {
						t.Errorf("%v present=%v %s: %d lines", size, present, lang, len(lines))
					}
					for i, l := range lines {
						if w := visibleWidth(l); w > size[0] {
							t.Errorf("%v present=%v %s: line %d is %d wide", size, present, lang, i, w)
						}
					}
					plain := ansi.Strip(screen)
					key := map[string]string{"en": "remove them now", "ja": "今すぐ削除"}[lang]
					if lo.RootOnly {
						key = map[string]string{"en": "continue", "ja": "続ける"}[lang]
					}
					title := map[string]string{"en": "Left behind", "ja": "残されたもの"}[lang]
					if len(lo.Sessions) == 0 { // nothing this user can see was left: the title claims no more
						title = map[string]string{"en": "Sessions run as root", "ja": "root で実行したセッション"}[lang]
					}
					if !strings.Contains(plain, key) || !strings.Contains(plain, title) {
						t.Errorf("%v present=%v %s: the notice or its key is missing:\n%s", size, present, lang, plain)
					}
					// q leaves the leftovers: the footer must not promise a cleanup.
					if strings.Contains(plain, map[string]string{"en": "cleans up", "ja": "後片付けします"}[lang]) {
						t.Errorf("%v present=%v %s: the notice's q promises a cleanup:\n%s", size, present, lang, plain)
					}
					if len(lo.Sessions) > 2 && size[0] == 80 && !strings.Contains(plain, map[string]string{"en": "more sessions (nakami cleanup --dry-run", "ja": "つのセッション(nakami cleanup --dry-run"}[lang]) {
						t.Errorf("%v present=%v %s: sessions left out are not counted:\n%s", size, present, lang, plain)
					}
					if len(lo.Sessions) == 2 && strings.Count(plain, "PID 4242") != 2 {
						t.Errorf("%v present=%v: the second session's sentence is missing:\n%s", size, present, plain)
					}
					if len(lo.Sessions) == 2 && !strings.Contains(plain, map[string]string{"en": "more (nakami cleanup --dry-run", "ja": "(nakami cleanup --dry-run で一覧)"}[lang]) {
						t.Errorf("%v present=%v %s: a long list does not say what it left out:\n%s", size, present, lang, plain)
					}
				}
			}
		}
	}
}

// TestOfferRemoves: y runs Remove off the event loop (the notice shows
// "removing…" while it blocks), then the outcome is the status line and
// the notice is gone; L switches the notice's language.
func TestOfferRemoves(t *testing.T) {
	release, called := make(chan struct{}), make(chan struct{}, 1)
	lo := &Leftovers{Sessions: []DeadSession{killed()}, Remove: func() Removal {
		called <- struct{}{}
		<-release
		return Removal{Removed: []DeadSession{killed()}}
	}}
	tm, env := start(t, Options{Lang: "en", Start: "namespaces", Leftovers: lo})
	waitForText(t, tm, "left 3 objects: a bridge, a network namespace and a cgroup.")
	press(tm, "j") // not one of the notice's keys: nothing happens
	press(tm, "L")
	waitForText(t, tm, "3 個のオブジェクトを残しています")
	press(tm, "L", "y")
	select {
	case <-called:
	case <-time.After(5 * time.Second):
		t.Fatal("y did not call Remove")
	}
	waitFor(t, tm, "removing…") // the event loop still draws while Remove blocks
	close(release)
	waitForText(t, tm, "Removed 3 objects left by nakami-0a35151d: a bridge, a network namespace and a cgroup.")
	waitFor(t, tm, "Lessons")
	press(tm, "q")
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*model)
	env.Finish(false)
	if fm.offer != nil || fm.cur().key() != "namespaces/list" {
		t.Errorf("offer %v, cursor on %s", fm.offer, fm.cur().key())
	}
}

// TestOfferQuitWhileRemoving: q during a removal says it will quit when
// the removal is done; a removal that hangs (an unmount) cannot hold the
// learner: q again quits at once.
func TestOfferQuitWhileRemoving(t *testing.T) {
	hang := make(chan struct{})
	defer close(hang)
	lo := &Leftovers{Sessions: []DeadSession{killed()}, Remove: func() Removal { <-hang; return Removal{} }}
	tm, env := start(t, Options{Lang: "en", Start: "namespaces", Leftovers: lo})
	waitForText(t, tm, "left 3 objects")
	press(tm, "y")
	waitFor(t, tm, "removing…")
	press(tm, "q")
	waitForText(t, tm, "Quitting when the removal is done")
	press(tm, "q")
	tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second))
	env.Finish(false)
}

// TestOfferLeaves: n closes the notice and leaves everything; Remove is
// never called. As a user who cannot read root's journals, the notice says
// nakami cleanup needs root, and enter closes it.
func TestOfferLeaves(t *testing.T) {
	lo := &Leftovers{Sessions: []DeadSession{killed()}, Remove: func() Removal {
		t.Error("n removed the leftovers")
		return Removal{}
	}}
	tm, env := start(t, Options{Lang: "ja", Start: "namespaces", Leftovers: lo})
	waitFor(t, tm, "今すぐ削除")
	press(tm, "n")
	waitForText(t, tm, "そのまま残しました")
	waitFor(t, tm, "レッスン")
	finish(t, tm, env)

	tm, env = start(t, Options{Lang: "en", Start: "namespaces", Leftovers: &Leftovers{RootOnly: true}})
	waitForText(t, tm, "nakami cleanup needs root")
	press(tm, "y") // no removal to offer: y does nothing
	waitForText(t, tm, "nakami cleanup needs root")
	press(tm, "enter")
	waitFor(t, tm, "Lessons")
	finish(t, tm, env)
}

// waitForText is waitFor for a sentence that may wrap: the screen's
// spaces, line ends and box borders are left out of the comparison.
func waitForText(t *testing.T, tm *teatest.TestModel, s string) {
	t.Helper()
	waitScreen(t, tm, s, strings.NewReplacer(" ", "", "\n", "", "│", "").Replace)
}
