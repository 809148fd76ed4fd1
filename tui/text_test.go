package tui

import (
	"regexp"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"nakami/lessons"
)

// name is what must never be split: a path, an address, a flag or a
// dotted or dashed name (/tmp/nakami-0a35, 192.168.77.0/24, --cpu-quota,
// cpu.cfs_period_us).
var name = regexp.MustCompile(`[A-Za-z0-9_$]*[/.\-][A-Za-z0-9_$/.\-]*[A-Za-z0-9_]`)

// TestEveryStepTextWrapsCleanly renders every step of every lesson, in
// both languages, at the panel widths of 80×24 up to 160 columns, and
// requires: no line wider than the panel, no name of up to the panel's
// width split across lines, and no Japanese line starting with a closing
// mark (。、」…).
func TestEveryStepTextWrapsCleanly(t *testing.T) {
	c := newMDCache()
	for _, lang := range []string{"en", "ja"} {
		for _, l := range lessons.All() {
			for _, s := range l.Steps {
				it := item{lesson: l, step: s}
				md := stepMarkdown(lang, it, 9, nil)
				for _, w := range []int{52, 60, 75, 120} {
					lines := strings.Split(ansi.Strip(c.render(md, "dark", w)), "\n")
					checkLines(t, lang+" "+it.key(), md, lines, w)
				}
			}
		}
	}
}

func checkLines(t *testing.T, what, md string, lines []string, w int) {
	t.Helper()
	joined := strings.Join(lines, "\n")
	for i, l := range lines {
		if ansi.StringWidth(l) > w {
			t.Errorf("%s at %d: line %q is wider than the panel", what, w, l)
		}
		body := strings.TrimLeft(l, " │•")
		if i > 0 && body != "" && strings.ContainsRune("、。，．」』）ー", []rune(body)[0]) {
			t.Errorf("%s at %d: line %q starts with a closing mark", what, w, l)
		}
	}
	for _, n := range name.FindAllString(md, -1) {
		if len(n) < w-8 && !strings.Contains(joined, n) {
			if !strings.Contains(unbroken(joined), n) {
				continue // glamour changed it (a link, emphasis): not ours to judge
			}
			t.Errorf("%s at %d: %q is split across lines", what, w, n)
		}
	}
}

// unbroken joins the lines back without their indents, so a split name
// reappears whole.
func unbroken(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		b.WriteString(strings.TrimLeft(l, " │"))
	}
	return b.String()
}

// TestCheckNamesWrap: at 80×24 the transcript pane is about 50 columns;
// a check's name wraps under itself instead of ending in "…".
func TestCheckNamesWrap(t *testing.T) {
	l := lessons.All()[0]
	it := item{lesson: l, step: l.Steps[0]}
	long := "the shell's /proc/PID/ns/uts differs from the host's, read from the kernel"
	m := &model{lang: "en", st: newStyles(true, false, true), items: []item{it},
		results: map[string][]lessons.Result{it.key(): {{Title: "t", Checks: []lessons.CheckResult{{Name: long, Pass: true}}}}}}
	lines := m.transcriptLines(46)
	text := unbroken(ansi.Strip(strings.Join(lines, "\n")))
	if strings.Contains(text, "…") || !strings.Contains(strings.ReplaceAll(text, " ", ""), strings.ReplaceAll(long, " ", "")) {
		t.Errorf("the check's name was cut:\n%s", strings.Join(lines, "\n"))
	}
	for _, l := range lines {
		if ansi.StringWidth(l) > 46 {
			t.Errorf("%q is wider than 46", l)
		}
	}
}
