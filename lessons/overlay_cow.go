package lessons

// overlay/mount, copy-up and whiteout (rows 33–34 of the article map): an
// overlay of one lower layer, a write that copies a file up, a delete that
// leaves a whiteout and a directory made again that turns opaque.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"nakami/engine"
	"nakami/engine/overlay"
)

// ovScratchSpec is the first overlay, in dir: one lower layer.
func ovScratchSpec(dir string) overlay.Spec {
	p := func(s string) string { return filepath.Join(dir, s) }
	return overlay.Spec{Lower: []string{p("lower")}, Upper: p("upper"), Work: p("work"), Merged: p("merged")}
}

var ovMountStep = &Step{
	ID: "mount",
	Commands: []string{"mkdir lower upper work merged", "echo hello > lower/hello.txt",
		"sudo mount -t overlay -o lowerdir=lower,upperdir=upper,workdir=work overlay merged", "ls merged", "grep overlay /proc/self/mountinfo"},
	Requires: NeedsRoot,
	Why:      ovRootWhy,
	Live:     Live{Procs: []string{"nakami"}},
	Action: func(e *Env) error {
		dir, err := ovMakeDirs(e, "overlay", "lower", "lower/docs", "upper", "work", "merged")
		if err != nil {
			return err
		}
		p := func(s string) string { return filepath.Join(dir, s) }
		for _, f := range []struct{ name, text string }{{"hello.txt", ovHello}, {"goodbye.txt", ovGoodbye}, {"docs/old.txt", ovOld}} {
			if err := engine.WriteFile(e.S, p("lower/"+f.name), f.text, fmt.Sprintf("echo %q > lower/%s", strings.TrimSpace(f.text), f.name)); err != nil {
				return err
			}
		}
		if err := overlay.Mount(e.S, ovScratchSpec(dir)); err != nil {
			return err
		}
		ovScratchKey.Set(e, dir)
		return nil
	},
	Checks: []Check{
		ovMountCheck(T("mountinfo shows an overlay on merged with its lowerdir, upperdir and workdir", "mountinfo に merged 上の overlay と lowerdir・upperdir・workdir が載っている"),
			func(e *Env) (overlay.Spec, bool) {
				dir, ok := ovScratchKey.Get(e)
				return ovScratchSpec(dir), ok
			}),
		scratchCheck(T("merged shows the lower layer's files, and upper is still empty", "merged に lower のファイルが見え、upper はまだ空"),
			func(e *Env, p func(string) string) (bool, Text) {
				merged, _ := overlay.Tree(p("merged"))
				lower, _ := overlay.Tree(p("lower"))
				upper, _ := overlay.Tree(p("upper"))
				if _, err := overlay.Read(p("merged")); err != nil || !slices.Equal(merged, lower) || len(upper) != 0 {
					return false, Tf("merged: %v; lower: %v; upper: %v", "merged: %v、lower: %v、upper: %v", merged, lower, upper)
				}
				return true, Tf("merged lists %s, exactly lower's entries; merged/hello.txt reads %q; upper holds nothing",
					"merged の一覧は %s で lower と同じ。merged/hello.txt の中身は %q。upper は空", strings.Join(merged, " "), readText(p("merged/hello.txt")))
			}),
	},
}

var ovCopyUpStep = &Step{
	ID:       "copy-up",
	After:    []string{"mount"},
	Commands: []string{"echo 'hello, written through merged' > merged/hello.txt", "cat upper/hello.txt", "cat lower/hello.txt"},
	Requires: NeedsRoot,
	Why:      ovRootWhy,
	Live:     Live{Procs: []string{"nakami"}},
	Action: func(e *Env) error {
		m, err := ovMerged(e)
		if err != nil {
			return err
		}
		return engine.WriteFile(e.S, filepath.Join(m, "hello.txt"), ovHelloNew, "echo 'hello, written through merged' > merged/hello.txt")
	},
	Checks: []Check{
		scratchCheck(T("the file was copied up: upper holds it with the new bytes", "ファイルがコピーアップされた: upper に新しい内容で存在する"),
			func(e *Env, p func(string) string) (bool, Text) {
				got := readText(p("upper/hello.txt"))
				if got != ovHelloNew {
					return false, Tf("upper/hello.txt: %q", "upper/hello.txt: %q", got)
				}
				return true, Tf("upper/hello.txt now exists and reads %q", "upper/hello.txt ができ、中身は %q", got)
			}),
		scratchCheck(T("merged shows the new bytes while lower keeps the old ones", "merged には新しい内容が見え、lower は古い内容のまま"),
			func(e *Env, p func(string) string) (bool, Text) {
				merged, lower := readText(p("merged/hello.txt")), readText(p("lower/hello.txt"))
				if merged != ovHelloNew || lower != ovHello {
					return false, Tf("merged/hello.txt %q, lower/hello.txt %q", "merged/hello.txt は %q、lower/hello.txt は %q", merged, lower)
				}
				return true, Tf("merged/hello.txt reads %q; lower/hello.txt still reads %q", "merged/hello.txt は %q、lower/hello.txt は %q のまま", merged, lower)
			}),
	},
}

var ovWhiteoutStep = &Step{
	ID:    "whiteout",
	After: []string{"mount"},
	Commands: []string{"rm merged/goodbye.txt", "ls -l upper/goodbye.txt",
		"rm -r merged/docs && mkdir merged/docs && echo new > merged/docs/new.txt", "sudo getfattr -n trusted.overlay.opaque upper/docs"},
	Requires: NeedsRoot,
	Why:      ovRootWhy,
	Live:     Live{Procs: []string{"nakami"}},
	Action: func(e *Env) error {
		m, err := ovMerged(e)
		if err != nil {
			return err
		}
		if err := engine.Remove(e.S, filepath.Join(m, "goodbye.txt"), "rm merged/goodbye.txt"); err != nil {
			return err
		}
		if err := engine.Remove(e.S, filepath.Join(m, "docs"), "rm -r merged/docs"); err != nil {
			return err
		}
		if err := engine.Mkdir(e.S, filepath.Join(m, "docs"), "mkdir merged/docs"); err != nil {
			return err
		}
		return engine.WriteFile(e.S, filepath.Join(m, "docs/new.txt"), ovNew, "echo 'written after the directory was made again' > merged/docs/new.txt")
	},
	Checks: []Check{
		scratchCheck(T("the deleted file left a whiteout: a 0/0 character device in upper", "削除したファイルはホワイトアウトを残した: upper にある 0/0 のキャラクタデバイス"),
			func(e *Env, p func(string) string) (bool, Text) {
				w, desc, err := overlay.Whiteout(p("upper/goodbye.txt"))
				if err != nil {
					return false, errText(err)
				}
				_, merr := os.Lstat(p("merged/goodbye.txt"))
				lower := readText(p("lower/goodbye.txt"))
				if !w || !errors.Is(merr, fs.ErrNotExist) || lower != ovGoodbye {
					return false, Tf("upper/goodbye.txt: %s; merged: %v; lower: %q", "upper/goodbye.txt: %s。merged: %v。lower: %q", desc, merr, lower)
				}
				return true, Tf("lstat(upper/goodbye.txt): %s; merged/goodbye.txt: no such file; lower/goodbye.txt is still there",
					"lstat(upper/goodbye.txt): %s。merged/goodbye.txt は存在しない。lower/goodbye.txt は残っている", desc)
			}),
		scratchCheck(T("the directory made again is opaque: trusted.overlay.opaque = \"y\" hides lower's entries", "作り直したディレクトリは不透明: trusted.overlay.opaque = \"y\" が lower の中身を隠す"),
			func(e *Env, p func(string) string) (bool, Text) {
				x, err := overlay.Xattr(p("upper/docs"), overlay.XattrOpaque)
				if err != nil {
					return false, errText(err)
				}
				merged, _ := overlay.Tree(p("merged/docs"))
				lower, _ := overlay.Tree(p("lower/docs"))
				if x != "y" || !slices.Equal(merged, []string{"new.txt"}) || !slices.Contains(lower, "old.txt") {
					return false, Tf("%s on upper/docs = %q; merged/docs: %v; lower/docs: %v", "upper/docs の %s = %q。merged/docs: %v。lower/docs: %v", overlay.XattrOpaque, x, merged, lower)
				}
				return true, Tf("getxattr(upper/docs, %s) = %q; merged/docs lists only %v, though lower/docs still holds %v",
					"getxattr(upper/docs, %s) = %q。lower/docs には %[4]v が残っているのに、merged/docs には %[3]v だけが見える", overlay.XattrOpaque, x, merged, lower)
			}),
	},
}
