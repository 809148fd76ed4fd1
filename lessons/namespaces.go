package lessons

// The namespaces lesson: rows 9–13 of the article map. Every check reads the
// kernel: /proc/PID/ns links, /proc/PID/status, uid_map, a fresh procfs seen
// through /proc/PID/root, mountinfo, and probes run after setns(2).

import (
	"fmt"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"nakami/engine/child"
	"nakami/engine/procfs"
)

var _ = register(&Lesson{
	ID: "namespaces",
	Steps: []*Step{
		{
			ID:       "list",
			Commands: []string{"ls -l /proc/$$/ns"},
			Live:     Live{Procs: []string{"shell"}},
			Action: func(e *Env) error {
				_, err := e.Spawn(child.Spec{Role: "shell", Shell: "sh"})
				if err == nil {
					_, err = readNS(e, e.PIDs["shell"])
				}
				return err
			},
			Checks: []Check{{
				Name: T("the process has a link for each of the eight namespace types",
					"プロセスに8種類すべての名前空間のリンクがある"),
				Probe: func(e *Env) (bool, Text) {
					c := e.Child("shell")
					if c == nil {
						return false, T("no process is running yet", "まだプロセスがありません")
					}
					ns, err := procfs.ReadNamespaces(c.PID)
					if err != nil {
						return false, errText(err)
					}
					var missing, seen []string
					for _, t := range procfs.NSTypes {
						if l, ok := ns[t.Name]; ok && l.Type == t.Name {
							seen = append(seen, fmt.Sprintf("%s:[%d]", t.Name, l.Inode))
						} else {
							missing = append(missing, t.Name)
						}
					}
					if len(missing) > 0 {
						return false, Tf("/proc/%d/ns lacks %s", "/proc/%d/ns に %s がありません", c.PID, strings.Join(missing, ", "))
					}
					return true, Tf("/proc/%d/ns: %s", "/proc/%d/ns: %s", c.PID, strings.Join(seen, " "))
				},
			}},
		},
		{
			ID:       "compare",
			After:    []string{"list"},
			Commands: []string{"ls -l /proc/1/ns", "readlink /proc/$$/ns/uts /proc/1/ns/uts"},
			Live:     Live{Procs: []string{"shell", "reference"}},
			Action: func(e *Env) error {
				pid, _, why := Reference()
				if pid == 0 {
					return fmt.Errorf("no process to compare with can be read (%s)", why)
				}
				if _, err := readNS(e, pid); err != nil {
					return err
				}
				e.PIDs["reference"] = pid
				return nil
			},
			Checks: []Check{{
				Name: T("the process shares every namespace with PID 1", "プロセスは PID 1 とすべての名前空間を共有している"),
				Probe: func(e *Env) (bool, Text) {
					c := e.Child("shell")
					ref, ok := e.PIDs["reference"]
					if c == nil || !ok {
						return false, T("PID 1 has not been compared yet", "まだ PID 1 と比べていません")
					}
					mine, err := procfs.ReadNamespaces(c.PID)
					if err != nil {
						return false, errText(err)
					}
					theirs, err := procfs.ReadNamespaces(ref)
					if err != nil {
						return false, errText(err)
					}
					_, name, why := Reference()
					note := T("", "")
					if why != "" {
						note = Tf(" (PID 1 is protected on this machine, %s; compared with its oldest readable ancestor, PID %d %s)",
							"(このマシンでは PID 1 が保護されています: %s。読める最も古い祖先 PID %d %s と比較)", why, ref, name)
					}
					if diff := differing(mine, theirs); len(diff) > 0 {
						return false, Tf("these differ from PID %d: %s%s", "PID %d と異なるもの: %s%s", ref, strings.Join(diff, ", "), note.EN)
					}
					return true, T(fmt.Sprintf("all 8 inodes of process %d equal PID %d's (e.g. uts:[%d])%s", c.PID, ref, theirs["uts"].Inode, note.EN),
						fmt.Sprintf("プロセス %d の 8 つの inode はすべて PID %d と同じ(例 uts:[%d])%s", c.PID, ref, theirs["uts"].Inode, note.JA))
				},
			}},
		},
		{
			ID:       "unshare",
			Commands: []string{"unshare --mount-proc -uipr --fork /bin/sh", "ps aux", "id"},
			Requires: NeedsUserNS,
			Live:     Live{Procs: []string{"container"}},
			Action: func(e *Env) error {
				c, err := e.Spawn(child.Spec{
					Role: "container", NewNS: []string{"user", "uts", "ipc", "pid", "mnt"},
					MountProc: true, Spawn: true, Shell: "unshare --mount-proc -uipr --fork /bin/sh",
				})
				if err != nil {
					return err
				}
				var pids []int
				var id map[string]int
				if err := child.Probe(e.S.T, c.PID, []string{"user", "pid", "mnt"}, "ps", &pids); err != nil {
					return err
				}
				return child.Probe(e.S.T, c.PID, []string{"user", "pid", "mnt"}, "id", &id)
			},
			Checks: []Check{
				{
					Name: T("the fresh /proc inside lists only PID 1 and its child", "中の新しい /proc には PID 1 とその子だけがいる"),
					Probe: func(e *Env) (bool, Text) {
						c := e.Child("container")
						if c == nil {
							return false, T("no container process yet", "まだコンテナのプロセスがありません")
						}
						dir := fmt.Sprintf("/proc/%d/root/proc", c.PID)
						pids, err := procfs.ReadProcPIDs(dir)
						if err != nil {
							return false, errText(err)
						}
						// Two processes: PID 1 and one child of it. (The child's number
						// is not 2: the Go runtime's threads take TIDs from the same
						// number space.)
						if len(pids) != 2 || pids[0] != 1 {
							return false, Tf("%s lists PIDs %v", "%s には PID %v があります", dir, pids)
						}
						ppid, err := procfs.ReadPPidIn(dir, pids[1])
						if err != nil || ppid != 1 {
							return false, Tf("PID %d inside has parent %d, not 1", "中の PID %d の親は %d で 1 ではありません", pids[1], ppid)
						}
						st, err := procfs.ReadStatus(c.PID)
						if err != nil || len(st.NSpid) != 2 || st.NSpid[1] != 1 {
							return false, Tf("process %d is not PID 1 inside (NSpid %v)", "プロセス %d は中で PID 1 ではありません (NSpid %v)", c.PID, st.NSpid)
						}
						return true, Tf("%s lists PIDs %v; host PID %d is PID 1 inside (NSpid: %v)",
							"%s の PID は %v。ホストの PID %d が中では PID 1 (NSpid: %v)", dir, pids, c.PID, st.NSpid)
					},
				},
				{
					Name: T("inside, the process is root (uid 0)", "中ではプロセスは root (uid 0)"),
					Probe: func(e *Env) (bool, Text) {
						c := e.Child("container")
						if c == nil {
							return false, T("no container process yet", "まだコンテナのプロセスがありません")
						}
						var id map[string]int
						if err := child.Probe(nil, c.PID, []string{"user", "pid", "mnt"}, "id", &id); err != nil {
							return false, errText(err)
						}
						if id["uid"] != 0 || id["gid"] != 0 {
							return false, Tf("getuid() inside returned %d", "中の getuid() は %d", id["uid"])
						}
						return true, Tf("getuid()=0 getgid()=0 inside, as PID %d", "中で getuid()=0 getgid()=0、PID %d", id["pid"])
					},
				},
				{
					Name: Tf("uid 0 inside is uid %d outside", "中の uid 0 は外の uid %d", os.Getuid()),
					Probe: func(e *Env) (bool, Text) {
						c := e.Child("container")
						if c == nil {
							return false, T("no container process yet", "まだコンテナのプロセスがありません")
						}
						uid, _, err := procfs.ReadIDMaps(c.PID)
						if err != nil {
							return false, errText(err)
						}
						want := []procfs.IDMap{{Inside: 0, Outside: uint32(os.Getuid()), Count: 1}}
						got := strings.TrimSpace(procfs.FormatIDMap(uid))
						if !reflect.DeepEqual(uid, want) {
							return false, Tf("/proc/%d/uid_map reads %q", "/proc/%d/uid_map は %q", c.PID, got)
						}
						return true, Tf("/proc/%d/uid_map: %s", "/proc/%d/uid_map: %s", c.PID, strings.Join(strings.Fields(got), " "))
					},
				},
				{
					Name: T("exactly user, uts, ipc, pid and mnt differ from nakami's own", "nakami 自身と異なるのは user, uts, ipc, pid, mnt だけ"),
					Probe: func(e *Env) (bool, Text) {
						c := e.Child("container")
						if c == nil {
							return false, T("no container process yet", "まだコンテナのプロセスがありません")
						}
						return sameDiff(c.PID, []string{"ipc", "mnt", "pid", "user", "uts"})
					},
				},
			},
		},
		{
			ID:       "nsenter",
			Commands: []string{"unshare -ur /bin/sh -c 'hostname foobar; sleep 15' &", "PID=$(jobs -p)", "sudo nsenter -u -t $PID hostname"},
			Requires: NeedsUserNS,
			Live:     Live{Procs: []string{"uts-holder"}},
			Params:   []Param{hostnameParam},
			Action: func(e *Env) error {
				host, err := child.UnameNodename()
				if err != nil {
					return err
				}
				e.Values["host-hostname"] = host
				name := e.Param(stepOf("namespaces", "nsenter"), "hostname")
				c, err := e.Spawn(child.Spec{
					Role: "uts-holder", NewNS: []string{"user", "uts"}, Hostname: name,
					Shell: fmt.Sprintf("unshare -ur /bin/sh -c 'hostname %s; sleep 15' &", name),
				})
				if err != nil {
					return err
				}
				var got string
				return child.Probe(e.S.T, c.PID, joinTypes("uts"), "hostname", &got)
			},
			Checks: []Check{
				{
					Name: T("a process that joins with setns reads the new hostname", "setns で参加したプロセスは新しいホスト名を読む"),
					Probe: func(e *Env) (bool, Text) {
						c := e.Child("uts-holder")
						if c == nil {
							return false, T("no process holds a UTS namespace yet", "まだ UTS 名前空間を持つプロセスがありません")
						}
						want := e.Param(stepOf("namespaces", "nsenter"), "hostname")
						var got string
						var ns map[string]procfs.NSLink
						if err := child.Probe(nil, c.PID, joinTypes("uts"), "hostname", &got); err != nil {
							return false, errText(err)
						}
						if err := child.Probe(nil, c.PID, joinTypes("uts"), "ns", &ns); err != nil {
							return false, errText(err)
						}
						holder, err := procfs.ReadNamespaces(c.PID)
						if err != nil {
							return false, errText(err)
						}
						if got != want || ns["uts"] != holder["uts"] {
							return false, Tf("the joined process read %q in uts:[%d]", "参加したプロセスは %q を読んだ (uts:[%d])", got, ns["uts"].Inode)
						}
						return true, Tf("after setns into uts:[%d], uname() returned %q", "uts:[%d] に setns した後、uname() は %q を返した", ns["uts"].Inode, got)
					},
				},
				{
					Name: T("the host's hostname is unchanged", "ホストのホスト名は変わっていない"),
					Probe: func(e *Env) (bool, Text) {
						c := e.Child("uts-holder")
						if c == nil {
							return false, T("no process holds a UTS namespace yet", "まだ UTS 名前空間を持つプロセスがありません")
						}
						inside, err := child.Hostname(c.PID)
						if err != nil {
							return false, errText(err)
						}
						host, err := child.UnameNodename()
						if err != nil {
							return false, errText(err)
						}
						if host != e.Values["host-hostname"] || host == inside {
							return false, Tf("the host reads %q, the namespace %q", "ホストは %q、名前空間は %q", host, inside)
						}
						return true, Tf("host: %q, namespace of process %d: %q", "ホスト: %q、プロセス %d の名前空間: %q", host, c.PID, inside)
					},
				},
			},
		},
		{
			ID: "persist",
			Commands: []string{"touch ns_uts", "sudo unshare --uts=ns_uts /bin/sh -c 'hostname foobar'",
				"mount | grep ns_uts", "sudo nsenter --uts=ns_uts hostname"},
			Requires: NeedsRoot,
			Why:      T("bind-mounting onto the host's file system needs CAP_SYS_ADMIN in the initial user namespace.", "ホストのファイルシステムへの bind mount には初期ユーザー名前空間での CAP_SYS_ADMIN が必要です。"),
			Params:   []Param{hostnameParam},
			Live:     Live{Procs: []string{"persist-holder"}},
			Action: func(e *Env) error {
				name := e.Param(stepOf("namespaces", "persist"), "hostname")
				c, err := e.Spawn(child.Spec{
					Role: "persist-holder", NewNS: []string{"uts"}, Hostname: name,
					Shell: fmt.Sprintf("unshare --uts /bin/sh -c 'hostname %s'", name),
				})
				if err != nil {
					return err
				}
				file, err := child.PersistNS(e.S, c.PID, "uts", "ns_uts")
				if err != nil {
					return err
				}
				e.Values["ns-file"] = file
				if err := e.S.T.Do("exit_group(0) (the child's pipe closed)", "# the unshare'd shell exits", c.Stop); err != nil {
					return err
				}
				return child.JoinFile(e.S.T, file, "uts", func() error {
					_, err := child.UnameNodename()
					return err
				})
			},
			Checks: []Check{
				{
					Name: T("the process that made the namespace has exited", "名前空間を作ったプロセスは終了している"),
					Probe: func(e *Env) (bool, Text) {
						pid, ok := e.PIDs["persist-holder"]
						if !ok {
							return false, T("no process has made the namespace yet", "まだ名前空間を作ったプロセスがありません")
						}
						if procfs.ProcessExists(pid) {
							return false, Tf("/proc/%d still exists", "/proc/%d はまだあります", pid)
						}
						return true, Tf("/proc/%d is gone", "/proc/%d はもうありません", pid)
					},
				},
				{
					Name: T("mountinfo shows an nsfs mount on the file", "mountinfo ではファイルに nsfs がマウントされている"),
					Probe: func(e *Env) (bool, Text) {
						file := e.Values["ns-file"]
						if file == "" {
							return false, T("no namespace file yet", "まだ名前空間のファイルがありません")
						}
						fs, err := child.MountFSType(file)
						if err != nil {
							return false, errText(err)
						}
						if fs != "nsfs" {
							return false, Tf("%s has file system type %q", "%s のファイルシステムは %q", file, fs)
						}
						return true, Tf("/proc/self/mountinfo: nsfs on %s", "/proc/self/mountinfo: %s に nsfs", file)
					},
				},
				{
					Name: T("joining through the file still reads the hostname", "ファイル経由で参加するとホスト名がまだ読める"),
					Probe: func(e *Env) (bool, Text) {
						file := e.Values["ns-file"]
						if file == "" {
							return false, T("no namespace file yet", "まだ名前空間のファイルがありません")
						}
						var got string
						err := child.JoinFile(nil, file, "uts", func() (err error) {
							got, err = child.UnameNodename()
							return err
						})
						if err != nil {
							return false, errText(err)
						}
						want := e.Param(stepOf("namespaces", "persist"), "hostname")
						if got != want {
							return false, Tf("setns through %s gave hostname %q", "%s 経由の setns でホスト名は %q", file, got)
						}
						return true, Tf("setns(open(%q)) then uname() gave %q with no process left in it",
							"setns(open(%q)) の後 uname() は %q。中にプロセスはもういない", file, got)
					},
				},
			},
		},
		typesStep,
	},
	KeepHelp: func(e *Env) Text {
		var en, ja strings.Builder
		for role, c := range e.Procs {
			if c.Exited() {
				continue
			}
			fmt.Fprintf(&en, "  %-15s lsns -p %d;  nsenter -t %d -a sh\n", role, c.PID, c.PID)
			fmt.Fprintf(&ja, "  %-15s lsns -p %d;  nsenter -t %d -a sh\n", role, c.PID, c.PID)
		}
		if f := e.Values["ns-file"]; f != "" {
			fmt.Fprintf(&en, "  ns_uts          findmnt %s;  nsenter --uts=%s hostname\n", f, f)
			fmt.Fprintf(&ja, "  ns_uts          findmnt %s;  nsenter --uts=%s hostname\n", f, f)
		}
		return T("Left running for you to look at:\n"+en.String()+"Remove them with: nakami cleanup\n",
			"確認用に残したもの:\n"+ja.String()+"削除するには: nakami cleanup\n")
	},
})

var hostnameParam = Param{
	Name: "hostname", Default: "foobar",
	Help: T("the hostname set inside the new UTS namespace", "新しい UTS 名前空間の中で設定するホスト名"),
	Check: func(v string) error {
		if v == "" || len(v) > 64 || strings.Trim(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") != "" {
			return fmt.Errorf("hostname %q is not 1 to 64 letters, digits, dots or dashes", v)
		}
		return nil
	},
}

// joinTypes adds the user namespace when not root: an unprivileged process
// gains the right to join the others only by entering their owner first.
func joinTypes(types ...string) []string {
	if os.Geteuid() != 0 {
		return append([]string{"user"}, types...)
	}
	return types
}

func stepOf(lesson, step string) *Step {
	_, s, _ := Find(lesson + "/" + step)
	return s
}

// differing lists the namespace types (not the *_for_children links) whose
// inodes differ between a and b.
func differing(a, b map[string]procfs.NSLink) []string {
	var out []string
	for _, t := range procfs.NSTypes {
		if a[t.Name] != b[t.Name] {
			out = append(out, t.Name)
		}
	}
	return out
}

// sameDiff checks that exactly want differ between pid and this process.
func sameDiff(pid int, want []string) (bool, Text) {
	theirs, err := procfs.ReadNamespaces(pid)
	if err != nil {
		return false, errText(err)
	}
	mine, err := procfs.ReadNamespaces(os.Getpid())
	if err != nil {
		return false, errText(err)
	}
	diff := differing(theirs, mine)
	if !slices.Equal(diff, want) {
		return false, Tf("differing: %v, want %v", "異なるもの: %v(期待: %v)", diff, want)
	}
	var parts []string
	for _, t := range diff {
		parts = append(parts, t+":["+strconv.FormatUint(theirs[t].Inode, 10)+"]")
	}
	return true, Tf("new: %s", "新しいもの: %s", strings.Join(parts, " "))
}

// readNS reads a process's links and records the read in the transcript.
func readNS(e *Env, pid int) (map[string]procfs.NSLink, error) {
	var ns map[string]procfs.NSLink
	err := e.S.T.Do(fmt.Sprintf("readlink(\"/proc/%d/ns/*\")", pid), fmt.Sprintf("ls -l /proc/%d/ns", pid), func() (err error) {
		ns, err = procfs.ReadNamespaces(pid)
		return err
	})
	return ns, err
}
