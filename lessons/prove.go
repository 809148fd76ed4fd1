package lessons

// The kernel half of the validator (`nakami lint --kernel` and its test):
// every check fails before its step's action and passes after it, and,
// the negative control, fails when the step's operations are faked
// (engine/fake.go: each write, mount, link, address, xattr, capability
// change and namespace creation reported done and not done; a process whose
// result is needed not started). A check that passes under the control
// reads something other than what its step did to the kernel.

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"nakami/engine"
)

// Proof is what proving a lesson found.
type Proof struct {
	Skipped []string // steps this machine cannot run, and why
	Errs    []error  // each problem, one sentence
	Checks  int      // checks run under the negative control
	Caught  int      // of those, the ones that failed as they must
}

// Add merges q into p.
func (p *Proof) Add(q Proof) {
	p.Skipped = append(p.Skipped, q.Skipped...)
	p.Errs = append(p.Errs, q.Errs...)
	p.Checks += q.Checks
	p.Caught += q.Caught
}

// ControlLine is the last line `nakami lint --kernel` prints.
func (p Proof) ControlLine() string {
	return fmt.Sprintf("negative control: %d of %d checks fail when their step's operations are faked", p.Caught, p.Checks)
}

// Prove runs every step of l in a fresh session of its own, after its
// prerequisites, with its default parameters and with each variant in
// Step.Proofs: each check must fail before the action and pass after it;
// then once more with the step's operations faked, when each must fail.
// Steps this machine cannot run are reported in Skipped, not proven.
func Prove(ctx context.Context, l *Lesson) Proof {
	var p Proof
	for _, s := range l.Steps {
		if why := Unavailable(s, "en"); why != "" {
			p.Skipped = append(p.Skipped, fmt.Sprintf("%s/%s: %s", l.ID, s.ID, why))
			continue
		}
		for _, params := range append([]map[string]string{nil}, s.Proofs...) {
			p.Errs = append(p.Errs, proveStep(ctx, l, s, params)...)
			p.Add(controlStep(ctx, l, s, params))
		}
	}
	return p
}

// withParams names a step and the parameters it ran with, for a message.
func withParams(l *Lesson, s *Step, params map[string]string) string {
	name := l.ID + "/" + s.ID
	if len(params) == 0 {
		return name
	}
	var kv []string
	for k, v := range params {
		kv = append(kv, k+"="+v)
	}
	sort.Strings(kv)
	return name + " (" + strings.Join(kv, " ") + ")"
}

// freshEnv is an Env on a new session with params set; done removes
// everything it made.
func freshEnv(ctx context.Context, params map[string]string) (env *Env, done func(), err error) {
	sess, err := engine.NewSession()
	if err != nil {
		return nil, nil, err
	}
	env = NewEnv(ctx, sess, "en")
	for k, v := range params {
		env.Params[k] = v
	}
	return env, func() { env.Close(); sess.Close() }, nil
}

// prepared runs s's prerequisites in a fresh session and hands fn the Env.
func prepared(ctx context.Context, l *Lesson, s *Step, params map[string]string, fn func(env *Env) []error) []error {
	env, done, err := freshEnv(ctx, params)
	if err != nil {
		return []error{err}
	}
	defer done()
	plan := Plan(l, s)
	for _, p := range plan[:len(plan)-1] {
		if r := RunStep(env, l, p); !r.Passed() {
			return []error{fmt.Errorf("%s: prerequisite %s did not pass: %s", withParams(l, s, params), p.ID, r.Error)}
		}
	}
	return fn(env)
}

func proveStep(ctx context.Context, l *Lesson, s *Step, params map[string]string) []error {
	name := withParams(l, s, params)
	return prepared(ctx, l, s, params, func(env *Env) []error {
		var errs []error
		for _, c := range evaluate(env, s) {
			if c.Pass {
				errs = append(errs, fmt.Errorf("%s: check %q passes before the action (%s)", name, c.Name, c.Detail))
			}
		}
		r := RunStep(env, l, s)
		if r.Error != "" {
			return append(errs, fmt.Errorf("%s: action failed: %s", name, r.Error))
		}
		for _, c := range r.Checks {
			if !c.Pass {
				errs = append(errs, fmt.Errorf("%s: check %q fails after the action (%s)", name, c.Name, c.Detail))
			}
		}
		return errs
	})
}

// controlStep runs s with its operations faked and counts the checks that
// fail, as each must. A step that only reads (its faked run faked nothing)
// shows what its prerequisites made, so then they are faked with it.
func controlStep(ctx context.Context, l *Lesson, s *Step, params map[string]string) Proof {
	p, faked := control(ctx, l, s, params, false)
	if !faked {
		p, _ = control(ctx, l, s, params, true)
	}
	if p.Checks == 0 && len(p.Errs) > 0 {
		p.Checks = len(s.Checks) // a prerequisite failed: none of them was shown to fail
	}
	return p
}

func control(ctx context.Context, l *Lesson, s *Step, params map[string]string, plan bool) (p Proof, faked bool) {
	name := withParams(l, s, params)
	if plan {
		name += ", its prerequisites faked too"
	}
	run := func(env *Env) []error {
		var errs []error
		results, f := Faked(env, l, s)
		faked = f
		for _, c := range results {
			p.Checks++
			if !c.Pass {
				p.Caught++
				continue
			}
			errs = append(errs, fmt.Errorf("%s: check %q passes when the step's operations are faked (%s)", name, c.Name, c.Detail))
		}
		return errs
	}
	if !plan {
		p.Errs = prepared(ctx, l, s, params, run)
		return p, faked
	}
	env, done, err := freshEnv(ctx, params)
	if err != nil {
		return Proof{Errs: []error{err}}, false
	}
	defer done()
	steps := Plan(l, s)
	for _, q := range steps[:len(steps)-1] {
		Faked(env, l, q)
	}
	p.Errs = run(env)
	return p, faked
}

// Faked runs s's action in env with its operations faked, then evaluates
// every check of s with faking off (the checks read the kernel as always).
// faked says whether any operation was faked.
func Faked(env *Env, l *Lesson, s *Step) (results []CheckResult, faked bool) {
	mark := env.S.T.Len()
	engine.Fake(true)
	err := safely(func() error { return s.Action(env) })
	engine.Fake(false)
	env.ran[l.ID+"/"+s.ID] = true
	_ = err // a faked step may well fail; its checks must fail too
	for _, op := range env.S.T.Since(mark) {
		faked = faked || op.Faked
	}
	return evaluate(env, s), faked
}
