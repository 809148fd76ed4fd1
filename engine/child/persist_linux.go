package child

// Keeping a namespace alive after its last process is gone: bind-mount its
// /proc/PID/ns file onto an ordinary file. The mount holds a reference, and
// mountinfo shows it with file system type nsfs.
//
// Syscalls: open(2) with O_CREAT, mount(2) with MS_BIND.
// Man pages: namespaces(7) ("The /proc/[pid]/ns/ directory"), mount(2),
// unshare(1) (--uts=FILE).

import (
	"fmt"
	"os"
	"path/filepath"

	"nakami/engine"
	"nakami/engine/procfs"

	"golang.org/x/sys/unix"
)

// PersistNS bind-mounts /proc/PID/ns/TYPE onto a new file named name in the
// session's directory and returns its path. File and mount are journaled.
func PersistNS(s *engine.Session, pid int, typ, name string) (string, error) {
	dir, err := s.TempDir()
	if err != nil {
		return "", err
	}
	target := filepath.Join(dir, name)
	if err := s.Journal.ReleasePath(target); err != nil { // made by an earlier run
		return "", err
	}
	if _, err := s.Journal.Record(engine.Entry{Kind: engine.KindFile, Path: target}); err != nil {
		return "", err
	}
	err = s.T.Do(fmt.Sprintf("open(%q, O_CREAT|O_EXCL, 0644)", target), "touch "+target, func() error {
		f, err := os.OpenFile(target, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err == nil {
			f.Close()
		}
		return err
	})
	if err != nil {
		return "", err
	}
	if _, err := s.Journal.Record(engine.Entry{Kind: engine.KindMount, Path: target}); err != nil {
		return "", err
	}
	src := procfs.Path(pid, "ns/"+typ)
	err = s.T.Do(fmt.Sprintf("mount(%q, %q, NULL, MS_BIND, NULL)", src, target),
		fmt.Sprintf("mount --bind %s %s", src, target), func() error {
			return unix.Mount(src, target, "", unix.MS_BIND, "")
		})
	return target, err
}

// MountFSType returns the file system type mounted at path in this process's
// mount namespace ("" when nothing is mounted there).
func MountFSType(path string) (string, error) {
	ms, err := procfs.ReadMounts(os.Getpid())
	if err != nil {
		return "", err
	}
	fstype := ""
	for _, m := range ms {
		if m.Mountpoint == path {
			fstype = m.FSType // the last one mounted there is the visible one
		}
	}
	return fstype, nil
}
