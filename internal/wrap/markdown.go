package wrap

// Markdown as lessons are written: hard-wrapped paragraphs, lists, quotes
// and "$ " command lines.

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Text wraps every line of s to width; a continuation keeps its line's
// indent, its quote bar and the width of its bullet or "$ ".
func Text(s string, width int) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		skip, cont := prefixOf(ansi.Strip(l))
		out = append(out, Lines(l, width, skip, cont)...)
	}
	return out
}

var bullet = regexp.MustCompile(`^(• |- |\* |\d+\. |\$ )`)

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

// Unwrap joins the hard-wrapped lines of paragraphs and list items, so the
// renderer can wrap them to the panel's width. Code blocks, tables, headings
// and quotes are left as they are.
func Unwrap(md string) string {
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
