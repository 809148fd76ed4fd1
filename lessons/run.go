package lessons

// Running steps: prerequisites first, then the action between two rounds of
// observation, then the checks. The same Result drives the CLI (text and
// --json), the workbench and the tests.

import (
	"fmt"
	"os"
	"time"

	"nakami/engine"
	"nakami/engine/doctor"
)

// Result is what one step produced.
type Result struct {
	Lesson       string        `json:"lesson"`
	Step         string        `json:"step"`
	Title        string        `json:"title"`
	Prerequisite bool          `json:"prerequisite,omitempty"`
	Commands     []string      `json:"commands"`
	Ops          []engine.Op   `json:"transcript"`
	Observations []Observation `json:"observations"`
	Checks       []CheckResult `json:"checks"`
	Error        string        `json:"error,omitempty"`
	Unavailable  string        `json:"unavailable,omitempty"` // why this machine cannot run it
	Duration     time.Duration `json:"duration_ns"`
}

// Observation is one observed process before and after the action.
type Observation struct {
	Role   string    `json:"role"`
	Before *Snapshot `json:"before,omitempty"`
	After  *Snapshot `json:"after,omitempty"`
}

// CheckResult is one check's verdict and what the kernel showed.
type CheckResult struct {
	Name   string `json:"name"`
	Pass   bool   `json:"pass"`
	Detail string `json:"detail"`
}

// Passed reports whether the step ran and every check passed.
func (r Result) Passed() bool {
	if r.Error != "" || r.Unavailable != "" {
		return false
	}
	for _, c := range r.Checks {
		if !c.Pass {
			return false
		}
	}
	return true
}

// Unavailable says why this machine (or this user) cannot run s, or "".
func Unavailable(s *Step, lang string) string { return unavailable(s.Requires, s.Why, lang) }

func unavailable(r Requirement, why Text, lang string) string {
	switch r {
	case NeedsRoot:
		if os.Geteuid() != 0 {
			return T("needs root: ", "root 権限が必要です: ").In(lang) + why.In(lang)
		}
	case NeedsUserNS:
		if err := doctor.UserNSAvailable(); err != nil {
			return T("needs user namespaces: ", "ユーザー名前空間が必要です: ").In(lang) + err.Error()
		}
	}
	return ""
}

// Plan lists the steps to run for target (nil: the whole lesson), each
// prerequisite before the steps that need it, without repeats.
func Plan(l *Lesson, target *Step) []*Step {
	if target == nil {
		return l.Steps
	}
	var out []*Step
	seen := map[string]bool{}
	var visit func(s *Step)
	visit = func(s *Step) {
		if seen[s.ID] {
			return
		}
		seen[s.ID] = true
		for _, id := range s.After {
			if p := l.Step(id); p != nil {
				visit(p)
			}
		}
		out = append(out, s)
	}
	visit(target)
	return out
}

// RunStep runs one step in env (its prerequisites must have run already).
func RunStep(env *Env, l *Lesson, s *Step) Result {
	r := Result{Lesson: l.ID, Step: s.ID, Commands: s.Commands}
	if c := ContentFor(env.Lang, l.ID); c != nil {
		if st := c.Step(s.ID); st != nil {
			r.Title = st.Title
		}
	}
	if why := Unavailable(s, env.Lang); why != "" {
		r.Unavailable = why
		return r
	}
	start := time.Now()
	mark := env.S.T.Len()
	before := observe(env, s)
	err := safely(func() error { return s.Action(env) })
	after := observe(env, s)
	for i := range s.Live.Procs {
		r.Observations = append(r.Observations, Observation{Role: s.Live.Procs[i], Before: before[i], After: after[i]})
	}
	if err != nil {
		r.Error = err.Error()
	} else {
		r.Checks = evaluate(env, s)
	}
	r.Ops = opsIn(env.Lang, env.S.T.Since(mark)) // opnotes.go
	r.Duration = time.Since(start)
	env.ran[l.ID+"/"+s.ID] = true
	return r
}

// Run runs target (nil: every step) with its prerequisites; prerequisite
// results are marked. each, when not nil, sees every result as it comes and
// may stop the run by returning an error. Run stops at the first step that
// errs, and when env.Ctx is cancelled.
func Run(env *Env, l *Lesson, target *Step, each func(Result) error) []Result {
	var out []Result
	for _, s := range Plan(l, target) {
		if env.ran[l.ID+"/"+s.ID] && s != target {
			continue
		}
		if env.Ctx.Err() != nil {
			break
		}
		r := RunStep(env, l, s)
		r.Prerequisite = target != nil && s != target
		out = append(out, r)
		if r.Error != "" {
			break
		}
		if each != nil && each(r) != nil {
			break
		}
	}
	return out
}

func observe(env *Env, s *Step) []*Snapshot {
	out := make([]*Snapshot, len(s.Live.Procs))
	for i, role := range s.Live.Procs {
		pid, ok := env.PIDs[role]
		if !ok {
			continue
		}
		if c := env.Procs[role]; c != nil && c.Exited() {
			continue
		}
		if sn, err := Inspect(pid); err == nil {
			sn.Role = role
			out[i] = &sn
		}
	}
	return out
}

func evaluate(env *Env, s *Step) []CheckResult {
	var out []CheckResult
	for _, c := range s.Checks {
		var ok bool
		var detail Text
		err := safely(func() error { ok, detail = c.Probe(env); return nil })
		d := detail.In(env.Lang)
		if err != nil {
			ok, d = false, err.Error()
		}
		out = append(out, CheckResult{Name: c.Name.In(env.Lang), Pass: ok, Detail: d})
	}
	return out
}

// safely turns a panic in lesson code into an error, so one broken step
// cannot take the session (and its cleanup) down.
func safely(fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error: %v", p)
		}
	}()
	return fn()
}
