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
		procCheck(T("the escaped process read the canary that lies outside the root filesystem", "脱出したプロセスはルートファイルシステムの外のカナリアを読んだ"), "escaped",
			func(e *Env, c *child.Process) (bool, Text) {
				rep := rootfs.EscapeReport(c)
				canary := fsCanaryKey.Value(e)
				want, err := os.ReadFile(canary)
				if err != nil {
					return false, errText(err)
				}
				if !rep.Escaped || rep.Canary != strings.TrimSpace(string(want)) {
					return false, Tf("the escape reported chroot %q, read %q (%s)", "脱出プログラムの報告: chroot %q、読んだ内容 %q (%s)", rep.ChrootErr, rep.Canary, rep.ReadErr)
				}
				return true, Tf("process %[1]d, chrooted, read %[2]s after chdir(\"..\") ×%[3]d and chroot(\".\"): %[4]q",
					"chroot されたプロセス %[1]d が chdir(\"..\") ×%[3]d と chroot(\".\") の後に %[2]s を読んだ: %[4]q", c.PID, canary, rootfs.EscapeDepth, rep.Canary)
			}),
		procCheck(T("the escaped process's root directory is / again", "脱出したプロセスのルートディレクトリは再び /"), "escaped",
			func(e *Env, c *child.Process) (bool, Text) {
				rootDir := fsRootfsKey.Value(e)
				root, err := procfs.ReadRoot(c.PID)
				if err != nil {
					return false, errText(err)
				}
				through := fmt.Sprintf("/proc/%d/root%s", c.PID, fsCanaryKey.Value(e))
				_, serr := os.Stat(through)
				if root != "/" || !chrootedFirst(c, rootDir) || serr != nil {
					return false, Tf("/proc/%d/root -> %s; %s: %v", "/proc/%d/root -> %s。%s: %v", c.PID, root, through, serr)
				}
				return true, Tf("the process was chrooted into %s, and now /proc/%d/root -> /; %s exists",
					"プロセスは %s に chroot されていたが、今は /proc/%d/root -> /。%s が存在する", rootDir, c.PID, through)
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
		procCheck(T("the escape's chroot call failed with EPERM", "脱出プログラムの chroot は EPERM で失敗した"), "capless",
			func(e *Env, c *child.Process) (bool, Text) {
				rep := rootfs.EscapeReport(c)
				if rep.ChrootErr != "EPERM" || rep.Canary != "" {
					return false, Tf("the escape reported chroot %q and read %q", "脱出プログラムの報告: chroot %q、読んだ内容 %q", rep.ChrootErr, rep.Canary)
				}
				return true, Tf("process %d: chroot(\".nakami-escape\") = -1 EPERM (Operation not permitted); the canary was never opened",
					"プロセス %d: chroot(\".nakami-escape\") = -1 EPERM (Operation not permitted)。カナリアは開かれていない", c.PID)
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
		procCheck(T("the same escape finds no canary", "同じ脱出プログラムでもカナリアは見つからない"), "pivoted",
			func(e *Env, c *child.Process) (bool, Text) {
				rep := rootfs.EscapeReport(c)
				if !rep.Escaped || rep.ReadErr != "ENOENT" {
					return false, Tf("the escape reported chroot %q, escaped %v, read %q (%s)", "脱出プログラムの報告: chroot %q、脱出 %v、読んだ内容 %q (%s)", rep.ChrootErr, rep.Escaped, rep.Canary, rep.ReadErr)
				}
				return true, Tf("process %d: every chroot worked, yet open(%q) = -1 ENOENT: above the new root there is nothing",
					"プロセス %d: chroot はすべて成功したが open(%q) = -1 ENOENT。新しいルートの上には何もない", c.PID, fsCanaryKey.Value(e))
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
