package engine

// A session: one run of nakami, with its id, journal and transcript. Every
// object it creates is named nakami-<id>… and journaled first.
//
// Syscalls: getrandom(2) via crypto/rand, mkdir(2). Man pages: proc(5).

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"nakami/engine/procfs"
)

// Session ties a journal and a transcript to one run.
type Session struct {
	ID      string
	Tag     string // "nakami-<id>": every object's name carries it
	Journal *Journal
	T       *Transcript

	mu  sync.Mutex
	tmp string
}

// NewSession opens a journal in JournalDir.
func NewSession() (*Session, error) {
	var b [4]byte
	rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	start, err := selfStart()
	if err != nil {
		return nil, err
	}
	s := &Session{ID: id, Tag: "nakami-" + id, T: &Transcript{}}
	s.Journal, err = OpenJournal(JournalDir(), id, s.Tag, Header{
		Session: id, PID: os.Getpid(), Start: start, Created: time.Now().UTC(),
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

func selfStart() (uint64, error) {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0, err
	}
	return procfs.ParseStatStart(string(b))
}

// TempDir returns the session's private directory (0755, so unprivileged
// helpers can reach files in it), creating and journaling it on first use.
func (s *Session) TempDir() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tmp != "" {
		if _, err := os.Stat(s.tmp); err == nil {
			return s.tmp, nil
		}
		s.tmp = "" // released (a workbench reset): make it again
	}
	dir := filepath.Join(os.TempDir(), s.Tag)
	if _, err := s.Journal.Record(Entry{Kind: KindDir, Path: dir}); err != nil {
		return "", err
	}
	err := s.T.Do(fmt.Sprintf("mkdir(%q, 0755)", dir), "mkdir "+dir, func() error {
		if err := os.Mkdir(dir, 0o755); err != nil {
			return err
		}
		return os.Chmod(dir, 0o755)
	})
	if err != nil {
		return "", err
	}
	s.tmp = dir
	return dir, nil
}

// Close removes everything the session created, newest first.
func (s *Session) Close() error { return s.Journal.Unwind() }

// Keep leaves the session's objects for `nakami cleanup`.
func (s *Session) Keep() { s.Journal.Keep() }

// RecordProcess journals a started process by PID and start time.
func (s *Session) RecordProcess(pid int) (Entry, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return Entry{}, procfs.Explain(pid, err)
	}
	start, err := procfs.ParseStatStart(string(b))
	if err != nil {
		return Entry{}, err
	}
	return s.Journal.Record(Entry{Kind: KindProcess, PID: pid, Start: start})
}
