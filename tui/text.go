package tui

// The step's text, rendered with glamour and cached per language, step,
// width and style (rendering is the slowest part of a frame).

import (
	"fmt"
	"strings"

	"charm.land/glamour/v2"

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
func stepMarkdown(lang string, it item, hints int, params []string) string {
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
	if len(params) > 0 {
		label := map[string]string{"en": "Parameters (e to change)", "ja": "パラメータ(e で変更)"}[lang]
		fmt.Fprintf(&b, "**%s:** `%s`\n\n", label, strings.Join(params, "` `"))
	}
	b.WriteString(wrap.Unwrap(st.Body))
	label := map[string]string{"en": "Hint", "ja": "ヒント"}[lang]
	for i := 0; i < hints && i < len(st.Hints); i++ {
		fmt.Fprintf(&b, "\n\n> **%s %d/%d:** %s", label, i+1, len(st.Hints), st.Hints[i])
	}
	return b.String()
}

// wrapText wraps each rendered line to width; a continuation keeps the
// line's indent, its quote bar and the width of its bullet or "$ ".
func wrapText(s string, width int) string { return strings.Join(wrapLines(s, width), "\n") }

func wrapLines(s string, width int) []string { return wrap.Text(s, max(10, width)) }
