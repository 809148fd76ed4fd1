package lessons

// first-container/cleanup (article map row 7): the shell exits, and with
// PID 1 gone the kernel ends its PID namespace; then the cgroup and the
// root filesystem are removed, and stat(2) proves each is gone.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"nakami/engine"
	"nakami/engine/procfs"
)

// fcGoneKey holds the host PID of the shell the cleanup step ended.
var fcGoneKey = newKey[int]("first-container/gone-pid")

// fcGoneDirsKey holds the directories of the cgroup the cleanup step
// removed, one per hierarchy.
var fcGoneDirsKey = newKey[[]string]("first-container/gone-cgroup-dirs")

var fcCleanupStep = &Step{
	ID:    "cleanup",
	After: []string{"run"},
	Commands: []string{
		"exit   # inside the container: PID 1 ends, and the kernel kills what is left in its PID namespace",
		"sudo cgdelete cpu,memory:$UUID   # v2: sudo rmdir /sys/fs/cgroup/$UUID",
		"sudo rm -rf $ROOTFS",
	},
	Requires: NeedsRoot,
	Why:      fcWhy,
	Action: func(e *Env) error {
		c, con, err := containerShell(e)
		if err != nil {
			return err
		}
		fcGoneKey.Set(e, c.PID)
		if err := con.Send(e.S.T, "exit"); err != nil {
			return err
		}
		start := time.Now()
		select {
		case <-c.Done():
		case <-time.After(5 * time.Second):
		}
		ws, _ := c.Status()
		e.S.T.Add(engine.Op{Call: fmt.Sprintf("wait4(%d)", c.PID), Shell: "wait", Detail: waitText(e.Lang, ws), Duration: time.Since(start), By: "nakami"})
		if err := e.S.T.Do(fmt.Sprintf("close(control pipe); kill(%d, SIGKILL) unless it exited; wait4()", c.PID), "", c.Stop); err != nil {
			return err
		}
		delete(e.Procs, fcRole)
		g, err := findGroup(e, fcRole)
		if err != nil {
			return err
		}
		fcGoneDirsKey.Set(e, g.Dirs())
		paths := append(g.Dirs(), fcRootDir(e))
		_, err = engine.ReleasePaths(e.S, paths...)
		return err
	},
	Checks: []Check{
		{
			Name: T("no process of the container is left", "コンテナのプロセスは 1 つも残っていない"),
			Probe: func(e *Env) (bool, Text) {
				pid := fcGoneKey.Value(e)
				if c := e.Child(fcRole); c != nil || pid == 0 {
					return false, T("the container is still running", "コンテナはまだ動いています")
				}
				var alive []int
				for _, p := range []int{pid, e.PIDs["burner"]} {
					if p > 0 && procfs.ProcessExists(p) {
						if st, err := procfs.ReadStatus(p); err == nil && st.State != "Z (zombie)" {
							alive = append(alive, p)
						}
					}
				}
				if len(alive) > 0 {
					return false, Tf("still running: %v", "まだ動いている: %v", alive)
				}
				return true, Tf("/proc/%d is gone (the shell), and with it everything in its PID namespace", "/proc/%d(シェル)は消え、PID 名前空間の中身もすべて消えた", pid)
			},
		},
		{
			Name: T("the cgroup is gone from every hierarchy", "cgroup はすべての階層から消えている"),
			Probe: func(e *Env) (bool, Text) {
				name, dirs := e.Groups[fcRole], fcGoneDirsKey.Value(e)
				if name == "" || len(dirs) == 0 {
					return false, T("no group was made and removed", "グループは作られて削除されていません")
				}
				for _, d := range dirs {
					if _, err := os.Stat(d); !errors.Is(err, fs.ErrNotExist) {
						return false, Tf("stat(%q): %v", "stat(%q): %v", d, err)
					}
				}
				return true, Tf("stat() of each of its directories says ENOENT: %s", "各ディレクトリの stat() は ENOENT: %s", strings.Join(dirs, ", "))
			},
		},
		{
			Name: T("the root filesystem is gone", "ルートファイルシステムは消えている"),
			Probe: func(e *Env) (bool, Text) {
				r := fcRootDir(e)
				if r == "" {
					return false, T("no root filesystem was made", "ルートファイルシステムは作られていません")
				}
				if _, err := os.Stat(r); !errors.Is(err, fs.ErrNotExist) {
					return false, Tf("stat(%q): %v", "stat(%q): %v", r, err)
				}
				return true, Tf("stat(%q): ENOENT", "stat(%q): ENOENT", r)
			},
		},
	},
}
