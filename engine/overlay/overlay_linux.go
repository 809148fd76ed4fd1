package overlay

// OverlayFS: one directory tree made of several. The kernel stacks one or
// more read-only lower directories under one writable upper directory and
// shows the union at a mount point (merged); workdir is its scratch space
// on the upper's file system (it must be empty and on the same one).
//
//	mount("overlay", MERGED, "overlay", 0,
//	      "lowerdir=L2:L1,upperdir=UPPER,workdir=WORK")    L2 lies above L1
//
//	MERGED   a.txt   b.txt   docs/        what processes see
//	UPPER    a.txt*  b.txt(c 0/0)  docs/ (trusted.overlay.opaque="y")
//	LOWER    a.txt   b.txt   docs/old.txt  never written to
//
// Writing a lower file through MERGED first copies it up (the whole file,
// with its metadata) into UPPER, then writes the copy. Deleting a lower
// file leaves a whiteout in UPPER: a character device with device number
// 0/0 that hides the name. A directory removed and made again is opaque:
// the xattr trusted.overlay.opaque = "y" on it in UPPER hides everything
// below it in the lower layers.
//
// Everything lives under the session's temporary directory: each directory
// is journaled before mkdir(2), each mount before mount(2), so an unwind (or
// `nakami cleanup` after a SIGKILL) unmounts before it removes. The facts
// the lesson checks are read back from the kernel: /proc/self/mountinfo (the
// overlay's lowerdir/upperdir/workdir are its super-block options, parsed
// with github.com/moby/sys/mountinfo), lstat(2) st_rdev for whiteouts and
// getxattr(2) for opaque directories.
//
// Syscalls: mkdir(2), mount(2) with fstype "overlay", umount2(2)
// MNT_DETACH, open(2)/write(2), unlink(2), rmdir(2), lstat(2),
// getxattr(2), chroot(2)+execve(2) (RunIn). Man pages: mount(2), umount(2),
// xattr(7), inode(7) (st_rdev, S_IFCHR), proc(5) (/proc/PID/mountinfo),
// and the kernel's Documentation/filesystems/overlayfs.rst.

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"

	"nakami/engine"
	"nakami/engine/procfs"

	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"
)

// XattrOpaque marks an opaque directory in an overlay's upper layer.
const XattrOpaque = "trusted.overlay.opaque"

// Spec names the directories of one overlay mount.
type Spec struct {
	Lower  []string // topmost first, as in lowerdir=L2:L1
	Upper  string
	Work   string
	Merged string
}

// Options is the mount option string, as mount(8) -o takes it.
func (o Spec) Options() string {
	return fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", strings.Join(o.Lower, ":"), o.Upper, o.Work)
}

// Mount mounts o (journaled first, so an unwind unmounts it before
// it removes the directories). Mounting on a mount point already holding
// this overlay does nothing.
func Mount(s *engine.Session, o Spec) error {
	if cur, err := Read(o.Merged); err == nil && cur.Upper == o.Upper {
		return nil
	}
	if _, err := s.Journal.Record(engine.Entry{Kind: engine.KindMount, Path: o.Merged}); err != nil {
		return err
	}
	opts := o.Options()
	return s.T.Do(fmt.Sprintf("mount(\"overlay\", %q, \"overlay\", 0, %q)", o.Merged, opts),
		fmt.Sprintf("mount -t overlay -o %s overlay %s", opts, o.Merged),
		func() error { return unix.Mount("overlay", o.Merged, "overlay", 0, opts) })
}

// Info is an overlay mount as /proc/self/mountinfo shows it.
type Info struct {
	Spec
	FSType string `json:"fstype"`
	Line   string `json:"line"` // the mountinfo line, rebuilt
}

// Read finds the mount on merged in this process's mount table and
// returns its overlay options. It fails when nothing, or not an overlay, is
// mounted there.
func Read(merged string) (*Info, error) {
	ms, err := mountinfo.GetMounts(mountinfo.SingleEntryFilter(merged))
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf("/proc/self/mountinfo has no mount on %s", merged)
	}
	return overlayInfo(ms[len(ms)-1])
}

// ReadOf is Read for a mount of another process's mount
// namespace (e.g. a container's root), by mount point as it sees it.
func ReadOf(pid int, mountpoint string) (*Info, error) {
	ms, err := procfs.ReadMounts(pid)
	if err != nil {
		return nil, err
	}
	var m *mountinfo.Info
	for _, x := range ms {
		if x.Mountpoint == mountpoint {
			m = x
		}
	}
	if m == nil {
		return nil, fmt.Errorf("/proc/%d/mountinfo has no mount on %s", pid, mountpoint)
	}
	return overlayInfo(m)
}

func overlayInfo(m *mountinfo.Info) (*Info, error) {
	info := &Info{FSType: m.FSType, Line: MountLine(m)}
	info.Merged = m.Mountpoint
	if m.FSType != "overlay" {
		return info, fmt.Errorf("%s is a %s mount, not overlay", m.Mountpoint, m.FSType)
	}
	lower, upper, work := ParseOptions(m.VFSOptions)
	info.Lower, info.Upper, info.Work = lower, upper, work
	return info, nil
}

// MountLine rebuilds a mountinfo line from its parsed fields.
func MountLine(m *mountinfo.Info) string {
	return fmt.Sprintf("%d %d %d:%d %s %s %s - %s %s %s", m.ID, m.Parent, m.Major, m.Minor, m.Root, m.Mountpoint, m.Options, m.FSType, m.Source, m.VFSOptions)
}

// ParseOptions reads lowerdir (split at unescaped colons), upperdir
// and workdir from an overlay's super-block options. The kernel escapes a
// ',' or ':' or '\' inside a path with a backslash.
func ParseOptions(opts string) (lower []string, upper, work string) {
	for _, o := range splitEscaped(opts, ',') {
		k, v, _ := strings.Cut(o, "=")
		switch k {
		case "lowerdir":
			for _, l := range splitEscaped(v, ':') {
				lower = append(lower, unescape(l))
			}
		case "lowerdir+":
			lower = append(lower, unescape(v))
		case "upperdir":
			upper = unescape(v)
		case "workdir":
			work = unescape(v)
		}
	}
	return lower, upper, work
}

func splitEscaped(s string, sep byte) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case sep:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Whiteout reports whether path is an overlay whiteout: lstat(2) shows a
// character device whose st_rdev is 0/0. It also returns what lstat saw.
func Whiteout(path string) (bool, string, error) {
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		return false, "", &fs.PathError{Op: "lstat", Path: path, Err: err}
	}
	kind := fileKind(st.Mode)
	major, minor := unix.Major(uint64(st.Rdev)), unix.Minor(uint64(st.Rdev))
	desc := fmt.Sprintf("%s, st_rdev %d/%d, mode %04o", kind, major, minor, st.Mode&0o7777)
	return st.Mode&unix.S_IFMT == unix.S_IFCHR && st.Rdev == 0, desc, nil
}

func fileKind(mode uint32) string {
	switch mode & unix.S_IFMT {
	case unix.S_IFCHR:
		return "character device"
	case unix.S_IFDIR:
		return "directory"
	case unix.S_IFREG:
		return "regular file"
	case unix.S_IFLNK:
		return "symbolic link"
	}
	return fmt.Sprintf("type %o", mode&unix.S_IFMT)
}

// Xattr reads one extended attribute of path (not following a symlink);
// a missing attribute is "" with no error.
func Xattr(path, name string) (string, error) {
	buf := make([]byte, 256)
	n, err := unix.Lgetxattr(path, name, buf)
	if errors.Is(err, unix.ENODATA) {
		return "", nil
	}
	if err != nil {
		return "", &fs.PathError{Op: "getxattr " + name, Path: path, Err: err}
	}
	return string(buf[:n]), nil
}

// Tree lists every entry under dir, relative and sorted; directories end
// in "/", whiteouts in " (c 0/0)".
func Tree(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		switch {
		case d.IsDir():
			rel += "/"
		case d.Type()&fs.ModeCharDevice != 0:
			if w, _, _ := Whiteout(p); w {
				rel += " (c 0/0)"
			}
		}
		out = append(out, rel)
		return nil
	})
	sort.Strings(out)
	return out, err
}
