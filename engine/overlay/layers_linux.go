package overlay

// Reading any overlay's layers, read-only, for exercise checks: every
// overlay mount in a process's mount table with its lowerdir, upperdir and
// workdir, a bounded walk of one layer directory (lstat, never following a
// symbolic link), what one name is in a layer or in the merged tree, and
// the first bytes of a file. Nothing is created, changed or removed.
//
// Syscalls: open(2)/read(2) of /proc/PID/mountinfo, getdents64(2),
// lstat(2), open(2)/read(2) of one file.
// Man pages: proc(5) (mountinfo), inode(7) (st_mode, st_rdev), and the
// kernel's Documentation/filesystems/overlayfs.rst.

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"nakami/engine/procfs"

	"golang.org/x/sys/unix"
)

// Mounts lists every overlay mount in pid's mount table, in mount order,
// with its options parsed. Paths are as the kernel shows them: a
// directory given relative to the mounting shell's working directory
// stays relative.
func Mounts(pid int) ([]*Info, error) {
	ms, err := procfs.ReadMounts(pid)
	if err != nil {
		return nil, err
	}
	var out []*Info
	for _, m := range ms {
		if m.FSType != "overlay" {
			continue
		}
		info, err := overlayInfo(m)
		if err != nil {
			return nil, err
		}
		out = append(out, info)
	}
	return out, nil
}

// LayerEntry is one name under a layer directory.
type LayerEntry struct {
	Rel      string    `json:"rel"`                // relative to the layer
	Kind     string    `json:"kind"`               // "regular file", "directory", "character device", …
	Rdev     [2]uint32 `json:"rdev"`               // major, minor
	Whiteout bool      `json:"whiteout,omitempty"` // a character device 0/0
	Size     int64     `json:"size"`
}

// ScanLayer lists the entries under dir, depth first in lexical order, at
// most max of them; truncated says there were more.
func ScanLayer(dir string, max int) (out []LayerEntry, truncated bool, err error) {
	stop := errors.New("enough")
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir {
				return err
			}
			return nil // an unreadable subdirectory: skipped
		}
		if p == dir {
			return nil
		}
		if len(out) == max {
			truncated = true
			return stop
		}
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, LayerEntry{Rel: rel, Kind: fileKind(st.Mode), Size: st.Size,
			Rdev:     [2]uint32{unix.Major(uint64(st.Rdev)), unix.Minor(uint64(st.Rdev))},
			Whiteout: st.Mode&unix.S_IFMT == unix.S_IFCHR && st.Rdev == 0})
		return nil
	})
	if err == stop {
		err = nil
	}
	return out, truncated, err
}

// Lookup says what path is (lstat, not following a symbolic link): its
// kind, or "" when nothing has that name.
func Lookup(path string) (string, error) {
	var st unix.Stat_t
	err := unix.Lstat(path, &st)
	if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR) {
		return "", nil
	}
	if err != nil {
		return "", &fs.PathError{Op: "lstat", Path: path, Err: err}
	}
	return fileKind(st.Mode), nil
}

// Head reads at most n bytes from the start of the file at path.
func Head(path string, n int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, n)
	k, err := io.ReadFull(f, b)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		err = nil
	}
	return b[:k], err
}
