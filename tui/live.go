package tui

// The live /proc panel: for each process the step observes, its namespace
// table against the reference process, id maps, capability masks, cgroups,
// root, mount count and hostname.

import (
	"fmt"
	"strings"

	"nakami/lessons"
)

func (m *model) liveLines(width int) []string {
	it := m.cur()
	if len(it.step.Observe) == 0 {
		return []string{m.st.dim.Render(m.tr("this step observes no process", "このステップが観察するプロセスはありません"))}
	}
	if len(m.live) == 0 {
		return []string{m.st.dim.Render(m.tr("nothing running yet: press enter to run the step", "まだ何も動いていません。enter でステップを実行"))}
	}
	var out []string
	for _, sn := range m.live {
		out = append(out, m.snapshotLines(sn, width)...)
		out = append(out, "")
	}
	return out
}

func (m *model) snapshotLines(sn lessons.Snapshot, width int) []string {
	st := m.st
	nspid := ""
	if len(sn.NSpid) > 1 {
		nspid = fmt.Sprintf("  NSpid %v", sn.NSpid)
	}
	lines := []string{st.title.Render(fmt.Sprintf("%s · pid %d (%s)", sn.Role, sn.PID, sn.Name)) + st.dim.Render(nspid)}
	for _, n := range sn.NS {
		if strings.HasSuffix(n.Type, "_for_children") {
			continue
		}
		rel := st.dim.Render("?")
		if n.SharedPID1 != nil {
			if *n.SharedPID1 {
				rel = st.dim.Render(m.tr("shared", "共有"))
			} else {
				rel = st.newNS.Render(m.tr("NEW", "新規"))
			}
		}
		lines = append(lines, fmt.Sprintf("  %-7s %-11d %s", n.Type, n.Inode, rel))
	}
	idmap := func(ms []lessons.IDMap) string {
		var p []string
		for _, e := range ms {
			p = append(p, fmt.Sprintf("%d→%d(%d)", e.Inside, e.Outside, e.Count))
		}
		return strings.Join(p, " ")
	}
	lines = append(lines, fmt.Sprintf("  uid_map %s  gid_map %s", idmap(sn.UIDMap), idmap(sn.GIDMap)))
	lines = append(lines, fmt.Sprintf("  uid %d  CapEff %s  CapAmb %s", sn.Uid[1], sn.Caps["effective"], sn.Caps["ambient"]))
	lines = append(lines, fmt.Sprintf("  root %s · %d %s · hostname %q", sn.Root, sn.Mounts, m.tr("mounts", "マウント"), sn.Hostname))
	for _, c := range sn.Cgroups {
		if !strings.HasSuffix(c, ":/") {
			lines = append(lines, "  cgroup "+c)
		}
	}
	return clip(lines, width)
}

func clip(lines []string, width int) []string {
	for i, l := range lines {
		if w := visibleWidth(l); w > width && width > 1 {
			lines[i] = truncate(l, width)
		}
	}
	return lines
}
