package child

// After ready: a role that was told to wait (the chroot escape waits for
// "go", so the parent can read /proc/PID/root between its stages) reports
// what it did next on the same fd 4, and ends with StageDone.
//
// Syscalls: read(2) on fd 4, write(2) on fd 3. Man pages: pipe(7).

import (
	"bufio"
	"encoding/json"
	"fmt"
	"time"
)

// readAfter passes the messages that follow ready to Await, recording each
// operation in the transcript, until EOF.
func (c *Process) readAfter(sc *bufio.Scanner) {
	defer close(c.after)
	for sc.Scan() {
		var m Message
		if json.Unmarshal(sc.Bytes(), &m) != nil {
			continue
		}
		if m.Op != nil {
			m.Op.By = fmt.Sprintf("child %d", c.PID)
			c.s.T.Add(*m.Op)
			c.Ops = append(c.Ops, *m.Op) // read by the parent only once Go returned
		}
		if c.Spec.Follow {
			c.after <- m // Messages: every one is read
			continue
		}
		select {
		case c.after <- m:
		default: // nobody awaits: the operation is in the transcript
		}
	}
}

// Go tells a waiting role to carry on and waits until it reports
// StageDone (or fails, or exits, or timeout passes).
func (c *Process) Go(timeout time.Duration) error {
	if err := c.Send(CmdGo); err != nil {
		return fmt.Errorf("cannot tell child %d to go on: %w", c.PID, err)
	}
	deadline := time.After(timeout)
	for {
		select {
		case m, ok := <-c.after:
			if !ok {
				return fmt.Errorf("child %d exited before it was done", c.PID)
			}
			switch m.Stage {
			case StageDone:
				return nil
			case StageError:
				return fmt.Errorf("child %d: %s", c.PID, m.Err)
			}
		case <-deadline:
			return fmt.Errorf("child %d was not done within %v", c.PID, timeout)
		}
	}
}
