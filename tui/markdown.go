package tui

// Lesson markdown drawn for the terminal: goldmark parses it, this file
// draws the few things lessons use (headings, paragraphs, lists, code,
// quotes, tables, emphasis) with the workbench's own styles, and
// internal/wrap breaks the lines. glamour did this before; its syntax
// highlighter's package initialisation cost every start of the binary,
// children included, about 16 ms.

import (
	"bytes"
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/yuin/goldmark"
	gast "github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
)

var mdParser = goldmark.New(goldmark.WithExtensions(extension.Table)).Parser()

// mdStyle is how each kind of element looks.
type mdStyle struct {
	heading, strong, em, code, block, quote lipgloss.Style
}

func newMDStyle(st styles) mdStyle {
	return mdStyle{
		heading: st.title, strong: st.bold, em: lipgloss.NewStyle().Italic(true),
		code: st.accent, block: st.dim, quote: st.dim,
	}
}

// renderMarkdown draws md in lines of at most width cells.
func renderMarkdown(md string, s mdStyle, width int) string {
	src := []byte(md)
	doc := mdParser.Parse(text.NewReader(src))
	r := &mdRenderer{src: src, s: s}
	r.blocks(doc, "  ")
	return strings.Join(wrapLines(strings.Join(r.out, "\n"), width), "\n")
}

type mdRenderer struct {
	src []byte
	s   mdStyle
	out []string
}

func (r *mdRenderer) gap() {
	if n := len(r.out); n > 0 && r.out[n-1] != "" {
		r.out = append(r.out, "")
	}
}

// blocks draws the children of n, each line after indent.
func (r *mdRenderer) blocks(n gast.Node, indent string) {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		r.block(c, indent)
	}
}

func (r *mdRenderer) block(n gast.Node, indent string) {
	switch n := n.(type) {
	case *gast.Heading:
		r.gap()
		r.out = append(r.out, indent+r.s.heading.Render(r.inline(n)), "")
	case *gast.Paragraph, *gast.TextBlock:
		for _, l := range strings.Split(r.inline(n), "\n") {
			r.out = append(r.out, indent+l)
		}
		if _, tight := n.(*gast.TextBlock); !tight {
			r.out = append(r.out, "")
		}
	case *gast.List:
		i := n.Start
		for item := n.FirstChild(); item != nil; item = item.NextSibling() {
			bullet := "• "
			if n.IsOrdered() {
				bullet = fmt.Sprintf("%d. ", i)
				i++
			}
			sub := &mdRenderer{src: r.src, s: r.s}
			sub.blocks(item, "")
			for j, l := range trimBlank(sub.out) {
				if j == 0 {
					r.out = append(r.out, indent+bullet+l)
				} else if l != "" {
					r.out = append(r.out, indent+strings.Repeat(" ", len(bullet))+l)
				}
			}
		}
		r.out = append(r.out, "")
	case *gast.FencedCodeBlock, *gast.CodeBlock:
		lines := n.Lines()
		for i := 0; i < lines.Len(); i++ {
			seg := lines.At(i)
			l := strings.TrimRight(string(seg.Value(r.src)), "\n")
			r.out = append(r.out, indent+"  "+r.s.block.Render(l))
		}
		r.out = append(r.out, "")
	case *gast.Blockquote:
		sub := &mdRenderer{src: r.src, s: r.s}
		sub.blocks(n, "")
		for _, l := range trimBlank(sub.out) {
			r.out = append(r.out, indent+r.s.quote.Render("│ ")+l)
		}
		r.out = append(r.out, "")
	case *east.Table:
		r.table(n, indent)
	case *gast.ThematicBreak:
		r.out = append(r.out, indent+r.s.quote.Render("────"), "")
	case *gast.HTMLBlock:
		// comments (markers, hints) are not prose
	default:
		r.blocks(n, indent)
	}
}

// table pads every column to its widest cell; the header is bold.
func (r *mdRenderer) table(t *east.Table, indent string) {
	var rows [][]string
	for row := t.FirstChild(); row != nil; row = row.NextSibling() {
		var cells []string
		for c := row.FirstChild(); c != nil; c = c.NextSibling() {
			cells = append(cells, r.inline(c))
		}
		rows = append(rows, cells)
	}
	var widths []int
	for _, row := range rows {
		for i, c := range row {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], ansi.StringWidth(c))
		}
	}
	for n, row := range rows {
		var b strings.Builder
		for i, c := range row {
			if n == 0 {
				c = r.s.strong.Render(c)
			}
			b.WriteString(c + strings.Repeat(" ", widths[i]-ansi.StringWidth(ansi.Strip(c))+2))
		}
		r.out = append(r.out, indent+strings.TrimRight(b.String(), " "))
	}
	r.out = append(r.out, "")
}

// inline draws a block's inline content; soft line breaks were joined by
// wrap.Unwrap before, hard ones stay.
func (r *mdRenderer) inline(n gast.Node) string {
	var b bytes.Buffer
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *gast.Text:
			b.Write(c.Segment.Value(r.src))
			if c.HardLineBreak() {
				b.WriteString("\n")
			} else if c.SoftLineBreak() {
				b.WriteString(" ")
			}
		case *gast.String:
			b.Write(c.Value)
		case *gast.CodeSpan:
			b.WriteString(r.s.code.Render(string(plainText2(c, r.src))))
		case *gast.Emphasis:
			st := r.s.em
			if c.Level == 2 {
				st = r.s.strong
			}
			b.WriteString(st.Render(r.inline(c)))
		case *gast.Link:
			b.WriteString(r.inline(c))
		case *gast.AutoLink:
			b.Write(c.URL(r.src))
		case *gast.RawHTML:
		default:
			b.WriteString(r.inline(c))
		}
	}
	return b.String()
}

// plainText2 is the text of n's children (a code span's content).
func plainText2(n gast.Node, src []byte) []byte {
	var b bytes.Buffer
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		if t, ok := c.(*gast.Text); ok {
			b.Write(t.Segment.Value(src))
		} else {
			b.Write(plainText2(c, src))
		}
	}
	return b.Bytes()
}

func trimBlank(lines []string) []string {
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}
