package lessons

// namespaces/types (row 13 of the article map): one process in all eight
// new namespaces, and one check per type showing the resource that type
// isolates (the time namespace is newer than the article).

import (
	"fmt"
	"math"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/moby/sys/mountinfo"

	"nakami/engine/child"
	"nakami/engine/doctor"
	"nakami/engine/procfs"
)

const (
	typesShmKey   = 0x6e616b61 // "naka"
	typesBoottime = 86400      // one day ahead
)

var nsTypesStep = &Step{
	ID: "types",
	Commands: []string{
		"unshare -CimnpuTUr --fork --mount-proc --boottime 86400 /bin/sh",
		"hostname foobar; mount -t tmpfs none /tmp; ipcmk -M 4096",
		"lsns -p $$",
	},
	Requires: NeedsUserNS,
	Params:   []Param{hostnameParam},
	Live:     Live{Procs: []string{"all"}},
	Action: func(e *Env) error {
		c, err := e.Spawn(child.Spec{
			Role: "all", NewNS: []string{"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"},
			Hostname: nsHostname(e, "types"), MountProc: true,
			Tmpfs: e.S.Tag, ShmKey: typesShmKey, Boottime: typesBoottime,
			Shell: "unshare -CimnpuTUr --fork --mount-proc --boottime 86400 /bin/sh",
		})
		if err != nil {
			return err
		}
		var up string
		return child.Probe(e.S.T, c.PID, joinTypes("time"), "uptime", &up)
	},
	Checks: []Check{
		typeCheck("mnt", T("mount: the tmpfs mounted inside is in its table only", "mount: 中でマウントした tmpfs は中の表にだけある"),
			func(e *Env, pid int) (bool, Text) {
				in, err := procfs.ReadMounts(pid)
				if err != nil {
					return false, errText(err)
				}
				out, err := procfs.ReadMounts(os.Getpid())
				if err != nil {
					return false, errText(err)
				}
				has := func(ms []*mountinfo.Info) bool {
					return slices.ContainsFunc(ms, func(m *mountinfo.Info) bool { return m.Source == e.S.Tag })
				}
				if !has(in) || has(out) {
					return false, Tf("tmpfs %s inside: %v, on the host: %v", "tmpfs %s 中: %v、ホスト: %v", e.S.Tag, has(in), has(out))
				}
				return true, Tf("/proc/%d/mountinfo has tmpfs %s on /tmp (%d mounts); the host's does not",
					"/proc/%d/mountinfo には /tmp に tmpfs %s (%d 件)。ホストにはない", pid, e.S.Tag, len(in))
			}),
		typeCheck("pid", T("pid: the process is PID 1 in its own numbering", "pid: プロセスは自分の番号空間で PID 1"),
			func(e *Env, pid int) (bool, Text) {
				st, err := procfs.ReadStatus(pid)
				if err != nil {
					return false, errText(err)
				}
				if len(st.NSpid) != 2 || st.NSpid[1] != 1 {
					return false, Tf("NSpid: %v", "NSpid: %v", st.NSpid)
				}
				return true, Tf("/proc/%d/status NSpid: %d %d", "/proc/%d/status NSpid: %d %d", pid, st.NSpid[0], st.NSpid[1])
			}),
		typeCheck("net", T("net: only the loopback device exists inside", "net: 中にはループバックしかない"),
			func(e *Env, pid int) (bool, Text) {
				in, err := procfs.ReadNetDevs(pid)
				if err != nil {
					return false, errText(err)
				}
				out, _ := procfs.ReadNetDevs(os.Getpid())
				if !reflect.DeepEqual(in, []string{"lo"}) {
					return false, Tf("/proc/%d/net/dev lists %v", "/proc/%d/net/dev は %v", pid, in)
				}
				return true, Tf("inside: %v; host: %v", "中: %v、ホスト: %v", in, out)
			}),
		typeCheck("ipc", T("ipc: the shared memory segment made inside is invisible outside", "ipc: 中で作った共有メモリは外から見えない"),
			func(e *Env, pid int) (bool, Text) {
				key := strconv.Itoa(typesShmKey)
				var in []string
				if err := child.Probe(nil, pid, joinTypes("ipc"), "shm", &in); err != nil {
					return false, errText(err)
				}
				out, err := doctor.SysvShmKeys()
				if err != nil {
					return false, errText(err)
				}
				if !slices.Contains(in, key) || slices.Contains(out, key) {
					return false, Tf("key 0x%x inside: %v, outside: %v", "キー 0x%x 中: %v、外: %v", typesShmKey, slices.Contains(in, key), slices.Contains(out, key))
				}
				return true, Tf("/proc/sysvipc/shm lists key 0x%x inside, not on the host", "/proc/sysvipc/shm: キー 0x%x は中にあり、ホストにはない", typesShmKey)
			}),
		typeCheck("uts", T("uts: the hostname differs inside", "uts: 中ではホスト名が違う"),
			func(e *Env, pid int) (bool, Text) {
				in, err := child.Hostname(pid)
				if err != nil {
					return false, errText(err)
				}
				out, _ := child.UnameNodename()
				if in != nsHostname(e, "types") || in == out {
					return false, Tf("inside %q, host %q", "中 %q、ホスト %q", in, out)
				}
				return true, Tf("inside %q, host %q", "中 %q、ホスト %q", in, out)
			}),
		typeCheck("user", Tf("user: uid_map maps one id, uid 0 inside, to uid %d outside (nakami's own)", "user: uid_map は 1 個だけ、中の uid 0 を外の uid %d (nakami 自身) に対応させる", os.Getuid()),
			func(e *Env, pid int) (bool, Text) {
				uid, _, err := procfs.ReadIDMaps(pid)
				if err != nil {
					return false, errText(err)
				}
				if len(uid) != 1 || uid[0].Inside != 0 || uid[0].Count != 1 || int(uid[0].Outside) != os.Getuid() {
					return false, Tf("uid_map: %v", "uid_map: %v", uid)
				}
				return true, Tf("uid_map: 0 → %d (1 id)", "uid_map: 0 → %d (1 個)", uid[0].Outside)
			}),
		typeCheck("cgroup", T("cgroup: inside, the process's cgroups read as the root \"/\"", "cgroup: 中ではプロセスの cgroup がルート \"/\" に見える"),
			func(e *Env, pid int) (bool, Text) {
				var in []procfs.CgroupEntry
				if err := child.Probe(nil, pid, []string{"user", "cgroup", "pid", "mnt"}, "pid1-cgroup", &in); err != nil {
					return false, errText(err)
				}
				out, err := procfs.ReadCgroups(pid)
				if err != nil {
					return false, errText(err)
				}
				for _, c := range in {
					if c.Path != "/" {
						return false, Tf("inside, hierarchy %d reads %s", "中で階層 %d は %s", c.ID, c.Path)
					}
				}
				var hostPaths []string
				for _, c := range out {
					if c.Path != "/" {
						hostPaths = append(hostPaths, fmt.Sprintf("%d:%s", c.ID, c.Path))
					}
				}
				return true, Tf("inside every hierarchy reads \"/\"; from the host, not at the root: %v",
					"中ではすべての階層が \"/\"。ホストから見てルート以外: %v", hostPaths)
			}),
		typeCheck("time", T("time: the boot-time clock runs a day ahead inside", "time: 中では起動時刻の時計が 1 日進んでいる"),
			func(e *Env, pid int) (bool, Text) {
				off, err := procfs.ReadTimeOffsets(pid)
				if err != nil {
					return false, errText(err)
				}
				var in string
				if err := child.Probe(nil, pid, joinTypes("time"), "uptime", &in); err != nil {
					return false, errText(err)
				}
				b, err := os.ReadFile("/proc/uptime")
				if err != nil {
					return false, errText(err)
				}
				inside, _ := strconv.ParseFloat(in, 64)
				host, _ := strconv.ParseFloat(strings.Fields(string(b))[0], 64)
				if off["boottime"] != typesBoottime || math.Abs(inside-host-typesBoottime) > 5 {
					return false, Tf("offset %d s, uptime inside %.0f s, host %.0f s", "オフセット %d 秒、中の uptime %.0f 秒、ホスト %.0f 秒", off["boottime"], inside, host)
				}
				return true, Tf("timens_offsets boottime %d; /proc/uptime inside %.0f s, on the host %.0f s",
					"timens_offsets boottime %d。/proc/uptime は中で %.0f 秒、ホストで %.0f 秒", off["boottime"], inside, host)
			}),
	},
}

// typeCheck wraps a per-type check: it fails until the process exists and
// has a namespace of that type different from nakami's own.
func typeCheck(typ string, name Text, fn func(*Env, int) (bool, Text)) Check {
	return procCheck(name, "all", func(e *Env, c *child.Process) (bool, Text) {
		theirs, err := procfs.ReadNamespaces(c.PID)
		if err != nil {
			return false, errText(err)
		}
		mine, _ := procfs.ReadNamespaces(os.Getpid())
		if theirs[typ] == mine[typ] {
			return false, Tf("%s:[%d] is nakami's own", "%s:[%d] は nakami 自身のもの", typ, theirs[typ].Inode)
		}
		ok, detail := fn(e, c.PID)
		prefix := fmt.Sprintf("%s:[%d] — ", typ, theirs[typ].Inode)
		return ok, T(prefix+detail.EN, prefix+detail.JA)
	})
}
