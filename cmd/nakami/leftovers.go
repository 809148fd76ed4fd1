package main

// Leftovers and conflicts said plainly: before `nakami run` starts, the
// objects of sessions that died are named with the command that removes
// them; the workbench opens on a notice offering to run it (tui/offer.go
// draws it; its content and nakami cleanup's code come from here, as tui
// imports no engine); and a lesson's preflight refuses, with exit 3 and
// nothing created, when something else holds what it needs.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"nakami/engine"
	"nakami/lessons"
	"nakami/tui"
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

// workbenchLeftovers is the notice's content, nil when there is nothing
// to say.
func workbenchLeftovers() *tui.Leftovers {
	lo := &tui.Leftovers{RootOnly: rootJournalsClosed(), Remove: removeLeftovers}
	for _, d := range deadSessions() {
		lo.Sessions = append(lo.Sessions, d.DeadSession)
	}
	if len(lo.Sessions) == 0 && !lo.RootOnly {
		return nil
	}
	return lo
}

// dead is a dead session as the notice names it, with each object's
// journal line (engine.Entry.String), which is how cleanup reports it.
type dead struct {
	tui.DeadSession
	session string
	journal string
	lines   []string
}

// deadSessions reads the journals of sessions that are no longer running.
// What has gone by itself since is not named: a journaled process that has
// exited, a link that no longer exists (a veth end goes with its netns).
func deadSessions() []dead {
	var out []dead
	for _, s := range engine.Leftovers(engine.JournalDir()) {
		_, live, _, err := engine.ReadJournal(s.Journal)
		if err != nil {
			continue
		}
		d := dead{DeadSession: tui.DeadSession{Tag: "nakami-" + s.Session, PID: s.PID}, session: s.Session, journal: s.Journal}
		for _, e := range live {
			o, gone := objectOf(e)
			if gone {
				continue
			}
			d.Objects = append(d.Objects, o)
			d.lines = append(d.lines, e.String())
		}
		out = append(out, d)
	}
	return out
}

// objectOf is e as the notice names it; gone: it has gone by itself.
func objectOf(e engine.Entry) (o tui.Object, gone bool) {
	switch e.Kind {
	case engine.KindLink:
		if _, err := os.Lstat("/sys/class/net/" + e.Name); err != nil {
			return tui.Object{}, true
		}
		if _, err := os.Stat("/sys/class/net/" + e.Name + "/bridge"); err == nil {
			return tui.Object{Kind: tui.ObjBridge, Name: e.Name}, false
		}
		return tui.Object{Kind: tui.ObjLink, Name: e.Name}, false
	case engine.KindProcess:
		return tui.Object{Kind: tui.ObjProcess, Name: strconv.Itoa(e.PID)}, !engine.ProcessIs(e.PID, e.Start)
	case engine.KindNetns:
		return tui.Object{Kind: tui.ObjNetns, Name: e.Path}, false
	case engine.KindMount:
		return tui.Object{Kind: tui.ObjMount, Name: e.Path}, false
	case engine.KindCgroup:
		return tui.Object{Kind: tui.ObjCgroup, Name: e.Path}, false
	case engine.KindDir, engine.KindEmptyDir:
		return tui.Object{Kind: tui.ObjDir, Name: e.Path}, false
	case engine.KindFile:
		return tui.Object{Kind: tui.ObjFile, Name: e.Path}, false
	}
	return tui.Object{Kind: e.Kind, Name: e.Path}, false
}

// removeLeftovers is `nakami cleanup`: the same engine.Cleanup, and what
// it removed named as the notice named it.
func removeLeftovers() tui.Removal {
	before := deadSessions()
	reps, err := engine.Cleanup(engine.JournalDir(), false)
	if err != nil {
		return tui.Removal{Problem: err.Error(), Problems: 1, NeedsRoot: refused(err.Error())}
	}
	removed := map[string]bool{}
	for _, r := range reps {
		for _, x := range r.Removed {
			removed[r.Session+" "+x] = true
		}
	}
	var out tui.Removal
	for _, d := range before {
		gone := tui.DeadSession{Tag: d.Tag, PID: d.PID}
		for i, l := range d.lines {
			if removed[d.session+" "+l] {
				gone.Objects = append(gone.Objects, d.Objects[i])
			}
		}
		_, kept := os.Stat(d.journal)
		if len(gone.Objects) > 0 || (len(d.lines) == 0 && kept != nil) { // a journal alone counts once it is gone
			out.Removed = append(out.Removed, gone)
		}
	}
	if p := engine.Problems(reps); len(p) > 0 {
		out.Problem, out.Problems = p[0], len(p)
		for _, x := range p {
			out.NeedsRoot = out.NeedsRoot || refused(x)
		}
	}
	return out
}

// refused: a problem that says this user may not, which root may.
func refused(problem string) bool {
	return os.Geteuid() != 0 && (strings.Contains(problem, "permission denied") || strings.Contains(problem, "operation not permitted"))
}

// rootJournalsClosed: this user is not root and root's journal directory
// exists but cannot be read, so whatever root's sessions left is out of
// this user's sight and reach.
func rootJournalsClosed() bool {
	if os.Geteuid() == 0 || engine.JournalDir() == engine.RootJournalDir {
		return false
	}
	_, err := os.ReadDir(engine.RootJournalDir)
	return errors.Is(err, fs.ErrPermission)
}
