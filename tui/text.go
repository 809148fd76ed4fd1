package tui

// The step's text, rendered (markdown.go) and cached per language, step,
// width and style (rendering is the slowest part of a frame).

import (
	"fmt"
	"strings"

	"nakami/internal/wrap"

	"nakami/lessons"
)

type mdCache struct{ out map[string]string }

func newMDCache() *mdCache { return &mdCache{out: map[string]string{}} }

// render draws md at width in the styles st (name tells them apart).
func (c *mdCache) render(md string, st styles, width int) string {
	k := fmt.Sprintf("%s|%d|%s", st.name, width, md)
	if s, ok := c.out[k]; ok {
		return s
	}
	s := renderMarkdown(md, newMDStyle(st), width)
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

// wrapLines wraps every line of s to width (see internal/wrap).
func wrapLines(s string, width int) []string { return wrap.Text(s, max(10, width)) }
