package netlab

// A private network, the way the article builds it with ip(8), done over
// netlink: a bridge with 192.168.77.1/24 on the host, a named network
// namespace (what `ip netns add` makes: a new net namespace kept alive by a
// bind mount under /run/netns), a veth pair with one end on the bridge and
// the other moved into the namespace, renamed eth0, addressed and given a
// default route through the bridge.
//
// Safety: every address and gateway passes GuardIP/GuardCIDR (only
// 192.168.77.0/24); every link nakami changes on the host passes
// GuardLinkName (only nk<session>…); the only route added is inside the
// namespace nakami created. Each object is journaled before it exists.
//
// The namespace is created on a goroutine locked to its OS thread that
// calls unshare(CLONE_NEWNET) and bind-mounts /proc/thread-self/ns/net; the
// thread is never unlocked, so the runtime discards it and no other
// goroutine ever runs in the new namespace. Work inside the namespace is
// done the same way (JoinFile): netlink sockets opened on that thread
// belong to the namespace.
//
// Unlike `ip netns add`, nakami does not turn /run/netns into a shared
// bind mount of itself: that would be one more mount on the host, and the
// namespace's file is only used from this mount namespace.
//
// Syscalls: netlink RTM_NEWLINK, RTM_DELLINK, RTM_NEWADDR, RTM_NEWROUTE,
// RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE; unshare(2) CLONE_NEWNET; mount(2)
// MS_BIND; umount2(2); setns(2). Man pages: rtnetlink(7), ip-link(8),
// ip-address(8), ip-route(8), ip-netns(8), veth(4), network_namespaces(7).

import (
	"errors"
	"fmt"
	"nakami/engine"
	"nakami/engine/procfs"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Net is one session's private network.
type Net struct {
	s *engine.Session
	Names
}

// New names the session's network objects; it creates nothing.
func New(s *engine.Session) *Net { return &Net{s: s, Names: NamesFor(s.ID)} }

func (n *Net) record(kind, name string) error {
	e := engine.Entry{Kind: kind}
	if kind == engine.KindLink {
		if err := GuardLinkName(n.s.ID, name); err != nil {
			return err
		}
		e.Name = name
	} else {
		e.Path = name
	}
	_, err := n.s.Journal.Record(e)
	return err
}

// hostLink finds one of the session's links in the host's namespace.
func (n *Net) hostLink(name string) (netlink.Link, error) {
	if err := GuardLinkName(n.s.ID, name); err != nil {
		return nil, err
	}
	return netlink.LinkByName(name)
}

// addAddr assigns a guarded address to a link.
func addAddr(l netlink.Link, cidr string) error {
	ipn, err := GuardCIDR(cidr)
	if err != nil {
		return err
	}
	return netlink.AddrAdd(l, &netlink.Addr{IPNet: ipn})
}

// AddBridge creates the bridge, gives it 192.168.77.1/24 and brings it up.
func (n *Net) AddBridge() error {
	if err := n.record(engine.KindLink, n.Bridge); err != nil {
		return err
	}
	t := n.s.T
	br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: n.Bridge}}
	if err := t.Do("RTM_NEWLINK bridge "+n.Bridge, "ip link add name "+n.Bridge+" type bridge", func() error {
		return netlink.LinkAdd(br)
	}); err != nil {
		return err
	}
	l, err := n.hostLink(n.Bridge)
	if err != nil {
		return err
	}
	if err := t.Do("RTM_NEWADDR "+BridgeAddr+" dev "+n.Bridge, "ip addr add "+BridgeAddr+" dev "+n.Bridge, func() error {
		return addAddr(l, BridgeAddr)
	}); err != nil {
		return err
	}
	return t.Do("RTM_NEWLINK "+n.Bridge+" IFF_UP", "ip link set "+n.Bridge+" up", func() error {
		return netlink.LinkSetUp(l)
	})
}

// AddNetns makes the named namespace, like `ip netns add`. It reports
// whether it had to create /run/netns (RemoveNetnsDir takes it away again).
func (n *Net) AddNetns() (madeDir bool, err error) {
	t := n.s.T
	if _, err := os.Stat(NetnsDir); errors.Is(err, os.ErrNotExist) {
		e, err := n.s.Journal.Record(engine.Entry{Kind: engine.KindEmptyDir, Path: NetnsDir})
		if err != nil {
			return false, err
		}
		err = t.Do(fmt.Sprintf("mkdir(%q, 0755)", NetnsDir), "mkdir -p "+NetnsDir, func() error {
			return os.Mkdir(NetnsDir, 0o755)
		})
		switch {
		case errors.Is(err, os.ErrExist):
			n.s.Journal.Forget(e) // another tool made it meanwhile: not ours
		case err != nil:
			return false, err
		default:
			madeDir = true
		}
	}
	if err := n.s.Journal.ReleasePath(n.NSPath); err != nil { // an earlier run's
		return madeDir, err
	}
	if err := n.record(engine.KindNetns, n.NSPath); err != nil {
		return madeDir, err
	}
	err = t.Do(fmt.Sprintf("open(%q, O_CREAT|O_EXCL); unshare(CLONE_NEWNET); mount(\"/proc/thread-self/ns/net\", %q, MS_BIND)", n.NSPath, n.NSPath),
		"ip netns add "+n.NS, func() error { return createNetns(n.NSPath) })
	return madeDir, err
}

// createNetns makes a new network namespace on a locked thread and
// bind-mounts it on path; the thread then returns to its own namespace.
func createNetns(path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_RDONLY, 0o444)
	if err != nil {
		return err
	}
	f.Close()
	return onNetThread(func() error {
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			return fmt.Errorf("unshare(CLONE_NEWNET): %w", err)
		}
		if err := unix.Mount("/proc/thread-self/ns/net", path, "", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("bind-mounting the new namespace on %s: %w", path, err)
		}
		return nil
	})
}

// onNetThread runs fn, which may move its thread into another network
// namespace, on a locked OS thread, and moves the thread back to the
// namespace it started in afterwards. Only when that succeeds is the thread
// unlocked; otherwise it stays locked and the runtime discards it.
//
// Moving back matters: a goroutine that exits while locked usually takes
// its thread with it, but when it happens to run on the main thread the
// runtime cannot end that thread and parks it forever, and the parked
// thread would keep the namespace (and the veth inside) alive after `ip
// netns del`.
func onNetThread(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		home, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			errc <- err
			return
		}
		defer home.Close()
		err = fn()
		if rerr := unix.Setns(int(home.Fd()), unix.CLONE_NEWNET); rerr == nil {
			runtime.UnlockOSThread()
		} else if err == nil {
			err = fmt.Errorf("cannot return to the host's network namespace: %w", rerr)
		}
		errc <- err
	}()
	return <-errc
}

// joinNet runs fn on a thread inside the network namespace at path (see
// onNetThread). Netlink calls and sockets fn makes belong to it.
func joinNet(path string, fn func() error) error {
	return onNetThread(func() error {
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("cannot open %s: %w", path, err)
		}
		err = unix.Setns(int(f.Fd()), unix.CLONE_NEWNET)
		f.Close()
		if err != nil {
			return fmt.Errorf("cannot join the network namespace at %s: %w", path, err)
		}
		return fn()
	})
}

// RemoveNetnsDir removes /run/netns when it is empty and this session made
// it (its journal names it); a directory holding anything is left alone.
func RemoveNetnsDir(s *engine.Session) error {
	return s.T.Do(fmt.Sprintf("rmdir(%q)", NetnsDir), "rmdir "+NetnsDir, func() error {
		for _, e := range s.Journal.Live() {
			if e.Kind == engine.KindEmptyDir && e.Path == NetnsDir {
				return s.Journal.Release(e)
			}
		}
		return nil
	})
}

// Inside runs fn on a thread that has joined the session's namespace.
// Netlink calls made by fn talk to that namespace.
func (n *Net) Inside(fn func() error) error {
	return joinNet(n.NSPath, fn)
}

// AddVeth creates the veth pair, puts one end on the bridge and up, and
// moves the other into the namespace.
func (n *Net) AddVeth() error {
	t := n.s.T
	if err := n.record(engine.KindLink, n.Veth); err != nil {
		return err
	}
	if err := n.record(engine.KindLink, n.Peer); err != nil {
		return err
	}
	v := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: n.Veth}, PeerName: n.Peer}
	if err := t.Do("RTM_NEWLINK veth "+n.Veth+" peer "+n.Peer, "ip link add name "+n.Veth+" type veth peer name "+n.Peer, func() error {
		return netlink.LinkAdd(v)
	}); err != nil {
		return err
	}
	veth, err := n.hostLink(n.Veth)
	if err != nil {
		return err
	}
	br, err := n.hostLink(n.Bridge)
	if err != nil {
		return err
	}
	if err := t.Do(fmt.Sprintf("RTM_NEWLINK %s IFLA_MASTER=%d (%s)", n.Veth, br.Attrs().Index, n.Bridge), "ip link set dev "+n.Veth+" master "+n.Bridge, func() error {
		return netlink.LinkSetMaster(veth, br)
	}); err != nil {
		return err
	}
	if err := t.Do("RTM_NEWLINK "+n.Veth+" IFF_UP", "ip link set "+n.Veth+" up", func() error {
		return netlink.LinkSetUp(veth)
	}); err != nil {
		return err
	}
	peer, err := n.hostLink(n.Peer)
	if err != nil {
		return err
	}
	return t.Do(fmt.Sprintf("RTM_NEWLINK %s IFLA_NET_NS_FD=open(%q)", n.Peer, n.NSPath), "ip link set "+n.Peer+" netns "+n.NS, func() error {
		f, err := os.Open(n.NSPath)
		if err != nil {
			return err
		}
		defer f.Close()
		return netlink.LinkSetNsFd(peer, int(f.Fd()))
	})
}

// Configure does, inside the namespace, what the article types after
// `ip netns exec ns0`: rename the peer to eth0, address it, bring it and lo
// up, and route everything else through the bridge's address.
func (n *Net) Configure() error {
	t := n.s.T
	x := "ip netns exec " + n.NS + " "
	return n.Inside(func() error {
		peer, err := netlink.LinkByName(n.Peer)
		if err != nil {
			return fmt.Errorf("%s is not in %s: %w", n.Peer, n.NS, err)
		}
		if err := t.Do("RTM_NEWLINK "+n.Peer+" IFLA_IFNAME=eth0 (in "+n.NS+")", x+"ip link set "+n.Peer+" name eth0", func() error {
			return netlink.LinkSetName(peer, n.Inner)
		}); err != nil {
			return err
		}
		eth0, err := netlink.LinkByName(n.Inner)
		if err != nil {
			return err
		}
		if err := t.Do("RTM_NEWADDR "+NSAddr+" dev eth0 (in "+n.NS+")", x+"ip addr add "+NSAddr+" dev eth0", func() error {
			return addAddr(eth0, NSAddr)
		}); err != nil {
			return err
		}
		if err := t.Do("RTM_NEWLINK eth0 IFF_UP (in "+n.NS+")", x+"ip link set eth0 up", func() error {
			return netlink.LinkSetUp(eth0)
		}); err != nil {
			return err
		}
		if err := t.Do("RTM_NEWLINK lo IFF_UP (in "+n.NS+")", x+"ip link set lo up", func() error {
			lo, err := netlink.LinkByName("lo")
			if err == nil {
				err = netlink.LinkSetUp(lo)
			}
			return err
		}); err != nil {
			return err
		}
		return t.Do("RTM_NEWROUTE default via "+Gateway+" dev eth0 (in "+n.NS+")", x+"ip route add default via "+Gateway, func() error {
			return addDefaultRoute(eth0)
		})
	})
}

// addDefaultRoute adds "default via 192.168.77.1"; it is only ever called
// on a thread inside nakami's namespace.
func addDefaultRoute(l netlink.Link) error {
	gw := net.ParseIP(Gateway)
	if err := GuardIP(gw); err != nil {
		return err
	}
	return netlink.RouteAdd(&netlink.Route{LinkIndex: l.Attrs().Index, Gw: gw})
}

// DelNetns is `ip netns del`: unmount and remove the namespace's file. The
// namespace dies with its last reference, and the veth end inside it with
// it, which takes the host's end away too; DelNetns waits for that.
func (n *Net) DelNetns() error {
	e, ok := n.live(engine.KindNetns, n.NSPath)
	if !ok {
		return fmt.Errorf("%s is not one of this session's live objects", n.NSPath)
	}
	err := n.s.T.Do(fmt.Sprintf("umount2(%q, MNT_DETACH); unlink(%q)", n.NSPath, n.NSPath), "ip netns del "+n.NS, func() error {
		return n.s.Journal.Release(e)
	})
	if err != nil {
		return err
	}
	return n.s.T.Do("RTM_GETLINK "+n.Veth+" until ENODEV (the namespace is torn down asynchronously)", "ip link show "+n.Veth, func() error {
		for i := 0; i < 400; i++ {
			if _, err := netlink.LinkByName(n.Veth); err != nil {
				var nf netlink.LinkNotFoundError
				if errors.As(err, &nf) {
					n.releaseIfGone(n.Veth)
					n.releaseIfGone(n.Peer)
					return nil
				}
				return err
			}
			time.Sleep(5 * time.Millisecond)
		}
		return fmt.Errorf("%s still exists 2 s after its namespace was deleted", n.Veth)
	})
}

// DelBridge is `ip link del br0`.
func (n *Net) DelBridge() error {
	e, ok := n.live(engine.KindLink, n.Bridge)
	if !ok {
		return fmt.Errorf("%s is not one of this session's live objects", n.Bridge)
	}
	return n.s.T.Do("RTM_DELLINK "+n.Bridge, "ip link del "+n.Bridge, func() error {
		return n.s.Journal.Release(e)
	})
}

func (n *Net) live(kind, name string) (engine.Entry, bool) {
	for _, e := range n.s.Journal.Live() {
		if e.Kind == kind && (e.Name == name || e.Path == name) {
			return e, true
		}
	}
	return engine.Entry{}, false
}

func (n *Net) releaseIfGone(name string) {
	if e, ok := n.live(engine.KindLink, name); ok {
		n.s.Journal.Release(e) // already gone: Undo finds nothing and succeeds
	}
}

// LinkInfo is what the kernel says about one link.
type LinkInfo struct {
	Name    string   `json:"name"`
	Index   int      `json:"index"`
	Type    string   `json:"type"`
	Up      bool     `json:"up"` // IFF_UP
	Master  int      `json:"master,omitempty"`
	Peer    int      `json:"peer,omitempty"` // a veth's peer ifindex (IFLA_LINK)
	Addrs   []string `json:"addrs,omitempty"`
	Netnsid int      `json:"netnsid"` // where the peer lives (-1: same namespace)
}

func linkInfo(l netlink.Link) LinkInfo {
	a := l.Attrs()
	li := LinkInfo{Name: a.Name, Index: a.Index, Type: l.Type(), Up: a.Flags&net.FlagUp != 0,
		Master: a.MasterIndex, Peer: a.ParentIndex, Netnsid: a.NetNsID}
	if addrs, err := netlink.AddrList(l, netlink.FAMILY_V4); err == nil {
		for _, ad := range addrs {
			li.Addrs = append(li.Addrs, ad.IPNet.String())
		}
	}
	return li
}

// ListLinks lists the links of the calling thread's network namespace
// (RTM_GETLINK dump).
func ListLinks() ([]LinkInfo, error) {
	ls, err := netlink.LinkList()
	if err != nil {
		return nil, err
	}
	out := make([]LinkInfo, 0, len(ls))
	for _, l := range ls {
		out = append(out, linkInfo(l))
	}
	return out, nil
}

// LinksOf lists the links of pid's network namespace, from a thread that
// joined it (root only).
func LinksOf(pid int) (ls []LinkInfo, err error) {
	err = joinNet(procfs.Path(pid, "ns/net"), func() error { ls, err = ListLinks(); return err })
	return ls, err
}

// HostLink reads one link of the host's namespace; ok is false when none
// has that name.
func HostLink(name string) (LinkInfo, bool, error) {
	l, err := netlink.LinkByName(name)
	if err != nil {
		var nf netlink.LinkNotFoundError
		if errors.As(err, &nf) {
			return LinkInfo{}, false, nil
		}
		return LinkInfo{}, false, err
	}
	return linkInfo(l), true, nil
}

// HostLinksWithPrefix lists the host's links whose names start with p.
func HostLinksWithPrefix(p string) ([]string, error) {
	ls, err := netlink.LinkList()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, l := range ls {
		if strings.HasPrefix(l.Attrs().Name, p) {
			out = append(out, l.Attrs().Name)
		}
	}
	return out, nil
}

// Route is one IPv4 route of a namespace's main table.
type Route struct {
	Dst string `json:"dst"` // "default" or a prefix
	Gw  string `json:"gw,omitempty"`
	Dev string `json:"dev"`
}

// InsideState is the namespace's network as read from inside it.
type InsideState struct {
	Links  []LinkInfo `json:"links"`
	Routes []Route    `json:"routes"`
	SNMP   SNMP       `json:"-"`
	Inode  uint64     `json:"inode"`
	Fwd    string     `json:"ip_forward"`
}

// ReadInside reads links, routes, /proc/thread-self/net/snmp and
// ip_forward from a thread inside the namespace at path.
func ReadInside(path string) (InsideState, error) {
	var st InsideState
	err := joinNet(path, func() error {
		var err error
		if st.Links, err = ListLinks(); err != nil {
			return err
		}
		names := map[int]string{}
		for _, l := range st.Links {
			names[l.Index] = l.Name
		}
		rs, err := netlink.RouteList(nil, netlink.FAMILY_V4)
		if err != nil {
			return err
		}
		for _, r := range rs {
			x := Route{Dst: "default", Dev: names[r.LinkIndex]}
			if r.Dst != nil && r.Dst.String() != "0.0.0.0/0" {
				x.Dst = r.Dst.String()
			}
			if r.Gw != nil {
				x.Gw = r.Gw.String()
			}
			st.Routes = append(st.Routes, x)
		}
		b, err := os.ReadFile("/proc/thread-self/net/snmp")
		if err != nil {
			return err
		}
		if st.SNMP, err = ParseSNMP(string(b)); err != nil {
			return err
		}
		var s unix.Stat_t
		if err := unix.Stat("/proc/thread-self/ns/net", &s); err != nil {
			return err
		}
		st.Inode = s.Ino
		fwd, err := os.ReadFile("/proc/sys/net/ipv4/ip_forward")
		st.Fwd = strings.TrimSpace(string(fwd))
		return err
	})
	return st, err
}

// ReadSNMP reads /proc/PID/net/snmp: the counters of pid's namespace.
func ReadSNMP(pid int) (SNMP, error) {
	b, err := os.ReadFile(procfs.Path(pid, "net/snmp"))
	if err != nil {
		return nil, procfs.Explain(pid, err)
	}
	return ParseSNMP(string(b))
}

// LinkStat reads /sys/class/net/NAME/statistics/WHAT of a host link.
func LinkStat(name, what string) (int64, error) {
	b, err := os.ReadFile("/sys/class/net/" + name + "/statistics/" + what)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
}

// SetForwardInside writes 1 to ip_forward in the namespace only: the
// sysctls under /proc/sys/net belong to the writer's network namespace.
func (n *Net) SetForwardInside() error {
	return n.s.T.Do(fmt.Sprintf("write(\"/proc/sys/net/ipv4/ip_forward\", \"1\") (in %s)", n.NS),
		"ip netns exec "+n.NS+" sysctl -w net.ipv4.ip_forward=1", func() error {
			return n.Inside(func() error {
				return os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte("1\n"), 0)
			})
		})
}

// ReadHostForward reads ip_forward of the host's namespace (nakami's own
// threads are all in it; only locked, discarded threads ever leave).
func ReadHostForward() (string, error) {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_forward")
	return strings.TrimSpace(string(b)), err
}

func init() {
	engine.RegisterUndo(engine.KindNetns, func(e engine.Entry) error {
		if err := engine.UndoMount(e.Path); err != nil {
			return err
		}
		return engine.IgnoreMissing(os.Remove(e.Path))
	})
	engine.RegisterUndo(engine.KindLink, func(e engine.Entry) error {
		l, err := netlink.LinkByName(e.Name)
		if err != nil {
			var nf netlink.LinkNotFoundError
			if errors.As(err, &nf) {
				return nil
			}
			return err
		}
		return netlink.LinkDel(l)
	})
}
