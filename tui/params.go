package tui

// The parameter form (e): a step's parameters with their values, edited in
// place and validated with the same one-sentence errors as `run --set`.
// The values go into the Env between steps, so the next run uses them.

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	"nakami/lessons"
)

type paramForm struct {
	params []lessons.Param
	values []string
	field  int
	err    string
}

func (m *model) openParams() {
	it := m.cur()
	if it.step == nil || len(it.step.Params) == 0 {
		m.status = m.tr("this step has no parameters", "このステップにパラメータはありません")
		return
	}
	f := &paramForm{params: it.step.Params}
	for _, p := range f.params {
		f.values = append(f.values, m.env.Param(it.step, p.Name))
	}
	m.form = f
}

// formKey edits the form; enter applies every field or names the first
// refused value, esc leaves the values as they were.
func (m *model) formKey(msg tea.KeyPressMsg) {
	f := m.form
	switch msg.String() {
	case "esc", "ctrl+c":
		m.form = nil
	case "up", "shift+tab":
		f.field = (f.field + len(f.values) - 1) % len(f.values)
	case "down", "tab":
		f.field = (f.field + 1) % len(f.values)
	case "backspace":
		if v := []rune(f.values[f.field]); len(v) > 0 {
			f.values[f.field] = string(v[:len(v)-1])
		}
	case "ctrl+u":
		f.values[f.field] = ""
	case "enter":
		for i, p := range f.params {
			if p.Check == nil {
				continue
			}
			if err := p.Check(f.values[i]); err != nil {
				f.field, f.err = i, err.Error()
				return
			}
		}
		var set []string
		for i, p := range f.params {
			if f.values[i] == p.Default {
				delete(m.env.Params, p.Name)
			} else {
				m.env.Params[p.Name] = f.values[i]
			}
			set = append(set, p.Name+"="+f.values[i])
		}
		m.form = nil
		m.status = m.tr("parameters: ", "パラメータ: ") + strings.Join(set, " ") + m.tr(" (enter runs the step with them)", "(enter でこの値で実行)")
	default:
		if t := msg.Text; t != "" && !strings.ContainsAny(t, "\n\t") {
			f.values[f.field] += t
			f.err = ""
		}
	}
}

// formLines draws the form: one field a line, the focused one marked, its
// help under it, and a refused value's sentence.
func (m *model) formLines(width int) []string {
	f := m.form
	out := []string{m.tr("Change a value, then enter to keep it (esc: cancel).", "値を変えて enter で確定(esc で取消)。"), ""}
	for i, p := range f.params {
		mark, val := "  ", f.values[i]
		if i == f.field {
			mark, val = m.st.accent.Render("▸ "), m.st.selected.Render(val+"▏")
		}
		out = append(out, mark+m.st.bold.Render(p.Name)+" = "+val)
		for _, l := range wrapLines(m.st.dim.Render(p.Help.In(m.lang)+" ("+m.tr("default ", "既定値 ")+p.Default+")"), width-4) {
			out = append(out, "    "+l)
		}
	}
	if f.err != "" {
		out = append(out, "")
		out = append(out, wrapLines(m.st.fail.Render("✗ "+f.err), width)...)
	}
	return out
}
