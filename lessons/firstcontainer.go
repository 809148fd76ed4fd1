package lessons

// The first-container lesson: rows 1–8 of the article map, the course's
// opening. It composes what later lessons explain one at a time: a root
// filesystem, a cgroup with CPU and memory limits, a process in six new
// namespaces that pivots into the root filesystem and becomes /bin/sh, the
// world as that shell sees it, the same processes as the host sees them, the
// CPU limit holding, cleanup, and how long all of it takes to start.
//
// Every check reads the kernel: /proc/PID/{ns,status,cgroup,mountinfo,
// uid_map,net/dev,root}, the cgroupfs files, the hostname after setns(2),
// and the output of real commands typed into the container's own shell
// (container.Console), compared with what the kernel shows from outside.
//
// This file holds the Lesson, the state its steps share (the console, the
// root filesystem) and the helpers of more than one part. The steps:
//
//	firstcontainer_build.go    rootfs, cgroup    (rows 1–2)
//	firstcontainer_run.go      run               (row 3)
//	firstcontainer_inside.go   inside            (row 4)
//	firstcontainer_host.go     host-view, cpu-limit (rows 5–6)
//	firstcontainer_cleanup.go  cleanup           (row 7)
//	firstcontainer_start.go    start-time        (row 8)

import (
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"

	"nakami/engine/cgroup"
	"nakami/engine/child"
	"nakami/engine/container"
	"nakami/engine/rootfs"
)

const (
	fcLesson   = "first-container"
	fcRole     = "container"
	fcGroup    = "container"
	fcPeriodUS = 1000000 // the article's cpu.cfs_period_us
	fcRuns     = 5       // start-time runs of each kind
)

var fcWhy = T("creating a cgroup, and mounting inside namespaces whose user namespace maps root, need root on this machine (the article runs cgexec and capsh with sudo).",
	"cgroup の作成と、root を対応づけたユーザー名前空間の中でのマウントには、このマシンの root 権限が必要です(記事も cgexec と capsh を sudo で実行しています)。")

var _ = register(&Lesson{
	ID:        fcLesson,
	Exercises: fcExercises,
	Steps:     []*Step{fcRootfsStep, fcCgroupStep, fcRunStep, fcInsideStep, fcConfineStep, fcHostViewStep, fcCPUStep, fcCleanupStep, fcStartStep},
	KeepHelp: func(e *Env) Text {
		var b strings.Builder
		if r := fcRootDir(e); r != "" {
			if _, err := os.Stat(r); err == nil {
				fmt.Fprintf(&b, "  rootfs     ls %s;  sudo chroot %s /bin/sh\n", r, r)
			}
		}
		for _, role := range []string{fcRole, "timed"} {
			if g, err := findGroup(e, role); err == nil {
				for _, d := range g.Dirs() {
					fmt.Fprintf(&b, "  %-10s cat %s/cgroup.procs\n", role, d)
				}
			}
		}
		if c := e.Child("timed"); c != nil {
			fmt.Fprintf(&b, "  timed      sudo nsenter -t %d -a /bin/sh   (a container held for you)\n", c.PID)
		}
		return T("Left in place for you to look at (the container's shell reads nakami's console and ends with this run):\n"+b.String()+"Remove them with: nakami cleanup\n",
			"確認用に残したもの(コンテナのシェルは nakami のコンソールを読んでいるので、この実行と一緒に終わります):\n"+b.String()+"削除するには: nakami cleanup\n")
	},
})

// ---- the container's console -------------------------------------------

// consoleKey holds the container's console; Reset and Close close it.
var consoleKey = newKey[openConsole]("first-container/console")

// openConsole is a console that the Env's state closes when it forgets it.
type openConsole struct{ *container.Console }

func (c openConsole) Close() error { c.Console.Close(); return nil }

func consoleOf(e *Env) *container.Console {
	return consoleKey.Value(e).Console
}

// containerShell returns the live container shell and its console, or an
// error when no container is running.
func containerShell(e *Env) (*child.Process, *container.Console, error) {
	c, con := e.Child(fcRole), consoleOf(e)
	if c == nil || con == nil {
		return nil, nil, errors.New("no container is running")
	}
	return c, con, nil
}

// ---- the root filesystem -------------------------------------------------

// fcRootKey holds the root filesystem the lesson built last (the rootfs,
// run and start-time steps each build it).
var fcRootKey = newKey[*rootfs.Root]("first-container/rootfs")

// fcRootDir is the root filesystem's directory, or "" before one is built.
func fcRootDir(e *Env) string {
	if r := fcRootKey.Value(e); r != nil {
		return r.Path
	}
	return ""
}

// fcHasIP reports whether the root filesystem carries ip(8).
func fcHasIP(e *Env) bool {
	r := fcRootKey.Value(e)
	return r != nil && slices.Contains(r.Programs, "/bin/ip")
}

func fcBuildRootfs(e *Env) (*rootfs.Root, error) {
	// yes, head, grep and sleep: what the article and the hints have a
	// learner type in the container's shell (s).
	progs := append(slices.Clone(rootfs.DefaultPrograms), "uname", "ip", "yes", "head", "grep", "sleep")
	r, err := rootfs.Build(e.S, fcLesson, rootfs.Options{Programs: progs})
	if err != nil {
		return nil, err
	}
	fcRootKey.Set(e, r)
	return r, nil
}

// ---- the limits ------------------------------------------------------------

// fcLimits are the cgroup step's parameters: the CPU quota in percent of
// one CPU, and the memory limit in bytes.
func fcLimits(e *Env) (pct float64, bytes int64) {
	s := stepOf(fcLesson, "cgroup")
	pct, _ = ParsePercent("cpu", e.Param(s, "cpu"))
	bytes, _ = ParseBytes("memory", e.Param(s, "memory"))
	return pct, bytes
}

// fcNewGroup makes a cpu+memory group with the lesson's limits.
func fcNewGroup(e *Env, role, name string) (*cgroup.Group, error) {
	pct, bytes := fcLimits(e)
	g, err := newGroup(e, role, name, "cpu", "cpuacct", "memory")
	if err != nil {
		return nil, err
	}
	if err := g.SetMemory(e.S.T, bytes); err != nil {
		return nil, err
	}
	if err := g.SetCPU(e.S.T, int64(math.Round(pct*fcPeriodUS/100)), fcPeriodUS); err != nil {
		return nil, err
	}
	return g, nil
}
