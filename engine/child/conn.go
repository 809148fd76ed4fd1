package child

// The child end of the child protocol, the one every role uses: the child
// itself (childMain) and the hidden roles it becomes (the workloads, the
// chroot escape, the serve role, the container), and, on standard input,
// the processes nakami starts without it (its ping, the capability
// helper), which hold the same way.
//
// Syscalls: read(2) on fd 3, write(2) on fd 4, close(2); rt_sigaction(2)
// through os/signal while a detached role waits. Man pages: pipe(7),
// signal(7).

import (
	"bufio"
	"encoding/json"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"nakami/engine"
)

// Conn is a role's end of the protocol: it reads the configuration and the
// parent's commands from one file (fd 3) and sends messages on another
// (fd 4). The input is opened on first use, so a role that never reads it
// (the container, whose shell inherits fd 3) leaves it untouched.
type Conn struct {
	inFD uintptr  // opened lazily when in is nil
	in   *os.File // nil until first read
	out  *os.File // nil: Send does nothing
	enc  *json.Encoder

	mu   sync.Mutex
	r    *bufio.Reader
	cmds chan string // commands read by one goroutine; closed at EOF
}

// Attach returns the protocol's end on fds 3 (from the parent) and 4 (to
// the parent), which a child and the roles it execve(2)s into inherit.
// A role the child calls in its own process (Spec.InProcess) gets the
// child's own Conn, whose reader may already hold the parent's next line.
func Attach() *Conn {
	if inherited != nil {
		return inherited
	}
	return AttachFiles(nil, os.NewFile(4, "msg"))
}

// inherited is the child's Conn while it runs a role in-process.
var inherited *Conn

// AttachFiles returns a Conn reading commands from in (nil: fd 3) and
// sending messages on out (nil: none), e.g. standard input for a process
// that holds until its stdin closes.
func AttachFiles(in, out *os.File) *Conn {
	c := &Conn{inFD: 3, in: in, out: out}
	if out != nil {
		c.enc = json.NewEncoder(out)
	}
	return c
}

// Send writes one message; a parent that is gone is not an error here.
func (c *Conn) Send(m Message) {
	if c.enc != nil {
		c.enc.Encode(m)
	}
}

// Report sends an operation already performed.
func (c *Conn) Report(stage Stage, op engine.Op) { c.Send(Message{Stage: stage, Op: &op}) }

// Perform runs fn and reports it as one operation of stage (with the
// detail fn returns), whether or not it failed; the start goes on.
func (c *Conn) Perform(stage Stage, call, shell string, fn func() (string, error)) error {
	op, err := engine.Perform(call, shell, fn)
	c.Report(stage, op)
	return err
}

// Stage performs one operation and reports it; when it fails it also sends
// StageError, which ends the start, and returns the error.
func (c *Conn) Stage(stage Stage, call, shell string, fn func() error) error {
	err := c.Perform(stage, call, shell, func() (string, error) { return "", fn() })
	if err != nil {
		c.Fail(call + ": " + err.Error())
	}
	return err
}

// Ready tells the parent the start is over: the process is what it should
// be, and holds.
func (c *Conn) Ready() { c.Send(Message{Stage: StageReady, PID: os.Getpid()}) }

// Done tells the parent that what the role waited for "go" to do is done.
func (c *Conn) Done() { c.Send(Message{Stage: StageDone}) }

// Fail tells the parent the start failed, in one sentence.
func (c *Conn) Fail(sentence string) { c.Send(Message{Stage: StageError, Err: sentence}) }

// ReadConfig reads the configuration line into v. Call it before any
// command is read.
func (c *Conn) ReadConfig(v any) error {
	line, err := c.reader().ReadBytes('\n')
	if err != nil && len(line) == 0 {
		return err
	}
	return json.Unmarshal(line, v)
}

// Next waits for the parent's next command; ok is false at EOF.
func (c *Conn) Next() (cmd string, ok bool) {
	cmd, ok = <-c.commands()
	return cmd, ok
}

// Listen starts reading the parent's commands now rather than at the first
// Next or Hold: a role that is about to use up the threads it may start
// (the fork bomb) has its reader running before.
func (c *Conn) Listen() { c.commands() }

// Hold keeps the process (and so its namespaces) alive until the parent
// closes its end; see HoldUntil.
func (c *Conn) Hold() int { return c.HoldUntil(time.Time{}) }

// HoldUntil keeps the process alive until EOF on the input or the deadline
// (zero: none). After CmdDetach (--keep) EOF no longer ends it: it closes
// both ends and waits for SIGTERM, SIGINT or SIGHUP (or the deadline). It
// returns the exit status, 0.
func (c *Conn) HoldUntil(deadline time.Time) int {
	var timeout <-chan time.Time
	if !deadline.IsZero() {
		t := time.NewTimer(time.Until(deadline))
		defer t.Stop()
		timeout = t.C
	}
	cmds := c.commands()
	for {
		select {
		case cmd, ok := <-cmds:
			if !ok {
				return 0
			}
			if cmd == CmdDetach {
				c.close()
				sig := make(chan os.Signal, 1)
				signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
				signal.Ignore(syscall.SIGPIPE)
				select {
				case <-sig:
				case <-timeout:
				}
				return 0
			}
		case <-timeout:
			return 0
		}
	}
}

func (c *Conn) reader() *bufio.Reader {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.r == nil {
		if c.in == nil {
			c.in = os.NewFile(c.inFD, "cfg")
		}
		c.r = bufio.NewReader(c.in)
	}
	return c.r
}

// commands starts the one goroutine that reads command lines; lines that
// are not a command are skipped.
func (c *Conn) commands() <-chan string {
	r := c.reader()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmds == nil {
		c.cmds = make(chan string, 4)
		go func() {
			defer close(c.cmds)
			for {
				line, err := r.ReadBytes('\n')
				var m command
				if json.Unmarshal(line, &m) == nil && m.Cmd != "" {
					c.cmds <- m.Cmd
				}
				if err != nil {
					return
				}
			}
		}()
	}
	return c.cmds
}

func (c *Conn) close() {
	if c.in != nil {
		c.in.Close()
	}
	if c.out != nil {
		c.out.Close()
	}
}
