package lessons

// Snapshots: the /proc state of one observed process, read through package
// engine, in a shape the workbench and `nakami inspect` can show without
// importing engine.

import (
	"fmt"
	"sort"
	"strings"

	"nakami/engine/child"
	"nakami/engine/procfs"
)

// NS is one namespace of a snapshot.
type NS struct {
	Type       string `json:"type"`
	Inode      uint64 `json:"inode"`
	SharedPID1 *bool  `json:"shared_with_pid1,omitempty"` // vs PID 1, or the Reference stand-in; nil when unreadable
}

// Snapshot is the live /proc view of one process.
type Snapshot struct {
	Role     string            `json:"role,omitempty"`
	PID      int               `json:"pid"`
	Name     string            `json:"name"`
	NS       []NS              `json:"namespaces"`
	NSpid    []int             `json:"nspid"`
	Uid      [4]int            `json:"uid"`
	Gid      [4]int            `json:"gid"`
	UIDMap   []procfs.IDMap    `json:"uid_map"`
	GIDMap   []procfs.IDMap    `json:"gid_map"`
	Caps     map[string]string `json:"caps"` // set → hex mask
	Cgroups  []string          `json:"cgroups"`
	Root     string            `json:"root"`
	Mounts   int               `json:"mounts"`
	Hostname string            `json:"hostname,omitempty"`
	Err      string            `json:"error,omitempty"`
}

// Inspect reads pid's state. Unreadable parts are left empty; a vanished
// process gives an error.
func Inspect(pid int) (Snapshot, error) { return InspectLive(pid, true) }

// InspectLive is Inspect for a refreshing panel: the hostname (which needs
// a setns, or for an unprivileged user a whole helper process) is read only
// when withHostname is set.
func InspectLive(pid int, withHostname bool) (Snapshot, error) {
	sn := Snapshot{PID: pid}
	st, err := procfs.ReadStatus(pid)
	if err != nil {
		return sn, err
	}
	sn.Name, sn.NSpid, sn.Uid, sn.Gid = st.Name, st.NSpid, st.Uid, st.Gid
	sn.Caps = map[string]string{
		"inheritable": fmt.Sprintf("%016x", st.CapInh), "permitted": fmt.Sprintf("%016x", st.CapPrm),
		"effective": fmt.Sprintf("%016x", st.CapEff), "bounding": fmt.Sprintf("%016x", st.CapBnd),
		"ambient": fmt.Sprintf("%016x", st.CapAmb),
	}
	ns, err := procfs.ReadNamespaces(pid)
	if err != nil {
		return sn, err
	}
	init, initErr := referenceNS()
	for name, l := range ns {
		n := NS{Type: name, Inode: l.Inode}
		if initErr == nil {
			shared := init[name] == l
			n.SharedPID1 = &shared
		}
		sn.NS = append(sn.NS, n)
	}
	sort.Slice(sn.NS, func(i, j int) bool { return sn.NS[i].Type < sn.NS[j].Type })
	sn.UIDMap, sn.GIDMap, _ = procfs.ReadIDMaps(pid)
	if cg, err := procfs.ReadCgroups(pid); err == nil {
		for _, c := range cg {
			sn.Cgroups = append(sn.Cgroups, fmt.Sprintf("%d:%s:%s", c.ID, strings.Join(c.Controllers, ","), c.Path))
		}
	}
	sn.Root, _ = procfs.ReadRoot(pid)
	sn.Mounts, _ = procfs.CountMounts(pid)
	if withHostname {
		if h, err := child.Hostname(pid); err == nil {
			sn.Hostname = h
		}
	}
	return sn, nil
}

// NSInode returns the inode of one namespace type in the snapshot.
func (s Snapshot) NSInode(typ string) uint64 {
	for _, n := range s.NS {
		if n.Type == typ {
			return n.Inode
		}
	}
	return 0
}

// IDMap is one line of a uid or gid map.
type IDMap = procfs.IDMap
