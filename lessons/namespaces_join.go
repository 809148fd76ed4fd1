package lessons

// namespaces/nsenter and namespaces/persist (rows 11–12 of the article
// map): joining a running process's UTS namespace with setns(2), and
// keeping a namespace alive with no process in it by bind-mounting its
// /proc/PID/ns link onto a file.

import (
	"fmt"

	"nakami/engine/child"
	"nakami/engine/procfs"
)

// The host's hostname as nsenter found it before it made the namespace.
var nsHostHostnameKey = newKey[string]("namespaces/host-hostname")

// The file persist bind-mounted the UTS namespace onto (the article's
// ns_uts); the keep help names it too.
var nsFileKey = newKey[string]("namespaces/ns-file")

var nsEnterStep = &Step{
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
		nsHostHostnameKey.Set(e, host)
		name := nsHostname(e, "nsenter")
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
		procCheck(T("a process that joins with setns reads the new hostname", "setns で参加したプロセスは新しいホスト名を読む"), "uts-holder",
			func(e *Env, c *child.Process) (bool, Text) {
				want := nsHostname(e, "nsenter")
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
			}),
		procCheck(T("the host's hostname is unchanged", "ホストのホスト名は変わっていない"), "uts-holder",
			func(e *Env, c *child.Process) (bool, Text) {
				inside, err := child.Hostname(c.PID)
				if err != nil {
					return false, errText(err)
				}
				host, err := child.UnameNodename()
				if err != nil {
					return false, errText(err)
				}
				if host != nsHostHostnameKey.Value(e) || host == inside {
					return false, Tf("the host reads %q, the namespace %q", "ホストは %q、名前空間は %q", host, inside)
				}
				return true, Tf("host: %q, namespace of process %d: %q", "ホスト: %q、プロセス %d の名前空間: %q", host, c.PID, inside)
			}),
	},
}

var nsPersistStep = &Step{
	ID: "persist",
	Commands: []string{"touch ns_uts", "sudo unshare --uts=ns_uts /bin/sh -c 'hostname foobar'",
		"mount | grep ns_uts", "sudo nsenter --uts=ns_uts hostname"},
	Requires: NeedsRoot,
	Why:      T("bind-mounting onto the host's file system needs CAP_SYS_ADMIN in the initial user namespace.", "ホストのファイルシステムへの bind mount には初期ユーザー名前空間での CAP_SYS_ADMIN が必要です。"),
	Params:   []Param{hostnameParam},
	Live:     Live{Procs: []string{"persist-holder"}},
	Action: func(e *Env) error {
		name := nsHostname(e, "persist")
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
		nsFileKey.Set(e, file)
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
		nsFileCheck(T("mountinfo shows an nsfs mount on the file", "mountinfo ではファイルに nsfs がマウントされている"),
			func(e *Env, file string) (bool, Text) {
				fs, err := child.MountFSType(file)
				if err != nil {
					return false, errText(err)
				}
				if fs != "nsfs" {
					return false, Tf("%s has file system type %q", "%s のファイルシステムは %q", file, fs)
				}
				return true, Tf("/proc/self/mountinfo: nsfs on %s", "/proc/self/mountinfo: %s に nsfs", file)
			}),
		nsFileCheck(T("joining through the file still reads the hostname", "ファイル経由で参加するとホスト名がまだ読める"),
			func(e *Env, file string) (bool, Text) {
				var got string
				err := child.JoinFile(nil, file, "uts", func() (err error) {
					got, err = child.UnameNodename()
					return err
				})
				if err != nil {
					return false, errText(err)
				}
				want := nsHostname(e, "persist")
				if got != want {
					return false, Tf("setns through %s gave hostname %q", "%s 経由の setns でホスト名は %q", file, got)
				}
				return true, Tf("setns(open(%q)) then uname() gave %q with no process left in it",
					"setns(open(%q)) の後 uname() は %q。中にプロセスはもういない", file, got)
			}),
	},
}

// nsFileCheck checks the file persist bind-mounted the namespace onto.
func nsFileCheck(name Text, probe func(e *Env, file string) (bool, Text)) Check {
	return Check{Name: name, Probe: func(e *Env) (bool, Text) {
		file := nsFileKey.Value(e)
		if file == "" {
			return false, T("no namespace file yet", "まだ名前空間のファイルがありません")
		}
		return probe(e, file)
	}}
}
