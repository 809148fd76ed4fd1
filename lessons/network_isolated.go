package lessons

// network/isolated (row 37 of the article map): `unshare -nr ip link` — a
// new network namespace holds only lo, and lo is DOWN.

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"nakami/engine/child"
	"nakami/engine/netlab"
	"nakami/engine/procfs"
)

var netIsolatedStep = &Step{
	ID:       "isolated",
	Commands: []string{"unshare -nr ip link"},
	Requires: NeedsUserNS,
	Live:     Live{Procs: []string{"isolated"}},
	Action: func(e *Env) error {
		c, err := e.Spawn(child.Spec{Role: "isolated", NewNS: []string{"user", "net"}, Shell: "unshare -nr ip link"})
		if err != nil {
			return err
		}
		return e.S.T.Do(fmt.Sprintf("read(\"/proc/%d/net/dev\")", c.PID), fmt.Sprintf("cat /proc/%d/net/dev", c.PID), func() error {
			_, err := procfs.ReadNetDevs(c.PID)
			return err
		})
	},
	Checks: []Check{
		procCheck(T("the new network namespace holds only lo", "新しいネットワーク名前空間には lo しかない"), "isolated",
			func(e *Env, c *child.Process) (bool, Text) {
				theirs, err := procfs.ReadNamespaces(c.PID)
				if err != nil {
					return false, errText(err)
				}
				mine, err := procfs.ReadNamespaces(os.Getpid())
				if err != nil {
					return false, errText(err)
				}
				devs, err := procfs.ReadNetDevs(c.PID)
				if err != nil {
					return false, errText(err)
				}
				if theirs["net"] == mine["net"] {
					return false, Tf("process %d is still in the host's net:[%d]", "プロセス %d はまだホストの net:[%d] にいます", c.PID, mine["net"].Inode)
				}
				if !slices.Equal(devs, []string{"lo"}) {
					return false, Tf("/proc/%d/net/dev lists %v", "/proc/%d/net/dev には %v があります", c.PID, devs)
				}
				return true, Tf("/proc/%d/net/dev lists only lo, in net:[%d] (the host's is net:[%d])",
					"/proc/%d/net/dev には lo だけ。net:[%d](ホストは net:[%d])", c.PID, theirs["net"].Inode, mine["net"].Inode)
			}),
		procCheck(T("lo is DOWN", "lo は DOWN"), "isolated",
			func(e *Env, c *child.Process) (bool, Text) {
				if os.Geteuid() != 0 {
					// Without root nakami cannot open a netlink socket in
					// there; a loopback that is up has 127.0.0.1 in the
					// local routing table, which /proc/PID/net/fib_trie shows.
					b, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/fib_trie", c.PID))
					if err != nil {
						return false, errText(err)
					}
					if strings.Contains(string(b), "127.0.0.1") {
						return false, Tf("/proc/%d/net/fib_trie has 127.0.0.1: lo is up", "/proc/%d/net/fib_trie に 127.0.0.1 があります: lo は up", c.PID)
					}
					return true, Tf("/proc/%d/net/fib_trie has no 127.0.0.1: lo is down", "/proc/%d/net/fib_trie に 127.0.0.1 はありません: lo は down", c.PID)
				}
				ls, err := netlab.LinksOf(c.PID)
				if err != nil {
					return false, errText(err)
				}
				if len(ls) != 1 || ls[0].Name != "lo" || ls[0].Up {
					return false, Tf("RTM_GETLINK inside process %d's namespace returned %+v", "プロセス %d の名前空間での RTM_GETLINK の結果: %+v", c.PID, ls)
				}
				return true, Tf("RTM_GETLINK inside: %d: lo, IFF_UP not set (state DOWN)", "中での RTM_GETLINK: %d: lo、IFF_UP なし(DOWN)", ls[0].Index)
			}),
	},
}
