package tui

// Every style of the workbench lives here.

import (
	"image/color"

	"charm.land/lipgloss/v2"
)

type styles struct {
	title, dim, bold, pass, fail, newNS, accent, selected, done lipgloss.Style
	pane, paneFocus, header, footer                             lipgloss.Style
	glamour                                                     string // glamour style name
}

func newStyles(dark, present, noColor bool) styles {
	if present {
		dark = false // projectors wash out dark themes; high-contrast light
	}
	pick := func(d, l string) color.Color {
		if dark {
			return lipgloss.Color(d)
		}
		return lipgloss.Color(l)
	}
	fg, faint := pick("#E8E8E8", "#000000"), pick("#8A8A8A", "#4A4A4A")
	accent, green, red := pick("#7DCFFF", "#0044AA"), pick("#9ECE6A", "#006400"), pick("#F7768E", "#B00020")
	border := pick("#565F89", "#333333")
	s := styles{
		title:    lipgloss.NewStyle().Bold(true).Foreground(accent),
		dim:      lipgloss.NewStyle().Foreground(faint),
		bold:     lipgloss.NewStyle().Bold(true).Foreground(fg),
		pass:     lipgloss.NewStyle().Foreground(green).Bold(true),
		fail:     lipgloss.NewStyle().Foreground(red).Bold(true),
		newNS:    lipgloss.NewStyle().Foreground(red).Bold(true),
		accent:   lipgloss.NewStyle().Foreground(accent),
		selected: lipgloss.NewStyle().Bold(true).Reverse(true),
		done:     lipgloss.NewStyle().Foreground(green),
		pane:     lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(border).Padding(0, 1),
		header:   lipgloss.NewStyle().Bold(true).Foreground(accent),
		footer:   lipgloss.NewStyle().Foreground(faint),
		glamour:  map[bool]string{true: "dark", false: "light"}[dark],
	}
	s.paneFocus = s.pane.BorderForeground(accent)
	if present {
		s.pane = s.pane.Padding(1, 3)
		s.paneFocus = s.paneFocus.Padding(1, 3)
	}
	if noColor {
		s.glamour = "notty"
	}
	return s
}
