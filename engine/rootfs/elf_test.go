package rootfs

import (
	"debug/elf"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// hostELF skips on machines whose programs are not ELF (the resolver itself
// is pure; its inputs come from the host).
func hostELF(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := elf.Open(self); err != nil {
		t.Skip("the test binary is not ELF here")
	}
	return self
}

// The test binary is linked with cgo, so it has an interpreter and needs
// libc; the resolver must find both, each once, and every result must be
// an ELF file of the same class and machine.
func TestResolveTestBinary(t *testing.T) {
	self := hostELF(t)
	info, err := ReadELF("", self)
	if err != nil {
		t.Fatal(err)
	}
	if info.Interp == "" || !slices.Contains(info.Needed, "libc.so.6") {
		t.Skipf("the test binary is not dynamically linked against glibc (interp %q, needed %v)", info.Interp, info.Needed)
	}
	libs, err := (&LibResolver{}).Resolve(self)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var libc bool
	for _, l := range libs {
		if seen[l] {
			t.Errorf("%s listed twice", l)
		}
		seen[l] = true
		li, err := ReadELF("", l)
		if err != nil {
			t.Errorf("%s: %v", l, err)
			continue
		}
		if li.Class != info.Class || li.Machine != info.Machine {
			t.Errorf("%s is %v/%v, the program %v/%v", l, li.Class, li.Machine, info.Class, info.Machine)
		}
		libc = libc || filepath.Base(l) == "libc.so.6"
	}
	if !seen[info.Interp] || !libc {
		t.Errorf("resolved %v: want the interpreter %s and libc.so.6", libs, info.Interp)
	}
	t.Logf("%s needs %d files: %v", filepath.Base(self), len(libs), libs)
}

// A sysroot holding only /bin/sh's files, its ld.so.conf including a
// directory of its own, and hostile neighbours: resolution must stay inside
// the sysroot, follow include lines, skip a library of the wrong class, and
// name what it cannot find.
func TestResolveSysroot(t *testing.T) {
	hostELF(t)
	sh := "/bin/sh"
	libs, err := (&LibResolver{}).Resolve(sh)
	if err != nil || len(libs) == 0 {
		t.Skipf("/bin/sh here has no libraries to resolve (%v)", err)
	}
	root := t.TempDir()
	put := func(path string, b []byte) {
		p := filepath.Join(root, path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	read := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	put("/bin/sh", read(sh))
	info, _ := ReadELF("", sh)
	var moved string
	for _, l := range libs {
		if l == info.Interp {
			put(l, read(l))
			continue
		}
		// Every library goes to /opt/libs, known only through an include.
		moved = "/opt/libs/" + filepath.Base(l)
		put(moved, read(l))
	}
	put("/etc/ld.so.conf", []byte("# comment\ninclude ld.so.conf.d/*.conf\n"))
	put("/etc/ld.so.conf.d/opt.conf", []byte("/opt/libs  # trailing comment\n"))
	// A decoy of the wrong kind, earlier in the search order.
	if t3 := Multiarch(info.Machine, info.Class); t3 != "" {
		put("/lib/"+t3+"/"+filepath.Base(moved), []byte("not an ELF file"))
	}
	r := &LibResolver{Root: root}
	got, err := r.Resolve("/bin/sh")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(got, moved) || !slices.Contains(got, info.Interp) {
		t.Errorf("got %v, want %s and %s", got, moved, info.Interp)
	}
	for _, g := range got {
		if _, err := os.Stat(filepath.Join(root, g)); err != nil {
			t.Errorf("%s resolved outside the sysroot", g)
		}
	}
	// Without the include, the library cannot be found: one sentence naming it.
	os.Remove(filepath.Join(root, "etc/ld.so.conf.d/opt.conf"))
	_, err = r.Resolve("/bin/sh")
	if err == nil || !strings.Contains(err.Error(), "needs lib") {
		t.Errorf("missing library: %v", err)
	}
}

func TestReadELFHostile(t *testing.T) {
	self := hostELF(t)
	dir := t.TempDir()
	b, _ := os.ReadFile(self)
	cases := map[string][]byte{
		"empty":     nil,
		"text":      []byte("#!/bin/sh\necho hi\n"),
		"truncated": b[:200],
		"magic":     []byte("\x7fELF\x02\x01\x01"),
	}
	for name, data := range cases {
		p := filepath.Join(dir, name)
		os.WriteFile(p, data, 0o644)
		if _, err := ReadELF("", p); err == nil && name != "truncated" {
			t.Errorf("%s: read as ELF", name)
		}
		if _, err := (&LibResolver{}).Resolve(p); err == nil {
			t.Errorf("%s: resolved", name)
		}
	}
	if _, err := ReadELF("", filepath.Join(dir, "absent")); err == nil {
		t.Error("a missing file read as ELF")
	}
}

func TestMultiarch(t *testing.T) {
	if Multiarch(elf.EM_X86_64, elf.ELFCLASS64) != "x86_64-linux-gnu" || Multiarch(elf.EM_AARCH64, elf.ELFCLASS64) != "aarch64-linux-gnu" || Multiarch(elf.EM_MIPS, elf.ELFCLASS32) != "" {
		t.Error("wrong triplets")
	}
}
