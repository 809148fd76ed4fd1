package lessons

// What the workbench (package tui) needs from a run, without importing
// engine: opening and closing a session, resetting it, the processes a step
// observes, and a shell inside them.

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"nakami/engine"
	"nakami/engine/child"
	"nakami/internal/wrap"
)

// Open starts a session (its journal) and an Env around it.
func Open(ctx context.Context, lang string) (*Env, error) {
	s, err := engine.NewSession()
	if err != nil {
		return nil, err
	}
	return NewEnv(ctx, s, lang), nil
}

// Finish stops the children and removes every object, or, with keep,
// detaches them and leaves the journal for `nakami cleanup`.
func (e *Env) Finish(keep bool) error {
	e.Keep = keep
	e.Close()
	if keep {
		e.S.Keep()
		return nil
	}
	return e.S.Close()
}

// Reset stops every child and removes every object, and forgets which steps
// ran; the session stays open.
func (e *Env) Reset() error {
	for role, c := range e.Procs {
		c.Stop()
		delete(e.Procs, role)
	}
	err := e.S.Journal.ReleaseAll()
	e.PIDs = map[string]int{"pid1": 1, "nakami": e.PIDs["nakami"]}
	e.Groups = map[string]string{}
	e.dropState()
	e.ran = map[string]bool{}
	return err
}

// LiveObjects counts the kernel objects the session holds now.
func (e *Env) LiveObjects() int { return len(e.S.Journal.Live()) }

// Ran reports whether a step has run in this Env.
func (e *Env) Ran(l *Lesson, s *Step) bool { return e.ran[l.ID+"/"+s.ID] }

// RolePID is one observed process.
type RolePID struct {
	Role string
	PID  int
}

// Observed lists the step's observed processes that are alive now.
func (e *Env) Observed(s *Step) []RolePID {
	var out []RolePID
	for _, role := range s.Live.Procs {
		pid, ok := e.PIDs[role]
		if !ok {
			continue
		}
		if c := e.Procs[role]; c != nil && c.Exited() {
			continue
		}
		out = append(out, RolePID{role, pid})
	}
	return out
}

// Shell returns an interactive shell in the namespaces of the step's first
// live observed process, or in the network namespace the step declares
// (Live.Netns), to run on the terminal (it gives the terminal back when it
// exits), and the namespace types it joins. A step with neither has no
// shell: opening one in some other step's namespaces would mislead.
func (e *Env) Shell(s *Step) (child.Shell, []string, error) {
	for _, o := range e.Observed(s) {
		if o.Role == "pid1" || o.Role == "nakami" || o.Role == "reference" {
			continue
		}
		cmd, types, err := child.ShellCommand(o.PID, o.Role)
		if err != nil {
			return child.Shell{}, nil, err
		}
		where := Tf("process %d (%s), joined: %s", "プロセス %d(%s)、参加した名前空間: %s", o.PID, o.Role, strings.Join(types, ", "))
		return child.Shell{Cmd: child.WithBanner(cmd, e.banner(where))}, types, nil
	}
	if s.Live.Netns != nil {
		if path := s.Live.Netns(e); path != "" {
			cmd, err := child.NetnsShellCommand(path, filepath.Base(path))
			if err != nil {
				return child.Shell{}, nil, err
			}
			where := Tf("the network namespace %s", "ネットワーク名前空間 %s", path)
			return child.Shell{Cmd: child.WithBanner(cmd, e.banner(where))}, []string{"net"}, nil
		}
	}
	return child.Shell{}, nil, fmt.Errorf("this step has no process or namespace of its own running; run it first (enter)")
}

// banner is what the shell says before its first prompt, wrapped for the
// narrowest terminal the workbench supports (80 columns).
func (e *Env) banner(where Text) string {
	return strings.Join(wrap.Text(Text{
		EN: fmt.Sprintf("nakami: a shell inside %s.\nEverything else is the host's. Type exit to return to the workbench.", where.EN),
		JA: fmt.Sprintf("nakami: %s の中のシェルです。\nそれ以外はホストのものです。exit でワークベンチに戻ります。", where.JA),
	}.In(e.Lang), 78), "\n")
}
