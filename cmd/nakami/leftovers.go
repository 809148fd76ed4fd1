package main

// Leftovers and conflicts said plainly: before `nakami run` and the
// workbench start, the objects of sessions that died are named with the
// command that removes them (the workbench offers to run it), and a
// lesson's preflight refuses, with exit 3 and nothing created, when
// something else holds what it needs.

import (
	"fmt"
	"io"
	"os"
	"strings"

	"nakami/engine"
	"nakami/lessons"
)

// leftoverSentences says, one sentence per dead session, what it left.
func leftoverSentences(lang string) []string {
	var out []string
	for _, s := range engine.Leftovers(engine.JournalDir()) {
		shown, more := s.Objects, ""
		if len(shown) > 3 {
			shown = shown[:3]
			more = fmt.Sprintf(map[string]string{"en": ", and %d more", "ja": " ほか %d 個"}[lang], len(s.Objects)-3)
		}
		list := strings.Join(shown, ", ") + more
		if lang == "ja" {
			out = append(out, fmt.Sprintf("終了したセッション %s (PID %d) が %d 個のオブジェクトを残しています (%s)。nakami cleanup で削除できます", s.Session, s.PID, len(s.Objects), list))
			continue
		}
		out = append(out, fmt.Sprintf("session %s (PID %d) is no longer running and left %d object(s) behind (%s); nakami cleanup removes them", s.Session, s.PID, len(s.Objects), list))
	}
	return out
}

// beforeRun warns of leftovers on stderr and runs the lesson's preflight.
func beforeRun(g *globals, l *lessons.Lesson, target *lessons.Step) error {
	for _, s := range leftoverSentences(g.lang) {
		fmt.Fprintln(os.Stderr, "nakami: "+s)
	}
	if err := lessons.Preflight(l, target); err != nil {
		return machineErr("%v", err)
	}
	return nil
}

// offerCleanup is the workbench's offer: it names what dead sessions left
// and, when the learner answers y, removes it as nakami cleanup would.
func offerCleanup(g *globals, in io.Reader, out io.Writer) {
	ss := leftoverSentences(g.lang)
	if len(ss) == 0 {
		return
	}
	for _, s := range ss {
		fmt.Fprintln(out, "nakami: "+s)
	}
	fmt.Fprint(out, map[string]string{"en": "Remove them now (nakami cleanup)? [y/N] ", "ja": "今すぐ削除しますか (nakami cleanup)? [y/N] "}[g.lang])
	if a := strings.ToLower(strings.TrimSpace(readLine(in))); a != "y" && a != "yes" && a != "はい" {
		return
	}
	reps, err := engine.Cleanup(engine.JournalDir(), false)
	if err != nil {
		fmt.Fprintln(out, "nakami: "+err.Error())
		return
	}
	n := 0
	for _, r := range reps {
		if !r.Alive {
			n += len(r.Removed)
		}
	}
	fmt.Fprintf(out, map[string]string{"en": "removed %d object(s)\n", "ja": "%d 個のオブジェクトを削除しました\n"}[g.lang], n)
	for _, p := range engine.Problems(reps) {
		fmt.Fprintln(out, "nakami: "+p)
	}
}

// readLine reads one line a byte at a time, so that nothing typed after it
// is taken from the workbench that reads the terminal next.
func readLine(in io.Reader) string {
	var b strings.Builder
	c := make([]byte, 1)
	for {
		if n, err := in.Read(c); n == 0 || err != nil || c[0] == '\n' {
			return b.String()
		}
		b.WriteByte(c[0])
	}
}

// hostLeftovers is doctor's part: dead sessions' objects and what holds the
// network lesson's subnet or is another session's bridge (root only: an
// unprivileged user cannot read every journal nor run that lesson).
func hostLeftovers(lang string) (left, conflicts []string) {
	left, conflicts = leftoverSentences(lang), []string{}
	if left == nil {
		left = []string{}
	}
	if os.Geteuid() != 0 {
		return left, conflicts
	}
	if err := lessons.Preflight(networkLesson(), nil); err != nil {
		conflicts = append(conflicts, err.Error())
	}
	return left, conflicts
}

func networkLesson() *lessons.Lesson {
	l, _, _ := lessons.Find("network")
	return l
}

func printLeftovers(left, conflicts []string) {
	for _, s := range left {
		fmt.Printf("leftovers       %s\n", s)
	}
	for _, s := range conflicts {
		fmt.Printf("network         cannot start: %s\n", s)
	}
	if len(left)+len(conflicts) > 0 {
		fmt.Println()
	}
}
