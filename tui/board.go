package tui

// The presenter's board: the few numbers a room must read from the back —
// CPU share against the quota, memory against the limit, how many
// namespaces are new — in digits three rows tall, read from the live
// panel's last kernel reading.

import (
	"fmt"
	"strings"
)

// glyphs is a three-row font of half and full blocks.
var glyphs = map[rune][3]string{
	'0': {"█▀█", "█ █", "█▄█"}, '1': {"▀█ ", " █ ", "▄█▄"}, '2': {"▀▀█", "█▀▀", "█▄▄"},
	'3': {"▀▀█", " ▀█", "▄▄█"}, '4': {"█ █", "▀▀█", "  █"}, '5': {"█▀▀", "▀▀█", "▄▄█"},
	'6': {"█▀▀", "█▀█", "█▄█"}, '7': {"▀▀█", "  █", "  █"}, '8': {"█▀█", "█▀█", "█▄█"},
	'9': {"█▀█", "▀▀█", "▄▄█"}, '%': {"█ ▄", " █ ", "▀ █"}, '/': {"  █", " █ ", "█  "},
	'.': {" ", " ", "▄"}, ' ': {" ", " ", " "}, '-': {"   ", "▀▀▀", "   "},
}

// big renders s (digits, % / . - and spaces) three rows tall, one column
// between glyphs. Other characters are left out.
func big(s string) [3]string {
	var rows [3]strings.Builder
	for _, r := range s {
		g, ok := glyphs[r]
		if !ok {
			continue
		}
		for i := range rows {
			rows[i].WriteString(g[i] + " ")
		}
	}
	return [3]string{rows[0].String(), rows[1].String(), rows[2].String()}
}

// bigWidth is how wide big(s) is.
func bigWidth(s string) int { return len([]rune(big(s)[0])) }

// boardLines is the board for the current reading: a label, the number in
// large digits, and what it is measured against beside it.
func (m *model) boardLines(width int) []string {
	var out []string
	add := func(label, number, against string) {
		g := big(number)
		if bigWidth(number) > width {
			out = append(out, m.st.bold.Render(label+" "+number)+" "+against, "")
			return
		}
		out = append(out, m.st.dim.Render(label))
		for i, row := range g {
			side := ""
			if i == 2 {
				side = " " + against
			}
			out = append(out, m.st.accent.Render(row)+side)
		}
		out = append(out, "")
	}
	for _, g := range m.live.groups {
		u := g.usage
		if u == nil {
			continue
		}
		if q := u.QuotaPercent(); q > 0 {
			now := 0.0
			if h := m.cgHist[g.role]; len(h) > 0 {
				now = h[len(h)-1]
			}
			add(m.tr("CPU of ", "CPU: ")+g.role, fmt.Sprintf("%.0f%%", now), fmt.Sprintf(m.tr("quota %.0f%%", "上限 %.0f%%"), q))
		}
		if u.MemLimit > 0 {
			add(m.tr("memory of ", "メモリ: ")+g.role, fmt.Sprintf("%.1f/%.0f", float64(u.MemCurrent)/1e6, float64(u.MemLimit)/1e6),
				fmt.Sprintf("MB · OOM %d", u.OOMKills))
		}
	}
	for _, sn := range m.live.snaps {
		var fresh []string
		for _, n := range sn.NS {
			if n.SharedPID1 != nil && !*n.SharedPID1 && !strings.HasSuffix(n.Type, "_for_children") {
				fresh = append(fresh, n.Type)
			}
		}
		if len(fresh) > 0 {
			add(fmt.Sprintf(m.tr("new namespaces of %s (pid %d)", "%s(pid %d)の新しい名前空間"), sn.Role, sn.PID),
				fmt.Sprint(len(fresh)), strings.Join(fresh, " "))
			break
		}
	}
	return out
}
