package tui

// Layout. At 80×24: the step list and one pane (tab chooses which). From
// 150×36: the list, the text, and the live panel above the transcript, all
// at once. Presenter mode: one large pane at a time.

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"

	"nakami/internal/wrap"
	"nakami/lessons"
)

var noColorProfile = colorprofile.Ascii

func (m *model) View() tea.View {
	// Bubble Tea asks for a frame after every message; a refresh of the
	// live panel that found nothing new reuses the last one.
	if m.dirty || m.frame == "" {
		m.frame = m.render()
		if m.opts.Present && !m.opts.NoColor {
			m.frame = paint(m.frame, m.width)
		}
		m.dirty = false
	}
	v := tea.NewView(m.frame)
	v.AltScreen = true
	v.WindowTitle = "nakami"
	return v
}

// sideBySide: presenter mode with room for the text beside the transcript.
func (m *model) sideBySide() bool { return m.opts.Present && m.width >= 120 && m.height >= 30 }

// presentSide lays out the text on the left and, on the right, the board
// of large numbers above the transcript (t hides the transcript: the text
// alone, full width).
func (m *model) presentSide(h int) string {
	if m.noTrans {
		return m.pane(panelText, m.width, h)
	}
	lw := m.width * 11 / 20
	rw := m.width - lw
	right := m.pane(panelTranscript, rw, h)
	if board := m.boardLines(rw - 8); len(board) > 0 {
		bh := min(len(board)+5, h/2)
		right = lipgloss.JoinVertical(lipgloss.Left,
			m.box(m.tr("Live", "ライブ"), board, rw, bh, m.focus == panelLive, panelLive),
			m.pane(panelTranscript, rw, h-bh))
	}
	return lipgloss.JoinHorizontal(lipgloss.Top, m.pane(panelText, lw, h), right)
}

func (m *model) wide() bool { return !m.opts.Present && m.width >= 150 && m.height >= 36 }

// liveVisible reports whether the live panel is on screen now.
// An exercise shows nothing live: its check has ticks of its own.
func (m *model) liveVisible() bool {
	return !m.showHelp && !m.confirm && m.offer == nil && m.form == nil && m.cur().ex == nil &&
		(m.wide() || m.focus == panelLive || m.sideBySide() && !m.noTrans)
}

func (m *model) nextPanel() panel {
	f := (m.focus + 1) % panelCount
	if m.opts.Present && f == panelSteps {
		f = panelText
	}
	if m.noTrans && f == panelTranscript {
		f = (f + 1) % panelCount
	}
	if m.sideBySide() && f == panelSteps {
		f = panelText
	}
	return f
}

func (m *model) textPanelIfHidden() panel {
	if m.wide() || m.focus == panelText {
		return m.focus
	}
	return panelText
}

func (m *model) render() string {
	if m.width < 20 || m.height < 8 {
		return "nakami: the terminal is too small"
	}
	if m.blank {
		return strings.Repeat("\n", m.height-1)
	}
	header := m.header()
	footer := m.footer()
	bodyH := m.height - lipgloss.Height(header) - lipgloss.Height(footer)
	var body string
	switch {
	case m.offer != nil:
		body = m.offerBox(bodyH)
	case m.showHelp:
		body = m.box(m.tr("Keys", "キー"), m.keyLines(m.width-4), m.width, bodyH, true, panelCount)
	case m.form != nil:
		body = m.box(m.tr("Parameters of ", "パラメータ: ")+m.cur().key(), m.formLines(m.width-4), m.width, bodyH, true, panelCount)
	case m.confirm:
		body = m.box(m.tr("Quit?", "終了しますか?"), []string{
			fmt.Sprintf(m.tr("%d kernel objects of this session are still in place.", "このセッションのカーネルオブジェクトが %d 個残っています。"), m.env.LiveObjects()),
			"",
			m.tr("y  remove them and quit", "y  削除して終了"),
			m.tr("k  keep them for a look (nakami cleanup removes them later)", "k  残して終了(後で nakami cleanup で削除)"),
			m.tr("n  stay", "n  戻る"),
		}, m.width, bodyH, true, panelCount)
	case m.picking > 0:
		body = m.box(m.tr("Jump to (enter: go, prerequisites run · esc: back)", "移動先(enter: 移動して前提を実行 · esc: 戻る)"),
			m.stepLines(m.width-8), m.width, bodyH, true, panelSteps)
	case m.sideBySide():
		body = m.presentSide(bodyH)
	case m.opts.Present:
		f := m.focus
		if f == panelSteps {
			f = panelText
		}
		body = m.pane(f, m.width, bodyH)
	case m.wide():
		lw := 34
		rw := m.width - lw
		tw := rw * 5 / 10
		sideW := rw - tw
		liveH := bodyH / 2
		body = lipgloss.JoinHorizontal(lipgloss.Top,
			m.pane(panelSteps, lw, bodyH),
			m.pane(panelText, tw, bodyH),
			lipgloss.JoinVertical(lipgloss.Left, m.pane(panelLive, sideW, liveH), m.pane(panelTranscript, sideW, bodyH-liveH)))
	default:
		lw := 26
		if m.width < 90 {
			lw = 24
		}
		f := m.focus
		if f == panelSteps {
			f = panelText
		}
		body = lipgloss.JoinHorizontal(lipgloss.Top, m.pane(panelSteps, lw, bodyH), m.pane(f, m.width-lw, bodyH))
	}
	return lipgloss.JoinVertical(lipgloss.Left, header, body, footer)
}

func (m *model) header() string {
	it := m.cur()
	title := it.lesson.ID
	if c := lessons.ContentFor(m.lang, it.lesson.ID); c != nil {
		title = c.Title
	}
	left := m.st.header.Render("nakami 中身") + m.st.dim.Render(" · ") + m.st.bold.Render(title)
	right := ""
	if m.running != "" {
		right = m.spin.View() + " " + m.tr("running ", "実行中 ") + m.running
	}
	gap := m.width - lipgloss.Width(left) - lipgloss.Width(right)
	return left + strings.Repeat(" ", max(1, gap)) + right
}

func (m *model) footer() string {
	status := m.status
	if status == "" {
		status = m.cur().key()
	}
	m.help.SetWidth(m.width)
	keys := m.help.ShortHelpView(m.keys.ShortHelp())
	switch {
	case m.offer != nil:
		keys = m.offerFooter()
	case m.confirm:
		keys = m.st.footer.Render(m.tr("y remove and quit · k keep and quit · n stay", "y 削除して終了 · k 残して終了 · n 戻る"))
	}
	// A long status (an error, the outcome of removing leftovers) wraps
	// to a few lines rather than losing its end.
	lines := wrap.Lines(status, m.width, 0, "")
	if len(lines) > statusRows {
		lines = append(lines[:statusRows-1], truncate(strings.Join(lines[statusRows-1:], " "), m.width))
	}
	for i, l := range lines {
		lines[i] = m.st.accent.Render(truncate(l, m.width))
	}
	return strings.Join(lines, "\n") + "\n" + truncate(keys, m.width)
}

// statusRows is the most the status line may grow to.
const statusRows = 3

// inner and innerH are what a box w wide, h high leaves inside its border
// and padding.
func (m *model) inner(w int) int {
	if m.opts.Present {
		return w - 8
	}
	return w - 4
}

func (m *model) innerH(h int) int {
	if m.opts.Present {
		return h - 4
	}
	return h - 2
}

// pane renders one panel in a w×h box.
func (m *model) pane(p panel, w, h int) string {
	inner := m.inner(w)
	var title string
	var lines []string
	switch p {
	case panelSteps:
		title, lines = m.tr("Lessons", "レッスン"), m.stepLines(inner)
	case panelText:
		title = m.tr("Step", "ステップ")
		var md string
		if it := m.cur(); it.ex != nil {
			md = exerciseMarkdown(m.lang, it, m.hints[it.key()], m.verdict())
		} else {
			var params []string
			for _, p := range it.step.Params {
				params = append(params, p.Name+"="+m.env.Param(it.step, p.Name))
			}
			md = stepMarkdown(m.lang, it, m.hints[it.key()], params)
		}
		lines = strings.Split(m.md.render(md, m.st.glamour, inner), "\n")
	case panelTranscript:
		title, lines = m.tr("Transcript", "実行記録"), m.transcriptLines(inner)
	case panelLive:
		title, lines = m.tr("Live /proc", "ライブ /proc"), m.liveLines(inner)
	}
	return m.box(title, lines, w, h, m.focus == p, p)
}

func (m *model) box(title string, lines []string, w, h int, focused bool, p panel) string {
	st := m.st.pane
	if focused {
		st = m.st.paneFocus
	}
	padV, padH := 0, 1
	if m.opts.Present {
		padV, padH = 1, 3
	}
	iw, ih := w-2-2*padH, h-2-2*padV
	if iw < 1 || ih < 1 {
		return ""
	}
	off := 0
	if p == panelSteps {
		off = max(0, m.cursorLine()-ih/2)
	} else if p < panelCount {
		// The offset is clamped here, not stored: a pane asked to show
		// its end (a run's checks) keeps showing it as it grows or shrinks.
		m.scrollMax[p] = max(0, len(lines)-(ih-1))
		off = min(m.scroll[p], m.scrollMax[p])
	}
	// Markers say there is more above (in the title) and below (the last
	// row), so a hint added off screen does not look like nothing happened.
	if off > 0 {
		title += " ▲"
	}
	out := []string{m.st.title.Render(truncate(title, iw))}
	rows := ih
	if len(lines)-off > ih-1 {
		rows = ih - 1 // the last row is the marker
	}
	i := off
	for ; i < len(lines) && len(out) < rows; i++ {
		out = append(out, truncate(lines[i], iw))
	}
	if i < len(lines) {
		out = append(out, m.st.dim.Render(truncate(fmt.Sprintf(m.tr("▼ %d more (↓)", "▼ あと %d 行 (↓)"), len(lines)-i), iw)))
	}
	for len(out) < ih {
		out = append(out, "")
	}
	for i, l := range out {
		out[i] = l + strings.Repeat(" ", max(0, iw-ansi.StringWidth(l)))
	}
	return st.Render(strings.Join(out, "\n"))
}

// keyLines is the `?` screen: one key a line, its help wrapped beside it,
// so every key fits from 80×24 up (columns side by side lose the last ones).
func (m *model) keyLines(width int) []string {
	var out []string
	for _, group := range m.keys.FullHelp() {
		for _, b := range group {
			h := b.Help()
			k := m.st.accent.Render(fmt.Sprintf("%-6s", h.Key))
			for i, l := range strings.Split(ansi.Wrap(h.Desc, max(10, width-7), ""), "\n") {
				if i > 0 {
					k = strings.Repeat(" ", 6)
				}
				out = append(out, k+" "+l)
			}
		}
	}
	return out
}

func (m *model) cursorLine() int {
	line, last := 0, ""
	for i, it := range m.items {
		if it.lesson.ID != last {
			line++
			last = it.lesson.ID
		}
		if i == m.cursor {
			return line
		}
		line++
	}
	return line
}

func (m *model) stepLines(width int) []string {
	var out []string
	last := ""
	for i, it := range m.items {
		c := lessons.ContentFor(m.lang, it.lesson.ID)
		if it.lesson.ID != last {
			out = append(out, m.st.bold.Render(c.Title))
			last = it.lesson.ID
		}
		mark := m.st.dim.Render("·")
		k := it.key()
		if it.ex != nil {
			mark = m.st.dim.Render("✎")
			if m.prog.Solved[k] {
				mark = m.st.done.Render("✔")
			}
		} else if rs := m.results[k]; len(rs) > 0 && !rs[len(rs)-1].Passed() {
			mark = m.st.fail.Render("✗")
		} else if m.prog.Done[k] {
			mark = m.st.done.Render("✓")
		}
		if m.running == k {
			mark = m.spin.View()
		}
		name := itemTitle(c, it)
		line := " " + mark + " " + truncate(name, width-3)
		if i == m.cursor {
			line = " " + mark + " " + m.st.selected.Render(truncate(name, width-3))
		}
		out = append(out, line)
	}
	return out
}

// itemTitle is a step's or an exercise's title in c (its id without one).
func itemTitle(c *lessons.Content, it item) string {
	if it.ex != nil {
		if xt := c.Exercise(it.ex.ID); xt != nil {
			return xt.Title
		}
		return it.ex.ID
	}
	if st := c.Step(it.step.ID); st != nil {
		return st.Title
	}
	return it.step.ID
}

// opNote is an operation's note as the transcript shows it: one line of
// at most lessons.NoteCols columns, wrapped to the pane after.
func opNote(s string) string { return wrap.OneLine(s, lessons.NoteCols) }

func (m *model) transcriptLines(width int) []string {
	if m.cur().ex != nil {
		return m.exerciseLines(width)
	}
	rs := m.results[m.cur().key()]
	if len(rs) == 0 {
		return []string{m.st.dim.Render(m.tr("press enter to run this step", "enter でこのステップを実行"))}
	}
	st := m.st
	var out []string
	// wrap prints s after prefix; continuation lines are indented to match,
	// so a wrapped command never looks like a second one.
	wrap := func(prefix, s string, style func(...string) string) {
		pw := ansi.StringWidth(prefix)
		for i, l := range wrap.Lines(s, max(10, width-pw), 0, "") {
			if i > 0 {
				prefix = strings.Repeat(" ", pw)
			}
			out = append(out, prefix+style(l))
		}
	}
	for _, r := range rs {
		head := "▶ " + r.Title
		if r.Prerequisite {
			head += m.tr("  (prerequisite)", "  (前提)")
		}
		wrap("", head, st.bold.Render)
		if r.Unavailable != "" {
			wrap("  ", r.Unavailable, st.fail.Render)
			continue
		}
		for _, op := range r.Ops {
			if op.Shell != "" {
				wrap("  $ ", op.Shell, st.accent.Render)
			}
			outcome := st.pass.Render(op.Outcome)
			if op.Failed {
				outcome = st.fail.Render(op.Outcome)
			}
			wrap("    ", op.Call, st.dim.Render)
			out = append(out, "    → "+outcome+" "+st.dim.Render(fmtDur(op.Duration.Microseconds())))
			if op.Detail != "" { // what the operation showed: a PID, a value read back, a note
				wrap("      ", opNote(op.Detail), st.dim.Render)
			}
		}
		if r.Error != "" {
			wrap("  ✗ ", r.Error, st.fail.Render)
		}
		for _, c := range r.Checks {
			mark := st.pass.Render("✓")
			if !c.Pass {
				mark = st.fail.Render("✗")
			}
			wrap("  "+mark+" ", c.Name, plainText) // a name is never cut
			wrap("      ", c.Detail, st.dim.Render)
		}
		out = append(out, "")
	}
	return out
}

func plainText(s ...string) string { return strings.Join(s, " ") }

func fmtDur(us int64) string {
	if us < 1000 {
		return fmt.Sprintf("%dµs", us)
	}
	return fmt.Sprintf("%.1fms", float64(us)/1000)
}

func truncate(s string, w int) string {
	if w < 1 {
		return ""
	}
	return ansi.Truncate(s, w, "…")
}

func visibleWidth(s string) int { return ansi.StringWidth(s) }

func itoa(n int) string { return fmt.Sprint(n) }
