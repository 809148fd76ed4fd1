package lessons

// The capabilities lesson: rows 20–27 of the article map. Copies of the
// nakami binary play the article's copy of ping; every check reads the
// kernel: the copy's inode (owner, mode) and security.capability
// attribute, /proc/PID/status of the process that runs it, and the raw
// socket it holds (/proc/PID/fd against /proc/PID/net/raw).

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"nakami/engine/caps"
	"nakami/engine/child"
	"nakami/engine/netlab"
	"nakami/engine/procfs"
)

const nobody = 65534

var netRaw = uint64(1) << caps.NetRaw

var _ = register(&Lesson{
	ID:        "capabilities",
	Exercises: capsExercises,
	Steps: []*Step{
		suidStep, noCapStep, setcapStep, listStep, dockerStep, statusStep, setsStep, formulaStep, ambientStep,
	},
	KeepHelp: capsKeepHelp,
})

var rootWhy = T("it makes root-owned copies of nakami, gives them set-user-ID bits or file capabilities, and starts processes as other users.",
	"root 所有の nakami のコピーを作り、set-user-ID ビットやファイルケーパビリティを付け、別のユーザーとしてプロセスを起動するためです。")

var suidStep = &Step{
	ID:       "suid",
	Commands: []string{"ls -l /bin/ping", "cp /bin/ping ./ping-suid; sudo chown root:root ping-suid; sudo chmod u+s ping-suid", "sudo -u nobody ./ping-suid -c1 127.0.0.1"},
	Requires: NeedsRoot, Why: rootWhy,
	Live: Live{Procs: []string{"ping-suid"}, File: capFile},
	Action: func(e *Env) error {
		path, err := capCopy(e, "ping-suid", 0, 0o4755, "cp /bin/ping ./ping-suid; chown root:root ping-suid; chmod 4755 ping-suid")
		if err != nil {
			return err
		}
		_, err = capRun(e, caps.Program{Role: "ping-suid", Path: path, Args: netlab.PingArgs(1), UID: nobody, GID: nobody,
			Shell: "sudo -u nobody ./ping-suid -c1 127.0.0.1"})
		return err
	},
	Checks: []Check{
		copyCheck("ping-suid", T("the copy belongs to root and has the set-user-ID bit", "コピーは root 所有で set-user-ID ビットを持つ"),
			func(f FileFacts) bool { return f.UID == 0 && f.SetUID && !f.HasCaps }),
		statusCheck(T("run by nobody, it has effective uid 0 and every capability", "nobody が実行すると実効 uid は 0 で、すべてのケーパビリティを持つ"), "ping-suid",
			func(e *Env, st procfs.Status) (bool, Text) {
				ok := st.Uid[0] == nobody && st.Uid[1] == 0 && st.CapEff == st.CapBnd && st.CapPrm == st.CapBnd && st.CapBnd == selfBounding()
				return ok, Tf("Uid: %v; CapEff %016x = %s", "Uid: %v、CapEff %016x = %s", st.Uid, st.CapEff, countText(st.CapEff))
			}),
		pingCheck("ping-suid", 0),
	},
}

var noCapStep = &Step{
	ID:       "no-cap",
	Commands: []string{"cp /bin/ping .", "ls -l ping", "./ping -c1 -q 127.0.0.1"},
	Requires: NeedsRoot, Why: rootWhy,
	Live: Live{Procs: []string{"ping"}, File: capFile},
	Action: func(e *Env) error {
		path, err := capCopy(e, "ping", nobody, 0o755, "cp /bin/ping ./ping # as nobody: the copy is nobody's, without set-user-ID")
		if err != nil {
			return err
		}
		_, err = capRun(e, caps.Program{Role: "ping", Path: path, Args: netlab.PingArgs(1), UID: nobody, GID: nobody,
			Shell: "./ping -c1 -q 127.0.0.1 # as nobody"})
		return err
	},
	Checks: []Check{
		copyCheck("ping", T("the copy belongs to nobody, without set-user-ID or file capabilities", "コピーは nobody 所有で、set-user-ID もファイルケーパビリティもない"),
			func(f FileFacts) bool { return f.UID == nobody && !f.SetUID && !f.HasCaps }),
		statusCheck(T("the process holds no capability at all", "プロセスはケーパビリティを一つも持たない"), "ping",
			func(e *Env, st procfs.Status) (bool, Text) {
				ok := st.Uid == [4]int{nobody, nobody, nobody, nobody} && st.CapPrm == 0 && st.CapEff == 0
				return ok, Tf("Uid: %v; CapPrm %016x, CapEff %016x", "Uid: %v、CapPrm %016x、CapEff %016x", st.Uid, st.CapPrm, st.CapEff)
			}),
		{
			Name: T("it could open no raw ICMP socket: none in /proc/PID/fd, and the kernel counted no echo request while it ran",
				"RAW ICMP ソケットを開けなかった: /proc/PID/fd になく、実行中にカーネルはエコー要求を数えていない"),
			Probe: func(e *Env) (bool, Text) {
				c, res, why := heldRun(e, "ping")
				if c == nil {
					return false, why
				}
				socks, err := netlab.RawSocketsOf(c.PID)
				if err != nil {
					return false, errText(err)
				}
				d, ran := capICMPKey.Value(e)["ping"]
				if !ran || d[0] != 0 || len(socks) != 0 {
					return false, Tf("/proc/%d/fd holds %d raw sockets; Icmp OutEchos +%d", "/proc/%d/fd の RAW ソケットは %d 個。Icmp OutEchos +%d", c.PID, len(socks), d[0])
				}
				return true, Tf("/proc/%d/fd holds no raw socket; Icmp OutEchos +0 (the ping reported: %s)", "/proc/%d/fd に RAW ソケットはない。Icmp OutEchos +0 (ping の報告: %s)", c.PID, res.Ping.Detail)
			},
		},
	},
}

var setcapStep = &Step{
	ID:       "setcap",
	After:    []string{"no-cap"},
	Commands: []string{"sudo setcap CAP_NET_RAW+ep ./ping", "./ping -c1 -q 127.0.0.1", "getcap ./ping"},
	Requires: NeedsRoot, Why: rootWhy,
	Live: Live{Procs: []string{"ping"}, File: capFile},
	Action: func(e *Env) error {
		path := capCopies.Value(e)["ping"]
		if path == "" {
			return fmt.Errorf("the copy of ping from step no-cap is missing")
		}
		capFileKey.Set(e, path)
		if err := caps.WriteFile(e.S.T, path, caps.File{Permitted: netRaw, Effective: true}); err != nil {
			return err
		}
		_, err := capRun(e, caps.Program{Role: "ping", Path: path, Args: netlab.PingArgs(1), UID: nobody, GID: nobody,
			Shell: "./ping -c1 -q 127.0.0.1 # as nobody"})
		return err
	},
	Checks: []Check{
		{
			Name: T("security.capability on the copy reads cap_net_raw=ep, as getcap prints it", "コピーの security.capability は getcap の表示どおり cap_net_raw=ep"),
			Probe: func(e *Env) (bool, Text) {
				path := capCopies.Value(e)["ping"]
				raw, err := caps.ReadFileRaw(path)
				if err != nil || raw == nil {
					return false, Tf("%s has no security.capability", "%s に security.capability はない", path)
				}
				f, err := caps.DecodeFile(raw)
				last, _ := caps.LastCap()
				if err != nil || f.Permitted != netRaw || f.Inheritable != 0 || !f.Effective {
					return false, Tf("the attribute reads %x", "属性の中身は %x", raw)
				}
				g := getcapText(path)
				if g != "" && g != path+" "+f.Text(last) {
					return false, Tf("getcap prints %q, nakami reads %q", "getcap は %q、nakami は %q", g, f.Text(last))
				}
				if g == "" {
					g = "getcap is not installed"
				}
				return true, Tf("%x: revision %d, %s (getcap: %s)", "%x: リビジョン %d、%s (getcap: %s)", raw, f.Revision, f.Text(last), g)
			},
		},
		statusCheck(T("run by nobody, it holds CAP_NET_RAW and nothing else", "nobody が実行すると CAP_NET_RAW だけを持つ"), "ping",
			func(e *Env, st procfs.Status) (bool, Text) {
				ok := st.Uid == [4]int{nobody, nobody, nobody, nobody} && st.CapPrm == netRaw && st.CapEff == netRaw
				return ok, Tf("Uid: %v; CapPrm %016x, CapEff %016x = %s", "Uid: %v、CapPrm %016x、CapEff %016x = %s",
					st.Uid, st.CapPrm, st.CapEff, strings.Join(caps.Names(st.CapEff), ","))
			}),
		pingCheck("ping", nobody),
	},
}

var listStep = &Step{
	ID:       "list",
	Commands: []string{"cat /proc/sys/kernel/cap_last_cap", "capsh --print", "man 7 capabilities"},
	Live:     Live{Procs: []string{"shell"}, File: capFile},
	Action: func(e *Env) error {
		if _, err := caps.ProbeLast(e.S.T, func(b int) string { return capMeaning(b).In(e.Lang) }); err != nil {
			return err
		}
		_, err := e.Spawn(child.Spec{Role: "shell", Shell: "sh"})
		return err
	},
	Checks: []Check{{
		Name: T("every capability up to the kernel's cap_last_cap has a name, and a fresh process's bounding set holds none beyond it (any it lacks are named)",
			"カーネルの cap_last_cap までのケーパビリティにはすべて名前があり、新しいプロセスの bounding セットにはそれを超えるものはない (欠けているものは名前を示す)"),
		Probe: func(e *Env) (bool, Text) {
			c := e.Child("shell")
			if c == nil {
				return false, T("no process is running yet", "まだプロセスがありません")
			}
			st, err := procfs.ReadStatus(c.PID)
			last, lerr := caps.LastCap()
			if err != nil || lerr != nil {
				return false, errText(fmt.Errorf("%v %v", err, lerr))
			}
			if st.CapBnd == 0 || st.CapBnd&^caps.All(last) != 0 || last >= caps.Named {
				return false, Tf("CapBnd %016x, cap_last_cap %d", "CapBnd %016x、cap_last_cap %d", st.CapBnd, last)
			}
			return true, Tf("cap_last_cap %d: %d capabilities, %s (0) … %s (%d); CapBnd %016x = %s. The article's kernel had 38.",
				"cap_last_cap %d: ケーパビリティは %d 個、%s (0) … %s (%d)。CapBnd %016x = %s。記事のカーネルでは 38 個でした。",
				last, last+1, caps.Name(0), caps.Name(last), last, st.CapBnd, countText(st.CapBnd))
		},
	}},
}

// capCopy copies nakami to name (owner uid, group the same), records its
// path in capCopies and as the file the panel shows.
func capCopy(e *Env, name string, uid int, mode uint32, shell string) (string, error) {
	path, err := caps.CopySelf(e.S, name, uid, uid, mode, shell)
	if err != nil {
		return "", err
	}
	m, ok := capCopies.Get(e)
	if !ok {
		m = map[string]string{}
		capCopies.Set(e, m)
	}
	m[name] = path
	capFileKey.Set(e, path)
	return path, nil
}

// capCopies are the paths of the copies capCopy made, by name.
var capCopies = newKey[map[string]string]("capabilities/copies")

// copyCheck checks the inode and security.capability of the copy
// capCopy made under name.
func copyCheck(name string, title Text, want func(FileFacts) bool) Check {
	path := func(e *Env) string { return capCopies.Value(e)[name] }
	return fileCheck(title, path, func(e *Env, f FileFacts) (bool, Text) {
		attr := "no security.capability"
		if f.HasCaps {
			attr = "security.capability set"
		}
		return want(f), Tf("%s: %s, uid %d, %s", "%s: %s、uid %d、%s", f.Path, lsMode(f.Mode), f.UID, attr)
	})
}

// selfBounding is nakami's own bounding set: all that any process it
// starts can ever have.
func selfBounding() uint64 {
	cs, _ := caps.ReadSets(os.Getpid())
	return cs.Bounding
}

// countText says how many capabilities mask holds, against this kernel.
func countText(mask uint64) string {
	last, _ := caps.LastCap()
	n := len(caps.Bits(mask))
	missing := caps.All(last) &^ mask
	switch {
	case missing == 0:
		return fmt.Sprintf("all %d capabilities of this kernel", n)
	case len(caps.Bits(missing)) <= 3:
		return fmt.Sprintf("%d of %d (without %s)", n, last+1, strings.Join(caps.Names(missing), ","))
	}
	return fmt.Sprintf("%d of %d: %s", n, last+1, strings.Join(caps.Names(mask), ","))
}

func getcapText(path string) string {
	out, err := caps.Getcap(path)
	if err != nil {
		return ""
	}
	return out
}

func capsKeepHelp(e *Env) Text {
	var b strings.Builder
	for role, c := range e.Procs {
		if !c.Exited() {
			fmt.Fprintf(&b, "  %-15s grep ^Cap /proc/%d/status;  ls -l /proc/%d/fd\n", role, c.PID, c.PID)
		}
	}
	copies := capCopies.Value(e)
	for _, name := range slices.Sorted(maps.Keys(copies)) {
		v := copies[name]
		fmt.Fprintf(&b, "  %-15s ls -l %s;  getcap %s;  su nobody -s /bin/sh -c '%s %s -c1 127.0.0.1'\n",
			name, v, v, v, netlab.RolePing)
	}
	return T("Left for you to look at:\n"+b.String()+"Remove them with: nakami cleanup\n",
		"確認用に残したもの:\n"+b.String()+"削除するには: nakami cleanup\n")
}
