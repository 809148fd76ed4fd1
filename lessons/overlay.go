package lessons

// The overlay lesson: rows 33–36 of the article map. Every check reads the
// kernel: the overlay's line in /proc/self/mountinfo (and the container's
// /proc/PID/mountinfo), the upper directory's entries, lstat(2) st_rdev of
// whiteouts, the trusted.overlay.opaque xattr, files read through merged
// and through /proc/PID/root, /proc/PID/net/tcp and the namespace links.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"nakami/engine"
	"nakami/engine/child"
	"nakami/engine/netlab"
	"nakami/engine/overlay"
	"nakami/engine/procfs"
	"nakami/engine/rootfs"
)

var ovRootWhy = T("mounting an overlay on the host needs CAP_SYS_ADMIN in the initial user namespace, and the trusted.overlay.* attributes that mark whiteouts' neighbours and opaque directories can only be written and read by such a process.",
	"ホスト上に overlay をマウントするには初期ユーザー名前空間での CAP_SYS_ADMIN が必要です。また、不透明ディレクトリなどを示す trusted.overlay.* 属性を読み書きできるのも、そうしたプロセスだけです。")

// The lower layer of the first three steps.
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

func ovDir(e *Env, key, sub string) string {
	if e.Values[key] == "" {
		return ""
	}
	return filepath.Join(e.Values[key], sub)
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

var notMounted = T("no overlay is mounted yet", "まだ overlay をマウントしていません")

var _ = register(&Lesson{
	ID: "overlay",
	Steps: []*Step{
		{
			ID: "mount",
			Commands: []string{"mkdir lower upper work merged", "echo hello > lower/hello.txt",
				"sudo mount -t overlay -o lowerdir=lower,upperdir=upper,workdir=work overlay merged", "ls merged", "grep overlay /proc/self/mountinfo"},
			Requires: NeedsRoot,
			Why:      ovRootWhy,
			Live:     Live{Procs: []string{"nakami"}},
			Action: func(e *Env) error {
				dir, err := engine.SessionPath(e.S, "overlay")
				if err != nil {
					return err
				}
				p := func(s string) string { return filepath.Join(dir, s) }
				if err := engine.MakeDirs(e.S, dir, p("lower"), p("lower/docs"), p("upper"), p("work"), p("merged")); err != nil {
					return err
				}
				for _, f := range []struct{ name, text string }{{"hello.txt", ovHello}, {"goodbye.txt", ovGoodbye}, {"docs/old.txt", ovOld}} {
					if err := engine.WriteFile(e.S, p("lower/"+f.name), f.text, fmt.Sprintf("echo %q > lower/%s", strings.TrimSpace(f.text), f.name)); err != nil {
						return err
					}
				}
				if err := overlay.Mount(e.S, overlay.Spec{Lower: []string{p("lower")}, Upper: p("upper"), Work: p("work"), Merged: p("merged")}); err != nil {
					return err
				}
				e.Values["overlay"] = dir
				return nil
			},
			Checks: []Check{
				{
					Name: T("mountinfo shows an overlay on merged with its lowerdir, upperdir and workdir", "mountinfo に merged 上の overlay と lowerdir・upperdir・workdir が載っている"),
					Probe: func(e *Env) (bool, Text) {
						dir := e.Values["overlay"]
						if dir == "" {
							return false, notMounted
						}
						info, err := overlay.Read(filepath.Join(dir, "merged"))
						if err != nil {
							return false, errText(err)
						}
						if !slices.Equal(info.Lower, []string{filepath.Join(dir, "lower")}) || info.Upper != filepath.Join(dir, "upper") || info.Work != filepath.Join(dir, "work") {
							return false, Tf("/proc/self/mountinfo: %s", "/proc/self/mountinfo: %s", info.Line)
						}
						return true, Tf("/proc/self/mountinfo: %s", "/proc/self/mountinfo: %s", info.Line)
					},
				},
				{
					Name: T("merged shows the lower layer's files, and upper is still empty", "merged に lower のファイルが見え、upper はまだ空"),
					Probe: func(e *Env) (bool, Text) {
						dir := e.Values["overlay"]
						if dir == "" {
							return false, notMounted
						}
						merged, _ := overlay.Tree(filepath.Join(dir, "merged"))
						lower, _ := overlay.Tree(filepath.Join(dir, "lower"))
						upper, _ := overlay.Tree(filepath.Join(dir, "upper"))
						if _, err := overlay.Read(filepath.Join(dir, "merged")); err != nil || !slices.Equal(merged, lower) || len(upper) != 0 {
							return false, Tf("merged: %v; lower: %v; upper: %v", "merged: %v、lower: %v、upper: %v", merged, lower, upper)
						}
						return true, Tf("merged lists %s, exactly lower's entries; merged/hello.txt reads %q; upper holds nothing",
							"merged の一覧は %s で lower と同じ。merged/hello.txt の中身は %q。upper は空", strings.Join(merged, " "), readText(filepath.Join(dir, "merged/hello.txt")))
					},
				},
			},
		},
		{
			ID:       "copy-up",
			After:    []string{"mount"},
			Commands: []string{"echo 'hello, written through merged' > merged/hello.txt", "cat upper/hello.txt", "cat lower/hello.txt"},
			Requires: NeedsRoot,
			Why:      ovRootWhy,
			Live:     Live{Procs: []string{"nakami"}},
			Action: func(e *Env) error {
				return engine.WriteFile(e.S, ovDir(e, "overlay", "merged/hello.txt"), ovHelloNew, "echo 'hello, written through merged' > merged/hello.txt")
			},
			Checks: []Check{
				{
					Name: T("the file was copied up: upper holds it with the new bytes", "ファイルがコピーアップされた: upper に新しい内容で存在する"),
					Probe: func(e *Env) (bool, Text) {
						dir := e.Values["overlay"]
						if dir == "" {
							return false, notMounted
						}
						got := readText(filepath.Join(dir, "upper/hello.txt"))
						if got != ovHelloNew {
							return false, Tf("upper/hello.txt: %q", "upper/hello.txt: %q", got)
						}
						return true, Tf("upper/hello.txt now exists and reads %q", "upper/hello.txt ができ、中身は %q", got)
					},
				},
				{
					Name: T("merged shows the new bytes while lower keeps the old ones", "merged には新しい内容が見え、lower は古い内容のまま"),
					Probe: func(e *Env) (bool, Text) {
						dir := e.Values["overlay"]
						if dir == "" {
							return false, notMounted
						}
						merged, lower := readText(filepath.Join(dir, "merged/hello.txt")), readText(filepath.Join(dir, "lower/hello.txt"))
						if merged != ovHelloNew || lower != ovHello {
							return false, Tf("merged/hello.txt %q, lower/hello.txt %q", "merged/hello.txt は %q、lower/hello.txt は %q", merged, lower)
						}
						return true, Tf("merged/hello.txt reads %q; lower/hello.txt still reads %q", "merged/hello.txt は %q、lower/hello.txt は %q のまま", merged, lower)
					},
				},
			},
		},
		{
			ID:    "whiteout",
			After: []string{"mount"},
			Commands: []string{"rm merged/goodbye.txt", "ls -l upper/goodbye.txt",
				"rm -r merged/docs && mkdir merged/docs && echo new > merged/docs/new.txt", "sudo getfattr -n trusted.overlay.opaque upper/docs"},
			Requires: NeedsRoot,
			Why:      ovRootWhy,
			Live:     Live{Procs: []string{"nakami"}},
			Action: func(e *Env) error {
				m := ovDir(e, "overlay", "merged")
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
				{
					Name: T("the deleted file left a whiteout: a 0/0 character device in upper", "削除したファイルはホワイトアウトを残した: upper にある 0/0 のキャラクタデバイス"),
					Probe: func(e *Env) (bool, Text) {
						dir := e.Values["overlay"]
						if dir == "" {
							return false, notMounted
						}
						w, desc, err := overlay.Whiteout(filepath.Join(dir, "upper/goodbye.txt"))
						if err != nil {
							return false, errText(err)
						}
						_, merr := os.Lstat(filepath.Join(dir, "merged/goodbye.txt"))
						lower := readText(filepath.Join(dir, "lower/goodbye.txt"))
						if !w || !errors.Is(merr, fs.ErrNotExist) || lower != ovGoodbye {
							return false, Tf("upper/goodbye.txt: %s; merged: %v; lower: %q", "upper/goodbye.txt: %s。merged: %v。lower: %q", desc, merr, lower)
						}
						return true, Tf("lstat(upper/goodbye.txt): %s; merged/goodbye.txt: no such file; lower/goodbye.txt is still there",
							"lstat(upper/goodbye.txt): %s。merged/goodbye.txt は存在しない。lower/goodbye.txt は残っている", desc)
					},
				},
				{
					Name: T("the directory made again is opaque: trusted.overlay.opaque = \"y\" hides lower's entries", "作り直したディレクトリは不透明: trusted.overlay.opaque = \"y\" が lower の中身を隠す"),
					Probe: func(e *Env) (bool, Text) {
						dir := e.Values["overlay"]
						if dir == "" {
							return false, notMounted
						}
						x, err := overlay.Xattr(filepath.Join(dir, "upper/docs"), overlay.XattrOpaque)
						if err != nil {
							return false, errText(err)
						}
						merged, _ := overlay.Tree(filepath.Join(dir, "merged/docs"))
						lower, _ := overlay.Tree(filepath.Join(dir, "lower/docs"))
						if x != "y" || !slices.Equal(merged, []string{"new.txt"}) || !slices.Contains(lower, "old.txt") {
							return false, Tf("%s on upper/docs = %q; merged/docs: %v; lower/docs: %v", "upper/docs の %s = %q。merged/docs: %v。lower/docs: %v", overlay.XattrOpaque, x, merged, lower)
						}
						return true, Tf("getxattr(upper/docs, %s) = %q; merged/docs lists only %v, though lower/docs still holds %v",
							"getxattr(upper/docs, %s) = %q。lower/docs には %[4]v が残っているのに、merged/docs には %[3]v だけが見える", overlay.XattrOpaque, x, merged, lower)
					},
				},
			},
		},
		{
			ID:       "layer1",
			Commands: []string{"LAYER1=$(mktemp -d)", "mkdir $LAYER1/diff", "docker export $(docker create alpine) | tar -x -C $LAYER1/diff   # nakami: copies of this machine's programs"},
			Requires: NeedsRoot,
			Why:      ovRootWhy,
			Live:     Live{Procs: []string{"nakami"}},
			Action: func(e *Env) error {
				r, err := rootfs.Build(e.S, "layer1", rootfs.Options{})
				if err != nil {
					return err
				}
				e.Values["layer1"] = r.Path
				_, err = rootfs.RunIn(e.S.T, r.Path, "/bin/ls", "/", "/bin")
				return err
			},
			Checks: []Check{
				{
					Name: T("LAYER1 is a root filesystem: a shell chrooted into it runs", "LAYER1 はルートファイルシステム: chroot したシェルが動く"),
					Probe: func(e *Env) (bool, Text) {
						l1 := e.Values["layer1"]
						if l1 == "" {
							return false, T("there is no LAYER1 yet", "まだ LAYER1 がありません")
						}
						out, err := rootfs.RunIn(nil, l1, "/bin/sh", "-c", "cd / && echo *")
						if err != nil {
							return false, errText(err)
						}
						tree, _ := overlay.Tree(l1)
						return true, Tf("chroot %s /bin/sh lists %s; the layer holds %d entries", "chroot %s /bin/sh の一覧は %s。レイヤーのエントリは %d 個", l1, strings.TrimSpace(out), len(tree))
					},
				},
				{
					Name: T("LAYER1 is a plain directory, not a mount, and has no fetch program", "LAYER1 はマウントではない普通のディレクトリで、fetch はない"),
					Probe: func(e *Env) (bool, Text) {
						l1 := e.Values["layer1"]
						if l1 == "" {
							return false, T("there is no LAYER1 yet", "まだ LAYER1 がありません")
						}
						m, err := procfs.IsMountPoint(l1)
						if err != nil || m || exists(filepath.Join(l1, ovFetch)) || !exists(filepath.Join(l1, "bin/sh")) {
							return false, Tf("%s: mount point %v (%v); %s present %v", "%s: マウントポイント %v (%v)。%s の有無 %v", l1, m, err, ovFetch, exists(filepath.Join(l1, ovFetch)))
						}
						return true, Tf("%s is no mount point in /proc/self/mountinfo; %s does not exist in it", "%s は /proc/self/mountinfo のマウントポイントではない。中に %s はない", l1, ovFetch)
					},
				},
			},
		},
		{
			ID:    "layer2",
			After: []string{"layer1"},
			Commands: []string{"LAYER2=$(mktemp -d)", "mkdir $LAYER2/{diff,work,merged}",
				"sudo mount -t overlay -o lowerdir=$LAYER1/diff,upperdir=$LAYER2/diff,workdir=$LAYER2/work overlay $LAYER2/merged",
				"sudo chroot $LAYER2/merged apk add --no-cache curl   # nakami: install fetch into $LAYER2/merged",
				"sudo umount -R $LAYER2/merged", "rm -rf $LAYER2/{work,merged}"},
			Requires: NeedsRoot,
			Why:      ovRootWhy,
			Live:     Live{Procs: []string{"nakami"}},
			Action: func(e *Env) error {
				l1 := e.Values["layer1"]
				l2, err := engine.SessionPath(e.S, "layer2")
				if err != nil {
					return err
				}
				p := func(s string) string { return filepath.Join(l2, s) }
				if err := engine.MakeDirs(e.S, l2, p("diff"), p("work"), p("merged")); err != nil {
					return err
				}
				if err := overlay.Mount(e.S, overlay.Spec{Lower: []string{l1}, Upper: p("diff"), Work: p("work"), Merged: p("merged")}); err != nil {
					return err
				}
				created, err := rootfs.InstallProgram(e.S, p("merged"), ovFetch)
				if err != nil {
					return err
				}
				if _, err := rootfs.RunIn(e.S.T, p("merged"), ovFetch, "--version"); err != nil {
					return err
				}
				if err := engine.Release(e.S, engine.KindMount, p("merged"), "sudo umount -R $LAYER2/merged"); err != nil {
					return err
				}
				for _, d := range []string{"work", "merged"} {
					if err := engine.Release(e.S, engine.KindDir, p(d), "rm -rf $LAYER2/"+d); err != nil {
						return err
					}
				}
				for i := range created {
					created[i] = strings.TrimPrefix(created[i], "/")
				}
				e.Values["installed"] = strings.Join(created, "\n")
				t1, err := overlay.Tree(l1)
				if err != nil {
					return err
				}
				e.Values["layer1-tree"] = strings.Join(t1, "\n")
				e.Values["layer2"] = l2
				return nil
			},
			Checks: []Check{
				{
					Name: T("LAYER2 holds exactly what the install added: the fetch program", "LAYER2 にはインストールで増えたもの (fetch) だけがある"),
					Probe: func(e *Env) (bool, Text) {
						l2 := e.Values["layer2"]
						if l2 == "" {
							return false, T("there is no LAYER2 yet", "まだ LAYER2 がありません")
						}
						tree, err := overlay.Tree(filepath.Join(l2, "diff"))
						if err != nil {
							return false, errText(err)
						}
						_, elfErr := rootfs.ReadELF("", filepath.Join(l2, "diff", ovFetch))
						if strings.Join(tree, "\n") != e.Values["installed"] || elfErr != nil {
							return false, Tf("$LAYER2/diff holds %v (%v)", "$LAYER2/diff の中身は %v (%v)", tree, elfErr)
						}
						return true, Tf("$LAYER2/diff holds only %s (an ELF executable); its libraries came from LAYER1", "$LAYER2/diff にあるのは %s (ELF 実行ファイル) だけ。ライブラリは LAYER1 のものを使う", strings.Join(tree, " "))
					},
				},
				{
					Name: T("LAYER1 is unchanged, and LAYER2's overlay is unmounted", "LAYER1 は変わらず、LAYER2 の overlay はアンマウント済み"),
					Probe: func(e *Env) (bool, Text) {
						l1, l2 := e.Values["layer1"], e.Values["layer2"]
						if l2 == "" {
							return false, T("there is no LAYER2 yet", "まだ LAYER2 がありません")
						}
						t1, _ := overlay.Tree(l1)
						_, merr := overlay.Read(filepath.Join(l2, "merged"))
						if strings.Join(t1, "\n") != e.Values["layer1-tree"] || exists(filepath.Join(l1, ovFetch)) || merr == nil || exists(filepath.Join(l2, "work")) {
							return false, Tf("LAYER1 has %d entries, fetch %v; $LAYER2/merged: %v", "LAYER1 のエントリ %d 個、fetch %v。$LAYER2/merged: %v", len(t1), exists(filepath.Join(l1, ovFetch)), merr)
						}
						return true, Tf("LAYER1 still has its %d entries and no %s; /proc/self/mountinfo has no overlay on $LAYER2/merged, and work and merged are gone",
							"LAYER1 のエントリは %d 個のままで %s はない。/proc/self/mountinfo に $LAYER2/merged の overlay はなく、work と merged も消えた", len(t1), ovFetch)
					},
				},
			},
		},
		{
			ID:    "image",
			After: []string{"layer2"},
			Commands: []string{"CONTAINER=$(mktemp -d)", "mkdir $CONTAINER/{diff,work,merged}",
				"sudo mount -t overlay -o lowerdir=$LAYER2/diff:$LAYER1/diff,upperdir=$CONTAINER/diff,workdir=$CONTAINER/work overlay $CONTAINER/merged"},
			Requires: NeedsRoot,
			Why:      ovRootWhy,
			Live:     Live{Procs: []string{"nakami"}},
			Action: func(e *Env) error {
				c, err := engine.SessionPath(e.S, "container")
				if err != nil {
					return err
				}
				p := func(s string) string { return filepath.Join(c, s) }
				if err := engine.MakeDirs(e.S, c, p("diff"), p("work"), p("merged")); err != nil {
					return err
				}
				if err := overlay.Mount(e.S, overlay.Spec{Lower: []string{filepath.Join(e.Values["layer2"], "diff"), e.Values["layer1"]},
					Upper: p("diff"), Work: p("work"), Merged: p("merged")}); err != nil {
					return err
				}
				e.Values["container"] = c
				return nil
			},
			Checks: []Check{
				{
					Name: T("mountinfo shows the image: lowerdir=LAYER2:LAYER1 under the container's upperdir", "mountinfo にイメージが載っている: コンテナの upperdir の下に lowerdir=LAYER2:LAYER1"),
					Probe: func(e *Env) (bool, Text) {
						c := e.Values["container"]
						if c == "" {
							return false, notMounted
						}
						info, err := overlay.Read(filepath.Join(c, "merged"))
						if err != nil {
							return false, errText(err)
						}
						want := []string{filepath.Join(e.Values["layer2"], "diff"), e.Values["layer1"]}
						if !slices.Equal(info.Lower, want) || info.Upper != filepath.Join(c, "diff") {
							return false, Tf("/proc/self/mountinfo: %s", "/proc/self/mountinfo: %s", info.Line)
						}
						return true, Tf("/proc/self/mountinfo: %s", "/proc/self/mountinfo: %s", info.Line)
					},
				},
				{
					Name: T("the merged tree has both layers' files, and the container's upperdir is empty", "merged に両レイヤーのファイルがあり、コンテナの upperdir は空"),
					Probe: func(e *Env) (bool, Text) {
						c := e.Values["container"]
						if c == "" {
							return false, notMounted
						}
						m := filepath.Join(c, "merged")
						up, _ := overlay.Tree(filepath.Join(c, "diff"))
						if _, err := overlay.Read(m); err != nil || !exists(filepath.Join(m, "bin/sh")) || !exists(filepath.Join(m, ovFetch)) || len(up) != 0 {
							return false, Tf("merged: /bin/sh %v, %s %v; upper %v", "merged: /bin/sh %v、%s %v。upper %v", exists(filepath.Join(m, "bin/sh")), ovFetch, exists(filepath.Join(m, ovFetch)), up)
						}
						return true, Tf("$CONTAINER/merged has /bin/sh (from LAYER1) and %s (from LAYER2); $CONTAINER/diff is empty",
							"$CONTAINER/merged には /bin/sh (LAYER1 由来) と %s (LAYER2 由来) がある。$CONTAINER/diff は空", ovFetch)
					},
				},
			},
		},
		{
			ID:    "run",
			After: []string{"image"},
			Commands: []string{"ROOTFS=$CONTAINER/merged",
				"sudo unshare -mpfun --uts chroot $ROOTFS /bin/sh -c 'mount -t proc proc /proc && ip link set lo up && (httpd -p 127.0.0.1:8080 &) && exec fetch -o /root/index.html http://127.0.0.1:8080/'",
				"cat $CONTAINER/diff/root/index.html"},
			Requires: NeedsRoot,
			Why:      ovRootWhy,
			Live:     Live{Procs: []string{"container"}},
			Action: func(e *Env) error {
				c := e.Values["container"]
				body := fmt.Sprintf("hello from a server on the container's own loopback (nakami session %s)\n", e.S.ID)
				e.Values["body"] = body
				_, err := e.Spawn(child.Spec{
					Role: "container", NewNS: []string{"mnt", "pid", "uts", "net"}, Hostname: "container",
					PivotRoot: filepath.Join(c, "merged"), ExecPath: rootfs.SelfPath,
					Exec:  []string{netlab.ArgServe, ovPort, body, ovFetch, "-o", ovOut, "http://127.0.0.1:" + ovPort + "/"},
					Shell: "unshare -mpfun --uts … pivot_root $ROOTFS … fetch -o " + ovOut + " http://127.0.0.1:" + ovPort + "/",
				})
				return err
			},
			Checks: []Check{
				{
					Name: T("the container's root is the image overlay, in namespaces of its own", "コンテナのルートはイメージの overlay で、名前空間も専用"),
					Probe: func(e *Env) (bool, Text) {
						c := e.Child("container")
						if c == nil {
							return false, T("no container is running yet", "まだコンテナが動いていません")
						}
						info, err := overlay.ReadOf(c.PID, "/")
						if err != nil {
							return false, errText(err)
						}
						inside, err1 := procfs.ReadNamespaces(c.PID)
						host, err2 := procfs.ReadNamespaces(os.Getpid())
						if err := errors.Join(err1, err2); err != nil {
							return false, errText(err)
						}
						var same []string
						for _, n := range []string{"mnt", "pid", "uts", "net"} {
							if inside[n].Inode == host[n].Inode {
								same = append(same, n)
							}
						}
						want := []string{filepath.Join(e.Values["layer2"], "diff"), e.Values["layer1"]}
						if !slices.Equal(info.Lower, want) || len(same) > 0 {
							return false, Tf("/proc/%d/mountinfo: %s; namespaces shared with nakami: %v", "/proc/%d/mountinfo: %s。nakami と共有している名前空間: %v", c.PID, info.Line, same)
						}
						return true, Tf("/proc/%d/mountinfo: / is %s (lowerdir %s); mnt, pid, uts and net differ from nakami's",
							"/proc/%d/mountinfo: / は %s (lowerdir %s)。mnt・pid・uts・net は nakami と異なる", c.PID, info.FSType, strings.Join(info.Lower, ":"))
					},
				},
				{
					Name: T("fetch got the server's body over the container's own loopback", "fetch はコンテナ自身のループバック越しにサーバーの本文を受け取った"),
					Probe: func(e *Env) (bool, Text) {
						c := e.Child("container")
						if c == nil {
							return false, T("no container is running yet", "まだコンテナが動いていません")
						}
						op, ran := netlab.EntrypointReport(c)
						got := readText(fmt.Sprintf("/proc/%d/root%s", c.PID, ovOut))
						ln, err := netlab.ListeningTCP(c.PID)
						if err != nil {
							return false, errText(err)
						}
						devs, _ := procfs.ReadNetDevs(c.PID)
						if !ran || op.Failed || got != e.Values["body"] || !slices.Contains(ln, "127.0.0.1:"+ovPort) || !slices.Equal(devs, []string{"lo"}) {
							return false, Tf("entrypoint: %s; %s inside: %q; listening %v; interfaces %v", "エントリポイント: %s。中の %s: %q。待ち受け %v。インターフェース %v", op.Detail, ovOut, got, ln, devs)
						}
						return true, Tf("/proc/%d/net/tcp: LISTEN on %v, in a namespace whose only interface is lo; %s inside reads %q (%s)",
							"/proc/%d/net/tcp: %v で LISTEN。インターフェースは lo だけ。中の %s は %q (%s)", c.PID, ln, ovOut, strings.TrimSpace(got), op.Detail)
					},
				},
				{
					Name: T("the container's write landed in its upperdir, not in the layers", "コンテナの書き込みは upperdir に入り、レイヤーには入っていない"),
					Probe: func(e *Env) (bool, Text) {
						c, l1, l2 := e.Values["container"], e.Values["layer1"], e.Values["layer2"]
						if c == "" || l2 == "" {
							return false, notMounted
						}
						got := readText(filepath.Join(c, "diff", ovOut))
						t1, _ := overlay.Tree(l1)
						t2, _ := overlay.Tree(filepath.Join(l2, "diff"))
						if got != e.Values["body"] || exists(filepath.Join(l1, ovOut)) || exists(filepath.Join(l2, "diff", ovOut)) ||
							strings.Join(t1, "\n") != e.Values["layer1-tree"] || strings.Join(t2, "\n") != e.Values["installed"] {
							return false, Tf("$CONTAINER/diff%s: %q; LAYER1 %d entries, LAYER2 %d", "$CONTAINER/diff%s: %q。LAYER1 %d 個、LAYER2 %d 個", ovOut, got, len(t1), len(t2))
						}
						return true, Tf("$CONTAINER/diff%s holds the %d bytes; LAYER1 (%d entries) and LAYER2 (%d) are as they were, with no %s",
							"$CONTAINER/diff%s に %d バイトがある。LAYER1 (%d 個) と LAYER2 (%d 個) は元のままで %s はない", ovOut, len(got), len(t1), len(t2), ovOut)
					},
				},
			},
		},
	},
	KeepHelp: func(e *Env) Text {
		var b strings.Builder
		if d := e.Values["overlay"]; d != "" {
			fmt.Fprintf(&b, "  overlay         ls -l %[1]s/{lower,upper,merged};  grep %[1]s /proc/self/mountinfo\n", d)
		}
		if d := e.Values["container"]; d != "" {
			fmt.Fprintf(&b, "  image           ls %s/merged/usr/local/bin;  ls -R %s/diff\n", d, d)
		}
		if c := e.Child("container"); c != nil {
			fmt.Fprintf(&b, "  container       cat /proc/%d/mountinfo;  cat /proc/%d/net/tcp\n", c.PID, c.PID)
		}
		return T("Left for you to look at:\n"+b.String()+"Remove them with: nakami cleanup\n",
			"確認用に残したもの:\n"+b.String()+"削除するには: nakami cleanup\n")
	},
})
