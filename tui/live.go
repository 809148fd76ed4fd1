package tui

// The live /proc panel: for each process the step observes, its namespace
// table against the reference process, id maps, capability masks, cgroups,
// root, mount count and hostname.

import (
	"fmt"
	"strings"

	"nakami/lessons"
)

// liveData is one reading of everything the live panel shows.
type liveData struct {
	snaps   []lessons.Snapshot
	caps    map[int][]lessons.CapSet
	groups  []groupReading
	file    *lessons.FileCapsView
	formula []lessons.FormulaLine
	agrees  bool
}

type groupReading struct {
	role  string
	usage *lessons.CgroupUsage
	err   string
}

// liveReq is what to read, gathered from the Env on the event loop.
type liveReq struct {
	procs    []lessons.RolePID
	withHost bool
	known    map[int]string
	groups   [][2]string // role, path
	file     string
	formula  []lessons.FormulaLine
	agrees   bool
}

func (m *model) liveRequest() liveReq {
	it := m.cur()
	m.liveTick++
	if it.ex != nil {
		return liveReq{known: map[int]string{}}
	}
	t := m.env.LiveTargets(it.step)
	r := liveReq{procs: t.Procs, withHost: m.liveTick%6 == 1, known: map[int]string{}, file: t.File}
	for k, v := range m.hostname {
		r.known[k] = v
	}
	for _, g := range t.Groups {
		r.groups = append(r.groups, [2]string{g.Role, g.Path})
	}
	if t.Formula != nil {
		r.formula, r.agrees = t.Formula.Lines(m.lang), t.Formula.Agrees()
	}
	return r
}

// read runs in a tea.Cmd: kernel reads only.
func (r liveReq) read() liveData {
	d := liveData{caps: map[int][]lessons.CapSet{}, formula: r.formula, agrees: r.agrees}
	for _, o := range r.procs {
		sn, err := lessons.InspectLive(o.PID, r.withHost)
		if err != nil {
			continue
		}
		if sn.Hostname == "" {
			sn.Hostname = r.known[o.PID]
		}
		sn.Role = o.Role
		d.snaps = append(d.snaps, sn)
		if cs, err := lessons.CapSets(o.PID); err == nil {
			d.caps[o.PID] = cs
		}
	}
	for _, g := range r.groups {
		u, err := lessons.ReadCgroupUsage(g[1])
		gr := groupReading{role: g[0], usage: u}
		if err != nil {
			gr.err = err.Error()
		}
		d.groups = append(d.groups, gr)
	}
	if r.file != "" {
		if f, err := lessons.FileCapsOf(r.file); err == nil {
			d.file = &f
		}
	}
	return d
}

// takeLive stores a reading and keeps each group's CPU history.
func (m *model) takeLive(d liveData) {
	m.live = d
	for _, s := range d.snaps {
		if s.Hostname != "" {
			m.hostname[s.PID] = s.Hostname
		}
	}
	for _, g := range d.groups {
		if g.usage == nil {
			continue
		}
		if prev := m.cgPrev[g.role]; prev != nil {
			h := append(m.cgHist[g.role], g.usage.CPUPercent(prev))
			if len(h) > 150 { // a 160-column projector's width of history
				h = h[len(h)-150:]
			}
			m.cgHist[g.role] = h
		}
		m.cgPrev[g.role] = g.usage
	}
}

func (m *model) liveLines(width int) []string {
	d := m.live
	if len(d.snaps) == 0 && len(d.groups) == 0 && d.file == nil && len(d.formula) == 0 {
		if it := m.cur(); it.ex != nil {
			return []string{m.st.dim.Render(m.tr("an exercise: what the kernel shows is in the transcript panel", "演習: カーネルが示す内容はトランスクリプトのパネルにあります"))}
		} else if it.step.Live.Empty() {
			return []string{m.st.dim.Render(m.tr("this step observes no process", "このステップが観察するプロセスはありません"))}
		}
		return []string{m.st.dim.Render(m.tr("nothing running yet: press enter to run the step", "まだ何も動いていません。enter でステップを実行"))}
	}
	var out []string
	for _, g := range d.groups {
		out = append(out, m.groupLines(g, width)...)
		out = append(out, "")
	}
	for _, sn := range d.snaps {
		out = append(out, m.snapshotLines(sn, width)...)
		out = append(out, m.capLines(d.caps[sn.PID], width)...)
		out = append(out, "")
	}
	if d.file != nil {
		f := d.file
		text := f.Text
		if !f.Present {
			text = m.tr("(no file capabilities)", "(ファイルケーパビリティなし)")
		}
		out = append(out, m.st.title.Render(m.tr("file ", "ファイル ")+f.Path), fmt.Sprintf("  %s uid %d  %s", f.Mode, f.UID, text), "")
	}
	if len(d.formula) > 0 {
		verdict := m.st.pass.Render(m.tr("✓ the kernel agrees", "✓ カーネルと一致"))
		if !d.agrees {
			verdict = m.st.fail.Render(m.tr("✗ the kernel disagrees", "✗ カーネルと不一致"))
		}
		out = append(out, m.st.title.Render(m.tr("execve formula ", "execve の式 "))+verdict)
		for _, l := range d.formula {
			out = append(out, "  "+l.Expr)
			if l.Caps != "" {
				out = append(out, m.st.dim.Render("    = "+l.Caps))
			}
		}
	}
	return clip(out, width)
}

// capLines lists the five sets by name; a full or empty set in one word.
func (m *model) capLines(sets []lessons.CapSet, width int) []string {
	var out []string
	for _, s := range sets {
		names := strings.Join(s.Caps, ",")
		switch {
		case s.Count == 0:
			names = m.st.dim.Render("—")
		case s.Count == s.Of:
			names = m.tr("all ", "全 ") + fmt.Sprint(s.Of)
		case s.Count > 6:
			names = fmt.Sprintf("%d/%d: %s…", s.Count, s.Of, strings.Join(s.Caps[:3], ","))
		}
		out = append(out, fmt.Sprintf("  %-6s %s", s.Line, names))
	}
	return out
}

// groupLines: CPU % as a sparkline against the quota, memory as a bar
// against the limit, OOM kills, pids and members.
func (m *model) groupLines(g groupReading, width int) []string {
	st := m.st
	if g.usage == nil {
		return []string{st.title.Render("cgroup " + g.role), st.dim.Render("  " + g.err)}
	}
	u := g.usage
	out := []string{st.title.Render(fmt.Sprintf("cgroup %s · v%d · %s", g.role, u.Version, u.Path))}
	hist := m.cgHist[g.role]
	if q := u.QuotaPercent(); q > 0 || u.CPUUsageNS > 0 {
		now := 0.0
		if len(hist) > 0 {
			now = hist[len(hist)-1]
		}
		quota := m.tr("no quota", "上限なし")
		if q > 0 {
			quota = fmt.Sprintf(m.tr("quota %.0f%%", "上限 %.0f%%"), q)
		}
		out = append(out, fmt.Sprintf("  cpu %5.1f%% · %s · %s %d", now, quota, m.tr("throttled", "抑制"), u.Throttled),
			"      "+st.accent.Render(sparkline(hist, max(q, 100), max(8, width-8))))
	}
	if u.MemLimit > 0 || u.MemCurrent > 0 {
		out = append(out, fmt.Sprintf("  mem %s %s / %s · peak %s · OOM %d", bar(u.MemCurrent, u.MemLimit, 16),
			mb(u.MemCurrent), mb(u.MemLimit), mb(u.MemPeak), u.OOMKills))
	}
	if u.PidsMax > 0 || u.PidsCurrent > 0 {
		out = append(out, fmt.Sprintf("  pids %d / %s", u.PidsCurrent, limitText(u.PidsMax)))
	}
	frozen := ""
	if u.Frozen {
		frozen = st.newNS.Render(m.tr(" FROZEN", " 凍結中"))
	}
	out = append(out, fmt.Sprintf("  procs %v%s", u.PIDs, frozen))
	return out
}

func sparkline(vals []float64, top float64, n int) string {
	const ticks = "▁▂▃▄▅▆▇█"
	r := []rune(ticks)
	if len(vals) > n {
		vals = vals[len(vals)-n:]
	}
	var b strings.Builder
	for i := len(vals); i < n; i++ {
		b.WriteRune(' ')
	}
	for _, v := range vals {
		i := int(v / top * float64(len(r)-1))
		b.WriteRune(r[min(max(i, 0), len(r)-1)])
	}
	return b.String()
}

func bar(v, limit int64, n int) string {
	if limit <= 0 {
		return strings.Repeat("░", n)
	}
	full := int(float64(v) / float64(limit) * float64(n))
	full = min(max(full, 0), n)
	return strings.Repeat("█", full) + strings.Repeat("░", n-full)
}

func mb(v int64) string {
	if v < 0 {
		return "∞"
	}
	return fmt.Sprintf("%.1fMB", float64(v)/1e6)
}

func limitText(v int64) string {
	if v < 0 {
		return "max"
	}
	return fmt.Sprint(v)
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
