package lessons

// first-container/inside (article map row 4): the article's commands typed
// into the container's shell (uname -n, id, ps aux, mount, ip link), each
// output compared with what the kernel shows of that shell from outside.

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"nakami/engine/child"
	"nakami/engine/procfs"
)

// fcTypedKey holds what each of fcInside's commands printed, by its index.
var fcTypedKey = newKey[map[int]string]("first-container/typed")

// fcInside are the article's commands, typed into the container's shell.
func fcInside(e *Env) []string {
	ipCmd := "ip link"
	if !fcHasIP(e) {
		ipCmd = "cat /proc/net/dev"
	}
	return []string{"uname -n", "id", "ps aux", "mount", ipCmd}
}

// fcTypedCheck checks the container's shell against what the i-th of
// fcInside's commands printed in it.
func fcTypedCheck(name Text, i int, probe func(e *Env, c *child.Process, out string) (bool, Text)) Check {
	return procCheck(name, fcRole, func(e *Env, c *child.Process) (bool, Text) {
		out, typed := fcTypedKey.Value(e)[i]
		if !typed {
			return false, T("nothing typed into the container yet", "まだコンテナに何も入力していません")
		}
		return probe(e, c, out)
	})
}

var fcInsideStep = &Step{
	ID:       "inside",
	After:    []string{"run"},
	Commands: []string{"uname -n", "id", "ps aux", "mount", "ip link"},
	Requires: NeedsRoot,
	Why:      fcWhy,
	Live:     Live{Procs: []string{fcRole}},
	Action: func(e *Env) error {
		_, con, err := containerShell(e)
		if err != nil {
			return err
		}
		typed := fcTypedKey.Value(e)
		if typed == nil {
			typed = map[int]string{}
			fcTypedKey.Set(e, typed)
		}
		for i, cmd := range fcInside(e) {
			out, _, err := con.Type(e.S.T, cmd, 5*time.Second)
			if err != nil {
				return err
			}
			typed[i] = out
		}
		return nil
	},
	Checks: []Check{
		fcTypedCheck(T("uname -n printed the container's hostname, as the kernel holds it", "uname -n はカーネルが保持するとおりのコンテナのホスト名を表示した"), 0,
			func(e *Env, c *child.Process, out string) (bool, Text) {
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
			}),
		fcTypedCheck(T("id printed uid 0, and the user namespace maps that one id only", "id は uid 0 を表示し、ユーザー名前空間はその 1 つの ID だけを対応づけている"), 1,
			func(e *Env, c *child.Process, out string) (bool, Text) {
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
			}),
		fcTypedCheck(T("ps aux listed only the container's processes, the shell as PID 1", "ps aux はコンテナのプロセスだけを表示し、シェルが PID 1"), 2,
			func(e *Env, c *child.Process, out string) (bool, Text) {
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
			}),
		fcTypedCheck(T("mount listed the container's own mount table, proc and /dev/null included", "mount はコンテナ自身のマウントテーブル(proc と /dev/null を含む)を表示した"), 3,
			func(e *Env, c *child.Process, out string) (bool, Text) {
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
			}),
		fcTypedCheck(T("ip link showed only lo, and the network namespace has nothing else", "ip link は lo だけを表示し、ネットワーク名前空間にもそれ以外はない"), 4,
			func(e *Env, c *child.Process, out string) (bool, Text) {
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
			}),
	},
}

// psPIDs reads the PID column of ps aux output, wherever its header puts
// it: procps prints USER first and PID second, busybox PID first.
func psPIDs(out string) []int {
	var pids []int
	col := -1
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(l)
		if col < 0 {
			col = slices.Index(f, "PID")
			if col < 0 {
				return nil // not ps output
			}
			continue
		}
		if len(f) <= col {
			continue
		}
		if n, err := strconv.Atoi(f[col]); err == nil {
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
