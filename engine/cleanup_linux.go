package engine

// `nakami cleanup`: remove what sessions that are no longer running left
// behind, from their journals. Idempotent; names nothing the journals do not.
//
// Reads /proc/PID/stat to tell a live owner from a dead one (proc(5)).

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// CleanupReport says what cleanup did (or would do, on a dry run).
type CleanupReport struct {
	Journal string   `json:"journal"`
	Session string   `json:"session"`
	Alive   bool     `json:"alive"` // the owner still runs: left alone
	Removed []string `json:"removed"`
	Failed  []string `json:"failed,omitempty"`
	Bad     []string `json:"unreadable,omitempty"`
}

// Cleanup walks dir's journals. A journal whose owner is gone has its
// objects removed in reverse order and is then deleted; one with unreadable
// lines is kept (after removing what it could read) so a person can look.
func Cleanup(dir string, dryRun bool) ([]CleanupReport, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.journal"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []CleanupReport
	for _, path := range names {
		h, live, bad, err := ReadJournal(path)
		r := CleanupReport{Journal: path, Session: h.Session}
		if err != nil {
			r.Bad = append(r.Bad, err.Error())
			out = append(out, r)
			continue
		}
		for _, b := range bad {
			r.Bad = append(r.Bad, b.Error())
		}
		if ProcessIs(h.PID, h.Start) {
			r.Alive = true
			out = append(out, r)
			continue
		}
		for i := len(live) - 1; i >= 0; i-- {
			if dryRun {
				r.Removed = append(r.Removed, live[i].String())
				continue
			}
			if err := Undo(live[i]); err != nil {
				r.Failed = append(r.Failed, live[i].String()+": "+err.Error())
				continue
			}
			r.Removed = append(r.Removed, live[i].String())
		}
		if !dryRun && len(r.Failed) == 0 && len(r.Bad) == 0 {
			os.Remove(path)
		}
		out = append(out, r)
	}
	if !dryRun {
		os.Remove(dir) // only if empty
	}
	return out, nil
}

// Problems lists the failures and unreadable lines of a cleanup, one
// sentence each.
func Problems(rs []CleanupReport) []string {
	var out []string
	for _, r := range rs {
		if !r.Alive { // a running session's journal may end in a line it is still writing
			out = append(out, r.Bad...)
		}
		for _, f := range r.Failed {
			out = append(out, strings.TrimSpace(f))
		}
	}
	return out
}
