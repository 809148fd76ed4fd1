package lessons

// first-container/rootfs and first-container/cgroup (article map rows 1–2):
// a root filesystem copied from the host's programs, and a cgroup holding
// the article's CPU quota and memory limit.

import (
	"os"
	"path/filepath"
	"strings"

	"nakami/engine/cgroup"
	"nakami/engine/rootfs"
)

// ---- rootfs -----------------------------------------------------------

// fcRootfsCheck checks the root filesystem's directory once it is built.
func fcRootfsCheck(name Text, probe func(e *Env, dir string) (bool, Text)) Check {
	return Check{Name: name, Probe: func(e *Env) (bool, Text) {
		r := fcRootDir(e)
		if r == "" {
			return false, T("no root filesystem yet", "まだルートファイルシステムがありません")
		}
		return probe(e, r)
	}}
}

var fcRootfsStep = &Step{
	ID: "rootfs",
	Commands: []string{
		"docker export $(docker create bash) | tar -C $ROOTFS -xf -   # the article; nakami copies host programs instead",
		"ROOTFS=$(mktemp -d); cp -L /bin/sh /bin/ls /bin/ps … $ROOTFS/bin; cp -L $(ldd …) $ROOTFS/lib…",
		"ls $ROOTFS",
	},
	Requires: NeedsRoot,
	Why:      T("the check runs a shell chrooted into the new tree, and chroot(2) needs CAP_SYS_CHROOT.", "チェックは新しいツリーに chroot したシェルを動かします。chroot(2) には CAP_SYS_CHROOT が必要です。"),
	Action: func(e *Env) error {
		_, err := fcBuildRootfs(e)
		return err
	},
	Checks: []Check{
		fcRootfsCheck(T("a shell chrooted into the tree runs, from the tree's own files", "ツリーに chroot したシェルが、ツリー自身のファイルで動く"),
			func(e *Env, r string) (bool, Text) {
				out, err := rootfs.RunIn(nil, r, "/bin/sh", "-c", "cd / && echo *")
				if err != nil {
					return false, errText(err)
				}
				return true, Tf("chroot %s /bin/sh -c 'echo /*' lists: %s", "chroot %s /bin/sh -c 'echo /*' の一覧: %s", r, strings.TrimSpace(out))
			}),
		fcRootfsCheck(T("the tree carries nakami itself at /bin/nakami, for the busy loop later", "後のビジーループ用に、ツリーには nakami 自身が /bin/nakami として入っている"),
			func(e *Env, r string) (bool, Text) {
				st, err := os.Stat(filepath.Join(r, rootfs.SelfPath))
				if err != nil {
					return false, errText(err)
				}
				if st.Mode()&0o111 == 0 || st.Mode()&(os.ModeSetuid|os.ModeSetgid) != 0 {
					return false, Tf("%s has mode %v", "%s のモードは %v", rootfs.SelfPath, st.Mode())
				}
				return true, Tf("%s%s: %d bytes, mode %v (no set-user-ID)", "%s%s: %d バイト、モード %v(set-user-ID なし)", r, rootfs.SelfPath, st.Size(), st.Mode())
			}),
	},
}

// ---- cgroup -----------------------------------------------------------

var fcCPUParam = Param{Name: "cpu", Default: "30%", Help: T("the container's CPU quota, in percent of one CPU (period 1 s)", "コンテナの CPU クォータ(CPU 1 個に対する割合、周期 1 秒)"),
	Check: cpuParam.Check}

var fcMemoryParam = Param{Name: "memory", Default: "10MB", Help: T("the container's memory limit", "コンテナのメモリ上限"),
	Check: memoryParam.Check}

var fcCgroupStep = &Step{
	ID:   "cgroup",
	Live: Live{Cgroups: []string{fcRole}},
	Commands: []string{
		"UUID=$(uuidgen)",
		"sudo cgcreate -g cpu,memory:$UUID",
		"sudo cgset -r memory.limit_in_bytes=10000000 $UUID   # v2: echo 10000000 > /sys/fs/cgroup/$UUID/memory.max",
		"sudo cgset -r cpu.cfs_period_us=1000000 $UUID",
		"sudo cgset -r cpu.cfs_quota_us=300000 $UUID          # v2: echo '300000 1000000' > /sys/fs/cgroup/$UUID/cpu.max",
	},
	Requires: NeedsRoot,
	Why:      fcWhy,
	Params:   []Param{fcCPUParam, fcMemoryParam},
	Action: func(e *Env) error {
		_, err := fcNewGroup(e, fcRole, fcGroup)
		return err
	},
	Checks: []Check{
		quotaCheck(T("the kernel holds the CPU quota and period", "カーネルが CPU のクォータと周期を保持している"), fcRole, fcPeriodUS,
			func(e *Env) float64 { w, _ := fcLimits(e); return w }),
		groupCheck(T("the kernel holds the memory limit", "カーネルがメモリ上限を保持している"), fcRole,
			func(e *Env, g *cgroup.Group, st cgroup.Stats) (bool, Text) {
				_, want := fcLimits(e)
				file := "memory.limit_in_bytes"
				if st.Version == 2 {
					file = "memory.max"
				}
				page := int64(os.Getpagesize())
				if st.MemLimit < 0 || st.MemLimit > want || want-st.MemLimit >= page {
					return false, Tf("%s/%s: %d, asked for %d", "%s/%s: %d(指定は %d)", g.Dir("memory"), file, st.MemLimit, want)
				}
				return true, Tf("%s: %d (asked for %d; the kernel rounds down to whole %d-byte pages)", "%s: %d(指定は %d。カーネルは %d バイトのページ単位に切り下げる)", file, st.MemLimit, want, page)
			}),
	},
}
