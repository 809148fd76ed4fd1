package lessons

// The overlay lesson: rows 33–36 of the article map. Every check reads the
// kernel: the overlay's line in /proc/self/mountinfo (and the container's
// /proc/PID/mountinfo), the upper directory's entries, lstat(2) st_rdev of
// whiteouts, the trusted.overlay.opaque xattr, files read through merged
// and through /proc/PID/root, /proc/PID/net/tcp and the namespace links.
//
// This file holds the Lesson, the state its steps share and their helpers;
// the steps are in overlay_cow.go (mount, copy-up, whiteout: rows 33–34)
// and overlay_image.go (layer1, layer2, image, run: rows 35–36).

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"nakami/engine"
	"nakami/engine/overlay"
)

var _ = register(&Lesson{
	ID:        "overlay",
	Exercises: ovExercises,
	Steps:     []*Step{ovMountStep, ovCopyUpStep, ovWhiteoutStep, ovLayer1Step, ovLayer2Step, ovImageStep, ovRunStep, ovSharingStep},
	KeepHelp: func(e *Env) Text {
		var b strings.Builder
		if d, ok := ovScratchKey.Get(e); ok {
			fmt.Fprintf(&b, "  overlay         ls -l %[1]s/{lower,upper,merged};  grep %[1]s /proc/self/mountinfo\n", d)
		}
		if d, ok := ovContainerKey.Get(e); ok {
			fmt.Fprintf(&b, "  image           ls %s/merged/usr/local/bin;  ls -R %s/diff\n", d, d)
		}
		if c := e.Child("container"); c != nil {
			fmt.Fprintf(&b, "  container       cat /proc/%d/mountinfo;  cat /proc/%d/net/tcp\n", c.PID, c.PID)
		}
		return T("Left for you to look at:\n"+b.String()+"Remove them with: nakami cleanup\n",
			"確認用に残したもの:\n"+b.String()+"削除するには: nakami cleanup\n")
	},
})

var ovRootWhy = T("mounting an overlay on the host needs CAP_SYS_ADMIN in the initial user namespace, and the trusted.overlay.* attributes that mark whiteouts' neighbours and opaque directories can only be written and read by such a process.",
	"ホスト上に overlay をマウントするには初期ユーザー名前空間での CAP_SYS_ADMIN が必要です。また、不透明ディレクトリなどを示す trusted.overlay.* 属性を読み書きできるのも、そうしたプロセスだけです。")

// The lower layer of the first three steps, and the program, port and
// output file of the last.
const (
	ovHello    = "hello from the lower layer\n"
	ovHelloNew = "hello, written through merged\n"
	ovGoodbye  = "this file will be deleted through merged\n"
	ovOld      = "an old document in the lower layer\n"
	ovNew      = "written after the directory was made again\n"
	ovFetch    = "/usr/local/bin/fetch"
	ovPort     = "8080"
	ovOut      = "/root/index.html"
)

// The state the steps share.
var (
	// ovScratchKey is the directory holding the first overlay's lower,
	// upper, work and merged (the mount step made and mounted them).
	ovScratchKey = newKey[string]("overlay/scratch")
	// ovLayer1Key is LAYER1, the root filesystem the layer1 step built.
	ovLayer1Key = newKey[string]("overlay/layer1")
	// ovLayer2Key is LAYER2 as the layer2 step left it.
	ovLayer2Key = newKey[ovLayer2]("overlay/layer2")
	// ovContainerKey is $CONTAINER, holding the image overlay's diff
	// (its upperdir), work and merged (the image step mounted it).
	ovContainerKey = newKey[string]("overlay/container")
	// ovBodyKey is what the container's server was started to serve.
	ovBodyKey = newKey[string]("overlay/body")
)

// ovLayer2 is LAYER2 after the install: its directory (the layer is its
// diff) and the two trees the later checks compare against.
type ovLayer2 struct {
	Dir string
	// Installed is what the install created, relative to the root: the
	// tree $LAYER2/diff should hold.
	Installed []string
	// Layer1Tree is LAYER1's tree before LAYER2 was mounted on top of it.
	Layer1Tree []string
}

// ovImageLower is the image's lowerdir, topmost first: LAYER2's diff over
// LAYER1.
func ovImageLower(e *Env) []string {
	return []string{filepath.Join(ovLayer2Key.Value(e).Dir, "diff"), ovLayer1Key.Value(e)}
}

var notMounted = T("no overlay is mounted yet", "まだ overlay をマウントしていません")

// scratchCheck checks the first overlay; p joins a path below its
// directory (p("upper/hello.txt")).
func scratchCheck(name Text, probe func(e *Env, p func(string) string) (bool, Text)) Check {
	return valueCheck(name, ovScratchKey, notMounted, func(e *Env, dir string) (bool, Text) {
		return probe(e, func(sub string) string { return filepath.Join(dir, sub) })
	})
}

// ovMerged is the first overlay's merged directory, through which the
// steps after mount write.
func ovMerged(e *Env) (string, error) {
	dir, ok := ovScratchKey.Get(e)
	if !ok {
		return "", errors.New(notMounted.EN)
	}
	return filepath.Join(dir, "merged"), nil
}

// ovMakeDirs makes the session directory name and subs below it (for an
// overlay's layers, work and merged), journaled, and returns its path.
func ovMakeDirs(e *Env, name string, subs ...string) (string, error) {
	dir, err := engine.SessionPath(e.S, name)
	if err != nil {
		return "", err
	}
	paths := []string{dir}
	for _, sub := range subs {
		paths = append(paths, filepath.Join(dir, sub))
	}
	return dir, engine.MakeDirs(e.S, paths...)
}

// ovMountCheck: /proc/self/mountinfo holds an overlay on want's merged
// directory with want's lowerdir and upperdir, and its workdir when want
// names one.
func ovMountCheck(name Text, want func(*Env) (overlay.Spec, bool)) Check {
	return Check{Name: name, Probe: func(e *Env) (bool, Text) {
		w, ok := want(e)
		if !ok {
			return false, notMounted
		}
		info, err := overlay.Read(w.Merged)
		if err != nil {
			return false, errText(err)
		}
		line := Tf("/proc/self/mountinfo: %s", "/proc/self/mountinfo: %s", info.Line)
		if !slices.Equal(info.Lower, w.Lower) || info.Upper != w.Upper || w.Work != "" && info.Work != w.Work {
			return false, line
		}
		return true, line
	}}
}

func readText(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "<" + err.Error() + ">"
	}
	return string(b)
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}
