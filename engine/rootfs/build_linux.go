package rootfs

// The root filesystem builder: a minimal tree a process can be chrooted or
// pivoted into, made from this machine's own files, with no image, no
// Docker and no network. It copies a few host programs (/bin/sh, ls, cat,
// id, hostname, ps, mount) and the nakami binary itself (linked with cgo,
// so dynamically), and carries every file their dynamic loader will ask for
// (PT_INTERP and DT_NEEDED, resolved recursively by elf.go) at the same path
// inside. If a static busybox is installed it can stand in for the host
// programs. Set-user-ID and set-group-ID bits are never copied.
//
//	<tmp>/nakami-<id>/rootfs-<name>/   (one journaled directory, removed whole)
//	├── bin/{sh,ls,cat,id,hostname,ps,mount,nakami}
//	├── lib/x86_64-linux-gnu/libc.so.6 …  (wherever the host keeps them)
//	├── lib64/ld-linux-x86-64.so.2
//	├── etc/{passwd,group,hostname}     (made up: root and nobody, no secrets)
//	├── proc/  dev/  tmp/ (1777)  root/
//
// Syscalls: mkdir(2), open(2)/read(2)/write(2) (copies, never hard links:
// a link would let the jail write to the host's program), fchmod(2),
// symlink(2) (busybox applets). Using the tree is install_linux.go.
// Man pages: chroot(2), ld.so(8), elf(5), busybox(1), hier(7).

import (
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"nakami/engine"
)

// Options chooses what goes into a root filesystem.
type Options struct {
	// Programs are host commands copied into /bin (looked up in PATH);
	// nil means DefaultPrograms. /bin/sh is always included.
	Programs []string
	// Busybox: when a static busybox is installed, use it for the
	// programs instead of the host's dynamically linked ones.
	Busybox bool
	// NoSelf leaves the nakami binary out (it is /bin/nakami otherwise,
	// so hidden roles can run inside).
	NoSelf bool
}

// DefaultPrograms are the commands of the article's examples.
var DefaultPrograms = []string{"sh", "ls", "cat", "id", "hostname", "ps", "mount"}

// Root is a built root filesystem.
type Root struct {
	Path     string        `json:"path"`
	Programs []string      `json:"programs"` // paths inside, e.g. /bin/ls
	Libs     []string      `json:"libs"`     // carried interpreter and libraries, paths inside
	Self     string        `json:"self"`     // the nakami binary inside ("" if left out)
	Busybox  bool          `json:"busybox"`
	Files    int           `json:"files"`
	Bytes    int64         `json:"bytes"`
	Took     time.Duration `json:"took_ns"`
}

// SelfPath is where the nakami binary lives inside a root filesystem.
const SelfPath = "/bin/nakami"

// Build makes <session temp dir>/rootfs-<name> (journaled first,
// removed whole on unwind) and fills it. Building the same name twice in a
// session returns the first one.
func Build(s *engine.Session, name string, opts Options) (*Root, error) {
	if name == "" || strings.ContainsAny(name, "/\x00") || name == "." || name == ".." {
		return nil, fmt.Errorf("a root filesystem name must be one path element, not %q", name)
	}
	tmp, err := s.TempDir()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(tmp, "rootfs-"+name)
	if r, ok := builtRootfs(dir); ok {
		return r, nil
	}
	start := time.Now()
	if _, err := s.Journal.Record(engine.Entry{Kind: engine.KindDir, Path: dir}); err != nil {
		return nil, err
	}
	if err := s.T.Do(fmt.Sprintf("mkdir(%q, 0755)", dir), "ROOTFS=$(mktemp -d)", func() error { return os.Mkdir(dir, 0o755) }); err != nil {
		return nil, err
	}
	b := &rootfsBuilder{dir: dir, r: &Root{Path: dir}}
	if err := b.build(opts); err != nil {
		return nil, fmt.Errorf("cannot build the root filesystem %s: %w", dir, err)
	}
	b.r.Took = time.Since(start)
	s.T.Add(engine.Op{
		Call:     fmt.Sprintf("open+read+write ×%d (%d programs, %d libraries)", b.r.Files, len(b.r.Programs), len(b.r.Libs)),
		Shell:    "cp -L /bin/sh /bin/ls … $ROOTFS/bin; cp -L $(ldd-like list) $ROOTFS/…",
		Detail:   fmt.Sprintf(engine.NoteBuilt, dir, b.r.Files, float64(b.r.Bytes)/1e6, b.r.Took.Round(time.Millisecond)),
		Duration: b.r.Took, By: "nakami",
	})
	rootfsCache.Store(dir, b.r)
	return b.r, nil
}

var rootfsCache sync.Map // path → *Root

func builtRootfs(dir string) (*Root, bool) {
	v, ok := rootfsCache.Load(dir)
	if !ok {
		return nil, false
	}
	if _, err := os.Stat(filepath.Join(dir, "bin", "sh")); err != nil {
		rootfsCache.Delete(dir)
		return nil, false
	}
	return v.(*Root), true
}

type rootfsBuilder struct {
	dir string
	r   *Root
}

func (b *rootfsBuilder) build(opts Options) error {
	for _, d := range []struct {
		path string
		mode os.FileMode
	}{{"bin", 0o755}, {"etc", 0o755}, {"proc", 0o555}, {"dev", 0o755}, {"tmp", 0o1777}, {"root", 0o700}} {
		p := filepath.Join(b.dir, d.path)
		if err := os.Mkdir(p, d.mode); err != nil {
			return err
		}
		if err := os.Chmod(p, d.mode); err != nil { // past the umask
			return err
		}
	}
	files := map[string]string{
		"etc/passwd":   "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n",
		"etc/group":    "root:x:0:\nnogroup:x:65534:\n",
		"etc/hostname": "nakami-rootfs\n",
	}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if err := os.WriteFile(filepath.Join(b.dir, name), []byte(files[name]), 0o644); err != nil {
			return err
		}
		b.r.Files++
		b.r.Bytes += int64(len(files[name]))
	}
	progs := opts.Programs
	if progs == nil {
		progs = DefaultPrograms
	}
	if !slices.Contains(progs, "sh") {
		progs = append([]string{"sh"}, progs...)
	}
	var elfs []string // host paths whose loader needs must be carried
	if bb := staticBusybox(); opts.Busybox && bb != "" {
		if err := b.copyFile(bb, "/bin/busybox"); err != nil {
			return err
		}
		for _, p := range progs {
			if err := os.Symlink("busybox", filepath.Join(b.dir, "bin", p)); err != nil {
				return err
			}
			b.r.Programs = append(b.r.Programs, "/bin/"+p)
		}
		b.r.Busybox = true
	} else {
		for _, p := range progs {
			host, err := exec.LookPath(p)
			if err != nil {
				if p == "sh" {
					return fmt.Errorf("no /bin/sh on this machine: %w", err)
				}
				continue // a missing optional program is left out
			}
			inside := "/bin/" + filepath.Base(p)
			if err := b.copyFile(host, inside); err != nil {
				return err
			}
			b.r.Programs = append(b.r.Programs, inside)
			elfs = append(elfs, host)
		}
	}
	if !opts.NoSelf {
		self, err := os.Executable()
		if err != nil {
			return fmt.Errorf("cannot find the nakami binary: %w", err)
		}
		if err := b.copyFile(self, SelfPath); err != nil {
			return err
		}
		b.r.Self = SelfPath
		elfs = append(elfs, self)
	}
	libs, err := (&LibResolver{}).Resolve(elfs...)
	if err != nil {
		return err
	}
	for _, l := range libs {
		if err := b.copyFile(l, l); err != nil {
			return err
		}
		b.r.Libs = append(b.r.Libs, l)
	}
	return nil
}

// copyFile copies host (following symlinks) to inside, keeping the
// permission bits but never set-user-ID, set-group-ID or sticky.
func (b *rootfsBuilder) copyFile(host, inside string) error {
	st, err := os.Stat(host)
	if err != nil {
		return err
	}
	dst := filepath.Join(b.dir, inside)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	n, err := copyPlain(host, dst, st.Mode().Perm())
	b.r.Files++
	b.r.Bytes += n
	return err
}

// staticBusybox returns the path of a statically linked busybox, or "".
func staticBusybox() string {
	for _, p := range []string{"/bin/busybox", "/usr/bin/busybox", "/usr/local/bin/busybox"} {
		if info, err := ReadELF("", p); err == nil && info.Interp == "" {
			return p
		}
	}
	return ""
}
