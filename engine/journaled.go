package engine

// Which kernel objects nakami itself made: every live entry of every
// journal this process can read. Exercises use it to tell the learner's own
// objects from a kept `nakami run … --keep`, which is not a solution.
//
// Syscalls: open(2), read(2), getdents64(2) on the journal directories.

import (
	"os"
	"path/filepath"
)

// Journaled returns the live entries of every readable journal: the
// directory JournalDir names, and, for root, /run/nakami and each
// unprivileged user's nakami-run-UID directory. Unreadable journals are
// skipped: they belong to someone else, whose objects this user cannot
// have used anyway.
func Journaled() []Entry {
	dirs := []string{JournalDir()}
	if os.Geteuid() == 0 {
		dirs = append(dirs, RootJournalDir)
		more, _ := filepath.Glob(filepath.Join(os.TempDir(), "nakami-run-*"))
		dirs = append(dirs, more...)
		if xdg, _ := filepath.Glob("/run/user/*/nakami"); len(xdg) > 0 {
			dirs = append(dirs, xdg...)
		}
	}
	seen := map[string]bool{}
	var out []Entry
	for _, d := range dirs {
		files, _ := filepath.Glob(filepath.Join(d, "*.journal"))
		for _, f := range files {
			if seen[f] {
				continue
			}
			seen[f] = true
			if _, entries, _, err := ReadJournal(f); err == nil {
				out = append(out, entries...)
			}
		}
	}
	return out
}
