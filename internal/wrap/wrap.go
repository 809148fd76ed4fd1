// Package wrap breaks text into lines the way a reader expects: at spaces
// in English, between characters in Japanese (never before 。、」 or after
// 「), and never inside a path, an address, a flag or a name, unless one
// alone is wider than the line. Escape sequences (SGR colours) are carried
// across a break, so a styled run stays styled on its next line.
package wrap

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// cell is one visible character and the escape sequences just before it.
type cell struct {
	pre  string // escape sequences before it
	text string // the grapheme
	r    rune   // its first rune, for the breaking rules
	w    int    // its width in columns
}

// Lines wraps s (one line, possibly styled) to width columns. The first
// skip columns (an indent, a bullet, a "$ ") are never broken; every
// continuation line starts with cont.
func Lines(s string, width, skip int, cont string) []string {
	cells, tail := split(s)
	if width < 2 || total(cells) <= width {
		return []string{s}
	}
	var rows [][2]int // [start, end) of each line, in cells
	start, col, last, comma, slash := 0, 0, -1, -1, -1
	limit := width
	for i := 0; i < len(cells); i++ {
		if i > start && col >= skipFor(rows, skip) && breakBefore(cells, i) {
			last = i
		}
		// A list or path too long for a line: after a comma, else before
		// a slash.
		if i > start+1 && cells[i-1].r == ',' {
			comma = i
		}
		if i > start+1 && cells[i].r == '/' {
			slash = i
		}
		if col+cells[i].w > limit && i > start {
			end := i
			if last > start {
				end = last
			} else if comma > start {
				end = comma
			} else if slash > start {
				end = slash
			} else if end-1 > start && strings.ContainsRune(noStart, cells[end].r) {
				end-- // a forced break still does not start a line with 」
			}
			rows = append(rows, [2]int{start, end})
			start = end
			for start < len(cells) && cells[start].r == ' ' {
				start++
			}
			i, last, comma, slash = start-1, -1, -1, -1
			col = ansi.StringWidth(cont)
			limit = width
			continue
		}
		col += cells[i].w
	}
	rows = append(rows, [2]int{start, len(cells)})
	return render(cells, rows, cont, tail)
}

// skipFor: the protected prefix counts only on the first line.
func skipFor(rows [][2]int, skip int) int {
	if len(rows) == 0 {
		return skip
	}
	return 0
}

func render(cells []cell, rows [][2]int, cont, tail string) []string {
	out := make([]string, 0, len(rows))
	active := ""
	for n, row := range rows {
		var b strings.Builder
		if n > 0 {
			b.WriteString(cont)
			b.WriteString(active)
		}
		end := row[1]
		for end > row[0] && cells[end-1].r == ' ' && n < len(rows)-1 {
			end--
		}
		for i := row[0]; i < row[1]; i++ {
			active = track(active, cells[i].pre)
			b.WriteString(cells[i].pre)
			if i < end {
				b.WriteString(cells[i].text)
			}
		}
		if n == len(rows)-1 {
			b.WriteString(tail)
		} else if active != "" {
			b.WriteString("\x1b[m")
		}
		out = append(out, b.String())
	}
	return out
}

// track follows the SGR state: a reset clears it, any other SGR adds to it.
func track(active, seqs string) string {
	var state byte
	for seqs != "" {
		seq, _, n, st := ansi.DecodeSequence(seqs, state, nil)
		state, seqs = st, seqs[n:]
		switch {
		case seq == "\x1b[m" || seq == "\x1b[0m":
			active = ""
		case strings.HasPrefix(seq, "\x1b[") && strings.HasSuffix(seq, "m"):
			active += seq
		}
	}
	return active
}

// split cuts s into visible cells; tail is what follows the last one.
func split(s string) (cells []cell, tail string) {
	var state byte
	pre := ""
	for s != "" {
		seq, w, n, st := ansi.DecodeSequence(s, state, nil)
		state, s = st, s[n:]
		if w == 0 && (strings.HasPrefix(seq, "\x1b") || seq == "") {
			pre += seq
			continue
		}
		r := []rune(seq)[0]
		cells = append(cells, cell{pre: pre, text: seq, r: r, w: w})
		pre = ""
	}
	return cells, pre
}

func total(cells []cell) int {
	n := 0
	for _, c := range cells {
		n += c.w
	}
	return n
}
