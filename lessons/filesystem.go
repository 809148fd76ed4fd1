package lessons

// The filesystem lesson: rows 28–32 of the article map. Every check reads
// the kernel: the /proc/PID/root link, the root line of /proc/PID/mountinfo,
// /proc/PID/status, files seen through /proc/PID/root, and what the escape
// program (a real process, chrooted) reported about its own system calls.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"nakami/engine/child"
	"nakami/engine/procfs"
	"nakami/engine/rootfs"
)

const capSysChroot = 18 // CAP_SYS_CHROOT, capabilities(7)

var fsRootWhy = T("chroot(2) needs CAP_SYS_CHROOT and pivot_root(2) CAP_SYS_ADMIN, and this step is about what root, holding them in the initial user namespace, can and cannot escape.",
	"chroot(2) には CAP_SYS_CHROOT、pivot_root(2) には CAP_SYS_ADMIN が必要です。このステップは、初期ユーザー名前空間でそれらを持つ root が何から抜け出せて何から抜け出せないかを扱います。")

var _ = register(&Lesson{
	ID: "filesystem",
	Steps: []*Step{
		{
			ID:       "root",
			Commands: []string{"ls -l /proc/$$/root", `awk '$5 == "/"' /proc/$$/mountinfo`},
			Live:     Live{Procs: []string{"shell"}},
			Action: func(e *Env) error {
				c, err := e.Spawn(child.Spec{Role: "shell", Shell: "sh"})
				if err != nil {
					return err
				}
				if err := e.S.T.Do(fmt.Sprintf("readlink(\"/proc/%d/root\")", c.PID), fmt.Sprintf("ls -l /proc/%d/root", c.PID),
					func() error { _, err := procfs.ReadRoot(c.PID); return err }); err != nil {
					return err
				}
				return e.S.T.Do(fmt.Sprintf("read(\"/proc/%d/mountinfo\")", c.PID), fmt.Sprintf(`awk '$5 == "/"' /proc/%d/mountinfo`, c.PID),
					func() error { _, err := rootfs.RootMount(c.PID); return err })
			},
			Checks: []Check{
				{
					Name: T("the process's root directory is /", "プロセスのルートディレクトリは /"),
					Probe: func(e *Env) (bool, Text) {
						c := e.Child("shell")
						if c == nil {
							return false, T("no process is running yet", "まだプロセスがありません")
						}
						root, err := procfs.ReadRoot(c.PID)
						if err != nil {
							return false, errText(err)
						}
						if root != "/" {
							return false, Tf("/proc/%d/root -> %s", "/proc/%d/root -> %s", c.PID, root)
						}
						return true, Tf("/proc/%d/root -> /", "/proc/%d/root -> /", c.PID)
					},
				},
				{
					Name: T("the mount on / is the whole of the machine's root file system", "/ のマウントはマシンのルートファイルシステム全体"),
					Probe: func(e *Env) (bool, Text) {
						c := e.Child("shell")
						if c == nil {
							return false, T("no process is running yet", "まだプロセスがありません")
						}
						m, err := rootfs.RootMount(c.PID)
						if err != nil {
							return false, errText(err)
						}
						line := fmt.Sprintf("%d %d %d:%d %s %s %s - %s %s", m.ID, m.Parent, m.Major, m.Minor, m.Root, m.Mountpoint, m.Options, m.FSType, m.Source)
						if m.Root != "/" {
							return false, Tf("the root line shows only %s of its file system: %s", "root の行はファイルシステムの %s だけを見せています: %s", m.Root, line)
						}
						return true, Tf("/proc/%d/mountinfo: %s", "/proc/%d/mountinfo: %s", c.PID, line)
					},
				},
			},
		},
		{
			ID:       "chroot",
			After:    []string{"root"},
			Commands: []string{"ROOTFS=$(mktemp -d)", "cp -a /bin /lib /lib64 $ROOTFS", "sudo chroot $ROOTFS /bin/sh", "ls -l /", "cat /etc/passwd"},
			Requires: NeedsRoot,
			Why:      fsRootWhy,
			Live:     Live{Procs: []string{"jail"}},
			Action: func(e *Env) error {
				r, err := buildRootfs(e)
				if err != nil {
					return err
				}
				if _, err := e.Spawn(child.Spec{Role: "jail", Chroot: r.Path, Shell: "sudo chroot $ROOTFS /bin/sh"}); err != nil {
					return err
				}
				if _, err := rootfs.RunIn(e.S.T, r.Path, "/bin/ls", "-l", "/"); err != nil {
					return err
				}
				rootfs.RunIn(e.S.T, r.Path, "/bin/cat", "/etc/passwd") // the made-up one
				return nil
			},
			Checks: []Check{
				{
					Name: T("the process's root directory is the root filesystem", "プロセスのルートディレクトリはルートファイルシステム"),
					Probe: func(e *Env) (bool, Text) {
						c, rootDir := e.Child("jail"), e.Values["rootfs"]
						if c == nil || rootDir == "" {
							return false, T("nothing is chrooted yet", "まだ何も chroot していません")
						}
						root, err := procfs.ReadRoot(c.PID)
						if err != nil {
							return false, errText(err)
						}
						if root != rootDir {
							return false, Tf("/proc/%d/root -> %s, not %s", "/proc/%d/root -> %s (%s ではありません)", c.PID, root, rootDir)
						}
						return true, Tf("/proc/%d/root -> %s", "/proc/%d/root -> %s", c.PID, root)
					},
				},
				{
					Name: T("/etc/passwd inside is not the host's", "中の /etc/passwd はホストのものではない"),
					Probe: func(e *Env) (bool, Text) {
						c := e.Child("jail")
						if c == nil {
							return false, T("nothing is chrooted yet", "まだ何も chroot していません")
						}
						p := fmt.Sprintf("/proc/%d/root/etc/passwd", c.PID)
						inside, err := os.ReadFile(p)
						if err != nil {
							return false, errText(err)
						}
						host, err := os.ReadFile("/etc/passwd")
						if err != nil {
							return false, errText(err)
						}
						if string(inside) == string(host) {
							return false, Tf("%s is the host's /etc/passwd (%d lines)", "%s はホストの /etc/passwd と同じ (%d 行)", p, lines(host))
						}
						return true, Tf("%s has %d lines (users %s); the host's /etc/passwd has %d",
							"%s は %d 行 (ユーザー %s)。ホストの /etc/passwd は %d 行", p, lines(inside), users(inside), lines(host))
					},
				},
				{
					Name: T("a shell started in the root filesystem sees only its entries", "ルートファイルシステムで起動したシェルにはその中身しか見えない"),
					Probe: func(e *Env) (bool, Text) {
						c, rootDir := e.Child("jail"), e.Values["rootfs"]
						if c == nil || rootDir == "" {
							return false, T("nothing is chrooted yet", "まだ何も chroot していません")
						}
						out, err := rootfs.RunIn(nil, rootDir, "/bin/sh", "-c", "cd / && echo *")
						if err != nil {
							return false, errText(err)
						}
						seen := strings.Fields(out)
						jail := dirNames(fmt.Sprintf("/proc/%d/root", c.PID))
						host := dirNames("/")
						var hidden []string
						for _, h := range host {
							if !slices.Contains(seen, h) {
								hidden = append(hidden, h)
							}
						}
						if !slices.Equal(seen, jail) || len(hidden) == 0 {
							return false, Tf("the shell listed %v; /proc/%d/root lists %v", "シェルの一覧は %v、/proc/%d/root の一覧は %v", seen, c.PID, jail)
						}
						return true, Tf("the chrooted shell lists %s, as /proc/%d/root does; %d host entries (e.g. %s) are out of reach",
							"chroot したシェルの一覧は %s で /proc/%d/root と同じ。ホストの %d 個のエントリ (例 %s) には届かない",
							strings.Join(seen, " "), c.PID, len(hidden), strings.Join(hidden[:min(3, len(hidden))], ", "))
					},
				},
			},
		},
		{
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
				{
					Name: T("the escaped process read the canary that lies outside the root filesystem", "脱出したプロセスはルートファイルシステムの外のカナリアを読んだ"),
					Probe: func(e *Env) (bool, Text) {
						c := e.Child("escaped")
						if c == nil {
							return false, T("no escape has run yet", "まだ脱出プログラムを実行していません")
						}
						rep := rootfs.EscapeReport(c)
						want, err := os.ReadFile(e.Values["canary"])
						if err != nil {
							return false, errText(err)
						}
						if !rep.Escaped || rep.Canary != strings.TrimSpace(string(want)) {
							return false, Tf("the escape reported chroot %q, read %q (%s)", "脱出プログラムの報告: chroot %q、読んだ内容 %q (%s)", rep.ChrootErr, rep.Canary, rep.ReadErr)
						}
						return true, Tf("process %[1]d, chrooted, read %[2]s after chdir(\"..\") ×%[3]d and chroot(\".\"): %[4]q",
							"chroot されたプロセス %[1]d が chdir(\"..\") ×%[3]d と chroot(\".\") の後に %[2]s を読んだ: %[4]q", c.PID, e.Values["canary"], rootfs.EscapeDepth, rep.Canary)
					},
				},
				{
					Name: T("the escaped process's root directory is / again", "脱出したプロセスのルートディレクトリは再び /"),
					Probe: func(e *Env) (bool, Text) {
						c, rootDir := e.Child("escaped"), e.Values["rootfs"]
						if c == nil {
							return false, T("no escape has run yet", "まだ脱出プログラムを実行していません")
						}
						root, err := procfs.ReadRoot(c.PID)
						if err != nil {
							return false, errText(err)
						}
						through := fmt.Sprintf("/proc/%d/root%s", c.PID, e.Values["canary"])
						_, serr := os.Stat(through)
						if root != "/" || !chrootedFirst(c, rootDir) || serr != nil {
							return false, Tf("/proc/%d/root -> %s; %s: %v", "/proc/%d/root -> %s。%s: %v", c.PID, root, through, serr)
						}
						return true, Tf("the process was chrooted into %s, and now /proc/%d/root -> /; %s exists",
							"プロセスは %s に chroot されていたが、今は /proc/%d/root -> /。%s が存在する", rootDir, c.PID, through)
					},
				},
			},
		},
		{
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
				{
					Name: T("CAP_SYS_CHROOT is gone from the effective and bounding sets, and only it", "実効セットとバウンディングセットから CAP_SYS_CHROOT だけが消えている"),
					Probe: func(e *Env) (bool, Text) {
						c := e.Child("capless")
						if c == nil {
							return false, T("no process has dropped the capability yet", "まだ権限を落としたプロセスがありません")
						}
						st, err := procfs.ReadStatus(c.PID)
						if err != nil {
							return false, errText(err)
						}
						own, err := procfs.ReadStatus(os.Getpid())
						if err != nil {
							return false, errText(err)
						}
						const bit = uint64(1) << capSysChroot
						detail := Tf("/proc/%d/status: CapEff %016x, CapBnd %016x (nakami's own CapBnd %016x)",
							"/proc/%d/status: CapEff %016x、CapBnd %016x (nakami 自身の CapBnd は %016x)", c.PID, st.CapEff, st.CapBnd, own.CapBnd)
						if st.CapEff&bit != 0 || st.CapBnd != own.CapBnd&^bit || own.CapBnd&bit == 0 {
							return false, detail
						}
						return true, T(detail.EN+fmt.Sprintf(": bit %d, cap_sys_chroot, is the only difference", capSysChroot),
							detail.JA+fmt.Sprintf(": 違いはビット %d の cap_sys_chroot だけ", capSysChroot))
					},
				},
				{
					Name: T("the escape's chroot call failed with EPERM", "脱出プログラムの chroot は EPERM で失敗した"),
					Probe: func(e *Env) (bool, Text) {
						c := e.Child("capless")
						if c == nil {
							return false, T("no process has dropped the capability yet", "まだ権限を落としたプロセスがありません")
						}
						rep := rootfs.EscapeReport(c)
						if rep.ChrootErr != "EPERM" || rep.Canary != "" {
							return false, Tf("the escape reported chroot %q and read %q", "脱出プログラムの報告: chroot %q、読んだ内容 %q", rep.ChrootErr, rep.Canary)
						}
						return true, Tf("process %d: chroot(\".nakami-escape\") = -1 EPERM (Operation not permitted); the canary was never opened",
							"プロセス %d: chroot(\".nakami-escape\") = -1 EPERM (Operation not permitted)。カナリアは開かれていない", c.PID)
					},
				},
				{
					Name: T("the process is still inside the root filesystem", "プロセスはまだルートファイルシステムの中にいる"),
					Probe: func(e *Env) (bool, Text) {
						c, rootDir := e.Child("capless"), e.Values["rootfs"]
						if c == nil {
							return false, T("no process has dropped the capability yet", "まだ権限を落としたプロセスがありません")
						}
						root, err := procfs.ReadRoot(c.PID)
						if err != nil {
							return false, errText(err)
						}
						if root != rootDir {
							return false, Tf("/proc/%d/root -> %s", "/proc/%d/root -> %s", c.PID, root)
						}
						return true, Tf("/proc/%d/root -> %s", "/proc/%d/root -> %s", c.PID, root)
					},
				},
			},
		},
		{
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
				{
					Name: T("the root mount is the root filesystem and the old root is unmounted", "ルートのマウントはルートファイルシステムで、古いルートはアンマウントされている"),
					Probe: func(e *Env) (bool, Text) {
						c, rootDir := e.Child("pivoted"), e.Values["rootfs"]
						if c == nil || rootDir == "" {
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
					},
				},
				{
					Name: T("the same escape finds no canary", "同じ脱出プログラムでもカナリアは見つからない"),
					Probe: func(e *Env) (bool, Text) {
						c := e.Child("pivoted")
						if c == nil {
							return false, T("nothing has pivoted yet", "まだ pivot_root していません")
						}
						rep := rootfs.EscapeReport(c)
						if !rep.Escaped || rep.ReadErr != "ENOENT" {
							return false, Tf("the escape reported chroot %q, escaped %v, read %q (%s)", "脱出プログラムの報告: chroot %q、脱出 %v、読んだ内容 %q (%s)", rep.ChrootErr, rep.Escaped, rep.Canary, rep.ReadErr)
						}
						return true, Tf("process %d: every chroot worked, yet open(%q) = -1 ENOENT: above the new root there is nothing",
							"プロセス %d: chroot はすべて成功したが open(%q) = -1 ENOENT。新しいルートの上には何もない", c.PID, e.Values["canary"])
					},
				},
				{
					Name: T("the canary cannot be reached through /proc/PID/root", "/proc/PID/root からもカナリアには届かない"),
					Probe: func(e *Env) (bool, Text) {
						c := e.Child("pivoted")
						if c == nil {
							return false, T("nothing has pivoted yet", "まだ pivot_root していません")
						}
						canary := e.Values["canary"]
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
					},
				},
			},
		},
	},
	KeepHelp: func(e *Env) Text {
		var b strings.Builder
		if r := e.Values["rootfs"]; r != "" {
			fmt.Fprintf(&b, "  rootDir          ls -l %s;  sudo chroot %s /bin/sh\n", r, r)
		}
		for _, role := range []string{"jail", "escaped", "capless", "pivoted"} {
			if c := e.Child(role); c != nil {
				fmt.Fprintf(&b, "  %-15s ls -l /proc/%d/root;  grep CapBnd /proc/%d/status;  cat /proc/%d/mountinfo\n", role, c.PID, c.PID, c.PID)
			}
		}
		return T("Left for you to look at:\n"+b.String()+"Remove them with: nakami cleanup\n",
			"確認用に残したもの:\n"+b.String()+"削除するには: nakami cleanup\n")
	},
})

// buildRootfs builds (once per session) the lesson's root filesystem.
func buildRootfs(e *Env) (*rootfs.Root, error) {
	r, err := rootfs.Build(e.S, "filesystem", rootfs.Options{})
	if err != nil {
		return nil, err
	}
	e.Values["rootfs"] = r.Path
	return r, nil
}

// spawnEscape writes the canary and starts the escape program under role,
// with its root arranged by setup.
func spawnEscape(e *Env, role string, setup func(*child.Spec, string)) error {
	r, err := buildRootfs(e)
	if err != nil {
		return err
	}
	canary, _, err := rootfs.WriteCanary(e.S)
	if err != nil {
		return err
	}
	e.Values["canary"] = canary
	spec := child.Spec{Role: role, Exec: []string{rootfs.ArgEscape, canary}, ExecPath: r.Self}
	setup(&spec, r.Path)
	_, err = e.Spawn(spec)
	return err
}

// chrootedFirst: the child reported its chroot into rootDir (so the process
// now at / really started in the jail).
func chrootedFirst(c *child.Process, rootDir string) bool {
	for _, op := range c.Ops {
		if strings.HasPrefix(op.Call, fmt.Sprintf("chroot(%q)", rootDir)) && !op.Failed {
			return true
		}
	}
	return false
}

func lines(b []byte) int { return strings.Count(string(b), "\n") }

// users lists the user names of a passwd file.
func users(b []byte) string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if name, _, ok := strings.Cut(l, ":"); ok {
			out = append(out, name)
		}
	}
	return strings.Join(out, ",")
}

// dirNames lists a directory's visible entries, sorted, as `echo *` would.
func dirNames(dir string) []string {
	ents, _ := os.ReadDir(dir)
	var out []string
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), ".") {
			out = append(out, e.Name())
		}
	}
	return out
}
