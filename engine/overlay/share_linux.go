package overlay

// Copy-on-write as numbers: N containers on one image (N overlay mounts
// over the same lower directory, each with an empty upper layer) against N
// copies of the image, in disk bytes as du(1) counts them (st_blocks × 512)
// and in preparation time. Used by `nakami bench` and the overlay/sharing
// step.
//
// Syscalls: mkdir(2), mount(2) "overlay", open(2)/read(2)/write(2) (the
// copies), lstat(2) (du), symlink(2). Man pages: overlayfs (the kernel's
// Documentation/filesystems/overlayfs.rst), du(1), stat(2).

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"nakami/engine"
)

// Shared is N overlays on one lower directory.
type Shared struct {
	Merged, Uppers []string
	Took           time.Duration
}

// ShareN mounts n overlays over lower, in <session temp>/<name>-N/{upper,
// work,merged}, every directory and mount journaled.
func ShareN(s *engine.Session, name, lower string, n int) (*Shared, error) {
	tmp, err := s.TempDir()
	if err != nil {
		return nil, err
	}
	out := &Shared{}
	start := time.Now()
	for i := 1; i <= n; i++ {
		base := filepath.Join(tmp, fmt.Sprintf("%s-%d", name, i))
		sp := Spec{Lower: []string{lower}, Upper: filepath.Join(base, "upper"), Work: filepath.Join(base, "work"), Merged: filepath.Join(base, "merged")}
		if err := engine.MakeDirs(s, base, sp.Upper, sp.Work, sp.Merged); err != nil {
			return nil, err
		}
		if err := Mount(s, sp); err != nil {
			return nil, err
		}
		out.Merged, out.Uppers = append(out.Merged, sp.Merged), append(out.Uppers, sp.Upper)
	}
	out.Took = time.Since(start)
	return out, nil
}

// CopyN copies src n times into <session temp>/<name>-N (journaled).
func CopyN(s *engine.Session, name, src string, n int) ([]string, time.Duration, error) {
	tmp, err := s.TempDir()
	if err != nil {
		return nil, 0, err
	}
	var dirs []string
	start := time.Now()
	for i := 1; i <= n; i++ {
		dst := filepath.Join(tmp, fmt.Sprintf("%s-%d", name, i))
		if _, err := s.Journal.Record(engine.Entry{Kind: engine.KindDir, Path: dst}); err != nil {
			return nil, 0, err
		}
		if err := s.T.Do(fmt.Sprintf("copy %s → %s", src, dst), "cp -a "+src+" "+dst, func() error { return copyTree(src, dst) }); err != nil {
			return nil, 0, err
		}
		dirs = append(dirs, dst)
	}
	return dirs, time.Since(start), nil
}

func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.Mkdir(to, info.Mode().Perm()|0o700)
		case info.Mode()&os.ModeSymlink != 0:
			l, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(l, to)
		case info.Mode().IsRegular():
			in, err := os.Open(p)
			if err != nil {
				return err
			}
			defer in.Close()
			out, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, info.Mode().Perm())
			if err != nil {
				return err
			}
			_, err = io.Copy(out, in)
			if cerr := out.Close(); err == nil {
				err = cerr
			}
			return err
		}
		return nil
	})
}

// DiskUsage is du -s in bytes: the blocks the files under dir occupy.
func DiskUsage(dir string) (int64, error) {
	var total int64
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		var st syscall.Stat_t
		if err := syscall.Lstat(p, &st); err != nil {
			return err
		}
		total += st.Blocks * 512
		return nil
	})
	return total, err
}
