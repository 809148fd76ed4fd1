package lessons

// The filesystem lesson: rows 28–32 of the article map. Every check reads
// the kernel: the /proc/PID/root link, the root line of /proc/PID/mountinfo,
// /proc/PID/status, /proc/PID/fd, files seen through /proc/PID/root; the
// escape program waits so that its root is read before it escapes.
//
// This file holds the Lesson, the state its steps share and their helpers;
// the steps are in filesystem_chroot.go (root, chroot: rows 28–29) and
// filesystem_escape.go (escape, drop-cap, pivot-root: rows 30–32).

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"nakami/engine/child"
	"nakami/engine/procfs"
	"nakami/engine/rootfs"
)

var _ = register(&Lesson{
	ID:        "filesystem",
	Exercises: fsExercises,
	Steps:     []*Step{fsRootStep, fsChrootStep, fsEscapeStep, fsDropCapStep, fsPivotRootStep},
	KeepHelp: func(e *Env) Text {
		var b strings.Builder
		if r, ok := fsRootfsKey.Get(e); ok {
			fmt.Fprintf(&b, "  rootDir          ls -l %s;  sudo chroot %s /bin/sh\n", r, r)
		}
		for _, role := range []string{"jail", "escaped", "capless", "pivoted"} {
			if c := e.Child(role); c != nil {
				fmt.Fprintf(&b, "  %-15s ls -l /proc/%d/root;  grep CapBnd /proc/%d/status;  cat /proc/%d/mountinfo\n", role, c.PID, c.PID, c.PID)
			}
		}
		return T("Left for you to look at:\n"+b.String()+"Remove them with: nakami cleanup\n",
			"確認用に残したもの:\n"+b.String()+"削除するには: nakami cleanup\n")
	},
})

const capSysChroot = 18 // CAP_SYS_CHROOT, capabilities(7)

var fsRootWhy = T("chroot(2) needs CAP_SYS_CHROOT and pivot_root(2) CAP_SYS_ADMIN, and this step is about what root, holding them in the initial user namespace, can and cannot escape.",
	"chroot(2) には CAP_SYS_CHROOT、pivot_root(2) には CAP_SYS_ADMIN が必要です。このステップは、初期ユーザー名前空間でそれらを持つ root が何から抜け出せて何から抜け出せないかを扱います。")

// The state the steps share.
var (
	// fsRootfsKey is the lesson's root filesystem (a directory on the
	// host), built once per session by the first step that needs it.
	fsRootfsKey = newKey[string]("filesystem/rootfs")
	// fsCanaryKey is the canary file the escape steps look for: written
	// by nakami outside the root filesystem, never a real host secret.
	fsCanaryKey = newKey[string]("filesystem/canary")
)

// buildRootfs builds (once per session) the lesson's root filesystem.
func buildRootfs(e *Env) (*rootfs.Root, error) {
	r, err := rootfs.Build(e.S, "filesystem", rootfs.Options{})
	if err != nil {
		return nil, err
	}
	fsRootfsKey.Set(e, r.Path)
	return r, nil
}

// spawnEscape writes the canary and starts the escape program under role,
// with its root arranged by setup.
func spawnEscape(e *Env, role string, setup func(*child.Spec, string)) error {
	r, err := buildRootfs(e)
	if err != nil {
		return err
	}
	canary, _, err := rootfs.WriteCanary(e.S)
	if err != nil {
		return err
	}
	fsCanaryKey.Set(e, canary)
	spec := child.Spec{Role: role, Exec: []string{rootfs.RoleEscape, canary}, ExecPath: r.Self}
	setup(&spec, r.Path)
	c, err := e.Spawn(spec)
	if err != nil {
		return err
	}
	// The escape waits: its root, as the kernel holds it, is read before it
	// tries to leave (the order is the point), then it goes on.
	var root string
	if err := e.S.T.Do(fmt.Sprintf("readlink(\"/proc/%d/root\")", c.PID), fmt.Sprintf("ls -l /proc/%d/root", c.PID), func() (err error) {
		root, err = procfs.ReadRoot(c.PID)
		return err
	}); err != nil {
		return err
	}
	jailed := fsJailedKey.Value(e)
	if jailed == nil {
		jailed = map[string]string{}
		fsJailedKey.Set(e, jailed)
	}
	jailed[role] = root
	return c.Go(5 * time.Second)
}

// fsJailedKey holds, by role, the escape process's /proc/PID/root read
// before it was told to escape.
var fsJailedKey = newKey[map[string]string]("filesystem/jailed-root")

// jailedFirst: before the escape ran, /proc/PID/root of role's process was
// rootDir (read by spawnEscape while the process waited).
func jailedFirst(e *Env, role, rootDir string) (string, bool) {
	root := fsJailedKey.Value(e)[role]
	return root, root != "" && root == rootDir
}

// escapeRan: the escape made its directory in the root filesystem (so it
// ran in there); holds: it has the canary open (its /proc/PID/fd).
func escapeRan(e *Env, c *child.Process) (ran, holds bool, err error) {
	_, serr := os.Stat(filepath.Join(fsRootfsKey.Value(e), ".nakami-escape"))
	holds, err = rootfs.HoldsOpen(c.PID, fsCanaryKey.Value(e))
	return serr == nil, holds, err
}

// rootCheck: the /proc/PID/root link of role's process points at want(e).
func rootCheck(name Text, role string, want func(*Env) string) Check {
	return procCheck(name, role, func(e *Env, c *child.Process) (bool, Text) {
		root, err := procfs.ReadRoot(c.PID)
		if err != nil {
			return false, errText(err)
		}
		if w := want(e); w == "" || root != w {
			return false, Tf("/proc/%d/root -> %s, not %s", "/proc/%d/root -> %s (%s ではありません)", c.PID, root, w)
		}
		return true, Tf("/proc/%d/root -> %s", "/proc/%d/root -> %s", c.PID, root)
	})
}

func lines(b []byte) int { return strings.Count(string(b), "\n") }

// users lists the user names of a passwd file.
func users(b []byte) string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if name, _, ok := strings.Cut(l, ":"); ok {
			out = append(out, name)
		}
	}
	return strings.Join(out, ",")
}

// dirNames lists a directory's visible entries, sorted, as `echo *` would.
func dirNames(dir string) []string {
	ents, _ := os.ReadDir(dir)
	var out []string
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), ".") {
			out = append(out, e.Name())
		}
	}
	return out
}
