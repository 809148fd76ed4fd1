package lessons

// overlay/layer1, layer2, image and run (rows 35–36 of the article map): a
// base layer, a second layer made of what an install changed over it, the
// two stacked under a container's upperdir, and a container that runs the
// second layer's program on that image.

import (
	"errors"
	"fmt"
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

var noLayer1 = T("there is no LAYER1 yet", "まだ LAYER1 がありません")
var noLayer2 = T("there is no LAYER2 yet", "まだ LAYER2 がありません")

var ovLayer1Step = &Step{
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
		ovLayer1Key.Set(e, r.Path)
		_, err = rootfs.RunIn(e.S.T, r.Path, "/bin/ls", "/", "/bin")
		return err
	},
	Checks: []Check{
		valueCheck(T("LAYER1 is a root filesystem: a shell chrooted into it runs", "LAYER1 はルートファイルシステム: chroot したシェルが動く"), ovLayer1Key, noLayer1,
			func(e *Env, l1 string) (bool, Text) {
				out, err := rootfs.RunIn(nil, l1, "/bin/sh", "-c", "cd / && echo *")
				if err != nil {
					return false, errText(err)
				}
				tree, _ := overlay.Tree(l1)
				return true, Tf("chroot %s /bin/sh lists %s; the layer holds %d entries", "chroot %s /bin/sh の一覧は %s。レイヤーのエントリは %d 個", l1, strings.TrimSpace(out), len(tree))
			}),
		valueCheck(T("LAYER1 is a plain directory, not a mount, and has no fetch program", "LAYER1 はマウントではない普通のディレクトリで、fetch はない"), ovLayer1Key, noLayer1,
			func(e *Env, l1 string) (bool, Text) {
				m, err := procfs.IsMountPoint(l1)
				if err != nil || m || exists(filepath.Join(l1, ovFetch)) || !exists(filepath.Join(l1, "bin/sh")) {
					return false, Tf("%s: mount point %v (%v); %s present %v", "%s: マウントポイント %v (%v)。%s の有無 %v", l1, m, err, ovFetch, exists(filepath.Join(l1, ovFetch)))
				}
				return true, Tf("%s is no mount point in /proc/self/mountinfo; %s does not exist in it", "%s は /proc/self/mountinfo のマウントポイントではない。中に %s はない", l1, ovFetch)
			}),
	},
}

var ovLayer2Step = &Step{
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
		l1 := ovLayer1Key.Value(e)
		t1, err := overlay.Tree(l1) // LAYER1 before anything touches it
		if err != nil {
			return err
		}
		l2, err := ovMakeDirs(e, "layer2", "diff", "work", "merged")
		if err != nil {
			return err
		}
		p := func(s string) string { return filepath.Join(l2, s) }
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
		ovLayer2Key.Set(e, ovLayer2{Dir: l2, Installed: created, Layer1Tree: t1})
		return nil
	},
	Checks: []Check{
		valueCheck(T("LAYER2 holds exactly what the install added: the fetch program", "LAYER2 にはインストールで増えたもの (fetch) だけがある"), ovLayer2Key, noLayer2,
			func(e *Env, l2 ovLayer2) (bool, Text) {
				tree, err := overlay.Tree(filepath.Join(l2.Dir, "diff"))
				if err != nil {
					return false, errText(err)
				}
				_, elfErr := rootfs.ReadELF("", filepath.Join(l2.Dir, "diff", ovFetch))
				if !slices.Equal(tree, l2.Installed) || elfErr != nil {
					return false, Tf("$LAYER2/diff holds %v (%v)", "$LAYER2/diff の中身は %v (%v)", tree, elfErr)
				}
				return true, Tf("$LAYER2/diff holds only %s (an ELF executable); its libraries came from LAYER1", "$LAYER2/diff にあるのは %s (ELF 実行ファイル) だけ。ライブラリは LAYER1 のものを使う", strings.Join(tree, " "))
			}),
		{
			Name: T("LAYER1 has the entries it had before the mount and no fetch, which is in $LAYER2/diff; $LAYER2/merged is no longer mounted",
				"LAYER1 のエントリはマウント前と同じで fetch はなく、fetch は $LAYER2/diff にある。$LAYER2/merged はもうマウントされていない"),
			Probe: func(e *Env) (bool, Text) {
				l1 := ovLayer1Key.Value(e)
				l2, ok := ovLayer2Key.Get(e)
				if !ok {
					return false, noLayer2
				}
				t1, _ := overlay.Tree(l1)
				_, merr := overlay.Read(filepath.Join(l2.Dir, "merged"))
				inL2 := exists(filepath.Join(l2.Dir, "diff", ovFetch))
				if !slices.Equal(t1, l2.Layer1Tree) || exists(filepath.Join(l1, ovFetch)) || !inL2 || merr == nil || exists(filepath.Join(l2.Dir, "work")) {
					return false, Tf("LAYER1 has %d entries (%d before the mount), fetch %v; in $LAYER2/diff: %v; $LAYER2/merged: %v",
						"LAYER1 のエントリ %d 個 (マウント前 %d 個)、fetch %v。$LAYER2/diff に: %v。$LAYER2/merged: %v",
						len(t1), len(l2.Layer1Tree), exists(filepath.Join(l1, ovFetch)), inL2, merr)
				}
				return true, Tf("LAYER1 still has the %d entries it had before the mount and no %s, which is in $LAYER2/diff; /proc/self/mountinfo has no overlay on $LAYER2/merged, and work and merged are gone",
					"LAYER1 のエントリはマウント前の %d 個のままで %s はなく、それは $LAYER2/diff にある。/proc/self/mountinfo に $LAYER2/merged の overlay はなく、work と merged も消えた", len(t1), ovFetch)
			},
		},
	},
}

var ovImageStep = &Step{
	ID:    "image",
	After: []string{"layer2"},
	Commands: []string{"CONTAINER=$(mktemp -d)", "mkdir $CONTAINER/{diff,work,merged}",
		"sudo mount -t overlay -o lowerdir=$LAYER2/diff:$LAYER1/diff,upperdir=$CONTAINER/diff,workdir=$CONTAINER/work overlay $CONTAINER/merged"},
	Requires: NeedsRoot,
	Why:      ovRootWhy,
	Live:     Live{Procs: []string{"nakami"}},
	Action: func(e *Env) error {
		c, err := ovMakeDirs(e, "container", "diff", "work", "merged")
		if err != nil {
			return err
		}
		p := func(s string) string { return filepath.Join(c, s) }
		if err := overlay.Mount(e.S, overlay.Spec{Lower: ovImageLower(e), Upper: p("diff"), Work: p("work"), Merged: p("merged")}); err != nil {
			return err
		}
		ovContainerKey.Set(e, c)
		return nil
	},
	Checks: []Check{
		ovMountCheck(T("mountinfo shows the image: lowerdir=LAYER2:LAYER1 under the container's upperdir", "mountinfo にイメージが載っている: コンテナの upperdir の下に lowerdir=LAYER2:LAYER1"),
			func(e *Env) (overlay.Spec, bool) {
				c, ok := ovContainerKey.Get(e)
				return overlay.Spec{Lower: ovImageLower(e), Upper: filepath.Join(c, "diff"), Merged: filepath.Join(c, "merged")}, ok
			}),
		valueCheck(T("the merged tree has both layers' files, and the container's upperdir is empty", "merged に両レイヤーのファイルがあり、コンテナの upperdir は空"), ovContainerKey, notMounted,
			func(e *Env, c string) (bool, Text) {
				m := filepath.Join(c, "merged")
				up, _ := overlay.Tree(filepath.Join(c, "diff"))
				if _, err := overlay.Read(m); err != nil || !exists(filepath.Join(m, "bin/sh")) || !exists(filepath.Join(m, ovFetch)) || len(up) != 0 {
					return false, Tf("merged: /bin/sh %v, %s %v; upper %v", "merged: /bin/sh %v、%s %v。upper %v", exists(filepath.Join(m, "bin/sh")), ovFetch, exists(filepath.Join(m, ovFetch)), up)
				}
				return true, Tf("$CONTAINER/merged has /bin/sh (from LAYER1) and %s (from LAYER2); $CONTAINER/diff is empty",
					"$CONTAINER/merged には /bin/sh (LAYER1 由来) と %s (LAYER2 由来) がある。$CONTAINER/diff は空", ovFetch)
			}),
	},
}

var ovRunStep = &Step{
	ID:    "run",
	After: []string{"image"},
	Commands: []string{"ROOTFS=$CONTAINER/merged",
		"sudo unshare -mpfun --uts chroot $ROOTFS /bin/sh -c 'mount -t proc proc /proc && ip link set lo up && (httpd -p 127.0.0.1:8080 &) && exec fetch -o /root/index.html http://127.0.0.1:8080/'",
		"cat $CONTAINER/diff/root/index.html"},
	Requires: NeedsRoot,
	Why:      ovRootWhy,
	Live:     Live{Procs: []string{"container"}},
	Action: func(e *Env) error {
		c := ovContainerKey.Value(e)
		body := fmt.Sprintf("hello from a server on the container's own loopback (nakami session %s)\n", e.S.ID)
		ovBodyKey.Set(e, body)
		_, err := e.Spawn(child.Spec{
			Role: "container", NewNS: []string{"mnt", "pid", "uts", "net"}, Hostname: "container",
			PivotRoot: filepath.Join(c, "merged"), ExecPath: rootfs.SelfPath,
			Exec:  []string{netlab.RoleServe, ovPort, body, ovFetch, "-o", ovOut, "http://127.0.0.1:" + ovPort + "/"},
			Shell: "unshare -mpfun --uts … pivot_root $ROOTFS … fetch -o " + ovOut + " http://127.0.0.1:" + ovPort + "/",
		})
		return err
	},
	Checks: []Check{
		procCheck(T("the container's root is the image overlay, in namespaces of its own", "コンテナのルートはイメージの overlay で、名前空間も専用"), "container",
			func(e *Env, c *child.Process) (bool, Text) {
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
				if !slices.Equal(info.Lower, ovImageLower(e)) || len(same) > 0 {
					return false, Tf("/proc/%d/mountinfo: %s; namespaces shared with nakami: %v", "/proc/%d/mountinfo: %s。nakami と共有している名前空間: %v", c.PID, info.Line, same)
				}
				return true, Tf("/proc/%d/mountinfo: / is %s (lowerdir %s); mnt, pid, uts and net differ from nakami's",
					"/proc/%d/mountinfo: / は %s (lowerdir %s)。mnt・pid・uts・net は nakami と異なる", c.PID, info.FSType, strings.Join(info.Lower, ":"))
			}),
		procCheck(T("fetch got the server's body over the container's own loopback", "fetch はコンテナ自身のループバック越しにサーバーの本文を受け取った"), "container",
			func(e *Env, c *child.Process) (bool, Text) {
				op, ran := netlab.EntrypointReport(c)
				got := readText(fmt.Sprintf("/proc/%d/root%s", c.PID, ovOut))
				ln, err := netlab.ListeningTCP(c.PID)
				if err != nil {
					return false, errText(err)
				}
				devs, _ := procfs.ReadNetDevs(c.PID)
				if !ran || op.Failed || got != ovBodyKey.Value(e) || !slices.Contains(ln, "127.0.0.1:"+ovPort) || !slices.Equal(devs, []string{"lo"}) {
					return false, Tf("entrypoint: %s; %s inside: %q; listening %v; interfaces %v", "エントリポイント: %s。中の %s: %q。待ち受け %v。インターフェース %v", op.Detail, ovOut, got, ln, devs)
				}
				return true, Tf("/proc/%d/net/tcp: LISTEN on %v, in a namespace whose only interface is lo; %s inside reads %q (%s)",
					"/proc/%d/net/tcp: %v で LISTEN。インターフェースは lo だけ。中の %s は %q (%s)", c.PID, ln, ovOut, strings.TrimSpace(got), op.Detail)
			}),
		{
			Name: T("the container's write landed in its upperdir, not in the layers", "コンテナの書き込みは upperdir に入り、レイヤーには入っていない"),
			Probe: func(e *Env) (bool, Text) {
				c, cok := ovContainerKey.Get(e)
				l2, l2ok := ovLayer2Key.Get(e)
				l1 := ovLayer1Key.Value(e)
				if !cok || !l2ok {
					return false, notMounted
				}
				got := readText(filepath.Join(c, "diff", ovOut))
				t1, _ := overlay.Tree(l1)
				t2, _ := overlay.Tree(filepath.Join(l2.Dir, "diff"))
				if got != ovBodyKey.Value(e) || exists(filepath.Join(l1, ovOut)) || exists(filepath.Join(l2.Dir, "diff", ovOut)) ||
					!slices.Equal(t1, l2.Layer1Tree) || !slices.Equal(t2, l2.Installed) {
					return false, Tf("$CONTAINER/diff%s: %q; LAYER1 %d entries, LAYER2 %d", "$CONTAINER/diff%s: %q。LAYER1 %d 個、LAYER2 %d 個", ovOut, got, len(t1), len(t2))
				}
				return true, Tf("$CONTAINER/diff%s holds the %d bytes; LAYER1 (%d entries) and LAYER2 (%d) are as they were, with no %s",
					"$CONTAINER/diff%s に %d バイトがある。LAYER1 (%d 個) と LAYER2 (%d 個) は元のままで %s はない", ovOut, len(got), len(t1), len(t2), ovOut)
			},
		},
	},
}
