package lessons

// namespaces/unshare (row 10 of the article map): a shell in new user, uts,
// ipc, pid and mount namespaces with a fresh /proc, root inside and an
// ordinary user outside.

import (
	"fmt"
	"os"
	"reflect"
	"strings"

	"nakami/engine/child"
	"nakami/engine/procfs"
)

// nsUnshareJoin are the namespaces a probe joins to look from inside the
// unshare step's process.
var nsUnshareJoin = []string{"user", "pid", "mnt"}

var nsUnshareStep = &Step{
	ID:       "unshare",
	Commands: []string{"unshare --mount-proc -uipr --fork /bin/sh", "ps aux", "id"},
	Requires: NeedsUserNS,
	Live:     Live{Procs: []string{"container"}},
	Action: func(e *Env) error {
		c, err := e.Spawn(child.Spec{
			Role: "container", NewNS: []string{"user", "uts", "ipc", "pid", "mnt"},
			MountProc: true, Spawn: true, Shell: "unshare --mount-proc -uipr --fork /bin/sh",
		})
		if err != nil {
			return err
		}
		var pids []int
		var id map[string]int
		if err := child.Probe(e.S.T, c.PID, nsUnshareJoin, "ps", &pids); err != nil {
			return err
		}
		return child.Probe(e.S.T, c.PID, nsUnshareJoin, "id", &id)
	},
	Checks: []Check{
		procCheck(T("the fresh /proc inside lists only PID 1 and its child", "中の新しい /proc には PID 1 とその子だけがいる"), "container",
			func(e *Env, c *child.Process) (bool, Text) {
				dir := fmt.Sprintf("/proc/%d/root/proc", c.PID)
				pids, err := procfs.ReadProcPIDs(dir)
				if err != nil {
					return false, errText(err)
				}
				// Two processes: PID 1 and one child of it. (The child's number
				// is not 2: the Go runtime's threads take TIDs from the same
				// number space.)
				if len(pids) != 2 || pids[0] != 1 {
					return false, Tf("%s lists PIDs %v", "%s には PID %v があります", dir, pids)
				}
				ppid, err := procfs.ReadPPidIn(dir, pids[1])
				if err != nil || ppid != 1 {
					return false, Tf("PID %d inside has parent %d, not 1", "中の PID %d の親は %d で 1 ではありません", pids[1], ppid)
				}
				st, err := procfs.ReadStatus(c.PID)
				if err != nil || len(st.NSpid) != 2 || st.NSpid[1] != 1 {
					return false, Tf("process %d is not PID 1 inside (NSpid %v)", "プロセス %d は中で PID 1 ではありません (NSpid %v)", c.PID, st.NSpid)
				}
				return true, Tf("%s lists PIDs %v; host PID %d is PID 1 inside (NSpid: %v)",
					"%s の PID は %v。ホストの PID %d が中では PID 1 (NSpid: %v)", dir, pids, c.PID, st.NSpid)
			}),
		procCheck(T("in its own user namespace the process is root: the kernel shows it uid 0 and gid 0 from inside",
			"自分のユーザー名前空間ではプロセスは root: 中から見るとカーネルは uid 0、gid 0 と示す"), "container",
			func(e *Env, c *child.Process) (bool, Text) {
				theirs, err := procfs.ReadNamespaces(c.PID)
				if err != nil {
					return false, errText(err)
				}
				mine, _ := procfs.ReadNamespaces(os.Getpid())
				if theirs["user"] == mine["user"] {
					return false, Tf("user:[%d] is nakami's own user namespace", "user:[%d] は nakami 自身のユーザー名前空間", theirs["user"].Inode)
				}
				var id map[string]int
				if err := child.Probe(nil, c.PID, nsUnshareJoin, "id", &id); err != nil {
					return false, errText(err)
				}
				if id["uid"] != 0 || id["gid"] != 0 {
					return false, Tf("from inside, /proc/1/status reads Uid %d Gid %d", "中から見た /proc/1/status は Uid %d Gid %d", id["uid"], id["gid"])
				}
				return true, Tf("user:[%d] is new; from inside, /proc/1/status (host PID %d) reads Uid 0 Gid 0",
					"user:[%d] は新しい。中から見た /proc/1/status (ホストの PID %d) は Uid 0 Gid 0", theirs["user"].Inode, c.PID)
			}),
		procCheck(Tf("uid 0 inside is uid %d outside", "中の uid 0 は外の uid %d", os.Getuid()), "container",
			func(e *Env, c *child.Process) (bool, Text) {
				uid, _, err := procfs.ReadIDMaps(c.PID)
				if err != nil {
					return false, errText(err)
				}
				want := []procfs.IDMap{{Inside: 0, Outside: uint32(os.Getuid()), Count: 1}}
				got := strings.TrimSpace(procfs.FormatIDMap(uid))
				if !reflect.DeepEqual(uid, want) {
					return false, Tf("/proc/%d/uid_map reads %q", "/proc/%d/uid_map は %q", c.PID, got)
				}
				return true, Tf("/proc/%d/uid_map: %s", "/proc/%d/uid_map: %s", c.PID, strings.Join(strings.Fields(got), " "))
			}),
		procCheck(T("exactly user, uts, ipc, pid and mnt differ from nakami's own", "nakami 自身と異なるのは user, uts, ipc, pid, mnt だけ"), "container",
			func(e *Env, c *child.Process) (bool, Text) {
				return sameDiff(c.PID, []string{"ipc", "mnt", "pid", "user", "uts"})
			}),
	},
}
