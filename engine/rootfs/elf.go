package rootfs

// Finding what a dynamically linked program needs at run time, the way the
// dynamic loader would, without running it (no ldd, which executes the
// program's own interpreter): the interpreter named by the PT_INTERP program
// header, then every DT_NEEDED library, recursively, searched in DT_RPATH
// (only when there is no DT_RUNPATH), DT_RUNPATH ($ORIGIN expanded), the
// directories of /etc/ld.so.conf and its includes, and the standard
// multiarch and lib directories. A candidate counts only when its ELF class
// and machine match the program's (a 32-bit libc in /lib does not serve a
// 64-bit program). Pure file reading: it builds and is tested on any OS.
//
// References: elf(5), ld.so(8), ldconfig(8).

import (
	"bufio"
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ELFInfo is what one ELF file asks of the dynamic loader.
type ELFInfo struct {
	Path    string
	Class   elf.Class
	Machine elf.Machine
	Interp  string   // PT_INTERP, "" for a static program
	Needed  []string // DT_NEEDED, in order
	RPath   []string // DT_RPATH
	RunPath []string // DT_RUNPATH
}

// ReadELF reads the loader-relevant parts of an ELF file. root, when not
// "" or "/", is a directory that stands for / (a sysroot).
func ReadELF(root, path string) (ELFInfo, error) {
	f, err := elf.Open(inRoot(root, path))
	if err != nil {
		return ELFInfo{}, fmt.Errorf("%s is not a readable ELF file: %w", path, err)
	}
	defer f.Close()
	info := ELFInfo{Path: path, Class: f.Class, Machine: f.Machine}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			b := make([]byte, p.Filesz)
			if _, err := p.ReadAt(b, 0); err != nil {
				return info, fmt.Errorf("%s: cannot read PT_INTERP: %w", path, err)
			}
			info.Interp = strings.TrimRight(string(b), "\x00")
		}
	}
	if f.Section(".dynamic") == nil && !hasDynamic(f) {
		return info, nil
	}
	if info.Needed, err = f.DynString(elf.DT_NEEDED); err != nil {
		return info, fmt.Errorf("%s: cannot read DT_NEEDED: %w", path, err)
	}
	for tag, dst := range map[elf.DynTag]*[]string{elf.DT_RPATH: &info.RPath, elf.DT_RUNPATH: &info.RunPath} {
		v, _ := f.DynString(tag)
		for _, s := range v {
			*dst = append(*dst, filepath.SplitList(s)...)
		}
	}
	return info, nil
}

func hasDynamic(f *elf.File) bool {
	for _, p := range f.Progs {
		if p.Type == elf.PT_DYNAMIC {
			return true
		}
	}
	return false
}

func inRoot(root, path string) string {
	if root == "" || root == "/" {
		return path
	}
	return filepath.Join(root, path)
}

// Multiarch returns the Debian multiarch triplet for an ELF machine and
// class ("x86_64-linux-gnu"), or "".
func Multiarch(m elf.Machine, c elf.Class) string {
	switch m {
	case elf.EM_X86_64:
		if c == elf.ELFCLASS64 {
			return "x86_64-linux-gnu"
		}
	case elf.EM_386:
		return "i386-linux-gnu"
	case elf.EM_AARCH64:
		return "aarch64-linux-gnu"
	case elf.EM_ARM:
		return "arm-linux-gnueabihf"
	case elf.EM_RISCV:
		if c == elf.ELFCLASS64 {
			return "riscv64-linux-gnu"
		}
	case elf.EM_PPC64:
		return "powerpc64le-linux-gnu"
	case elf.EM_S390:
		return "s390x-linux-gnu"
	}
	return ""
}

// LibResolver finds libraries as the dynamic loader would.
type LibResolver struct {
	Root string   // stands for /; "" means the real root
	Dirs []string // extra directories searched after DT_RUNPATH (nil: ld.so.conf + defaults)
}

// defaultDirs: ld.so.conf first (ldconfig's cache is built from it), then
// the built-in trusted directories.
func (r *LibResolver) defaultDirs(info ELFInfo) []string {
	if r.Dirs != nil {
		return r.Dirs
	}
	dirs := readLdConf(r.Root, "/etc/ld.so.conf", 0)
	if t := Multiarch(info.Machine, info.Class); t != "" {
		dirs = append(dirs, "/lib/"+t, "/usr/lib/"+t)
	}
	if info.Class == elf.ELFCLASS64 {
		dirs = append(dirs, "/lib64", "/usr/lib64")
	}
	return append(dirs, "/lib", "/usr/lib")
}

// readLdConf reads ld.so.conf: one directory per line, "include GLOB"
// lines, # comments.
func readLdConf(root, path string, depth int) []string {
	f, err := os.Open(inRoot(root, path))
	if err != nil || depth > 8 {
		return nil
	}
	defer f.Close()
	var dirs []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		if rest, ok := strings.CutPrefix(line, "include "); ok {
			glob := strings.TrimSpace(rest)
			if !filepath.IsAbs(glob) {
				glob = filepath.Join(filepath.Dir(path), glob)
			}
			matches, _ := filepath.Glob(inRoot(root, glob))
			sort.Strings(matches)
			for _, m := range matches {
				if root != "" && root != "/" {
					m = "/" + strings.TrimPrefix(m, filepath.Clean(root)+"/")
				}
				dirs = append(dirs, readLdConf(root, m, depth+1)...)
			}
			continue
		}
		if filepath.IsAbs(line) {
			dirs = append(dirs, filepath.Clean(line))
		}
	}
	return dirs
}

// Find locates one DT_NEEDED name for the program described by info.
func (r *LibResolver) Find(info ELFInfo, name string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	var dirs []string
	if len(info.RunPath) == 0 {
		dirs = append(dirs, info.RPath...)
	}
	dirs = append(dirs, info.RunPath...)
	origin := filepath.Dir(info.Path)
	for i, d := range dirs {
		d = strings.ReplaceAll(d, "${ORIGIN}", origin)
		dirs[i] = strings.ReplaceAll(d, "$ORIGIN", origin)
	}
	for _, d := range append(dirs, r.defaultDirs(info)...) {
		p := filepath.Join(d, name)
		if c, err := ReadELF(r.Root, p); err == nil && c.Class == info.Class && c.Machine == info.Machine {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s needs %s, which is in none of the library directories", info.Path, name)
}

// Resolve returns every file the programs need to run, besides themselves:
// interpreters and libraries, each once, in a stable order.
func (r *LibResolver) Resolve(programs ...string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	queue := append([]string(nil), programs...)
	for _, p := range programs {
		seen[p] = true
	}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		info, err := ReadELF(r.Root, p)
		if err != nil {
			return nil, err
		}
		deps := []string{}
		if info.Interp != "" {
			deps = append(deps, info.Interp)
		}
		for _, n := range info.Needed {
			lib, err := r.Find(info, n)
			if err != nil {
				return nil, err
			}
			deps = append(deps, lib)
		}
		for _, d := range deps {
			if !seen[d] {
				seen[d] = true
				out = append(out, d)
				queue = append(queue, d)
			}
		}
	}
	return out, nil
}
