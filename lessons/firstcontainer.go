package lessons

// The first-container lesson: rows 1–8 of the article map, the course's
// opening. It composes what later lessons explain one at a time: a root
// filesystem, a cgroup with CPU and memory limits, a process in six new
// namespaces that pivots into the root filesystem and becomes /bin/sh, the
// world as that shell sees it, the same processes as the host sees them, the
// CPU limit holding, cleanup, and how long all of it takes to start.
//
// Every check reads the kernel: /proc/PID/{ns,status,cgroup,mountinfo,
// uid_map,net/dev,root}, the cgroupfs files, the hostname after setns(2),
// and the output of real commands typed into the container's own shell
// (engine.Console), compared with what the kernel shows from outside.

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"nakami/engine"
	"nakami/engine/cgroup"
	"nakami/engine/child"
	"nakami/engine/container"
	"nakami/engine/procfs"
	"nakami/engine/rootfs"
)

const (
	fcLesson   = "first-container"
	fcRole     = "container"
	fcGroup    = "container"
	fcPeriodUS = 1000000 // the article's cpu.cfs_period_us
	fcRuns     = 5       // start-time runs of each kind
)

var fcWhy = T("creating a cgroup, and mounting inside namespaces whose user namespace maps root, need root on this machine (the article runs cgexec and capsh with sudo).",
	"cgroup の作成と、root を対応づけたユーザー名前空間の中でのマウントには、このマシンの root 権限が必要です(記事も cgexec と capsh を sudo で実行しています)。")

var fcCPUParam = Param{Name: "cpu", Default: "30%", Help: T("the container's CPU quota, in percent of one CPU (period 1 s)", "コンテナの CPU クォータ(CPU 1 個に対する割合、周期 1 秒)"),
	Check: cpuParam.Check}

var fcMemoryParam = Param{Name: "memory", Default: "10MB", Help: T("the container's memory limit", "コンテナのメモリ上限"),
	Check: memoryParam.Check}

// consoleKey holds the container's console; Reset and Close close it.
var consoleKey = newKey[openConsole]("first-container/console")

// openConsole is a console that the Env's state closes when it forgets it.
type openConsole struct{ *container.Console }

func (c openConsole) Close() error { c.Console.Close(); return nil }

func consoleOf(e *Env) *container.Console {
	return consoleKey.Value(e).Console
}

var noContainer = T("no container is running yet", "まだコンテナが動いていません")

// container returns the live container shell and its console.
func containerShell(e *Env) (*child.Process, *container.Console, bool) {
	c, con := e.Child(fcRole), consoleOf(e)
	return c, con, c != nil && con != nil
}

var _ = register(&Lesson{
	ID:    fcLesson,
	Steps: []*Step{fcRootfsStep, fcCgroupStep, fcRunStep, fcInsideStep, fcHostViewStep, fcCPUStep, fcCleanupStep, fcStartStep},
	KeepHelp: func(e *Env) Text {
		var b strings.Builder
		if r := e.Values["fc-rootfs"]; r != "" {
			if _, err := os.Stat(r); err == nil {
				fmt.Fprintf(&b, "  rootfs     ls %s;  sudo chroot %s /bin/sh\n", r, r)
			}
		}
		for _, role := range []string{fcRole, "timed"} {
			if g, err := findGroup(e, role); err == nil {
				for _, d := range g.Dirs() {
					fmt.Fprintf(&b, "  %-10s cat %s/cgroup.procs\n", role, d)
				}
			}
		}
		if c := e.Child("timed"); c != nil {
			fmt.Fprintf(&b, "  timed      sudo nsenter -t %d -a /bin/sh   (a container held for you)\n", c.PID)
		}
		return T("Left in place for you to look at (the container's shell reads nakami's console and ends with this run):\n"+b.String()+"Remove them with: nakami cleanup\n",
			"確認用に残したもの(コンテナのシェルは nakami のコンソールを読んでいるので、この実行と一緒に終わります):\n"+b.String()+"削除するには: nakami cleanup\n")
	},
})

// ---- rootfs -----------------------------------------------------------

func fcBuildRootfs(e *Env) (*rootfs.Root, error) {
	progs := append(slices.Clone(rootfs.DefaultPrograms), "uname", "ip")
	r, err := rootfs.Build(e.S, fcLesson, rootfs.Options{Programs: progs})
	if err != nil {
		return nil, err
	}
	e.Values["fc-rootfs"] = r.Path
	if slices.Contains(r.Programs, "/bin/ip") {
		e.Values["fc-ip"] = "yes"
	}
	return r, nil
}

var fcRootfsStep = &Step{
	ID: "rootfs",
	Commands: []string{
		"docker export $(docker create bash) | tar -C $ROOTFS -xf -   # the article; nakami copies host programs instead",
		"ROOTFS=$(mktemp -d); cp -L /bin/sh /bin/ls /bin/ps … $ROOTFS/bin; cp -L $(ldd …) $ROOTFS/lib…",
		"ls $ROOTFS",
	},
	Requires: NeedsRoot,
	Why:      T("the check runs a shell chrooted into the new tree, and chroot(2) needs CAP_SYS_CHROOT.", "チェックは新しいツリーに chroot したシェルを動かします。chroot(2) には CAP_SYS_CHROOT が必要です。"),
	Action: func(e *Env) error {
		_, err := fcBuildRootfs(e)
		return err
	},
	Checks: []Check{
		{
			Name: T("a shell chrooted into the tree runs, from the tree's own files", "ツリーに chroot したシェルが、ツリー自身のファイルで動く"),
			Probe: func(e *Env) (bool, Text) {
				r := e.Values["fc-rootfs"]
				if r == "" {
					return false, T("no root filesystem yet", "まだルートファイルシステムがありません")
				}
				out, err := rootfs.RunIn(nil, r, "/bin/sh", "-c", "cd / && echo *")
				if err != nil {
					return false, errText(err)
				}
				return true, Tf("chroot %s /bin/sh -c 'echo /*' lists: %s", "chroot %s /bin/sh -c 'echo /*' の一覧: %s", r, strings.TrimSpace(out))
			},
		},
		{
			Name: T("the tree carries nakami itself at /bin/nakami, for the busy loop later", "後のビジーループ用に、ツリーには nakami 自身が /bin/nakami として入っている"),
			Probe: func(e *Env) (bool, Text) {
				r := e.Values["fc-rootfs"]
				if r == "" {
					return false, T("no root filesystem yet", "まだルートファイルシステムがありません")
				}
				st, err := os.Stat(filepath.Join(r, rootfs.SelfPath))
				if err != nil {
					return false, errText(err)
				}
				if st.Mode()&0o111 == 0 || st.Mode()&(os.ModeSetuid|os.ModeSetgid) != 0 {
					return false, Tf("%s has mode %v", "%s のモードは %v", rootfs.SelfPath, st.Mode())
				}
				return true, Tf("%s%s: %d bytes, mode %v (no set-user-ID)", "%s%s: %d バイト、モード %v(set-user-ID なし)", r, rootfs.SelfPath, st.Size(), st.Mode())
			},
		},
	},
}

// ---- cgroup -----------------------------------------------------------

func fcLimits(e *Env) (pct float64, bytes int64) {
	s := stepOf(fcLesson, "cgroup")
	pct, _ = ParsePercent("cpu", e.Param(s, "cpu"))
	bytes, _ = ParseBytes("memory", e.Param(s, "memory"))
	return pct, bytes
}

// fcNewGroup makes a cpu+memory group with the lesson's limits.
func fcNewGroup(e *Env, role, name string) (*cgroup.Group, error) {
	pct, bytes := fcLimits(e)
	g, err := newGroup(e, role, name, "cpu", "cpuacct", "memory")
	if err != nil {
		return nil, err
	}
	if err := g.SetMemory(e.S.T, bytes); err != nil {
		return nil, err
	}
	if err := g.SetCPU(e.S.T, int64(math.Round(pct*fcPeriodUS/100)), fcPeriodUS); err != nil {
		return nil, err
	}
	return g, nil
}

var fcCgroupStep = &Step{
	ID:   "cgroup",
	Live: Live{Cgroups: []string{fcRole}},
	Commands: []string{
		"UUID=$(uuidgen)",
		"sudo cgcreate -g cpu,memory:$UUID",
		"sudo cgset -r memory.limit_in_bytes=10000000 $UUID   # v2: echo 10000000 > /sys/fs/cgroup/$UUID/memory.max",
		"sudo cgset -r cpu.cfs_period_us=1000000 $UUID",
		"sudo cgset -r cpu.cfs_quota_us=300000 $UUID          # v2: echo '300000 1000000' > /sys/fs/cgroup/$UUID/cpu.max",
	},
	Requires: NeedsRoot,
	Why:      fcWhy,
	Params:   []Param{fcCPUParam, fcMemoryParam},
	Action: func(e *Env) error {
		_, err := fcNewGroup(e, fcRole, fcGroup)
		return err
	},
	Checks: []Check{
		quotaCheck(T("the kernel holds the CPU quota and period", "カーネルが CPU のクォータと周期を保持している"), fcRole, fcPeriodUS,
			func(e *Env) float64 { w, _ := fcLimits(e); return w }),
		{
			Name: T("the kernel holds the memory limit", "カーネルがメモリ上限を保持している"),
			Probe: func(e *Env) (bool, Text) {
				g, why, ok := groupOrNot(e, fcRole)
				if !ok {
					return false, why
				}
				st, err := g.Stats()
				if err != nil {
					return false, errText(err)
				}
				_, want := fcLimits(e)
				file := "memory.limit_in_bytes"
				if st.Version == 2 {
					file = "memory.max"
				}
				page := int64(os.Getpagesize())
				if st.MemLimit < 0 || st.MemLimit > want || want-st.MemLimit >= page {
					return false, Tf("%s/%s: %d, asked for %d", "%s/%s: %d(指定は %d)", g.Dir("memory"), file, st.MemLimit, want)
				}
				return true, Tf("%s: %d (asked for %d; the kernel rounds down to whole %d-byte pages)", "%s: %d(指定は %d。カーネルは %d バイトのページ単位に切り下げる)", file, st.MemLimit, want, page)
			},
		},
	},
}

// ---- run --------------------------------------------------------------

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
		e.Values["fc-hostname"] = e.S.Tag
		// "ready" comes just before the execve: the shell's first answer
		// shows it has taken over (and that it is PID 1).
		_, _, err = con.Type(e.S.T, "echo $$", 5*time.Second)
		return err
	},
	Checks: []Check{
		{
			Name: T("the shell is in new mount, UTS, IPC, network, PID and user namespaces", "シェルは新しいマウント・UTS・IPC・ネットワーク・PID・ユーザー名前空間にいる"),
			Probe: func(e *Env) (bool, Text) {
				c, _, ok := containerShell(e)
				if !ok {
					return false, noContainer
				}
				var want []string
				for _, t := range procfs.NSTypes {
					if slices.Contains(container.Namespaces, t.Name) {
						want = append(want, t.Name)
					}
				}
				return sameDiff(c.PID, want)
			},
		},
		memberCheck(T("it sits in the group on the cpu and memory hierarchies", "cpu と memory の階層でグループに入っている"), fcRole, fcRole, "cpu", "memory"),
		{
			Name: T("it is /bin/sh, PID 1 of its namespace, its root the root filesystem with /proc and /dev/null mounted", "それは /bin/sh で、名前空間の PID 1。ルートはルートファイルシステムで /proc と /dev/null がマウントされている"),
			Probe: func(e *Env) (bool, Text) {
				c, _, ok := containerShell(e)
				rootDir := e.Values["fc-rootfs"]
				if !ok {
					return false, noContainer
				}
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
			},
		},
		{
			Name: T("its hostname is the container's name", "ホスト名はコンテナの名前"),
			Probe: func(e *Env) (bool, Text) {
				c, _, ok := containerShell(e)
				if !ok {
					return false, noContainer
				}
				name, err := child.Hostname(c.PID)
				if err != nil {
					return false, errText(err)
				}
				host, _ := os.Hostname()
				if name != e.Values["fc-hostname"] || name == host {
					return false, Tf("uname() after setns(uts): %q", "setns(uts) 後の uname(): %q", name)
				}
				return true, Tf("uname() after setns(/proc/%d/ns/uts): %q; the host is still %q", "setns(/proc/%d/ns/uts) 後の uname(): %q。ホストは %q のまま", c.PID, name, host)
			},
		},
		{
			Name: T("CAP_SYS_CHROOT is gone from its bounding and effective sets", "バウンディングセットと実効セットから CAP_SYS_CHROOT が消えている"),
			Probe: func(e *Env) (bool, Text) {
				c, _, ok := containerShell(e)
				if !ok {
					return false, noContainer
				}
				st, err := procfs.ReadStatus(c.PID)
				if err != nil {
					return false, errText(err)
				}
				const bit = uint64(1) << capSysChroot
				d := Tf("/proc/%d/status: CapEff %016x, CapBnd %016x", "/proc/%d/status: CapEff %016x、CapBnd %016x", c.PID, st.CapEff, st.CapBnd)
				return st.CapEff&bit == 0 && st.CapBnd&bit == 0 && st.CapEff != 0, d
			},
		},
	},
}

// ---- inside -----------------------------------------------------------

// fcInside are the article's commands, typed into the container's shell.
func fcInside(e *Env) []string {
	ipCmd := "ip link"
	if e.Values["fc-ip"] == "" {
		ipCmd = "cat /proc/net/dev"
	}
	return []string{"uname -n", "id", "ps aux", "mount", ipCmd}
}

func fcOut(e *Env, i int) (string, bool) {
	v, ok := e.Values[fmt.Sprintf("fc-out-%d", i)]
	return v, ok
}

var fcInsideStep = &Step{
	ID:       "inside",
	After:    []string{"run"},
	Commands: []string{"uname -n", "id", "ps aux", "mount", "ip link"},
	Requires: NeedsRoot,
	Why:      fcWhy,
	Live:     Live{Procs: []string{fcRole}},
	Action: func(e *Env) error {
		_, con, ok := containerShell(e)
		if !ok {
			return fmt.Errorf("no container is running")
		}
		for i, cmd := range fcInside(e) {
			out, _, err := con.Type(e.S.T, cmd, 5*time.Second)
			if err != nil {
				return err
			}
			e.Values[fmt.Sprintf("fc-out-%d", i)] = out
		}
		return nil
	},
	Checks: []Check{
		{
			Name: T("uname -n printed the container's hostname, as the kernel holds it", "uname -n はカーネルが保持するとおりのコンテナのホスト名を表示した"),
			Probe: func(e *Env) (bool, Text) {
				c, _, ok := containerShell(e)
				out, typed := fcOut(e, 0)
				if !ok || !typed {
					return false, T("nothing typed into the container yet", "まだコンテナに何も入力していません")
				}
				name, err := child.Hostname(c.PID)
				if err != nil {
					return false, errText(err)
				}
				host, _ := os.Hostname()
				got := strings.TrimSpace(out)
				if got != name || got == host {
					return false, Tf("uname -n printed %q; the UTS namespace holds %q; the host is %q", "uname -n の表示は %q、UTS 名前空間は %q、ホストは %q", got, name, host)
				}
				return true, Tf("uname -n: %s (the host: %s)", "uname -n: %s(ホスト: %s)", got, host)
			},
		},
		{
			Name: T("id printed uid 0, and the user namespace maps that one id only", "id は uid 0 を表示し、ユーザー名前空間はその 1 つの ID だけを対応づけている"),
			Probe: func(e *Env) (bool, Text) {
				c, _, ok := containerShell(e)
				out, typed := fcOut(e, 1)
				if !ok || !typed {
					return false, T("nothing typed into the container yet", "まだコンテナに何も入力していません")
				}
				uid, _, err := procfs.ReadIDMaps(c.PID)
				if err != nil {
					return false, errText(err)
				}
				m := procfs.FormatIDMap(uid)
				if !strings.HasPrefix(strings.TrimSpace(out), "uid=0(root)") || len(uid) != 1 || uid[0].Inside != 0 || uid[0].Count != 1 {
					return false, Tf("id printed %q; /proc/%d/uid_map: %s", "id の表示 %q。/proc/%d/uid_map: %s", strings.TrimSpace(out), c.PID, m)
				}
				return true, Tf("id: %s; /proc/%d/uid_map: %s (one id, where the host maps all 4294967295)", "id: %s。/proc/%d/uid_map: %s(1 個だけ。ホストは 4294967295 個すべて)",
					strings.TrimSpace(out), c.PID, strings.TrimSpace(m))
			},
		},
		{
			Name: T("ps aux listed only the container's processes, the shell as PID 1", "ps aux はコンテナのプロセスだけを表示し、シェルが PID 1"),
			Probe: func(e *Env) (bool, Text) {
				c, _, ok := containerShell(e)
				out, typed := fcOut(e, 2)
				if !ok || !typed {
					return false, T("nothing typed into the container yet", "まだコンテナに何も入力していません")
				}
				pids := psPIDs(out)
				inside, err := procfs.ReadProcPIDs(fmt.Sprintf("/proc/%d/root/proc", c.PID))
				if err != nil {
					return false, errText(err)
				}
				host, err := procfs.ReadProcPIDs("/proc")
				if err != nil {
					return false, errText(err)
				}
				if len(pids) == 0 || pids[0] != 1 || len(pids) > 4 || len(inside) >= len(host) || !slices.Contains(inside, 1) {
					return false, Tf("ps aux listed PIDs %v; the container's /proc lists %v", "ps aux の PID は %v、コンテナの /proc は %v", pids, inside)
				}
				return true, Tf("ps aux listed PIDs %v (itself included); the container's /proc lists %v now, the host's %d processes",
					"ps aux の PID は %v(ps 自身を含む)。コンテナの /proc は今 %v、ホストのプロセスは %d 個", pids, inside, len(host))
			},
		},
		{
			Name: T("mount listed the container's own mount table, proc and /dev/null included", "mount はコンテナ自身のマウントテーブル(proc と /dev/null を含む)を表示した"),
			Probe: func(e *Env) (bool, Text) {
				c, _, ok := containerShell(e)
				out, typed := fcOut(e, 3)
				if !ok || !typed {
					return false, T("nothing typed into the container yet", "まだコンテナに何も入力していません")
				}
				ms, err := procfs.ReadMounts(c.PID)
				if err != nil {
					return false, errText(err)
				}
				hostN, err := procfs.CountMounts(os.Getpid())
				if err != nil {
					return false, errText(err)
				}
				n := len(strings.Split(strings.TrimSpace(out), "\n"))
				if n != len(ms) || !strings.Contains(out, " on /proc type proc") || !strings.Contains(out, " on /dev/null ") || n >= hostN {
					return false, Tf("mount printed %d lines; /proc/%d/mountinfo has %d", "mount の表示は %d 行、/proc/%d/mountinfo は %d 行", n, c.PID, len(ms))
				}
				return true, Tf("mount printed %d lines, as /proc/%d/mountinfo holds; the host has %d mounts", "mount の表示は %d 行で /proc/%d/mountinfo と同じ。ホストのマウントは %d 個", n, c.PID, hostN)
			},
		},
		{
			Name: T("ip link showed only lo, and the network namespace has nothing else", "ip link は lo だけを表示し、ネットワーク名前空間にもそれ以外はない"),
			Probe: func(e *Env) (bool, Text) {
				c, _, ok := containerShell(e)
				out, typed := fcOut(e, 4)
				if !ok || !typed {
					return false, T("nothing typed into the container yet", "まだコンテナに何も入力していません")
				}
				devs, err := procfs.ReadNetDevs(c.PID)
				if err != nil {
					return false, errText(err)
				}
				hostDevs, _ := procfs.ReadNetDevs(os.Getpid())
				names := linkNames(out)
				if !slices.Equal(names, []string{"lo"}) || !slices.Equal(devs, []string{"lo"}) {
					return false, Tf("%s showed %v; /proc/%d/net/dev lists %v", "%s の表示は %v、/proc/%d/net/dev は %v", fcInside(e)[4], names, c.PID, devs)
				}
				return true, Tf("%s: lo only; /proc/%d/net/dev: %v; the host has %v", "%s: lo だけ。/proc/%d/net/dev: %v。ホストは %v", fcInside(e)[4], c.PID, devs, hostDevs)
			},
		},
	},
}

// psPIDs reads the PID column of ps aux output.
func psPIDs(out string) []int {
	var pids []int
	for i, l := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(l)
		if i == 0 || len(f) < 2 {
			continue
		}
		if n, err := strconv.Atoi(f[1]); err == nil {
			pids = append(pids, n)
		}
	}
	sort.Ints(pids)
	return pids
}

var linkRe = regexp.MustCompile(`^\d+: ([^:@ ]+)[:@]`)

// linkNames reads interface names from `ip link` output, or from
// /proc/net/dev when the host had no ip(8) to copy.
func linkNames(out string) []string {
	var names []string
	for _, l := range strings.Split(out, "\n") {
		if m := linkRe.FindStringSubmatch(l); m != nil {
			names = append(names, m[1])
		}
	}
	if len(names) == 0 {
		for _, l := range strings.Split(out, "\n") {
			if name, _, ok := strings.Cut(l, ":"); ok && !strings.Contains(name, "|") {
				names = append(names, strings.TrimSpace(name))
			}
		}
	}
	sort.Strings(names)
	return names
}

// ---- host-view --------------------------------------------------------

// fcChain reads pid and its ancestors up to (and including) nakami.
func fcChain(pid int) ([]procfs.Status, error) {
	var out []procfs.Status
	for p := pid; p > 1 && len(out) < 8; {
		st, err := procfs.ReadStatus(p)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
		if p == os.Getpid() {
			break
		}
		p = st.PPID
	}
	return out, nil
}

func chainText(chain []procfs.Status) string {
	var parts []string
	for i := len(chain) - 1; i >= 0; i-- {
		st := chain[i]
		ns := ""
		if len(st.NSpid) > 1 {
			ns = fmt.Sprintf(" NSpid %v", st.NSpid)
		}
		parts = append(parts, fmt.Sprintf("%s(%d%s)", st.Name, st.PID, ns))
	}
	return strings.Join(parts, " → ")
}

var fcHostViewStep = &Step{
	ID:       "host-view",
	After:    []string{"run"},
	Commands: []string{"ps f", "grep -E 'PPid|NSpid' /proc/$(pgrep -n -x sh)/status"},
	Requires: NeedsRoot,
	Why:      fcWhy,
	Live:     Live{Procs: []string{fcRole}},
	Action: func(e *Env) error {
		c, _, ok := containerShell(e)
		if !ok {
			return fmt.Errorf("no container is running")
		}
		var chain []procfs.Status
		if err := e.S.T.Do(fmt.Sprintf("read(\"/proc/%d/status\") and each PPid's", c.PID), "ps f", func() (err error) {
			chain, err = fcChain(c.PID)
			return err
		}); err != nil {
			return err
		}
		e.Values["fc-chain"] = chainText(chain)
		return nil
	},
	Checks: []Check{
		{
			Name: T("the container's shell is an ordinary host process with two PIDs: the host's and 1", "コンテナのシェルは、ホストの PID と 1 の 2 つの PID を持つ普通のホストのプロセス"),
			Probe: func(e *Env) (bool, Text) {
				c, _, ok := containerShell(e)
				if !ok || e.Values["fc-chain"] == "" {
					return false, T("the host's view has not been read yet", "まだホスト側から見ていません")
				}
				st, err := procfs.ReadStatus(c.PID)
				if err != nil {
					return false, errText(err)
				}
				host, err := procfs.ReadProcPIDs("/proc")
				if err != nil {
					return false, errText(err)
				}
				if len(st.NSpid) != 2 || st.NSpid[0] != c.PID || st.NSpid[1] != 1 || !slices.Contains(host, c.PID) {
					return false, Tf("/proc/%d/status: NSpid %v", "/proc/%d/status: NSpid %v", c.PID, st.NSpid)
				}
				return true, Tf("/proc/%d/status: NSpid %d 1 — the host's /proc lists it among %d processes", "/proc/%d/status: NSpid %d 1 — ホストの /proc には %d 個のプロセスの 1 つとして載っている", c.PID, c.PID, len(host))
			},
		},
		{
			Name: T("its parent is nakami, as ps f draws it", "その親は ps f が描くとおり nakami"),
			Probe: func(e *Env) (bool, Text) {
				c, _, ok := containerShell(e)
				if !ok || e.Values["fc-chain"] == "" {
					return false, T("the host's view has not been read yet", "まだホスト側から見ていません")
				}
				chain, err := fcChain(c.PID)
				if err != nil {
					return false, errText(err)
				}
				if len(chain) < 2 || chain[0].PPID != os.Getpid() {
					return false, Tf("chain: %s", "親子関係: %s", chainText(chain))
				}
				return true, Tf("%s (from /proc/PID/status PPid)", "%s(/proc/PID/status の PPid から)", chainText(chain))
			},
		},
	},
}

// ---- cpu-limit --------------------------------------------------------

// fcBurner finds the busy loop: a process in the group whose parent is the
// container's shell.
func fcBurner(e *Env) (int, *cgroup.Group, Text, bool) {
	c, _, ok := containerShell(e)
	if !ok {
		return 0, nil, noContainer, false
	}
	g, why, gok := groupOrNot(e, fcRole)
	if !gok {
		return 0, nil, why, false
	}
	pids, err := g.Procs()
	if err != nil {
		return 0, nil, errText(err), false
	}
	for _, p := range pids {
		if st, err := procfs.ReadStatus(p); err == nil && st.PPID == c.PID && st.Name == "nakami" {
			return p, g, Text{}, true
		}
	}
	return 0, g, Tf("no busy loop among the group's processes %v", "グループのプロセス %v にビジーループがありません", pids), false
}

var fcCPUStep = &Step{
	ID:       "cpu-limit",
	After:    []string{"run"},
	Commands: []string{"yes > /dev/null &   # inside the container", "top   # on the host: yes holds near 30 % CPU"},
	Requires: NeedsRoot,
	Why:      fcWhy,
	Live:     Live{Procs: []string{fcRole, "burner"}, Cgroups: []string{fcRole}},
	Action: func(e *Env) error {
		c, con, ok := containerShell(e)
		if !ok {
			return fmt.Errorf("no container is running")
		}
		pct, _ := fcLimits(e)
		// fd 3 is the child protocol's pipe, inherited from the shell: the
		// loop ends when nakami closes it. Its "ready" goes to /dev/null.
		if _, _, err := con.Type(e.S.T, fmt.Sprintf("%s %s %s 4>/dev/null & echo $!", rootfs.SelfPath, cgroup.RoleBurn, strconv.Itoa(int(math.Ceil(pct/100)))), 5*time.Second); err != nil {
			return err
		}
		for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if pid, _, _, ok := fcBurner(e); ok {
				e.PIDs["burner"] = pid
				// Let one whole period pass: the first one after an idle
				// spell starts with quota left over from before.
				time.Sleep(fcPeriodUS * time.Microsecond)
				return nil
			}
		}
		return fmt.Errorf("the busy loop did not appear under the container's shell %d", c.PID)
	},
	Checks: []Check{
		{
			Name: T("the busy loop runs inside: a child of the container's shell, in the group", "ビジーループは中で動いている: コンテナのシェルの子で、グループに属する"),
			Probe: func(e *Env) (bool, Text) {
				pid, g, why, ok := fcBurner(e)
				if !ok {
					return false, why
				}
				st, err := procfs.ReadStatus(pid)
				if err != nil {
					return false, errText(err)
				}
				return true, Tf("process %d (NSpid %v), parent %d, listed in %s/cgroup.procs", "プロセス %d(NSpid %v)、親 %d、%s/cgroup.procs に載っている", pid, st.NSpid, st.PPID, g.Dir("cpu"))
			},
		},
		{
			Name: T("measured from the kernel's accounting over 3 s (three periods), the container's share is within 5 points of the quota", "カーネルの計測で 3 秒間(3 周期)に測ったコンテナの CPU 使用率がクォータの ±5 ポイント以内"),
			Probe: func(e *Env) (bool, Text) {
				_, g, why, ok := fcBurner(e)
				if !ok {
					return false, why
				}
				// Whole periods: a window of k periods holds exactly k
				// quotas wherever it starts; 1 s periods make 2 s too few.
				return shareWithin(g, 3*fcPeriodUS*time.Microsecond, g)
			},
		},
		{
			Name: T("the throttling counters rise: the container keeps running out of quota", "スロットリングのカウンタが増える: コンテナはクォータを使い切り続けている"),
			Probe: func(e *Env) (bool, Text) {
				_, g, why, ok := fcBurner(e)
				if !ok {
					return false, why
				}
				return throttling(g, 2100*time.Millisecond)
			},
		},
	},
}

// ---- cleanup ----------------------------------------------------------

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
		c, con, ok := containerShell(e)
		if !ok {
			return fmt.Errorf("no container is running")
		}
		e.Values["fc-gone-pid"] = strconv.Itoa(c.PID)
		if err := con.Send(e.S.T, "exit"); err != nil {
			return err
		}
		start := time.Now()
		select {
		case <-c.Done():
		case <-time.After(5 * time.Second):
		}
		ws, _ := c.Status()
		e.S.T.Add(engine.Op{Call: fmt.Sprintf("wait4(%d)", c.PID), Shell: "wait", Detail: waitText(ws), Duration: time.Since(start), By: "nakami"})
		if err := c.Stop(); err != nil {
			return err
		}
		delete(e.Procs, fcRole)
		g, err := findGroup(e, fcRole)
		if err != nil {
			return err
		}
		e.Values["fc-cgroup-dirs"] = strings.Join(g.Dirs(), "\n")
		paths := append(g.Dirs(), e.Values["fc-rootfs"])
		_, err = engine.ReleasePaths(e.S, paths...)
		return err
	},
	Checks: []Check{
		{
			Name: T("no process of the container is left", "コンテナのプロセスは 1 つも残っていない"),
			Probe: func(e *Env) (bool, Text) {
				pid, _ := strconv.Atoi(e.Values["fc-gone-pid"])
				if c := e.Child(fcRole); c != nil || pid == 0 {
					return false, noContainer2
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
				name, dirs := e.Groups[fcRole], e.Values["fc-cgroup-dirs"]
				if name == "" || dirs == "" {
					return false, T("no group was made and removed", "グループは作られて削除されていません")
				}
				for _, d := range strings.Split(dirs, "\n") {
					if _, err := os.Stat(d); !errors.Is(err, fs.ErrNotExist) {
						return false, Tf("stat(%q): %v", "stat(%q): %v", d, err)
					}
				}
				return true, Tf("stat() of each of its directories says ENOENT: %s", "各ディレクトリの stat() は ENOENT: %s", strings.ReplaceAll(dirs, "\n", ", "))
			},
		},
		{
			Name: T("the root filesystem is gone", "ルートファイルシステムは消えている"),
			Probe: func(e *Env) (bool, Text) {
				r := e.Values["fc-rootfs"]
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

var noContainer2 = T("the container is still running", "コンテナはまだ動いています")

// ---- start-time -------------------------------------------------------

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

var fcStartStep = &Step{
	ID: "start-time",
	Commands: []string{
		"time sudo cgexec -g cpu,memory:$UUID unshare -muinpfr /bin/sh -c 'mount -t proc …; exec capsh --chroot=$ROOTFS -- -c true'",
		"time /bin/true",
	},
	Requires: NeedsRoot,
	Why:      fcWhy,
	Live:     Live{Procs: []string{"timed"}, Cgroups: []string{"timed"}},
	Action: func(e *Env) error {
		r, err := fcBuildRootfs(e)
		if err != nil {
			return err
		}
		g, err := fcNewGroup(e, "timed", "start-time")
		if err != nil {
			return err
		}
		var plain, full []time.Duration
		for i := 0; i < fcRuns; i++ {
			t0 := time.Now()
			c, err := child.Spawn(e.S, child.Spec{Role: "plain", Shell: "/bin/true"})
			if err != nil {
				return err
			}
			plain = append(plain, time.Since(t0))
			c.Stop()
			spec := g.Place(child.Spec{Role: "timed", NewNS: container.Namespaces, Hostname: e.S.Tag, PivotRoot: r.Path,
				Shell: "cgexec … unshare -muinpfr … pivot_root $ROOTFS"})
			t0 = time.Now()
			if i == fcRuns-1 {
				_, err = e.Spawn(spec) // the last one stays, for the checks
			} else {
				c, err = child.Spawn(e.S, spec)
				if err == nil {
					c.Stop()
				}
			}
			if err != nil {
				return err
			}
			full = append(full, time.Since(t0))
		}
		e.Values["fc-start-plain"] = median(plain).String()
		e.Values["fc-start-full"] = median(full).String()
		e.Values["fc-start-all"] = fmt.Sprint(full)
		e.S.T.Add(engine.Op{Call: fmt.Sprintf("clone → \"ready\" ×%d each", fcRuns), Shell: "time …", By: "nakami",
			Detail: fmt.Sprintf("plain process: %v; container: %v", plain, full)})
		return nil
	},
	Checks: []Check{
		{
			Name: T("each timed start was a real container: new namespaces, in the group, pivoted into the root filesystem", "計測した起動はどれも本物のコンテナ: 新しい名前空間、グループの中、ルートファイルシステムへ pivot_root 済み"),
			Probe: func(e *Env) (bool, Text) {
				c := e.Child("timed")
				g, why, ok := groupOrNot(e, "timed")
				if c == nil || !ok {
					return false, T("no container has been timed yet "+why.EN, "まだコンテナの起動を計測していません "+why.JA)
				}
				ns, err := procfs.ReadNamespaces(c.PID)
				if err != nil {
					return false, errText(err)
				}
				mine, err := procfs.ReadNamespaces(os.Getpid())
				if err != nil {
					return false, errText(err)
				}
				diff := differing(ns, mine)
				cg, err := procfs.ReadCgroups(c.PID)
				if err != nil {
					return false, errText(err)
				}
				l, _ := cgroupLine(cg, g, "cpu")
				m, err := rootfs.RootMount(c.PID)
				if err != nil {
					return false, errText(err)
				}
				if len(diff) < len(container.Namespaces) || l.Path != "/"+g.Name || m.Root == "/" {
					return false, Tf("process %d: new %v, cgroup %s, root %s", "プロセス %d: 新しい名前空間 %v、cgroup %s、ルート %s", c.PID, diff, l.Path, m.Root)
				}
				// The timing itself is nakami's own stopwatch, so it is shown,
				// not checked: performance belongs to benchmarks.
				timing := T("", "")
				full, err1 := time.ParseDuration(e.Values["fc-start-full"])
				plain, err2 := time.ParseDuration(e.Values["fc-start-plain"])
				if err1 == nil && err2 == nil {
					timing = Tf("; median of %d starts, clone to ready: container %v, plain process %v",
						"。%d 回の中央値(clone から ready まで): コンテナ %v、普通のプロセス %v",
						fcRuns, full.Round(100*time.Microsecond), plain.Round(100*time.Microsecond))
				}
				return true, T(fmt.Sprintf("the last one, process %d: new %s; cgroup %s; / is %s", c.PID, strings.Join(diff, ","), l.Path, m.Root)+timing.EN,
					fmt.Sprintf("最後の 1 つ、プロセス %d: 新しい %s。cgroup %s。/ は %s", c.PID, strings.Join(diff, ","), l.Path, m.Root)+timing.JA)
			},
		},
	},
}
