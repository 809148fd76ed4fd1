package engine

// Journaled file operations: directories, files and removals a session
// makes, each journaled before it happens (where it must outlive the step)
// and written to the transcript with the system call a person would see in
// strace and the shell command they would type.
//
// Syscalls: mkdir(2), open(2)/write(2), unlink(2), rmdir(2), umount2(2).
// Man pages: mkdir(2), unlink(2), rmdir(2), umount(2).

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// SessionPath joins parts under the session's temporary directory.
func SessionPath(s *Session, parts ...string) (string, error) {
	tmp, err := s.TempDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(append([]string{tmp}, parts...)...), nil
}

// MakeDirs creates each directory (its parent must exist), journaled first.
// A directory that already exists in this session is left as it is.
func MakeDirs(s *Session, dirs ...string) error {
	for _, d := range dirs {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			continue
		}
		if _, err := s.Journal.Record(Entry{Kind: KindDir, Path: d}); err != nil {
			return err
		}
		if err := s.T.Do(fmt.Sprintf("mkdir(%q, 0755)", d), "mkdir "+d, func() error { return os.Mkdir(d, 0o755) }); err != nil {
			return err
		}
	}
	return nil
}

// WriteFile writes content to path (creating or truncating it), in the
// transcript under shell.
func WriteFile(s *Session, path, content, shell string) error {
	return s.T.Do(fmt.Sprintf("open(%q, O_WRONLY|O_CREAT|O_TRUNC, 0644); write(%d bytes)", path, len(content)), shell,
		func() error { return os.WriteFile(path, []byte(content), 0o644) })
}

// Remove unlinks a file, or removes a directory and what it holds.
func Remove(s *Session, path, shell string) error {
	call := fmt.Sprintf("unlink(%q)", path)
	if st, err := os.Lstat(path); err == nil && st.IsDir() {
		call = fmt.Sprintf("unlink(…) for each entry; rmdir(%q)", path)
	}
	return s.T.Do(call, shell, func() error { return os.RemoveAll(path) })
}

// Release removes one live journaled object of this session now (a mount
// is unmounted, a directory removed) and marks it undone.
func Release(s *Session, kind, path, shell string) error {
	var entry *Entry
	for _, e := range s.Journal.Live() {
		if e.Kind == kind && e.Path == path {
			e := e
			entry = &e
		}
	}
	if entry == nil {
		return fmt.Errorf("this session has no %s %s", kind, path)
	}
	call := fmt.Sprintf("umount2(%q, MNT_DETACH)", path)
	if kind == KindDir {
		call = fmt.Sprintf("unlink(…)/rmdir(…) under %q", path)
	}
	return s.T.Do(call, shell, func() error { return s.Journal.Release(*entry) })
}

// Mkdir makes one directory that lies inside a journaled one (it goes when
// that one goes), e.g. through an overlay's merged tree.
func Mkdir(s *Session, path, shell string) error {
	return s.T.Do(fmt.Sprintf("mkdir(%q, 0755)", path), shell, func() error { return os.Mkdir(path, 0o755) })
}

// ReleasePaths removes now, newest first, every live journal entry whose
// path is one of paths or lies under one of them, and marks them undone:
// a lesson step deleting what an earlier step made.
func ReleasePaths(s *Session, paths ...string) ([]Entry, error) {
	for _, p := range paths {
		if !filepath.IsAbs(p) || filepath.Clean(p) != p || p == "/" {
			return nil, fmt.Errorf("refusing to release %q: not a clean absolute path below /", p)
		}
	}
	live := s.Journal.Live()
	var done []Entry
	for i := len(live) - 1; i >= 0; i-- {
		e := live[i]
		if e.Path == "" {
			continue
		}
		for _, p := range paths {
			if e.Path == p || strings.HasPrefix(e.Path, p+"/") {
				err := s.T.Do(undoCall(e), undoShell(e), func() error { return s.Journal.Release(e) })
				if err != nil {
					return done, fmt.Errorf("cannot remove %s: %w", e, err)
				}
				done = append(done, e)
				break
			}
		}
	}
	return done, nil
}

func undoCall(e Entry) string {
	switch e.Kind {
	case KindCgroup:
		return fmt.Sprintf("rmdir(%q)", e.Path)
	case KindDir:
		return fmt.Sprintf("unlinkat(…) under %q; rmdir(%q)", e.Path, e.Path)
	}
	return fmt.Sprintf("unlink(%q)", e.Path)
}

func undoShell(e Entry) string {
	switch e.Kind {
	case KindCgroup:
		return "rmdir " + e.Path
	case KindDir:
		return "rm -rf " + e.Path
	}
	return "rm " + e.Path
}
