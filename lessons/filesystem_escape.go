package lessons

// filesystem/escape, drop-cap and pivot-root (rows 30–32 of the article
// map): the chroot escape run for real, the same escape refused once
// CAP_SYS_CHROOT is dropped, and finding nothing above a root changed with
// pivot_root(2).

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"nakami/engine/child"
	"nakami/engine/procfs"
	"nakami/engine/rootfs"
)

var fsEscapeStep = &Step{
	ID:       "escape",
	After:    []string{"chroot"},
	Commands: []string{"gcc -Wall -o escape-chroot escape-chroot.c", "cp escape-chroot $ROOTFS", "sudo chroot $ROOTFS /bin/sh", "./escape-chroot cat $CANARY"},
	Requires: NeedsRoot,
	Why:      fsRootWhy,
	Live:     Live{Procs: []string{"escaped"}},
	Action: func(e *Env) error {
		return spawnEscape(e, "escaped", func(spec *child.Spec, rootDir string) {
			spec.Chroot = rootDir
			spec.Shell = "sudo chroot $ROOTFS ./escape-chroot cat " + spec.Exec[1]
		})
	},
	Checks: []Check{
		procCheck(T("the process, jailed in the root filesystem when it started, holds the canary outside it open",
			"起動時にルートファイルシステムに閉じ込められていたプロセスが、その外のカナリアを開いている"), "escaped",
			func(e *Env, c *child.Process) (bool, Text) {
				canary := fsCanaryKey.Value(e)
				jailed, first := jailedFirst(e, "escaped", fsRootfsKey.Value(e))
				_, holds, err := escapeRan(e, c)
				if err != nil {
					return false, errText(err)
				}
				if !first || !holds {
					return false, Tf("before the escape /proc/%[1]d/root -> %[2]q; %[3]s open in /proc/%[1]d/fd: %[4]v", "脱出前の /proc/%[1]d/root -> %[2]q。/proc/%[1]d/fd で %[3]s が開かれている: %[4]v", c.PID, jailed, canary, holds)
				}
				return true, Tf("before the escape /proc/%[1]d/root -> %[2]s; after chdir(\"..\") ×%[3]d and chroot(\".\"), /proc/%[1]d/fd has %[4]s open",
					"脱出前の /proc/%[1]d/root -> %[2]s。chdir(\"..\") ×%[3]d と chroot(\".\") の後、/proc/%[1]d/fd で %[4]s が開かれている", c.PID, jailed, rootfs.EscapeDepth, canary)
			}),
		procCheck(T("the process's root directory, the root filesystem before the escape, is / after it", "プロセスのルートディレクトリは脱出前はルートファイルシステム、脱出後は /"), "escaped",
			func(e *Env, c *child.Process) (bool, Text) {
				rootDir := fsRootfsKey.Value(e)
				root, err := procfs.ReadRoot(c.PID)
				if err != nil {
					return false, errText(err)
				}
				jailed, first := jailedFirst(e, "escaped", rootDir)
				through := fmt.Sprintf("/proc/%d/root%s", c.PID, fsCanaryKey.Value(e))
				_, serr := os.Stat(through)
				if root != "/" || !first || serr != nil {
					return false, Tf("/proc/%d/root -> %q before the escape, %s after; %s: %v", "/proc/%d/root は脱出前 %q、脱出後 %s。%s: %v", c.PID, jailed, root, through, serr)
				}
				return true, Tf("/proc/%d/root -> %s before the escape, / after it; %s exists",
					"/proc/%d/root は脱出前 %s、脱出後 /。%s が存在する", c.PID, rootDir, through)
			}),
	},
}

var fsDropCapStep = &Step{
	ID:       "drop-cap",
	After:    []string{"chroot"},
	Commands: []string{"sudo capsh --chroot=$ROOTFS --drop=cap_sys_chroot --", "./escape-chroot cat $CANARY"},
	Requires: NeedsRoot,
	Why:      fsRootWhy,
	Live:     Live{Procs: []string{"capless"}},
	Action: func(e *Env) error {
		return spawnEscape(e, "capless", func(spec *child.Spec, rootDir string) {
			spec.Chroot = rootDir
			spec.DropCaps = []string{"cap_sys_chroot"}
			spec.Shell = "sudo capsh --chroot=$ROOTFS --drop=cap_sys_chroot -- -c './escape-chroot cat " + spec.Exec[1] + "'"
		})
	},
	Checks: []Check{
		statusCheck(T("CAP_SYS_CHROOT is gone from the effective and bounding sets, and only it", "実効セットとバウンディングセットから CAP_SYS_CHROOT だけが消えている"), "capless",
			func(e *Env, st procfs.Status) (bool, Text) {
				own, err := procfs.ReadStatus(os.Getpid())
				if err != nil {
					return false, errText(err)
				}
				const bit = uint64(1) << capSysChroot
				detail := Tf("CapEff %016x, CapBnd %016x (nakami's own CapBnd %016x)",
					"CapEff %016x、CapBnd %016x (nakami 自身の CapBnd は %016x)", st.CapEff, st.CapBnd, own.CapBnd)
				if st.CapEff&bit != 0 || st.CapBnd != own.CapBnd&^bit || own.CapBnd&bit == 0 {
					return false, detail
				}
				return true, T(detail.EN+fmt.Sprintf(": bit %d, cap_sys_chroot, is the only difference", capSysChroot),
					detail.JA+fmt.Sprintf(": 違いはビット %d の cap_sys_chroot だけ", capSysChroot))
			}),
		procCheck(T("the escape ran inside and got nowhere: it made .nakami-escape in the root filesystem, its working directory is still there, and it holds no canary open",
			"脱出プログラムは中で動いたが何も得られなかった: ルートファイルシステムに .nakami-escape を作り、作業ディレクトリはまだそこにあり、カナリアを開いていない"), "capless",
			func(e *Env, c *child.Process) (bool, Text) {
				rootDir := fsRootfsKey.Value(e)
				ran, holds, err := escapeRan(e, c)
				if err != nil {
					return false, errText(err)
				}
				cwd, _ := os.Readlink(fmt.Sprintf("/proc/%d/cwd", c.PID))
				if !ran || holds || cwd != rootDir {
					return false, Tf("%s/.nakami-escape made: %v; /proc/%d/cwd -> %s; canary open: %v", "%s/.nakami-escape の作成: %v。/proc/%d/cwd -> %s。カナリアを開いている: %v", rootDir, ran, c.PID, cwd, holds)
				}
				errno := "no errno reported"
				if op, ok := failedWith(e, `chroot(".nakami-escape")`, "EPERM"); ok {
					errno = "the escape reported " + op.Outcome
				}
				return true, Tf("%s/.nakami-escape exists; /proc/%d/cwd -> %s; /proc/%d/fd holds no canary (%s)",
					"%s/.nakami-escape がある。/proc/%d/cwd -> %s。/proc/%d/fd にカナリアはない (%s)", rootDir, c.PID, cwd, c.PID, errno)
			}),
		rootCheck(T("the process is still inside the root filesystem", "プロセスはまだルートファイルシステムの中にいる"), "capless",
			fsRootfsKey.Value),
	},
}

var fsPivotRootStep = &Step{
	ID:    "pivot-root",
	After: []string{"chroot"},
	Commands: []string{"NEW_ROOT=$ROOTFS", "mkdir $NEW_ROOT/{.put_old,proc}",
		"unshare -mpf /bin/sh -c 'mount --make-rprivate / && mount --bind $NEW_ROOT $NEW_ROOT && mount -t proc proc $NEW_ROOT/proc && pivot_root $NEW_ROOT $NEW_ROOT/.put_old && umount -l /.put_old && rmdir /.put_old && cd / && exec /bin/sh'",
		"./escape-chroot cat $CANARY"},
	Requires: NeedsRoot,
	Why:      fsRootWhy,
	Live:     Live{Procs: []string{"pivoted"}},
	Action: func(e *Env) error {
		return spawnEscape(e, "pivoted", func(spec *child.Spec, rootDir string) {
			spec.NewNS = []string{"mnt", "pid"}
			spec.PivotRoot = rootDir
			spec.Shell = "unshare -mpf /bin/sh -c '… pivot_root … && exec ./escape-chroot cat " + spec.Exec[1] + "'"
		})
	},
	Checks: []Check{
		procCheck(T("the root mount is the root filesystem and the old root is unmounted", "ルートのマウントはルートファイルシステムで、古いルートはアンマウントされている"), "pivoted",
			func(e *Env, c *child.Process) (bool, Text) {
				rootDir, ok := fsRootfsKey.Get(e)
				if !ok {
					return false, T("nothing has pivoted yet", "まだ pivot_root していません")
				}
				m, err := rootfs.RootMount(c.PID)
				if err != nil {
					return false, errText(err)
				}
				ms, err := procfs.ReadMounts(c.PID)
				if err != nil {
					return false, errText(err)
				}
				var points []string
				for _, x := range ms {
					points = append(points, x.Mountpoint+" ("+x.FSType+")")
				}
				if m.Root == "/" || !strings.HasSuffix(rootDir, m.Root) || len(ms) != 2 {
					return false, Tf("/proc/%d/mountinfo: / shows %s; mounts %v", "/proc/%d/mountinfo: / は %s を見せている。マウント %v", c.PID, m.Root, points)
				}
				return true, Tf("/proc/%d/mountinfo: / is %s of %s, and the only mounts are %s",
					"/proc/%d/mountinfo: / は %s 上の %s。マウントは %s だけ", c.PID, m.Root, m.Source, strings.Join(points, ", "))
			}),
		procCheck(T("the same escape ran inside the new root and opened no canary: .nakami-escape is in the root filesystem, /proc/PID/fd holds no canary",
			"同じ脱出プログラムが新しいルートの中で動いてもカナリアは開けない: .nakami-escape はルートファイルシステムにあり、/proc/PID/fd にカナリアはない"), "pivoted",
			func(e *Env, c *child.Process) (bool, Text) {
				ran, holds, err := escapeRan(e, c)
				if err != nil {
					return false, errText(err)
				}
				m, merr := rootfs.RootMount(c.PID)
				if merr != nil {
					return false, errText(merr)
				}
				if !ran || holds || m.Root == "/" {
					return false, Tf(".nakami-escape made: %v; canary open: %v; / of /proc/%d/mountinfo shows %s", ".nakami-escape の作成: %v。カナリアを開いている: %v。/proc/%d/mountinfo の / は %s", ran, holds, c.PID, m.Root)
				}
				return true, Tf("process %d (root mount %s) made .nakami-escape and walked up, yet /proc/%d/fd holds no %s: above the new root there is nothing",
					"プロセス %d (ルートのマウント %s) は .nakami-escape を作って上へたどったが、/proc/%d/fd に %s はない。新しいルートの上には何もない", c.PID, m.Root, c.PID, fsCanaryKey.Value(e))
			}),
		procCheck(T("the canary cannot be reached through /proc/PID/root", "/proc/PID/root からもカナリアには届かない"), "pivoted",
			func(e *Env, c *child.Process) (bool, Text) {
				canary := fsCanaryKey.Value(e)
				if _, err := os.Stat(canary); err != nil {
					return false, errText(err)
				}
				root, err := procfs.ReadRoot(c.PID)
				if err != nil {
					return false, errText(err)
				}
				through := fmt.Sprintf("/proc/%d/root%s", c.PID, canary)
				_, serr := os.Stat(through)
				passwd, perr := os.ReadFile(fmt.Sprintf("/proc/%d/root/etc/passwd", c.PID))
				if root != "/" || !errors.Is(serr, fs.ErrNotExist) || perr != nil || users(passwd) != "root,nobody" {
					return false, Tf("/proc/%d/root -> %s; %s: %v", "/proc/%d/root -> %s。%s: %v", c.PID, root, through, serr)
				}
				return true, Tf("/proc/%d/root -> / (its own); %s does not exist there, though the file is on the host; its /etc/passwd lists %s",
					"/proc/%d/root -> / (自分の /)。ホストにはファイルがあるのに %s は存在しない。/etc/passwd のユーザーは %s", c.PID, through, users(passwd))
			}),
	},
}
