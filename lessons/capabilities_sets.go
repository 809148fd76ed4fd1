package lessons

// capabilities: Docker's defaults, the Cap* lines of root and nobody, the
// five sets, and ambient capabilities.

import (
	"fmt"
	"strings"

	"nakami/engine/caps"
	"nakami/engine/netlab"
	"nakami/engine/procfs"
)

// DockerDefaults is the effective set of a container Docker starts with
// its default capabilities (the article's measurement).
const DockerDefaults = uint64(0x00000000a80425fb)

// articlePrivileged is what the article read for --privileged (38
// capabilities, cap_last_cap 37).
const articlePrivileged = uint64(0x0000003fffffffff)

const dockerNames = "cap_chown,cap_dac_override,cap_fowner,cap_fsetid,cap_kill,cap_setgid,cap_setuid,cap_setpcap,cap_net_bind_service,cap_net_raw,cap_sys_chroot,cap_mknod,cap_audit_write,cap_setfcap"

var dockerStep = &Step{
	ID: "docker-defaults",
	Commands: []string{
		"capsh --decode=$(awk '/^CapEff:/{print $2}' /proc/$(docker inspect -f '{{.State.Pid}}' $(docker run --rm -d busybox sleep 10))/status)",
		"capsh --decode=$(awk '/^CapEff:/{print $2}' /proc/$(docker inspect -f '{{.State.Pid}}' $(docker run --privileged --rm -d busybox sleep 10))/status)",
	},
	Requires: NeedsRoot, Why: rootWhy,
	Live: Live{Procs: []string{"docker-default", "privileged"}, File: capFile},
	Action: func(e *Env) error {
		path, err := capCopy(e, "container", 0, 0o755, "cp /bin/busybox ./container")
		if err != nil {
			return err
		}
		self, err := caps.ReadSets(e.PIDs["nakami"])
		if err != nil {
			return err
		}
		// What runc does: bounding, permitted and effective cut to the
		// list, then execve of the container's first program as root.
		for _, r := range []struct {
			role string
			set  uint64
			sh   string
		}{
			{"docker-default", DockerDefaults & self.Bounding, "docker run --rm busybox sleep 10"},
			{"privileged", self.Bounding, "docker run --privileged --rm busybox sleep 10"},
		} {
			setup := caps.Setup{Prm: r.set & self.Permitted, Bnd: r.set}
			if _, err := capRun(e, caps.Program{Role: r.role, Path: path, Args: netlab.PingArgs(0), Setup: &setup, Shell: r.sh}); err != nil {
				return err
			}
		}
		return nil
	},
	Checks: []Check{
		statusCheck(T("a root process limited to Docker's defaults has CapEff 00000000a80425fb: the 14 the article lists",
			"Docker の既定に制限された root プロセスの CapEff は 00000000a80425fb: 記事にある 14 個"), "docker-default",
			func(e *Env, st procfs.Status) (bool, Text) {
				names := strings.Join(caps.Names(st.CapEff), ",")
				ok := st.CapEff == DockerDefaults && st.CapPrm == DockerDefaults && st.CapBnd == DockerDefaults && names == dockerNames
				return ok, Tf("capsh --decode: %s (%d capabilities)", "capsh --decode: %s (%d 個)", caps.FormatCapsh(st.CapEff), len(caps.Bits(st.CapEff)))
			}),
		statusCheck(T("a privileged one has every capability of this kernel; the article's 0x3fffffffff had 38",
			"privileged のプロセスはこのカーネルのすべてのケーパビリティを持つ。記事の 0x3fffffffff は 38 個だった"), "privileged",
			func(e *Env, st procfs.Status) (bool, Text) {
				last, _ := caps.LastCap()
				added := caps.All(last) &^ articlePrivileged
				ok := st.CapEff == selfBounding() && st.CapEff != 0
				return ok, Tf("CapEff %016x = %s; newer than the article: %s (%d more)",
					"CapEff %016x = %s。記事より新しいもの: %s (%d 個増加)",
					st.CapEff, countText(st.CapEff), strings.Join(caps.Names(added), ", "), len(caps.Bits(added)))
			}),
	},
}

var statusStep = &Step{
	ID:       "status",
	Commands: []string{"sudo grep ^Cap /proc/self/status", "grep ^Cap /proc/self/status"},
	Requires: NeedsRoot, Why: rootWhy,
	Live: Live{Procs: []string{"root", "nobody"}, File: capFile},
	Action: func(e *Env) error {
		path, err := capCopy(e, "nakami", 0, 0o755, "cp /proc/self/exe ./nakami")
		if err != nil {
			return err
		}
		if _, err := capRun(e, caps.Program{Role: "root", Path: path, Args: netlab.PingArgs(0), Shell: "sudo grep ^Cap /proc/self/status"}); err != nil {
			return err
		}
		_, err = capRun(e, caps.Program{Role: "nobody", Path: path, Args: netlab.PingArgs(0), UID: nobody, GID: nobody, Shell: "grep ^Cap /proc/self/status # as nobody"})
		return err
	},
	Checks: []Check{
		statusCheck(T("root: CapPrm and CapEff equal the bounding set; CapInh and CapAmb are empty", "root: CapPrm と CapEff は bounding セットと同じ。CapInh と CapAmb は空"), "root",
			func(e *Env, st procfs.Status) (bool, Text) {
				ok := st.Uid[0] == 0 && st.CapPrm == st.CapBnd && st.CapEff == st.CapBnd && st.CapInh == 0 && st.CapAmb == 0 && st.CapBnd != 0
				return ok, statusText(st)
			}),
		statusCheck(T("nobody: CapPrm and CapEff are empty, the bounding set is the same", "nobody: CapPrm と CapEff は空、bounding セットは同じ"), "nobody",
			func(e *Env, st procfs.Status) (bool, Text) {
				ok := st.Uid[0] == nobody && st.CapPrm == 0 && st.CapEff == 0 && st.CapInh == 0 && st.CapAmb == 0 && st.CapBnd == selfBounding()
				return ok, statusText(st)
			}),
	},
}

// The sets step's process: every set different.
var setsSetup = func() caps.Setup {
	bind := uint64(1) << 10
	return caps.Setup{UID: nobody, GID: nobody, Inh: netRaw, Prm: netRaw | bind, Eff: bind, Amb: netRaw,
		Bnd: selfBounding() &^ (1 << caps.SysAdmin)}
}

var setsStep = &Step{
	ID: "sets",
	Commands: []string{"sudo capsh --caps='cap_net_raw,cap_net_bind_service+p cap_net_raw+i cap_net_bind_service+e cap_setuid,cap_setgid,cap_setpcap+ep' " +
		"--drop=cap_sys_admin --keep=1 --user=nobody --addamb=cap_net_raw -- -c 'grep ^Cap /proc/$$/status'"},
	Requires: NeedsRoot, Why: rootWhy,
	Live: Live{Procs: []string{"sets"}, File: capFile},
	Action: func(e *Env) error {
		setup := setsSetup()
		_, err := capRun(e, caps.Program{Role: "sets", Setup: &setup, Shell: "capsh … -- -c 'grep ^Cap /proc/$$/status'"})
		return err
	},
	Checks: []Check{
		setCheck(0, T("inheritable: cap_net_raw, offered to a program whose file also lists it", "inheritable: cap_net_raw。ファイル側も持つプログラムに引き継がれる")),
		setCheck(1, T("permitted: cap_net_bind_service and cap_net_raw, the most it may use", "permitted: cap_net_bind_service と cap_net_raw。使える上限")),
		setCheck(2, T("effective: cap_net_bind_service, the one the kernel checks now", "effective: cap_net_bind_service。今カーネルが判定に使うもの")),
		setCheck(4, T("ambient: cap_net_raw, kept across execve of a plain program", "ambient: cap_net_raw。普通のプログラムの execve でも保たれる")),
		{
			Name: T("bounding: cap_sys_admin is gone, on every thread of the process", "bounding: cap_sys_admin がない。プロセスのすべてのスレッドで"),
			Probe: func(e *Env) (bool, Text) {
				c := e.Child("sets")
				if c == nil {
					return false, T("no process with its own sets yet", "まだ独自のセットを持つプロセスがありません")
				}
				threads, err := caps.ReadThreadSets(c.PID)
				if err != nil {
					return false, errText(err)
				}
				want := setsSetup()
				for tid, cs := range threads {
					if cs.Bounding != want.Bnd || cs.Ambient != want.Amb {
						return false, Tf("thread %d: CapBnd %016x CapAmb %016x", "スレッド %d: CapBnd %016x CapAmb %016x", tid, cs.Bounding, cs.Ambient)
					}
				}
				return true, Tf("all %d threads in /proc/%d/task: CapBnd %016x (no cap_sys_admin), CapAmb %016x",
					"/proc/%d/task の %d スレッドすべて: CapBnd %016x (cap_sys_admin なし)、CapAmb %016x", len(threads), c.PID, want.Bnd, want.Amb)
			},
		},
	},
}

func setCheck(i int, name Text) Check {
	return statusCheck(name, "sets", func(e *Env, st procfs.Status) (bool, Text) {
		s := setsSetup()
		want := [5]uint64{s.Inh, s.Prm, s.Eff, s.Bnd, s.Amb}[i]
		got := caps.SetsOf(st).Masks()[i]
		line := caps.SetNames[i][1]
		return got == want && st.Uid[0] == nobody, Tf("%s: %016x = %s", "%s: %016x = %s", line, got, strings.Join(caps.Names(got), ","))
	})
}

var ambientStep = &Step{
	ID:       "ambient",
	Commands: []string{"cp /bin/ping .", "sudo capsh --caps='cap_net_raw+ip cap_setpcap,cap_setuid,cap_setgid+ep' --keep=1 --user=nobody --addamb=cap_net_raw -- -c 'grep Cap /proc/$$/status && ./ping -c1 127.0.0.1'"},
	Requires: NeedsRoot, Why: rootWhy,
	Live: Live{Procs: []string{"ambient"}, File: capFile},
	Action: func(e *Env) error {
		path, err := capCopy(e, "ping-ambient", nobody, 0o755, "cp /bin/ping ./ping-ambient # as nobody")
		if err != nil {
			return err
		}
		setup := caps.Setup{UID: nobody, GID: nobody, Inh: netRaw, Prm: netRaw, Amb: netRaw, Bnd: selfBounding()}
		_, err = capRun(e, caps.Program{Role: "ambient", Path: path, Args: netlab.PingArgs(1), Setup: &setup,
			Shell: "capsh --caps='cap_net_raw+ip …' --keep=1 --user=nobody --addamb=cap_net_raw -- -c './ping-ambient -c1 127.0.0.1'"})
		return err
	},
	Checks: []Check{
		copyCheck("ping-ambient", T("the copy has neither file capabilities nor the set-user-ID bit", "コピーにはファイルケーパビリティも set-user-ID ビットもない"),
			func(f FileFacts) bool { return !f.SetUID && !f.HasCaps }),
		statusCheck(T("it runs as nobody with CapAmb 0000000000002000 (CAP_NET_RAW)", "nobody として CapAmb 0000000000002000 (CAP_NET_RAW) で動いている"), "ambient",
			func(e *Env, st procfs.Status) (bool, Text) {
				ok := st.Uid == [4]int{nobody, nobody, nobody, nobody} && st.CapAmb == netRaw && st.CapInh == netRaw && st.CapPrm == netRaw && st.CapEff == netRaw
				return ok, statusText(st)
			}),
		pingCheck("ambient", nobody),
	},
}

func statusText(st procfs.Status) Text {
	var parts []string
	for i, m := range caps.SetsOf(st).Masks() {
		parts = append(parts, fmt.Sprintf("%s %016x (%d)", caps.SetNames[i][1], m, len(caps.Bits(m))))
	}
	s := fmt.Sprintf("uid %d; %s", st.Uid[0], strings.Join(parts, ", "))
	return T(s, s)
}
