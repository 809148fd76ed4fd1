package engine

// The negative control: while faking is on, every effect operation that
// goes through Perform (and so Transcript.Do and the child end of the child
// protocol) is reported done without being done: a write, a mount, a link,
// an address, an xattr, a capability change. Operations whose result is
// needed (a process that must exist, a program that must run) consult
// FakeRefusal and fail instead; child.Spawn clones without the namespace
// flags, so a namespace creation is reported but not made. The validator
// (lessons.Prove) runs each step once this way and requires every one of
// its checks to fail: a check that still passes does not read what its step
// did.
//
// Children inherit the switch through the environment (FakeEnv), so the
// stages they report are faked the same way. Reads (read, readlink, stat,
// RTM_GET…) are performed: they change nothing.
//
// Syscalls: none. Man pages: none.

import (
	"errors"
	"os"
	"strings"
	"sync/atomic"
)

// FakeEnv is the environment variable that turns faking on in a child.
const FakeEnv = "NAKAMI_FAKE"

var faking atomic.Bool

func init() { faking.Store(os.Getenv(FakeEnv) == "1") }

// Fake turns faking on or off for this process (and the children it starts
// while it is on).
func Fake(on bool) { faking.Store(on) }

// Faking reports whether effect operations are being faked.
func Faking() bool { return faking.Load() }

// ErrFaked is the failure of an operation whose result is needed, under
// the negative control. It is no errno, so no check that expects the
// kernel's refusal (EPERM, EAGAIN…) can mistake it for one.
var ErrFaked = errors.New("not performed: the negative control fakes this step's operations")

// FakeRefusal is ErrFaked while faking, else nil: an operation whose result
// is needed calls it first.
func FakeRefusal() error {
	if Faking() {
		return ErrFaked
	}
	return nil
}

// FakeEnviron is env with the switch set as this process has it, for a
// child started now.
func FakeEnviron(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, FakeEnv+"=") {
			out = append(out, kv)
		}
	}
	if Faking() {
		out = append(out, FakeEnv+"=1")
	}
	return out
}

// readCalls are the calls that only read: performed even while faking.
var readCalls = []string{"read(", "readlink(", "stat(", "RTM_GET", "open(\"/proc", "lstat(", "getxattr("}

// fakes reports whether the operation named call is to be faked now.
func fakes(call string) bool {
	if !Faking() {
		return false
	}
	for _, p := range readCalls {
		if strings.HasPrefix(call, p) {
			return false
		}
	}
	return true
}

// fakedOp is what Perform reports for a faked operation.
func fakedOp(call, shell string) Op {
	return Op{Call: call, Shell: shell, Outcome: "ok", Detail: NoteFaked, Faked: true}
}
