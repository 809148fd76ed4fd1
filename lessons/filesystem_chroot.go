package lessons

// filesystem/root and chroot (rows 28–29 of the article map): where a
// process's root is, and a shell chrooted into a root filesystem that holds
// only what was copied into it.

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"syscall"

	"nakami/engine/child"
	"nakami/engine/procfs"
	"nakami/engine/rootfs"
)

var fsRootStep = &Step{
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
		rootCheck(T("the process's root directory is /", "プロセスのルートディレクトリは /"), "shell",
			func(*Env) string { return "/" }),
		procCheck(T("the mount on / is the whole of the machine's root file system", "/ のマウントはマシンのルートファイルシステム全体"), "shell",
			func(e *Env, c *child.Process) (bool, Text) {
				m, err := rootfs.RootMount(c.PID)
				if err != nil {
					return false, errText(err)
				}
				line := fmt.Sprintf("%d %d %d:%d %s %s %s - %s %s", m.ID, m.Parent, m.Major, m.Minor, m.Root, m.Mountpoint, m.Options, m.FSType, m.Source)
				if m.Root != "/" {
					return false, Tf("the root line shows only %s of its file system: %s", "root の行はファイルシステムの %s だけを見せています: %s", m.Root, line)
				}
				return true, Tf("/proc/%d/mountinfo: %s", "/proc/%d/mountinfo: %s", c.PID, line)
			}),
	},
}

var fsChrootStep = &Step{
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
		rootCheck(T("the process's root directory is the root filesystem", "プロセスのルートディレクトリはルートファイルシステム"), "jail",
			fsRootfsKey.Value),
		procCheck(T("/etc/passwd inside is not the host's", "中の /etc/passwd はホストのものではない"), "jail",
			func(e *Env, c *child.Process) (bool, Text) {
				p := fmt.Sprintf("/proc/%d/root/etc/passwd", c.PID)
				inside, err := os.ReadFile(p)
				if err != nil {
					return false, errText(err)
				}
				host, err := os.ReadFile("/etc/passwd")
				if err != nil {
					return false, errText(err)
				}
				// The same file, not the same text: a small host's own
				// /etc/passwd may read exactly like the made-up one.
				fi, ierr := os.Stat(p)
				hi, herr := os.Stat("/etc/passwd")
				if ierr != nil || herr != nil {
					return false, errText(errors.Join(ierr, herr))
				}
				if os.SameFile(fi, hi) {
					return false, Tf("%s is the host's /etc/passwd (the same inode, %d lines)", "%s はホストの /etc/passwd そのもの(同じ inode、%d 行)", p, lines(host))
				}
				return true, Tf("%s is another file (inode %d, not the host's %d): %d lines (users %s); the host's /etc/passwd has %d",
					"%s は別のファイル(inode %d。ホストのは %d): %d 行 (ユーザー %s)。ホストの /etc/passwd は %d 行", p, inode(fi), inode(hi), lines(inside), users(inside), lines(host))
			}),
		procCheck(T("a shell started in the root filesystem sees only its entries", "ルートファイルシステムで起動したシェルにはその中身しか見えない"), "jail",
			func(e *Env, c *child.Process) (bool, Text) {
				rootDir, ok := fsRootfsKey.Get(e)
				if !ok {
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
			}),
	},
}

// inode is a file's inode number as stat(2) gave it.
func inode(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Ino
	}
	return 0
}
