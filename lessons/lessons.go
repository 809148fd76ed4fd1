// Package lessons binds each step of the lesson text to an engine action and
// to checks that prove, from kernel state, that the action happened. It never
// makes a system call itself: everything goes through package engine.
package lessons

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"

	"nakami/engine"
	"nakami/engine/child"
)

// Text is a sentence in every language nakami speaks.
type Text struct{ EN, JA string }

// In picks the language, falling back to English.
func (t Text) In(lang string) string {
	if lang == "ja" && t.JA != "" {
		return t.JA
	}
	return t.EN
}

// T builds a Text.
func T(en, ja string) Text { return Text{EN: en, JA: ja} }

// Tf formats both languages with the same arguments.
func Tf(en, ja string, args ...any) Text {
	return Text{EN: fmt.Sprintf(en, args...), JA: fmt.Sprintf(ja, args...)}
}

// Requirement is what a step needs from the machine.
type Requirement int

const (
	NeedsNothing Requirement = iota
	NeedsUserNS              // unprivileged user namespaces (or root)
	NeedsRoot                // root in the initial user namespace
)

// Check is one proof read from the kernel. Probe must read live state and
// must fail when the step's action has not happened.
type Check struct {
	Name  Text
	Probe func(*Env) (bool, Text)
}

// Param is a step parameter a learner may change with --set name=value.
type Param struct {
	Name    string
	Default string
	Help    Text
	Check   func(string) error // one sentence when the value is refused
}

// Step is one hands-on moment of a lesson.
type Step struct {
	ID       string
	Commands []string // what a person would type (the article's commands)
	Requires Requirement
	Why      Text     // why it needs what it needs (shown when it cannot run)
	After    []string // prerequisite step ids, in this lesson
	Live     Live     // what the live panel and the observations show
	Params   []Param
	Action   func(*Env) error
	Checks   []Check
	// Proofs are parameter sets other than the defaults that the
	// validator proves too (a refusal branch, another user).
	Proofs []map[string]string
}

// Lesson is a sequence of steps; its text lives in content/<lang>/.
type Lesson struct {
	ID    string
	Steps []*Step
	// Exercises are done by the learner by hand; they follow the steps.
	Exercises []*Exercise
	// KeepHelp tells, after --keep, how to look at what was left with
	// ordinary tools and how to remove it.
	KeepHelp func(*Env) Text
}

// Step finds a step by id.
func (l *Lesson) Step(id string) *Step {
	for _, s := range l.Steps {
		if s.ID == id {
			return s
		}
	}
	return nil
}

var registry = map[string]*Lesson{}

func register(l *Lesson) *Lesson {
	registry[l.ID] = l
	return l
}

// All returns the lessons in course order (the order of their content files).
func All() []*Lesson {
	var out []*Lesson
	for _, c := range Contents("en") {
		if l := registry[c.ID]; l != nil {
			out = append(out, l)
		}
	}
	return out
}

// Find resolves "lesson" or "lesson/step". Errors are one sentence.
func Find(ref string) (*Lesson, *Step, error) {
	lid, sid, _ := strings.Cut(ref, "/")
	l := registry[lid]
	if l == nil {
		var ids []string
		for id := range registry {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		return nil, nil, fmt.Errorf("there is no lesson %q (lessons: %s)", lid, strings.Join(ids, ", "))
	}
	if sid == "" {
		return l, nil, nil
	}
	s := l.Step(sid)
	if s == nil {
		var ids []string
		for _, s := range l.Steps {
			ids = append(ids, s.ID)
		}
		return nil, nil, fmt.Errorf("lesson %s has no step %q (steps: %s)", lid, sid, strings.Join(ids, ", "))
	}
	return l, s, nil
}

// Env is the state one run of steps shares: the session, the processes it
// started, and the values steps hand to later steps.
type Env struct {
	Ctx    context.Context
	S      *engine.Session
	Lang   string
	Params map[string]string // --set values, already validated
	Keep   bool

	Procs  map[string]*child.Process // live children by role
	PIDs   map[string]int            // every observed process by role
	Groups map[string]string         // cgroups by role: names relative to each hierarchy's root
	state  map[string]any            // typed values steps leave for later steps (see Key)
	ran    map[string]bool           // steps already run, "lesson/step"
}

// NewEnv prepares an Env around a session.
func NewEnv(ctx context.Context, s *engine.Session, lang string) *Env {
	return &Env{
		Ctx: ctx, S: s, Lang: lang, Params: map[string]string{},
		Procs: map[string]*child.Process{}, PIDs: map[string]int{"pid1": 1, "nakami": os.Getpid()},
		Groups: map[string]string{}, state: map[string]any{}, ran: map[string]bool{},
	}
}

// Param returns the value of a step parameter (the --set value or the default).
func (e *Env) Param(s *Step, name string) string {
	if v, ok := e.Params[name]; ok {
		return v
	}
	for _, p := range s.Params {
		if p.Name == name {
			return p.Default
		}
	}
	return ""
}

// Spawn starts a child and registers it under its role, stopping the
// previous holder of that role (a step run again replaces its process).
func (e *Env) Spawn(spec child.Spec) (*child.Process, error) {
	if old := e.Procs[spec.Role]; old != nil {
		old.Stop()
		delete(e.Procs, spec.Role)
	}
	c, err := child.Spawn(e.S, spec)
	if err != nil {
		return nil, err
	}
	e.Procs[spec.Role] = c
	e.PIDs[spec.Role] = c.PID
	return c, nil
}

// Child returns the live child with that role, or nil.
func (e *Env) Child(role string) *child.Process {
	if c := e.Procs[role]; c != nil && !c.Exited() {
		return c
	}
	return nil
}

// Close stops every child (unless kept), forgets the state (closing what it
// holds open) and lets the session unwind.
func (e *Env) Close() {
	e.dropState()
	for _, c := range e.Procs {
		if e.Keep {
			c.Detach()
		} else {
			c.Stop()
		}
	}
}
