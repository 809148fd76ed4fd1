package tui

// Presenter mode's own colours on every cell. A projector's room does not
// share the presenter's terminal theme, so the light palette must not sit
// on whatever background the terminal has (near-black on black on a dark
// one): every line is painted, and every reset of the styles inside it
// (lipgloss and glamour end each run with one) puts the presenter's
// foreground and background back.

import (
	"regexp"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

const (
	presentBG = "48;2;255;255;255" // white
	presentFG = "38;2;0;0;0"       // black
)

// sgr matches one Select Graphic Rendition sequence.
var sgr = regexp.MustCompile(`\x1b\[([0-9;:]*)m`)

// paint gives every cell of frame the presenter's background, and the
// presenter's foreground wherever the frame falls back to the default.
func paint(frame string, width int) string {
	base := "\x1b[0m\x1b[" + presentFG + ";" + presentBG + "m"
	lines := strings.Split(frame, "\n")
	for i, l := range lines {
		l = sgr.ReplaceAllStringFunc(l, func(seq string) string {
			return seq + restore(sgr.FindStringSubmatch(seq)[1])
		})
		if pad := width - ansi.StringWidth(l); pad > 0 {
			l += strings.Repeat(" ", pad)
		}
		lines[i] = base + l
	}
	return strings.Join(lines, "\n") + "\x1b[0m"
}

// restore is what must follow an SGR sequence with these parameters to put
// the presenter's colours back: after a reset both, after 39 (default
// foreground) or 49 (default background) that one. Colour arguments of 38,
// 48 and 58 (5;N or 2;R;G;B) are skipped, not read as resets.
func restore(params string) string {
	var fg, bg bool
	ps := strings.Split(params, ";")
	for i := 0; i < len(ps); i++ {
		switch p := ps[i]; p {
		case "", "0":
			fg, bg = true, true
		case "39":
			fg = true
		case "49":
			bg = true
		case "38", "48", "58":
			if i+1 < len(ps) && ps[i+1] == "5" {
				i += 2
			} else if i+1 < len(ps) && ps[i+1] == "2" {
				i += 4
			}
		}
	}
	switch {
	case fg && bg:
		return "\x1b[" + presentFG + ";" + presentBG + "m"
	case fg:
		return "\x1b[" + presentFG + "m"
	case bg:
		return "\x1b[" + presentBG + "m"
	}
	return ""
}
