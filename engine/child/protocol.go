package child

// The messages of the child protocol (the diagram is in doc.go): a JSON
// line per message, configuration and commands on fd 3 from the parent,
// stage reports on fd 4 from the child.

import (
	"syscall"

	"nakami/engine"
)

// Stage names a message from the child: one operation it performed, or the
// end of its start ("ready", "error"). Both ends use these constants; the
// wire carries the string.
type Stage string

// The stages of the child protocol.
const (
	// The child itself (Spec), in this order.
	StageCgroup    Stage = "cgroup"     // write(tasks, "0") in the constructor, first of all (v1)
	StageTime      Stage = "time"       // the time namespace the C constructor made
	StageHostname  Stage = "hostname"   // sethostname(2)
	StageMount     Stage = "mount"      // mount(2): private /, proc, tmpfs, bind
	StageIPC       Stage = "ipc"        // shmget(2)
	StageSpawn     Stage = "spawn"      // one more process inside
	StageCaps      Stage = "caps"       // PR_CAPBSET_DROP on every thread
	StagePivotRoot Stage = "pivot_root" // one step of the pivot_root sequence
	StageChroot    Stage = "chroot"     // chroot(2); chdir("/")
	StageExec      Stage = "exec"       // execve(2) into a hidden role
	// Hidden roles the child became.
	StageConsole    Stage = "console"    // the container opens its console FIFOs
	StageEscape     Stage = "escape"     // one operation of the chroot escape
	StageNet        Stage = "net"        // the serve role brings lo up
	StageListen     Stage = "listen"     // the serve role listens
	StageEntrypoint Stage = "entrypoint" // the serve role ran the image's entrypoint
	StageFork       Stage = "fork"       // the bounded fork bomb's forks
	StageExited     Stage = "exited"     // a container's command ended (Status), after ready
	// The end of the start: the parent stops reading at either.
	StageReady Stage = "ready" // PID is the child's PID as it sees itself
	StageDone  Stage = "done"  // after "go": the role did what it waited to do
	StageError Stage = "error" // Err says what failed
)

// Commands the parent sends on fd 3 once the child is ready, as
// {"cmd":NAME}; EOF on fd 3 means "stop".
const (
	CmdGo     = "go"     // a workload starts (the memory hog allocates)
	CmdDetach = "detach" // outlive the parent (--keep): ignore EOF, wait for a signal
)

// Message is one stage report from the child.
type Message struct {
	Stage Stage      `json:"stage"`
	Op    *engine.Op `json:"op,omitempty"`
	PID   int        `json:"pid,omitempty"` // for StageReady: the child's PID as it sees itself
	Err   string     `json:"err,omitempty"` // for StageError
	// For StageExited: the command's exit status (128+N for signal N).
	Status int `json:"status,omitempty"`
}

// command is what the parent writes on fd 3 after the configuration.
type command struct {
	Cmd string `json:"cmd"`
}

// Failure is a start that failed inside the child, as the child said it
// in one sentence. It unwraps to the errno of the failed operation it
// reported just before (its Outcome, e.g. "EPERM"), so that
// errors.Is(err, unix.EPERM) works on the parent's side of the pipe.
type Failure struct {
	Sentence string        // what the child sent with StageError
	Op       *engine.Op    // the failed operation, nil when there was none
	errno    syscall.Errno // 0 when the failure was not a system call's
}

func newFailure(sentence string, ops []engine.Op) *Failure {
	e := &Failure{Sentence: sentence}
	if n := len(ops); n > 0 && ops[n-1].Failed {
		e.Op = &ops[n-1]
		e.errno, _ = engine.ErrnoByName(e.Op.Outcome)
	}
	return e
}

func (e *Failure) Error() string { return "inside the child: " + e.Sentence }

// Unwrap returns the errno of the failed operation, or nil.
func (e *Failure) Unwrap() error {
	if e.errno == 0 {
		return nil
	}
	return e.errno
}
