package engine

// The journal: every object a session creates is written here before it is
// created, so that it can be removed in reverse order on exit, on a signal,
// on panic, or by `nakami cleanup` after the session was killed.
//
// Format: one JSON object per line. The first line is the header naming the
// session and its owner process (PID and start time, so a recycled PID is not
// mistaken for the owner). Each later line either records an object
// ({"seq":3,"kind":"mount","path":...}) or says one was already removed
// ({"undone":3}).

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Kinds of journaled objects.
const (
	KindDir     = "dir"     // a directory nakami made (removed with its contents)
	KindFile    = "file"    // a file nakami made
	KindMount   = "mount"   // a mount nakami made (lazily unmounted)
	KindProcess = "process" // a process nakami started (killed)
	KindCgroup  = "cgroup"  // a cgroup directory (its processes killed, then rmdir)
	KindNetns   = "netns"   // a named network namespace under /run/netns
	KindLink    = "link"    // a network interface
	// KindEmptyDir is a shared directory nakami had to create, such as
	// /run/netns: removed only while empty, so whatever others put in it
	// since is never touched. Only the paths in sharedDirs may be named.
	KindEmptyDir = "emptydir"
)

// sharedDirs are the untagged directories a journal may name (as
// KindEmptyDir): places where tools expect a fixed path.
var sharedDirs = map[string]bool{"/run/netns": true}

// sessionID is the shape of a session id (NewSession): 8 hex digits.
var sessionID = regexp.MustCompile(`^[0-9a-f]{8}$`)

// Header is the first line of a journal.
type Header struct {
	Session string    `json:"session"`
	PID     int       `json:"pid"`
	Start   uint64    `json:"start"` // owner's start time in clock ticks
	Created time.Time `json:"created"`
}

// Entry is one journaled object.
type Entry struct {
	Seq    int    `json:"seq"`
	Kind   string `json:"kind"`
	Path   string `json:"path,omitempty"`  // dir, file, mount, cgroup, netns
	Name   string `json:"name,omitempty"`  // link name
	PID    int    `json:"pid,omitempty"`   // process
	Start  uint64 `json:"start,omitempty"` // process start time, clock ticks
	Undone int    `json:"undone,omitempty"`
}

func (e Entry) String() string {
	switch e.Kind {
	case KindProcess:
		return fmt.Sprintf("process %d", e.PID)
	case KindLink:
		return "link " + e.Name
	}
	return e.Kind + " " + e.Path
}

// Journal is an open journal file of a running session.
type Journal struct {
	mu      sync.Mutex
	path    string
	tag     string
	F       *os.File
	seq     int
	entries []Entry
	undone  map[int]bool
}

// RootJournalDir is where root's sessions keep their journals.
const RootJournalDir = "/run/nakami"

// JournalDir is where journals live: RootJournalDir for root, a per-user
// directory otherwise. NAKAMI_RUN_DIR overrides it (tests use this).
func JournalDir() string {
	if d := os.Getenv("NAKAMI_RUN_DIR"); d != "" {
		return d
	}
	if os.Geteuid() == 0 {
		return RootJournalDir
	}
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, "nakami")
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("nakami-run-%d", os.Geteuid()))
}

func OpenJournal(dir, session, tag string, h Header) (*Journal, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create the journal directory %s: %w", dir, err)
	}
	path := filepath.Join(dir, session+".journal")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cannot create the journal %s: %w", path, err)
	}
	j := &Journal{path: path, tag: tag, F: f, undone: map[int]bool{}}
	if err := j.write(h); err != nil {
		f.Close()
		os.Remove(path)
		return nil, err
	}
	return j, nil
}

func (j *Journal) write(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if _, err := j.F.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("cannot write the journal %s: %w", j.path, err)
	}
	return nil
}

// Path is the journal's file name.
func (j *Journal) Path() string { return j.path }

// Record writes e to the journal before the object exists. Paths and link
// names must carry the session's tag, so that nothing nakami did not create
// can ever be named here.
func (j *Journal) Record(e Entry) (Entry, error) {
	if !e.carries(j.tag) {
		return e, fmt.Errorf("refusing to journal %s: its name does not carry %s", e, j.tag)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.seq++
	e.Seq = j.seq
	if err := j.write(e); err != nil {
		return e, err
	}
	j.entries = append(j.entries, e)
	faultPoint() // NAKAMI_FAULT=kill@N (fault.go): the line is written, the object not yet made
	return e, nil
}

// Release removes one object now and marks it undone.
func (j *Journal) Release(e Entry) error {
	faultPoint() // NAKAMI_FAULT=kill@N (fault.go): before the object is removed
	err := Undo(e)
	j.mu.Lock()
	defer j.mu.Unlock()
	if err == nil && !j.undone[e.Seq] {
		j.undone[e.Seq] = true
		j.write(Entry{Undone: e.Seq})
	}
	return err
}

// Live returns the entries not yet undone, oldest first.
func (j *Journal) Live() []Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []Entry
	for _, e := range j.entries {
		if !j.undone[e.Seq] {
			out = append(out, e)
		}
	}
	return out
}

// ReleasePath removes now, newest first, the live objects journaled at
// path: a step run again replaces what its first run made.
func (j *Journal) ReleasePath(path string) error {
	live := j.Live()
	for i := len(live) - 1; i >= 0; i-- {
		if live[i].Path == path {
			if err := j.Release(live[i]); err != nil {
				return fmt.Errorf("cannot remove %s: %w", live[i], err)
			}
		}
	}
	return nil
}

// Forget marks an entry undone without touching the object: for an entry
// whose creation failed because something else already stood there.
func (j *Journal) Forget(e Entry) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.undone[e.Seq] {
		j.undone[e.Seq] = true
		j.write(Entry{Undone: e.Seq})
	}
}

// ReleaseAll removes every live object in reverse order and keeps the
// journal open for more (a workbench "reset").
func (j *Journal) ReleaseAll() error {
	live := j.Live()
	var first error
	for i := len(live) - 1; i >= 0; i-- {
		if err := j.Release(live[i]); err != nil && first == nil {
			first = fmt.Errorf("cannot remove %s: %w", live[i], err)
		}
	}
	return first
}

// Unwind removes every live object in reverse order and, when all are gone,
// deletes the journal. It returns the first error met; it keeps going past
// errors so one stuck object does not strand the others.
func (j *Journal) Unwind() error {
	first := j.ReleaseAll()
	j.F.Close()
	if first == nil {
		os.Remove(j.path)
		os.Remove(filepath.Dir(j.path)) // only if empty
	}
	return first
}

// Keep closes the journal and leaves it and its objects in place, for
// `nakami cleanup` to remove later.
func (j *Journal) Keep() { j.F.Close() }

// ReadJournal parses a journal file: its header, the entries still live, and
// one error per line that could not be read.
func ReadJournal(path string) (Header, []Entry, []error, error) {
	f, err := os.Open(path)
	if err != nil {
		return Header{}, nil, nil, err
	}
	defer f.Close()
	var h Header
	var entries []Entry
	var bad []error
	undone := map[int]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		if n == 1 {
			// The session is 8 hex digits (NewSession): a shorter one, such as
			// "a", would make "nakami-a" a tag every session's names contain.
			if err := json.Unmarshal(line, &h); err != nil || !sessionID.MatchString(h.Session) || h.PID <= 0 {
				return h, nil, nil, fmt.Errorf("journal %s has an unreadable header", path)
			}
			continue
		}
		var e Entry
		if err := json.Unmarshal(line, &e); err != nil || !e.valid() {
			bad = append(bad, fmt.Errorf("journal %s line %d is unreadable: %.60q", path, n, line))
			continue
		}
		if e.Undone > 0 {
			undone[e.Undone] = true
			continue
		}
		entries = append(entries, e)
	}
	if err := sc.Err(); err != nil {
		return h, nil, nil, fmt.Errorf("cannot read journal %s: %w", path, err)
	}
	if h.Session == "" {
		return h, nil, nil, fmt.Errorf("journal %s is empty", path)
	}
	var live []Entry
	for _, e := range entries {
		tag := "nakami-" + h.Session
		if !e.carries(tag) {
			bad = append(bad, fmt.Errorf("journal %s names %s, which does not carry %s; left alone", path, e, tag))
			continue
		}
		if !undone[e.Seq] {
			live = append(live, e)
		}
	}
	return h, live, bad, nil
}

// carries reports whether e names an object of the session whose tag is
// "nakami-<session>": paths and names contain the tag, except that a link
// name, which the kernel limits to 15 characters, may instead start with
// "nk<session>".
func (e Entry) carries(tag string) bool {
	switch {
	case e.Kind == KindProcess:
		return true
	case e.Kind == KindEmptyDir:
		return sharedDirs[e.Path]
	case e.Kind == KindLink && strings.HasPrefix(e.Name, "nk"+strings.TrimPrefix(tag, "nakami-")) && len(tag) > len("nakami-"):
		return true
	}
	return strings.Contains(e.Path+e.Name, tag)
}

func (e Entry) valid() bool {
	if e.Undone > 0 {
		return e.Kind == ""
	}
	switch e.Kind {
	case KindProcess:
		return e.PID > 0 && e.Start > 0
	case KindLink:
		return e.Name != ""
	case KindDir, KindFile, KindMount, KindCgroup, KindNetns, KindEmptyDir:
		return filepath.IsAbs(e.Path) && filepath.Clean(e.Path) == e.Path && e.Path != "/"
	}
	return false
}
