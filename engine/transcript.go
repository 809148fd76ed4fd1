package engine

// The transcript: every kernel operation as the call made, the shell command
// a person would type for it, the outcome and how long it took.

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Op is one kernel operation.
type Op struct {
	Call     string        `json:"call"`             // e.g. clone(CLONE_NEWUSER|CLONE_NEWUTS)
	Shell    string        `json:"shell,omitempty"`  // e.g. unshare -ur hostname foobar
	Outcome  string        `json:"outcome"`          // "ok", or the errno's name
	Detail   string        `json:"detail,omitempty"` // what came back: "pid 4242", an error sentence
	Duration time.Duration `json:"duration_ns"`      //
	By       string        `json:"by,omitempty"`     // "nakami", or the child that did it
	Failed   bool          `json:"failed,omitempty"` //
	Faked    bool          `json:"faked,omitempty"`  // reported, not performed (fake.go)
}

// Transcript collects operations; it is safe for concurrent use.
type Transcript struct {
	mu  sync.Mutex
	ops []Op
	// OnOp, when set, sees every operation as it is recorded.
	OnOp func(Op)
}

// Add records an operation that was already performed.
func (t *Transcript) Add(op Op) {
	if op.Outcome == "" {
		op.Outcome = "ok"
	}
	t.mu.Lock()
	t.ops = append(t.ops, op)
	f := t.OnOp
	t.mu.Unlock()
	if f != nil {
		f(op)
	}
}

// Do performs fn, timing it, and records it under call and shell.
func (t *Transcript) Do(call, shell string, fn func() error) error {
	op, err := Perform(call, shell, func() (string, error) { return "", fn() })
	op.By = "nakami"
	t.Add(op)
	return err
}

// Perform runs fn and returns the operation it was: timed, "ok" with the
// detail fn returned, or failed with the errno's name and the error's
// sentence; while faking (fake.go) an effect is reported, not run. It records nothing; Transcript.Do and the child end of the
// child protocol (child.Conn) both build on it.
func Perform(call, shell string, fn func() (string, error)) (Op, error) {
	if fakes(call) {
		return fakedOp(call, shell), nil
	}
	start := time.Now()
	detail, err := fn()
	op := Op{Call: call, Shell: shell, Duration: time.Since(start), Outcome: "ok", Detail: detail}
	if err != nil {
		op.Outcome, op.Failed, op.Detail = ErrnoName(err), true, err.Error()
	}
	return op, err
}

// Ops returns a copy of the operations recorded so far.
func (t *Transcript) Ops() []Op {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Op(nil), t.ops...)
}

// Len reports how many operations are recorded; Since(n) returns those after.
func (t *Transcript) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.ops)
}

// Since returns the operations recorded after the first n.
func (t *Transcript) Since(n int) []Op {
	t.mu.Lock()
	defer t.mu.Unlock()
	if n > len(t.ops) {
		return nil
	}
	return append([]Op(nil), t.ops[n:]...)
}

// SignalName names a signal as signal(7) does ("SIGKILL"), or "signal N".
func SignalName(sig syscall.Signal) string {
	if n := signalNames(sig); n != "" {
		return n
	}
	return fmt.Sprintf("signal %d", int(sig))
}

// ErrnoName names the errno inside err ("EPERM"), or says "error".
func ErrnoName(err error) string {
	var en syscall.Errno
	if errors.As(err, &en) {
		if n := errnoNames[en]; n != "" {
			return n
		}
		return "errno " + en.Error()
	}
	return "error"
}

// Argv renders an argument vector the way strace does: ["sh", "-c", "x"].
func Argv(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = strconv.Quote(a)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// ErrnoByName is the errno a name such as "EPERM" stands for (the
// Outcome of a failed Op), so an error reported as text by another process
// can be matched with errors.Is again.
func ErrnoByName(name string) (syscall.Errno, bool) {
	for e, n := range errnoNames {
		if n == name {
			return e, true
		}
	}
	return 0, false
}

// ErrnoNameOf names the errno whose message is s ("operation not
// permitted" → "EPERM"), or says "error".
func ErrnoNameOf(s string) string {
	for e, n := range errnoNames {
		if e.Error() == s {
			return n
		}
	}
	return "error"
}
