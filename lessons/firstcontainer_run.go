package lessons

// first-container/run (article map row 3): the container itself. A shell
// started in new mount, UTS, IPC, network, PID and user namespaces, placed
// in the cgroup, pivoted into the root filesystem with /proc and the
// devices mounted, its hostname set and CAP_SYS_CHROOT dropped, reading
// the console nakami types into.

import (
	"os"
	"slices"
	"strings"
	"time"

	"nakami/engine/child"
	"nakami/engine/container"
	"nakami/engine/procfs"
	"nakami/engine/rootfs"
)

// fcHostnameKey holds the hostname the container was given.
var fcHostnameKey = newKey[string]("first-container/hostname")

var fcRunStep = &Step{
	ID:    "run",
	After: []string{"rootfs", "cgroup"},
	Commands: []string{
		`CMD=/bin/sh`,
		`sudo cgexec -g cpu,memory:$UUID unshare -muinpfr /bin/sh -c "mount -t proc proc $ROOTFS/proc && touch $ROOTFS/dev/{tty,ptmx,null} && mount --bind /dev/tty $ROOTFS/dev/tty && mount --bind /dev/pts/ptmx $ROOTFS/dev/ptmx && mount --bind /dev/null $ROOTFS/dev/null && hostname $UUID && exec capsh --chroot=$ROOTFS --drop=cap_sys_chroot -- -c 'exec $CMD'"`,
	},
	Requires: NeedsRoot,
	Why:      fcWhy,
	Live:     Live{Procs: []string{fcRole}, Cgroups: []string{fcRole}},
	Action: func(e *Env) error {
		g, err := findGroup(e, fcRole)
		if err != nil {
			return err
		}
		r, err := fcBuildRootfs(e)
		if err != nil {
			return err
		}
		if consoleOf(e) != nil {
			if c := e.Child(fcRole); c != nil {
				c.Stop()
			}
			consoleKey.Clear(e)
		}
		con, err := container.NewConsole(e.S, "container")
		if err != nil {
			return err
		}
		consoleKey.Set(e, openConsole{con})
		c, err := e.Spawn(g.Place(container.NewSpec(fcRole, e.S.Tag, r.Path, con)))
		if err != nil {
			consoleKey.Clear(e)
			return err
		}
		go func() { <-c.Done(); con.Close() }()
		fcHostnameKey.Set(e, e.S.Tag)
		// "ready" comes just before the execve: the shell's first answer
		// shows it has taken over (and that it is PID 1).
		_, _, err = con.Type(e.S.T, "echo $$", 5*time.Second)
		return err
	},
	Checks: []Check{
		procCheck(T("the shell is in new mount, UTS, IPC, network, PID and user namespaces", "シェルは新しいマウント・UTS・IPC・ネットワーク・PID・ユーザー名前空間にいる"), fcRole,
			func(e *Env, c *child.Process) (bool, Text) {
				var want []string
				for _, t := range procfs.NSTypes {
					if slices.Contains(container.Namespaces, t.Name) {
						want = append(want, t.Name)
					}
				}
				return sameDiff(c.PID, want)
			}),
		memberCheck(T("it sits in the group on the cpu and memory hierarchies", "cpu と memory の階層でグループに入っている"), fcRole, fcRole, "cpu", "memory"),
		procCheck(T("it is /bin/sh, PID 1 of its namespace, its root the root filesystem with /proc and /dev/null mounted", "それは /bin/sh で、名前空間の PID 1。ルートはルートファイルシステムで /proc と /dev/null がマウントされている"), fcRole,
			func(e *Env, c *child.Process) (bool, Text) {
				rootDir := fcRootDir(e)
				st, err := procfs.ReadStatus(c.PID)
				if err != nil {
					return false, errText(err)
				}
				m, err := rootfs.RootMount(c.PID)
				if err != nil {
					return false, errText(err)
				}
				ms, err := procfs.ReadMounts(c.PID)
				if err != nil {
					return false, errText(err)
				}
				var proc, null bool
				var points []string
				for _, x := range ms {
					points = append(points, x.Mountpoint)
					proc = proc || x.Mountpoint == "/proc" && x.FSType == "proc"
					null = null || x.Mountpoint == "/dev/null"
				}
				if st.Name != "sh" || len(st.NSpid) != 2 || st.NSpid[1] != 1 || m.Root == "/" || !strings.HasSuffix(rootDir, m.Root) || !proc || !null {
					return false, Tf("/proc/%d: name %s, NSpid %v, root shows %s, mounts %v", "/proc/%d: 名前 %s、NSpid %v、ルートは %s、マウント %v", c.PID, st.Name, st.NSpid, m.Root, points)
				}
				return true, Tf("/proc/%d/status: Name sh, NSpid %v; mountinfo: / is %s, then %s", "/proc/%d/status: Name sh、NSpid %v。mountinfo: / は %s、続いて %s",
					c.PID, st.NSpid, m.Root, strings.Join(points[1:], ", "))
			}),
		procCheck(T("its hostname is the container's name", "ホスト名はコンテナの名前"), fcRole,
			func(e *Env, c *child.Process) (bool, Text) {
				name, err := child.Hostname(c.PID)
				if err != nil {
					return false, errText(err)
				}
				host, _ := os.Hostname()
				if name != fcHostnameKey.Value(e) || name == host {
					return false, Tf("uname() after setns(uts): %q", "setns(uts) 後の uname(): %q", name)
				}
				return true, Tf("uname() after setns(/proc/%d/ns/uts): %q; the host is still %q", "setns(/proc/%d/ns/uts) 後の uname(): %q。ホストは %q のまま", c.PID, name, host)
			}),
		statusCheck(T("CAP_SYS_CHROOT is gone from its bounding and effective sets", "バウンディングセットと実効セットから CAP_SYS_CHROOT が消えている"), fcRole,
			func(e *Env, st procfs.Status) (bool, Text) {
				const bit = uint64(1) << capSysChroot
				d := Tf("CapEff %016x, CapBnd %016x", "CapEff %016x、CapBnd %016x", st.CapEff, st.CapBnd)
				return st.CapEff&bit == 0 && st.CapBnd&bit == 0 && st.CapEff != 0, d
			}),
	},
}
