package engine

// Fault injection for the crash sweep. NAKAMI_FAULT=kill@N makes the process
// that owns a journal SIGKILL itself just before its Nth journaled
// operation: the creation of an object (after its journal line is on disk,
// before the object exists) or the removal of one (before it is removed and
// marked undone). The crash sweep (cmd/nakami/crash_test.go) kills a run at
// every N in turn and checks that `nakami cleanup` leaves the host as it was.
//
// Syscalls: kill(2) with SIGKILL on getpid(2). Man pages: kill(2), signal(7).

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// FaultEnv names the variable that sets a fault.
const FaultEnv = "NAKAMI_FAULT"

var fault struct {
	once   sync.Once
	killAt int64 // 0: no fault
	count  atomic.Int64
}

// ParseFault reads a NAKAMI_FAULT value: "" (none) or kill@N with N ≥ 1.
func ParseFault(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	n, ok := strings.CutPrefix(s, "kill@")
	k, err := strconv.ParseInt(n, 10, 64)
	if !ok || err != nil || k < 1 {
		return 0, fmt.Errorf("%s=%q is not understood: it takes kill@N, N a journaled operation counted from 1", FaultEnv, s)
	}
	return k, nil
}

// CheckFault refuses a malformed NAKAMI_FAULT, so a mistyped sweep fails in
// one sentence instead of running without its fault.
func CheckFault() error {
	_, err := ParseFault(os.Getenv(FaultEnv))
	return err
}

// faultPoint counts one journaled operation and, when it is the one
// NAKAMI_FAULT names, kills this process on the spot. The variable is read
// once and removed from the environment, so children never inherit it.
func faultPoint() {
	fault.once.Do(func() {
		fault.killAt, _ = ParseFault(os.Getenv(FaultEnv))
		os.Unsetenv(FaultEnv)
	})
	if fault.killAt == 0 {
		return
	}
	if fault.count.Add(1) == fault.killAt {
		unix.Kill(os.Getpid(), unix.SIGKILL)
		select {} // SIGKILL is not delivered synchronously; never go on
	}
}
