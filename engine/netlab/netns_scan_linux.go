package netlab

// Finding the network namespaces that exist on the machine, read-only, for
// exercise checks: the nsfs mounts of net namespaces in this process's
// mount table (`ip netns add`, `unshare --net=FILE`) and the namespaces of
// running processes (/proc/PID/ns/net, a bounded scan). Then, for one of
// them, what a thread inside sees: its links, and the id (link-netnsid) it
// gives each of the others, so that a veth peer's IFLA_LINK_NETNSID can be
// matched to exactly one namespace.
//
// Nothing is created, changed or removed. RTM_GETNSID only looks an id up;
// the link dump may make the kernel assign an id to a peer namespace, as
// `ip link` does.
//
// Syscalls: open(2)/read(2) of /proc/self/mountinfo, getdents64(2) of
// /proc, readlink(2) of /proc/PID/ns/net, stat(2) of /proc/self/ns/net,
// open(2) and setns(2) CLONE_NEWNET, netlink RTM_GETLINK, RTM_GETADDR,
// RTM_GETNSID.
// Man pages: network_namespaces(7), ip-netns(8), proc(5), rtnetlink(7).

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"nakami/engine/procfs"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Netns is one network namespace and what holds it.
type Netns struct {
	Inode  uint64   `json:"inode"`
	Mounts []string `json:"mounts,omitempty"` // nsfs mount points holding it
	PIDs   []int    `json:"pids,omitempty"`   // processes in it (the first few)
	// Self marks the calling process's own namespace (the host's, for
	// nakami), opened through /proc/thread-self: /proc/PID/ns/net names
	// the main thread's, which may be away in another namespace.
	Self bool `json:"self,omitempty"`
}

// Path is a file that opens the namespace: a mount point, else
// /proc/PID/ns/net of its first process.
func (n Netns) Path() string {
	if n.Self {
		return "/proc/thread-self/ns/net"
	}
	if len(n.Mounts) > 0 {
		return n.Mounts[0]
	}
	if len(n.PIDs) > 0 {
		return procfs.Path(n.PIDs[0], "ns/net")
	}
	return ""
}

// String names the namespace the way a learner finds it again.
func (n Netns) String() string {
	if len(n.Mounts) > 0 {
		return fmt.Sprintf("%s (net:[%d])", n.Mounts[0], n.Inode)
	}
	if len(n.PIDs) > 0 {
		return fmt.Sprintf("net:[%d] of PID %d", n.Inode, n.PIDs[0])
	}
	return fmt.Sprintf("net:[%d]", n.Inode)
}

// parseNetLink reads "net:[4026531840]".
func parseNetLink(s string) (uint64, bool) {
	rest, ok := strings.CutPrefix(s, "net:[")
	if !ok || !strings.HasSuffix(rest, "]") {
		return 0, false
	}
	n, err := strconv.ParseUint(strings.TrimSuffix(rest, "]"), 10, 64)
	return n, err == nil
}

// SelfNetns is the calling thread's network namespace: the host's, when
// called from any goroutine that did not lock its thread elsewhere.
func SelfNetns() (Netns, error) {
	var st unix.Stat_t
	if err := unix.Stat("/proc/thread-self/ns/net", &st); err != nil {
		return Netns{}, err
	}
	return Netns{Inode: st.Ino, Self: true}, nil
}

// NetNamespaces lists every network namespace this process can find,
// sorted by inode: those bind-mounted somewhere in its mount table and
// those of the first maxProcs processes in /proc (each keeps at most four
// PIDs). truncated says /proc held more processes than were read.
func NetNamespaces(maxProcs int) (out []Netns, truncated bool, err error) {
	by := map[uint64]*Netns{}
	get := func(ino uint64) *Netns {
		if by[ino] == nil {
			by[ino] = &Netns{Inode: ino}
		}
		return by[ino]
	}
	ms, err := procfs.ReadMounts(procfs.SelfPID())
	if err != nil {
		return nil, false, err
	}
	for _, m := range ms {
		if m.FSType != "nsfs" {
			continue
		}
		if ino, ok := parseNetLink(m.Root); ok {
			n := get(ino)
			n.Mounts = append(n.Mounts, m.Mountpoint)
		}
	}
	pids, err := procfs.ReadProcPIDs("/proc")
	if err != nil {
		return nil, false, err
	}
	if len(pids) > maxProcs {
		pids, truncated = pids[:maxProcs], true
	}
	for _, pid := range pids {
		target, err := os.Readlink(procfs.Path(pid, "ns/net"))
		if err != nil {
			continue // gone, a kernel thread, or not ours to read
		}
		if ino, ok := parseNetLink(target); ok {
			if n := get(ino); len(n.PIDs) < 4 {
				n.PIDs = append(n.PIDs, pid)
			}
		}
	}
	for _, n := range by {
		out = append(out, *n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Inode < out[j].Inode })
	return out, truncated, nil
}

// NetnsView is what a thread inside one network namespace sees.
type NetnsView struct {
	Links []LinkInfo `json:"links"`
	// IDs is the id this namespace gives each of the others (by inode),
	// the number a veth's link-netnsid shows; absent when it has none.
	IDs map[uint64]int `json:"ids"`
}

// ViewNetns reads the links of the namespace at path ("" for the calling
// thread's own) and the ids it gives the namespaces in others, from a
// thread inside it. The others are opened before the thread moves.
func ViewNetns(path string, others []Netns) (NetnsView, error) {
	v := NetnsView{IDs: map[uint64]int{}}
	files := map[uint64]*os.File{}
	for _, o := range others {
		if f, err := os.Open(o.Path()); err == nil { // else its process has gone
			files[o.Inode] = f
			defer f.Close()
		}
	}
	read := func() error {
		var err error
		if v.Links, err = ListLinks(); err != nil {
			return err
		}
		for ino, f := range files {
			if id, err := netlink.GetNetNsIdByFd(int(f.Fd())); err == nil && id >= 0 {
				v.IDs[ino] = id
			}
		}
		return nil
	}
	if path == "" {
		return v, onNetThread(read)
	}
	return v, joinNet(path, read)
}
