package cgroup

// Workloads for the cgroup lesson, as hidden roles of the binary so that
// nothing depends on yes(1) or stress(1): a busy loop, a memory hog that
// touches every page it maps, and a bounded fork bomb that refuses to run
// outside a pids-limited group. Each is exec'd by a child (child.Spec.Exec)
// and keeps its fds 3 and 4 (child.Attach): it sends "ready" on fd 4 and
// stops when fd 3 reaches EOF (the parent is gone or done with it).
//
// Syscalls: mmap(2) (MAP_ANONYMOUS), clone(2) (raw, SIGCHLD only), pipe2(2),
// read(2), wait4(2), exit_group(2). Man pages: cgroups(7), mmap(2), clone(2);
// Documentation/admin-guide/cgroup-v1/pids.rst (fork fails with EAGAIN).

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"
	"unsafe"

	"nakami/engine"
	"nakami/engine/child"
	"nakami/engine/procfs"

	"golang.org/x/sys/unix"
)

// Hidden roles of the workloads.
const (
	RoleBurn = "__nakami_burn__" // THREADS: spin on THREADS threads
	RoleHog  = "__nakami_hog__"  // BYTES: after "go", map and touch up to BYTES
	RoleBomb = "__nakami_bomb__" // MAX SECONDS: fork until refused, MAX times, for SECONDS at most
)

// workMax bounds every workload in time, even if its parent forgets it.
const workMax = 10 * time.Minute

func init() {
	child.RegisterRole(RoleBurn, burnMain)
	child.RegisterRole(RoleHog, hogMain)
	child.RegisterRole(RoleBomb, bombMain)
}

func burnMain(args []string) int {
	n := 1
	if len(args) == 1 {
		n, _ = strconv.Atoi(args[0])
	}
	if n < 1 || n > 64 {
		fmt.Fprintln(os.Stderr, "burn: want 1 to 64 threads")
		return 2
	}
	c := child.Attach()
	for i := 0; i < n; i++ {
		go func() {
			runtime.LockOSThread()
			for x := uint64(0); ; x++ {
				_ = x * x
			}
		}()
	}
	c.Ready()
	return c.HoldUntil(time.Now().Add(workMax))
}

func hogMain(args []string) int {
	var max int64
	if len(args) == 1 {
		max, _ = strconv.ParseInt(args[0], 10, 64)
	}
	if max <= 0 {
		fmt.Fprintln(os.Stderr, "hog: want a positive byte count")
		return 2
	}
	c := child.Attach()
	c.Ready()
	if cmd, ok := c.Next(); !ok || cmd != child.CmdGo {
		return 0
	}
	const chunk = 1 << 20
	page := os.Getpagesize()
	var touched int64
	for touched < max {
		b, err := unix.Mmap(-1, 0, chunk, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
		if err != nil {
			fmt.Fprintln(os.Stderr, "hog: mmap:", err)
			return 1
		}
		for i := 0; i < chunk; i += page {
			b[i] = 1 // the page is charged only when touched
		}
		touched += chunk
	}
	// Survived: the limit did not hold. Stay until told, so the parent can
	// read the group, then exit normally.
	return c.HoldUntil(time.Now().Add(workMax))
}

// inPidsLimitedGroup reports this process's pids.max, refusing "max".
func inPidsLimitedGroup() (int64, error) {
	cg, err := procfs.ReadCgroups(os.Getpid())
	if err != nil {
		return 0, err
	}
	c, err := Detect()
	if err != nil {
		return 0, err
	}
	for _, e := range cg {
		var file string
		switch {
		case slices.Contains(e.Controllers, "pids") && c.Layout.V1["pids"] != "":
			file = filepath.Join(c.Layout.V1["pids"], e.Path, "pids.max")
		case e.ID == 0 && c.Layout.V2 != "" && c.Layout.V1["pids"] == "":
			file = filepath.Join(c.Layout.V2, e.Path, "pids.max")
		default:
			continue
		}
		max, err := readLimit(file)
		if err == nil && max >= 0 {
			return max, nil
		}
	}
	return 0, fmt.Errorf("refusing to fork without a pids limit: this process's group has pids.max \"max\" or none")
}

func bombMain(args []string) int {
	if len(args) != 2 {
		fmt.Fprintln(os.Stderr, "bomb: want MAX SECONDS")
		return 2
	}
	max, _ := strconv.Atoi(args[0])
	secs, _ := strconv.Atoi(args[1])
	if max < 1 || max > 4096 || secs < 1 || secs > 600 {
		fmt.Fprintln(os.Stderr, "bomb: MAX is 1 to 4096, SECONDS 1 to 600")
		return 2
	}
	c := child.Attach()
	c.Listen()
	limit, err := inPidsLimitedGroup()
	if err != nil {
		c.Fail(err.Error())
		return 2
	}
	// The children block reading this pipe and exit at EOF: when the bomb
	// closes it or dies, every one of them goes.
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		c.Fail("pipe2: " + err.Error())
		return 3
	}
	// At the limit the runtime cannot start a thread either, and it aborts
	// when it must: give it idle threads now, and need few later.
	runtime.GOMAXPROCS(1)
	prewarmThreads(8)
	runtime.LockOSThread()
	deadline := time.Now().Add(time.Duration(secs) * time.Second)
	start := time.Now()
	forked, errno := 0, unix.Errno(0)
	for forked < max && time.Now().Before(deadline) {
		pid, e := forkHold(p[0], p[1])
		if e != 0 {
			if errno = e; e == unix.EAGAIN {
				break
			}
			continue
		}
		_ = pid
		forked++
	}
	op := engine.Op{Call: fmt.Sprintf("clone(SIGCHLD) × %d", forked+1), Shell: ":(){ :|:& };:  # bounded",
		Duration: time.Since(start), Outcome: "ok",
		Detail: fmt.Sprintf(engine.NoteForkAll, forked, limit)}
	if errno != 0 {
		op.Outcome, op.Failed = engine.ErrnoName(errno), true
		op.Detail = fmt.Sprintf(engine.NoteForkRefused, forked, limit, errno.Error())
	}
	c.Report(child.StageFork, op)
	c.Ready()
	c.HoldUntil(deadline.Add(time.Minute))
	unix.Close(p[1])
	for {
		if _, err := unix.Wait4(-1, nil, 0, nil); err != nil && err != unix.EINTR {
			break
		}
	}
	return 0
}

// prewarmThreads makes the runtime start OS threads it will keep idle and
// reuse: n goroutines sleep in a blocking system call at the same time.
func prewarmThreads(n int) {
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			unix.Nanosleep(&unix.Timespec{Nsec: 20e6}, nil)
		}()
	}
	wg.Wait()
}

// forkHold forks a child that does nothing but wait for EOF on r and exit.
// The child runs no Go code beyond raw system calls: after a raw fork only
// the calling thread exists, so the runtime must not be entered.
//
//go:nosplit
//go:norace
func forkHold(r, w int) (int, unix.Errno) {
	pid, _, e := unix.RawSyscall6(unix.SYS_CLONE, uintptr(unix.SIGCHLD), 0, 0, 0, 0, 0)
	if e != 0 {
		return 0, e
	}
	if pid != 0 {
		return int(pid), 0
	}
	var b [1]byte
	unix.RawSyscall(unix.SYS_CLOSE, uintptr(w), 0, 0)
	unix.RawSyscall(unix.SYS_READ, uintptr(r), uintptr(unsafe.Pointer(&b[0])), 1)
	unix.RawSyscall(unix.SYS_EXIT_GROUP, 0, 0, 0)
	return 0, 0
}
