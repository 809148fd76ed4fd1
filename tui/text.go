package tui

// The step's text, rendered with glamour and cached per language, step,
// width and style (rendering is the slowest part of a frame).

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"charm.land/glamour/v2"
	"github.com/charmbracelet/x/ansi"

	"nakami/internal/wrap"

	"nakami/lessons"
)

type mdCache struct {
	renderers map[string]*glamour.TermRenderer
	out       map[string]string
}

func newMDCache() *mdCache {
	return &mdCache{renderers: map[string]*glamour.TermRenderer{}, out: map[string]string{}}
}

func (c *mdCache) render(md, style string, width int) string {
	k := fmt.Sprintf("%s|%d|%s", style, width, md)
	if s, ok := c.out[k]; ok {
		return s
	}
	rk := style
	r := c.renderers[rk]
	if r == nil {
		var err error
		// glamour's own wrapping breaks inside names and only at spaces in
		// Japanese; it renders unwrapped and wrapText breaks the lines.
		r, err = glamour.NewTermRenderer(glamour.WithStandardStyle(style), glamour.WithWordWrap(0))
		if err != nil {
			return md
		}
		c.renderers[rk] = r
	}
	s, err := r.Render(md)
	if err != nil {
		s = md
	}
	s = wrapText(strings.Trim(s, "\n"), width)
	c.out[k] = s
	return s
}

// stepMarkdown is what the text panel shows: the title, the commands a
// person would type, the prose, and the hints revealed so far.
func stepMarkdown(lang string, it item, hints int) string {
	c := lessons.ContentFor(lang, it.lesson.ID)
	if c == nil {
		return "(no text)"
	}
	st := c.Step(it.step.ID)
	if st == nil {
		return "(no text)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", st.Title)
	if len(it.step.Commands) > 0 {
		b.WriteString("```sh\n")
		for _, cmd := range it.step.Commands {
			b.WriteString("$ " + cmd + "\n")
		}
		b.WriteString("```\n\n")
	}
	b.WriteString(unwrap(st.Body))
	label := map[string]string{"en": "Hint", "ja": "ヒント"}[lang]
	for i := 0; i < hints && i < len(st.Hints); i++ {
		fmt.Fprintf(&b, "\n\n> **%s %d/%d:** %s", label, i+1, len(st.Hints), st.Hints[i])
	}
	return b.String()
}

// unwrap joins the hard-wrapped lines of paragraphs and list items, so the
// renderer can wrap them to the panel's width. Code blocks, tables, headings
// and quotes are left as they are.
func unwrap(md string) string {
	lines := strings.Split(md, "\n")
	var out []string
	fence := false
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "```") {
			fence = !fence
			out = append(out, l)
			continue
		}
		n := len(out)
		if !fence && t != "" && n > 0 && joinable(out[n-1]) && !blockStart(t) {
			out[n-1] += joiner(out[n-1], t) + t
			continue
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// joiner is a space between words, and nothing between two characters of
// a script written without spaces (Japanese).
func joiner(prev, next string) string {
	a, _ := utf8.DecodeLastRuneInString(prev)
	b, _ := utf8.DecodeRuneInString(next)
	if a > 0x2E80 && b > 0x2E80 {
		return ""
	}
	return " "
}

func joinable(prev string) bool {
	t := strings.TrimSpace(prev)
	return t != "" && !strings.HasPrefix(t, "```") && !strings.HasPrefix(t, "|") && !strings.HasPrefix(t, "#")
}

func blockStart(t string) bool {
	for _, p := range []string{"- ", "* ", "|", "#", ">", "```"} {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	return i > 0 && strings.HasPrefix(t[i:], ". ")
}

// wrapText wraps each rendered line to width; a continuation keeps the
// line's indent, its quote bar and the width of its bullet or "$ ".
func wrapText(s string, width int) string { return strings.Join(wrapLines(s, width), "\n") }

func wrapLines(s string, width int) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		skip, cont := prefixOf(ansi.Strip(l))
		out = append(out, wrap.Lines(l, max(10, width), skip, cont)...)
	}
	return out
}

var bullet = regexp.MustCompile(`^(• |\d+\. |\$ )`)

func prefixOf(plain string) (skip int, cont string) {
	rest := strings.TrimLeft(plain, " ")
	cont = strings.Repeat(" ", len(plain)-len(rest))
	if q, ok := strings.CutPrefix(rest, "│ "); ok {
		cont, rest = cont+"│ ", q
	}
	if b := bullet.FindString(rest); b != "" {
		cont += strings.Repeat(" ", len(b))
	}
	return ansi.StringWidth(cont), cont
}
