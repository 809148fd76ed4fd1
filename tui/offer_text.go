package tui

// The notice of leftovers (offer.go) in words, English and Japanese: one
// sentence per dead session naming what it left by kind, the objects
// themselves, and the one sentence that says how a removal went. Lines are
// wrapped with internal/wrap, as the rest of the workbench is.

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"

	"nakami/internal/wrap"
)

type kindWord struct{ one, many, noun, ja string }

var kindWords = map[string]kindWord{
	ObjBridge:  {"a bridge", "bridges", "bridge", "ブリッジ"},
	ObjLink:    {"a network interface", "network interfaces", "network interface", "ネットワークインターフェース"},
	ObjNetns:   {"a network namespace", "network namespaces", "network namespace", "ネットワーク名前空間"},
	ObjMount:   {"a mount", "mounts", "mount", "マウント"},
	ObjCgroup:  {"a cgroup", "cgroups", "cgroup", "cgroup"},
	ObjDir:     {"a directory", "directories", "directory", "ディレクトリ"},
	ObjFile:    {"a file", "files", "file", "ファイル"},
	ObjProcess: {"a process", "processes", "process", "プロセス"},
}

var kindOrder = []string{ObjBridge, ObjLink, ObjNetns, ObjMount, ObjCgroup, ObjDir, ObjFile, ObjProcess}

func wordFor(kind string) kindWord {
	if w, ok := kindWords[kind]; ok {
		return w
	}
	return kindWord{"an object", "objects", "object", "オブジェクト"}
}

// kindsPhrase groups objects by kind: "a bridge, 2 mounts and a process",
// "ブリッジ、マウント 2 個、プロセス".
func kindsPhrase(lang string, objs []Object) string {
	count, order := map[string]int{}, append([]string{}, kindOrder...)
	for _, o := range objs {
		if _, known := kindWords[o.Kind]; !known && count[o.Kind] == 0 {
			order = append(order, o.Kind)
		}
		count[o.Kind]++
	}
	var parts []string
	for _, k := range order {
		n, w := count[k], wordFor(k)
		switch {
		case n == 0:
		case lang == "ja" && n == 1:
			parts = append(parts, w.ja)
		case lang == "ja":
			parts = append(parts, fmt.Sprintf("%s %d 個", w.ja, n))
		case n == 1:
			parts = append(parts, w.one)
		default:
			parts = append(parts, fmt.Sprintf("%d %s", n, w.many))
		}
	}
	if lang == "ja" {
		return strings.Join(parts, "、")
	}
	if len(parts) < 2 {
		return strings.Join(parts, "")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

func objectsCount(lang string, n int) string {
	switch {
	case lang == "ja":
		return fmt.Sprintf("%d 個のオブジェクト", n)
	case n == 1:
		return "1 object"
	}
	return fmt.Sprintf("%d objects", n)
}

// sessionSentence says what one dead session left.
func sessionSentence(lang string, d DeadSession) string {
	if len(d.Objects) == 0 { // only processes, and they have exited since
		if lang == "ja" {
			return fmt.Sprintf("後片付けをせずに終了したセッション(%s、PID %d)がジャーナルだけを残しています(記録されたプロセスはもう終了しています)。", d.Tag, d.PID)
		}
		return fmt.Sprintf("A session that ended without cleaning up (%s, PID %d) left only its journal (the processes it names have exited).", d.Tag, d.PID)
	}
	if lang == "ja" {
		return fmt.Sprintf("後片付けをせずに終了したセッション(%s、PID %d)が %sを残しています(%s)。",
			d.Tag, d.PID, objectsCount(lang, len(d.Objects)), kindsPhrase(lang, d.Objects))
	}
	return fmt.Sprintf("A session that ended without cleaning up (%s, PID %d) left %s: %s.",
		d.Tag, d.PID, objectsCount(lang, len(d.Objects)), kindsPhrase(lang, d.Objects))
}

func rootOnlySentence(lang string) string {
	if lang == "ja" {
		return "root で実行したセッションのジャーナルは /run/nakami にあり、このユーザーには読めません。そのセッションが後片付けをせずに終了していた場合、残したものを削除するには root 権限が必要です(sudo nakami cleanup)。"
	}
	return "Sessions run as root keep their journals in /run/nakami, which this user cannot read: if one ended without cleaning up, nakami cleanup needs root to remove what it left (sudo nakami cleanup)."
}

// removalSentence is the outcome, one sentence for the status line.
func removalSentence(lang string, r Removal) string {
	var objs []Object
	for _, d := range r.Removed {
		objs = append(objs, d.Objects...)
	}
	from := ""
	switch len(r.Removed) {
	case 0:
	case 1:
		from = r.Removed[0].Tag
	default:
		from = fmt.Sprintf(map[bool]string{true: "%d つのセッション", false: "%d sessions"}[lang == "ja"], len(r.Removed))
	}
	ja := lang == "ja"
	switch {
	case r.Problems > 0:
		more := ""
		if r.Problems > 1 {
			more = fmt.Sprintf(map[bool]string{true: "(ほか %d 件)", false: " (and %d more)"}[ja], r.Problems-1)
		}
		done := ""
		if len(objs) > 0 {
			done = fmt.Sprintf(map[bool]string{true: "%sを削除しましたが、", false: "Removed %s, but could not remove everything"}[ja], objectsCount(lang, len(objs)))
		}
		switch {
		case ja && r.NeedsRoot:
			return done + "nakami cleanup には root 権限が必要なため、すべては削除できませんでした: " + r.Problem + more
		case ja:
			return done + "すべては削除できませんでした: " + r.Problem + more
		case done != "" && r.NeedsRoot:
			return done + ", because nakami cleanup needs root: " + r.Problem + more
		case done != "":
			return done + ": " + r.Problem + more
		case r.NeedsRoot:
			return "Could not remove everything, because nakami cleanup needs root: " + r.Problem + more
		}
		return "Could not remove everything: " + r.Problem + more
	case len(objs) > 0 && ja:
		return fmt.Sprintf("%s が残した %sを削除しました(%s)。", from, objectsCount(lang, len(objs)), kindsPhrase(lang, objs))
	case len(objs) > 0:
		return fmt.Sprintf("Removed %s left by %s: %s.", objectsCount(lang, len(objs)), from, kindsPhrase(lang, objs))
	case from != "" && ja:
		return from + " が残したジャーナルを削除しました。"
	case from != "":
		return "Removed the journal " + from + " left."
	case ja:
		return "削除するものはもう残っていませんでした。"
	}
	return "Nothing was left to remove."
}

// offerWidth is the widest the notice's text runs, for a comfortable line.
const offerWidth = 72

// offerBox is the notice: a box as tall as its text, in the middle of the
// body (h rows), as wide as offerWidth allows.
func (m *model) offerBox(h int) string {
	chrome := m.width - m.inner(m.width) // border and padding
	w := min(m.width, offerWidth+chrome)
	lines := m.offerLines(w-chrome, m.innerH(h)-1)
	title := m.tr("Left behind", "残されたもの")
	if len(m.offer.Sessions) == 0 { // only root's journals, which this user cannot read
		title = m.tr("Sessions run as root", "root で実行したセッション")
	}
	box := m.box(title, lines, w, min(h, len(lines)+1+h-m.innerH(h)), true, panelCount)
	return lipgloss.Place(m.width, h, lipgloss.Center, lipgloss.Center, box)
}

// offerLines fill the notice's box: width columns, height rows below its
// title. The objects come last in the budget, then the sentences of
// sessions after the first: the keys and what they do always show, and a
// list too long says how many it left out.
func (m *model) offerLines(width, height int) []string {
	o, st := m.offer, m.st
	para := func(s string, style func(...string) string) []string {
		var out []string
		for _, l := range wrap.Lines(s, width, 0, "") {
			out = append(out, style(l))
		}
		return out
	}
	var tail []string
	if o.RootOnly {
		if len(o.Sessions) > 0 {
			tail = append(tail, "")
		}
		tail = append(tail, para(rootOnlySentence(m.lang), st.bold.Render)...)
	}
	tail = append(tail, "")
	if o.removable() {
		tail = append(tail, para(m.tr("nakami writes every object in its journal before making it; removing what a journal names touches nothing else.",
			"nakami はオブジェクトを作る前に必ずジャーナルに記録します。削除するのはジャーナルにあるものだけで、ほかには一切触れません。"), plainText)...)
		tail = append(tail, "")
	}
	switch k := m.keys; {
	case o.removing:
		tail = append(tail, m.spin.View()+" "+m.tr("removing…", "削除しています…"))
	case o.removable():
		tail = append(tail, m.keyLine(k.Remove, width), m.keyLine(k.Leave, width))
	default:
		tail = append(tail, m.keyLine(k.Continue, width))
	}
	var heads [][]string
	fixed := len(tail)
	for _, d := range o.Sessions {
		h := para(sessionSentence(m.lang, d), st.bold.Render)
		heads, fixed = append(heads, h), fixed+len(h)
	}
	// Sessions whose sentences do not fit give way to the keys, and one
	// line says how many more there are.
	shown := len(heads)
	for shown > 1 && fixed > height-2 {
		shown--
		fixed -= len(heads[shown])
	}
	if shown < len(heads) {
		tail = append([]string{st.dim.Render(truncate(fmt.Sprintf(m.tr("… and %d more sessions (nakami cleanup --dry-run lists them)",
			"… ほか %d つのセッション(nakami cleanup --dry-run で一覧)"), len(heads)-shown), width))}, tail...)
		fixed++
	}
	budget := height - fixed - 1
	out := []string{""} // below the title
	for i, d := range o.Sessions[:shown] {
		out = append(out, heads[i]...)
		var rows [][]string // each object's lines
		need := 0
		for _, ob := range d.Objects {
			w := wordFor(ob.Kind).noun
			if m.lang == "ja" {
				w = wordFor(ob.Kind).ja
			}
			rows = append(rows, wrap.Lines("  "+w+" "+ob.Name, width, 2, "    "))
			need += len(rows[len(rows)-1])
		}
		if need <= budget {
			budget = m.objectRows(&out, rows, budget)
			continue
		}
		budget-- // the line saying how many are left out
		n := 0
		for n < len(rows) && len(rows[n]) <= budget {
			budget -= len(rows[n])
			n++
		}
		if budget < 0 { // not even that line fits: the sentence names them by kind
			budget = 0
			continue
		}
		m.objectRows(&out, rows[:n], 0)
		out = append(out, st.dim.Render(truncate(fmt.Sprintf(m.tr("  … and %d more (nakami cleanup --dry-run lists them)",
			"  … ほか %d 個(nakami cleanup --dry-run で一覧)"), len(rows)-n), width)))
		budget = 0
	}
	return append(out, tail...)
}

// objectRows adds the objects' lines, dimmed, and returns what is left of
// the budget.
func (m *model) objectRows(out *[]string, rows [][]string, budget int) int {
	for _, r := range rows {
		for _, l := range r {
			*out = append(*out, m.st.dim.Render(l))
		}
		budget -= len(r)
	}
	return budget
}

// keyLine is one key of the notice, its help beside it.
func (m *model) keyLine(b key.Binding, width int) string {
	h := b.Help()
	return m.st.accent.Render(fmt.Sprintf("%-6s", h.Key)) + " " + truncate(h.Desc, width-7)
}
