package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"nakami/internal/wrap"
	"nakami/lessons"
)

const (
	ansiGreen = "\x1b[32m"
	ansiRed   = "\x1b[31m"
	ansiDim   = "\x1b[2m"
	ansiBold  = "\x1b[1m"
	ansiReset = "\x1b[0m"
)

func paint(on bool, code, s string) string {
	if !on {
		return s
	}
	return code + s + ansiReset
}

// printResult prints one step: the commands a person would type, the
// transcript, then the checks.
func printResult(w io.Writer, r lessons.Result, color bool) {
	tag := ""
	if r.Prerequisite {
		tag = " (prerequisite)"
	}
	fmt.Fprintf(w, "%s%s\n", paint(color, ansiBold, fmt.Sprintf("▶ %s/%s — %s", r.Lesson, r.Step, r.Title)), tag)
	if r.Unavailable != "" {
		fmt.Fprintf(w, "  – %s\n\n", r.Unavailable)
		return
	}
	for _, c := range r.Commands {
		fmt.Fprintf(w, "  %s\n", paint(color, ansiDim, "$ "+c))
	}
	for _, op := range r.Ops {
		outcome := paint(color, ansiGreen, op.Outcome)
		if op.Failed {
			outcome = paint(color, ansiRed, op.Outcome)
		}
		fmt.Fprintf(w, "  %s  %s  %s\n", op.Call, outcome, paint(color, ansiDim, fmtDuration(op.Duration)))
		if op.Shell != "" {
			fmt.Fprintf(w, "      %s\n", paint(color, ansiDim, "≈ "+op.Shell))
		}
		if op.Detail != "" {
			fmt.Fprintf(w, "      → %s\n", wrap.OneLine(op.Detail, lessons.NoteCols))
		}
	}
	if r.Error != "" {
		fmt.Fprintf(w, "  %s %s\n", paint(color, ansiRed, "error:"), r.Error)
	}
	for _, c := range r.Checks {
		mark := paint(color, ansiGreen, "✓")
		if !c.Pass {
			mark = paint(color, ansiRed, "✗")
		}
		fmt.Fprintf(w, "  %s %s\n      %s\n", mark, c.Name, c.Detail)
	}
	fmt.Fprintln(w)
}

func fmtDuration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000)
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}

// printExplanation prints a step's text before it runs (run --step), so a
// lesson can be followed on the command line alone: the title, the prose
// wrapped to the terminal, code blocks indented.
func printExplanation(w io.Writer, lang string, l *lessons.Lesson, s *lessons.Step, width int, color bool) {
	c := lessons.ContentFor(lang, l.ID)
	if c == nil || c.Step(s.ID) == nil {
		return
	}
	st := c.Step(s.ID)
	fmt.Fprintf(w, "%s\n\n", paint(color, ansiBold, "━━ "+st.Title+" ━━"))
	fence := false
	for _, line := range strings.Split(wrap.Unwrap(strings.TrimSpace(st.Body)), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fence = !fence
			continue
		}
		if fence {
			line = "    " + line
		}
		for _, l := range wrap.Text(line, max(20, width)) {
			fmt.Fprintln(w, l)
		}
	}
	fmt.Fprintln(w)
}
