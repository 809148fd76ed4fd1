package lessons

// first-container/start-time (article map row 8): a container starts like
// an ordinary process. Five plain processes and five full containers
// (namespaces, cgroup, pivot_root) are started and timed from clone(2) to
// "ready"; the last container stays for the check to read.

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"nakami/engine"
	"nakami/engine/cgroup"
	"nakami/engine/child"
	"nakami/engine/container"
	"nakami/engine/procfs"
	"nakami/engine/rootfs"
)

// fcStarts are the medians of the timed starts, clone to "ready".
type fcStarts struct {
	Plain, Container time.Duration
	Verified         []string // the earlier containers, as the kernel showed each before it stopped
}

// fcStartsKey holds the start-time step's medians.
var fcStartsKey = newKey[fcStarts]("first-container/starts")

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
		var verified []string
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
					// read from the kernel before it is stopped
					if d, verr := fcRealContainer(c.PID, g); verr == nil {
						verified = append(verified, d)
					}
					c.Stop()
				}
			}
			if err != nil {
				return err
			}
			full = append(full, time.Since(t0))
		}
		fcStartsKey.Set(e, fcStarts{Plain: median(plain), Container: median(full), Verified: verified})
		e.S.T.Add(engine.Op{Call: fmt.Sprintf("clone → \"ready\" ×%d each", fcRuns), Shell: "time …", By: "nakami",
			Detail: Tf("plain process: %v; container: %v", "普通のプロセス: %v、コンテナ: %v", plain, full).In(e.Lang)})
		return nil
	},
	Checks: []Check{
		procCheck(Tf("each of the %d timed starts was a real container: new namespaces, in the group, pivoted into the root filesystem (read before each was stopped; the last one live)",
			"計測した %d 回の起動はどれも本物のコンテナ: 新しい名前空間、グループの中、ルートファイルシステムへ pivot_root 済み (それぞれ止める前に読み、最後の 1 つは動いたまま)", fcRuns), "timed",
			func(e *Env, c *child.Process) (bool, Text) {
				g, why, ok := groupOrNot(e, "timed")
				if !ok {
					return false, T("no container has been timed yet "+why.EN, "まだコンテナの起動を計測していません "+why.JA)
				}
				last, err := fcRealContainer(c.PID, g)
				if err != nil {
					return false, errText(err)
				}
				st, _ := fcStartsKey.Get(e)
				if len(st.Verified) != fcRuns-1 {
					return false, Tf("only %d of the %d earlier starts read as real containers", "それ以前の %d 回のうち本物のコンテナと読めたのは %d 回だけ", len(st.Verified), fcRuns-1)
				}
				// The timing itself is nakami's own stopwatch, so it is shown,
				// not checked: performance belongs to benchmarks.
				timing := Tf("; median of %d starts, clone to ready: container %v, plain process %v",
					"。%d 回の中央値(clone から ready まで): コンテナ %v、普通のプロセス %v",
					fcRuns, st.Container.Round(100*time.Microsecond), st.Plain.Round(100*time.Microsecond))
				return true, T(fmt.Sprintf("%d earlier starts read alike; the last one, %s", len(st.Verified), last)+timing.EN,
					fmt.Sprintf("それ以前の %d 回も同じ。最後の 1 つ、%s", len(st.Verified), last)+timing.JA)
			}),
	},
}

// fcRealContainer reads from the kernel that pid is a container: every
// namespace of container.Namespaces new, in g, and its root a mount of
// the root filesystem; it says what it read.
func fcRealContainer(pid int, g *cgroup.Group) (string, error) {
	ns, err := procfs.ReadNamespaces(pid)
	if err != nil {
		return "", err
	}
	mine, err := procfs.ReadNamespaces(os.Getpid())
	if err != nil {
		return "", err
	}
	diff := differing(ns, mine)
	cg, err := procfs.ReadCgroups(pid)
	if err != nil {
		return "", err
	}
	l, _ := cgroupLine(cg, g, "cpu")
	m, err := rootfs.RootMount(pid)
	if err != nil {
		return "", err
	}
	if len(diff) < len(container.Namespaces) || l.Path != "/"+g.Name || m.Root == "/" {
		return "", fmt.Errorf("process %d: new %v, cgroup %s, root %s", pid, diff, l.Path, m.Root)
	}
	return fmt.Sprintf("process %d: new %s; cgroup %s; / is %s", pid, strings.Join(diff, ","), l.Path, m.Root), nil
}
