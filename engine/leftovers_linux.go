package engine

// Sessions as their journals describe them: which are still running and
// which died leaving objects behind, so that `nakami run`, the workbench
// and `nakami doctor` can say so before they start, and a conflict can name
// the session that holds a name.
//
// Syscalls: open(2), read(2), getdents64(2) on the journal directory;
// reads of /proc/PID/stat (proc(5)) to tell a live owner from a dead one.

import (
	"path/filepath"
	"sort"
)

// SessionState is one journal: its session, owner, and what it still names.
type SessionState struct {
	Session string   `json:"session"`
	PID     int      `json:"pid"`
	Alive   bool     `json:"alive"`
	Journal string   `json:"journal"`
	Objects []string `json:"objects"` // live entries, oldest first
}

// Sessions reads every journal in dir. A journal that cannot be read is
// skipped here; `nakami cleanup` reports it.
func Sessions(dir string) []SessionState {
	names, _ := filepath.Glob(filepath.Join(dir, "*.journal"))
	sort.Strings(names)
	var out []SessionState
	for _, path := range names {
		h, live, _, err := ReadJournal(path)
		if err != nil {
			continue
		}
		s := SessionState{Session: h.Session, PID: h.PID, Alive: ProcessIs(h.PID, h.Start), Journal: path, Objects: []string{}}
		for _, e := range live {
			s.Objects = append(s.Objects, e.String())
		}
		out = append(out, s)
	}
	return out
}

// Leftovers returns the sessions in dir whose owner is gone and whose
// journal still names objects.
func Leftovers(dir string) []SessionState {
	var out []SessionState
	for _, s := range Sessions(dir) {
		if !s.Alive && len(s.Objects) > 0 {
			out = append(out, s)
		}
	}
	return out
}
