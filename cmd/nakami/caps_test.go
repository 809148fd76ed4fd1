package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"nakami/engine"
	"nakami/engine/caps"
	"nakami/internal/kerneltest"
)

// needTool: see kerneltest.Tool.
func needTool(t *testing.T, name string) string { return kerneltest.Tool(t, name) }

// TestCapsDecodeMatchesCapsh: nakami caps decode prints exactly what
// capsh --decode prints, for 0, the full set of this kernel, Docker's and
// the article's masks, and random masks within the kernel's range.
func TestCapsDecodeMatchesCapsh(t *testing.T) {
	capsh := needTool(t, "capsh")
	last, err := caps.LastCap()
	if err != nil {
		t.Fatal(err)
	}
	all := caps.All(last)
	masks := []uint64{0, all, 0xa80425fb, 0x2000, 1, 1 << uint(last)}
	if last >= 37 {
		masks = append(masks, 0x3fffffffff)
	}
	r := rand.New(rand.NewPCG(5, 2026))
	for i := 0; i < 100; i++ {
		masks = append(masks, r.Uint64()&all)
	}
	agree := 0
	for _, m := range masks {
		arg := fmt.Sprintf("0x%x", m)
		want, err := exec.Command(capsh, "--decode="+arg).Output()
		if err != nil {
			t.Fatalf("capsh --decode=%s: %v", arg, err)
		}
		o := nakami(t, nil, "caps", "decode", arg)
		if o.code != 0 || o.stdout != string(want) {
			t.Errorf("decode %s: exit %d\n nakami %q\n capsh  %q", arg, o.code, o.stdout, want)
			continue
		}
		agree++
	}
	t.Logf("nakami caps decode and capsh --decode agree on %d of %d masks", agree, len(masks))
}

// TestCapsDecodeBadInput: one sentence, exit 2.
func TestCapsDecodeBadInput(t *testing.T) {
	last, err := caps.LastCap()
	if err != nil {
		t.Fatal(err)
	}
	beyond := fmt.Sprintf("0x%x", uint64(1)<<uint(last+1))
	for _, args := range [][]string{
		{"caps", "decode", "0xZZ"},
		{"caps", "decode", beyond},
		{"caps", "decode", "0x1ffffffffffffffff"},
		{"caps", "decode", ""},
		{"caps", "decode"},
		{"caps", "decode", "1", "2"},
		{"caps", "get", "/nonexistent/nakami"},
		{"caps", "list", "extra"},
	} {
		o := nakami(t, nil, args...)
		lines := strings.Split(strings.TrimSpace(o.stderr), "\n")
		if o.code != 2 || len(lines) != 1 || !strings.HasPrefix(lines[0], "nakami: ") || o.stdout != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, o.code, o.stdout, o.stderr)
		}
		if len(args) == 3 && args[2] == beyond && !strings.Contains(o.stderr, fmt.Sprintf("bit %d", last+1)) {
			t.Errorf("%s: stderr does not name the bit: %q", beyond, o.stderr)
		}
	}
}

func TestCapsList(t *testing.T) {
	last, _ := caps.LastCap()
	o := nakami(t, nil, "caps", "list")
	lines := strings.Split(strings.TrimSpace(o.stdout), "\n")
	if o.code != 0 || len(lines) != last+1 || !strings.Contains(o.stdout, "cap_net_raw") {
		t.Errorf("exit %d, %d lines\n%s", o.code, len(lines), o.stdout)
	}
	o = nakami(t, nil, "--lang", "ja", "caps", "list")
	if o.code != 0 || !strings.Contains(o.stdout, "RAW ソケット") {
		t.Errorf("ja: exit %d\n%s", o.code, o.stdout)
	}
}

// TestFileCapsWithGetcapAndSetcap: capabilities nakami writes read back
// identically with getcap; ones setcap writes read back identically with
// nakami caps get.
func TestFileCapsWithGetcapAndSetcap(t *testing.T) {
	needKernel(t)
	setcap, getcap := needTool(t, "setcap"), needTool(t, "getcap")
	dir, err := os.MkdirTemp("", "capstest-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	last, _ := caps.LastCap()
	file := filepath.Join(dir, "f")
	os.WriteFile(file, []byte("#!/bin/true\n"), 0o755)
	for _, text := range []string{"cap_net_raw+ep", "cap_chown=p cap_net_raw+i", "cap_chown,cap_sys_admin,cap_bpf+eip", "=", "=ep", "cap_setfcap+i"} {
		f, err := caps.ParseText(text, last)
		if err != nil {
			t.Fatal(err)
		}
		if err := caps.WriteFile(&engine.Transcript{}, file, f); err != nil {
			t.Fatal(err)
		}
		mineBytes, _ := caps.ReadFileRaw(file)
		g, err := exec.Command(getcap, file).Output()
		o := nakami(t, nil, "caps", "get", file)
		if err != nil || o.code != 0 || o.stdout != string(g) {
			t.Errorf("%s written by nakami: getcap %q, nakami caps get %q", text, g, o.stdout)
		}
		if out, err := exec.Command(setcap, text, file).CombinedOutput(); err != nil {
			t.Fatalf("setcap %s: %v %s", text, err, out)
		}
		theirBytes, _ := caps.ReadFileRaw(file)
		back, ok, err := caps.ReadFile(file)
		f.Revision = back.Revision
		o = nakami(t, nil, "caps", "get", file)
		g, _ = exec.Command(getcap, file).Output()
		if string(mineBytes) != string(theirBytes) || !ok || err != nil || back != f || o.stdout != string(g) {
			t.Errorf("%s written by setcap: bytes %x vs nakami's %x; read %+v; caps get %q, getcap %q", text, theirBytes, mineBytes, back, o.stdout, g)
		}
	}
	if o := nakami(t, nil, "caps", "get", "/etc/hostname"); o.code != 0 || o.stdout != "" {
		t.Errorf("a file without capabilities: exit %d %q", o.code, o.stdout)
	}
}
