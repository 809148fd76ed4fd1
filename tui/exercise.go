package tui

// Exercises in the workbench: they follow each lesson's steps in the list,
// with marks of their own. While one is selected its check runs twice a
// second (read-only, in a tea.Cmd) and the item turns green by itself when
// the kernel shows it done; the learner works in a terminal of their own.

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"nakami/internal/wrap"
	"nakami/lessons"
)

// exerciseEvery is how often an open exercise is checked.
const exerciseEvery = 500 * time.Millisecond

type (
	exTickMsg struct{ gen int }
	exMsg     struct {
		gen    int
		result lessons.ExerciseResult
	}
)

// scheduleExercise starts checking the selected exercise (a new generation
// stops the previous one's ticks).
func (m *model) scheduleExercise() tea.Cmd {
	m.exGen++
	if m.cur().ex == nil {
		return nil
	}
	gen := m.exGen
	return func() tea.Msg { return exTickMsg{gen} }
}

func (m *model) checkExercise(gen int) tea.Cmd {
	it := m.cur()
	if gen != m.exGen || it.ex == nil || len(it.ex.Args) > 0 {
		return nil // exercises that need an argument are checked with `nakami check`
	}
	lang, l, x := m.lang, it.lesson, it.ex
	return func() tea.Msg {
		return exMsg{gen, lessons.NewLooker().Check(lang, l, x, nil)}
	}
}

func (m *model) takeExercise(msg exMsg) tea.Cmd {
	if msg.gen != m.exGen {
		return nil
	}
	m.dirty = m.exResult != msg.result
	m.exResult = msg.result
	if msg.result.Done && !m.prog.Solved[msg.result.ID()] {
		m.prog.Solved[msg.result.ID()] = true
		m.prog.Save()
		m.status = m.tr("✔ exercise done: the kernel shows it", "✔ 演習完了: カーネルがそれを示しています")
		m.dirty = true
	}
	gen := m.exGen
	return tea.Tick(exerciseEvery, func(time.Time) tea.Msg { return exTickMsg{gen} })
}

// exerciseMarkdown is the text panel for an exercise: the task, the hints
// revealed so far, and the solution once every hint has been shown and
// the learner asks once more.
func exerciseMarkdown(lang string, it item, hints int, verdict string) string {
	c := lessons.ContentFor(lang, it.lesson.ID)
	if c == nil {
		return "(no text)"
	}
	xt := c.Exercise(it.ex.ID)
	if xt == nil {
		return "(no text)"
	}
	tr := func(en, ja string) string {
		if lang == "ja" {
			return ja
		}
		return en
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n*%s*\n\n", xt.Title, tr("Exercise: do it yourself, in a terminal of your own. nakami only looks.",
		"演習: 自分の端末で手を動かしてください。nakami は見ているだけです。"))
	b.WriteString(wrap.Unwrap(xt.Body))
	if verdict != "" {
		fmt.Fprintf(&b, "\n\n**%s** %s", tr("The kernel now:", "いまのカーネル:"), verdict)
	}
	for i := 0; i < hints && i < len(xt.Hints); i++ {
		fmt.Fprintf(&b, "\n\n> **%s %d/%d:** %s", tr("Hint", "ヒント"), i+1, len(xt.Hints), xt.Hints[i])
	}
	switch {
	case hints > len(xt.Hints):
		fmt.Fprintf(&b, "\n\n**%s**\n\n%s", tr("Solution", "解答"), xt.Solution)
	case hints == len(xt.Hints):
		fmt.Fprintf(&b, "\n\n*%s*", tr("Press h once more for the solution.", "もう一度 h を押すと解答が出ます。"))
	}
	return b.String()
}

// verdict is the open exercise's last check in one line of markdown.
func (m *model) verdict() string {
	it, r := m.cur(), m.exResult
	switch {
	case len(it.ex.Args) > 0:
		return m.tr("check it with ", "確認: ") + "`nakami check " + it.key() + " " + strings.Join(it.ex.Args, " ") + "`"
	case r.ID() != it.key():
		return m.tr("looking…", "確認中…")
	case r.Unavailable != "":
		return r.Unavailable
	case r.Done:
		return m.tr("✔ done — ", "✔ 完了 — ") + r.Detail
	}
	return m.tr("✗ not yet — ", "✗ まだ — ") + r.Detail
}

// exerciseLines is the transcript panel for an exercise: what the kernel
// shows now.
func (m *model) exerciseLines(width int) []string {
	it := m.cur()
	if len(it.ex.Args) > 0 {
		cmd := fmt.Sprintf("nakami check %s %s", it.key(), strings.Join(it.ex.Args, " "))
		return wrapLines(m.tr("This exercise needs an argument; check it from your terminal with:\n  "+cmd,
			"この演習には引数が必要です。端末で次のように確認してください:\n  "+cmd), width)
	}
	r := m.exResult
	if r.ID() != it.key() {
		return []string{m.st.dim.Render(m.tr("looking at the kernel…", "カーネルを見ています…"))}
	}
	var out []string
	switch {
	case r.Unavailable != "":
		out = wrapLines(m.st.dim.Render("- "+r.Unavailable), width)
	case r.Done:
		out = append([]string{m.st.done.Render(m.tr("✔ done", "✔ 完了"))}, wrapLines(r.Detail, width)...)
	default:
		out = append([]string{m.st.fail.Render(m.tr("✗ not yet", "✗ まだ"))}, wrapLines(r.Detail, width)...)
	}
	out = append(out, "", m.st.dim.Render(m.tr("checked from the kernel twice a second", "カーネルから毎秒2回確認しています")))
	return out
}
