package child

// Transparent huge pages off for a child placed in a cgroup: the request
// travels in the environment to the nsenter constructor, which calls
// prctl(PR_SET_THP_DISABLE) before the Go runtime starts; the flag is kept
// across fork(2) and execve(2), so the workload the child becomes inherits
// it. The parent then reads the result back from /proc/PID/status
// (THP_enabled, Linux 5.0+) for the transcript.
//
// Why: with /sys/kernel/mm/transparent_hugepage/enabled at "always"
// (Debian's default) the runtime's first touches of its heap and stacks are
// charged to the memory group 2 MiB at a time, and a child was charged
// 13 MB before its workload began: more than the article's 10 MB limit.
//
// Syscalls: prctl(2) PR_SET_THP_DISABLE (in nsenter.c), read(2) of
// /proc/PID/status. Man pages: prctl(2), proc_pid_status(5).

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"nakami/engine"
	"nakami/engine/nsenter"
)

// grouped reports whether the spec places the child in a cgroup.
func grouped(spec Spec) bool { return spec.CgroupDir != "" || len(spec.CgroupTasks) > 0 }

// noTHPEnv adds the constructor's request to env when the child goes into a
// group.
func noTHPEnv(env []string, spec Spec) []string {
	if !grouped(spec) {
		return env
	}
	return append(env, nsenter.EnvNoTHP+"=1")
}

// noteTHP records, from the kernel's view of the ready child, whether huge
// pages are off for it.
func (c *Process) noteTHP() {
	if !grouped(c.Spec) {
		return
	}
	status := "/proc/" + strconv.Itoa(c.PID) + "/status"
	op := engine.Op{Call: "prctl(PR_SET_THP_DISABLE, 1)", By: "child " + strconv.Itoa(c.PID), Detail: engine.NoteTHP}
	switch v := thpEnabled(c.PID); v {
	case "0":
		op.Detail = fmt.Sprintf(engine.NoteTHPOff, status)
	case "":
		op.Outcome, op.Detail = "unknown", fmt.Sprintf(engine.NoteTHPUnknown, status)
	default:
		op.Outcome, op.Failed, op.Detail = "EINVAL", true, fmt.Sprintf(engine.NoteTHPRefused, status, v)
	}
	c.s.T.Add(op)
}

// thpEnabled is the THP_enabled field of /proc/PID/status, or "".
func thpEnabled(pid int) string {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "THP_enabled:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
