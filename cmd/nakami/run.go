package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"nakami/engine"
	"nakami/lessons"
)

func newRun(g *globals) *cobra.Command {
	var asJSON, keep, step bool
	var sets []string
	cmd := &cobra.Command{
		Use:   "run LESSON[/STEP]",
		Short: "Run a lesson or one step (its prerequisites first) and print the transcript and checks",
		Long: "Run a lesson or one step (its prerequisites first) and print the transcript and checks.\n\n" +
			"Parameters (--set NAME=VALUE; the workbench changes them with e):\n" + paramHelp(),
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, s, err := lessons.Find(args[0])
			if err != nil {
				return usageErr("%v", err)
			}
			params, err := parseSets(l, s, sets)
			if err != nil {
				return usageErr("%v", err)
			}
			if err := beforeRun(g, l, s); err != nil { // leftovers.go
				return err
			}
			return runHeadless(g, l, s, params, runOpts{json: asJSON, keep: keep, step: step})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the results as JSON")
	cmd.Flags().BoolVar(&keep, "keep", false, "leave the kernel objects in place and say how to look at them")
	cmd.Flags().BoolVar(&step, "step", false, "pause after each step until Enter (for presenting)")
	cmd.Flags().StringArrayVar(&sets, "set", nil, "change a step parameter: --set name=value")
	return cmd
}

// parseSets validates --set values against the parameters of the steps that
// will run, before anything is created.
func parseSets(l *lessons.Lesson, target *lessons.Step, sets []string) (map[string]string, error) {
	known := map[string]lessons.Param{}
	for _, s := range lessons.Plan(l, target) {
		for _, p := range s.Params {
			known[p.Name] = p
		}
	}
	out := map[string]string{}
	for _, kv := range sets {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, fmt.Errorf("--set takes name=value, not %q", kv)
		}
		p, ok := known[k]
		if !ok {
			if len(known) == 0 {
				return nil, fmt.Errorf("no step here has a parameter %q; these steps take none", k)
			}
			var names []string
			for n, q := range known {
				names = append(names, n+"="+q.Default)
			}
			sort.Strings(names)
			return nil, fmt.Errorf("no step here has a parameter %q (these steps take: %s)", k, strings.Join(names, ", "))
		}
		if p.Check != nil {
			if err := p.Check(v); err != nil {
				return nil, err
			}
		}
		out[k] = v
	}
	return out, nil
}

type runOpts struct{ json, keep, step bool }

func runHeadless(g *globals, l *lessons.Lesson, target *lessons.Step, params map[string]string, o runOpts) (err error) {
	asJSON, keep := o.json, o.keep
	sess, err := engine.NewSession()
	if err != nil {
		return machineErr("%v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env := lessons.NewEnv(ctx, sess, g.lang)
	env.Params, env.Keep = params, keep

	// Unwind on every way out: normal return, SIGINT/SIGTERM, panic.
	interrupted := make(chan os.Signal, 1)
	// SIGPIPE too: `nakami run … | head` must stop and clean up, not die.
	signal.Notify(interrupted, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGPIPE)
	defer signal.Stop(interrupted)
	go func() {
		if sig, ok := <-interrupted; ok {
			if sig != syscall.SIGPIPE {
				fmt.Fprintln(os.Stderr, map[string]string{
					"en": "nakami: stopping: the step in progress ends, then everything this run created is removed…",
					"ja": "nakami: 停止します: 実行中のステップを終えてから、この実行で作ったものをすべて削除します…",
				}[g.lang])
			}
			cancel()
		}
	}()
	defer func() {
		p := recover()
		env.Close()
		if keep && p == nil {
			sess.Keep()
		} else if cerr := sess.Close(); cerr != nil && err == nil {
			err = machineErr("cleanup was incomplete: %v (run nakami cleanup)", cerr)
		}
		if p != nil {
			err = machineErr("internal error: %v (everything this run created was removed)", p)
		}
	}()

	color := !g.noColor && term.IsTerminal(int(os.Stdout.Fd()))
	enter := make(chan struct{})
	if o.step {
		go func() {
			// At end of input there is nobody to press Enter: stop pausing.
			defer close(enter)
			buf := make([]byte, 64)
			for {
				if _, err := os.Stdin.Read(buf); err != nil {
					return
				}
				enter <- struct{}{}
			}
		}()
	}
	width := 80
	if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil && w > 0 {
		width = min(w, 100)
	}
	explain := func(s *lessons.Step) {
		if o.step && !asJSON && s != nil {
			printExplanation(os.Stdout, g.lang, l, s, width, color)
		}
	}
	explain(lessons.Plan(l, target)[0])
	results := lessons.Run(env, l, target, func(r lessons.Result) error {
		if !asJSON {
			printResult(os.Stdout, r, color)
		}
		if o.step && !isLast(l, target, r) {
			fmt.Fprint(os.Stderr, "— press Enter for the next step —\n")
			select {
			case <-enter:
			case <-ctx.Done():
				return ctx.Err()
			}
			explain(nextStep(l, target, r))
		}
		return nil
	})
	if asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		enc.Encode(results)
	}
	if keep && l.KeepHelp != nil && !asJSON {
		fmt.Print(l.KeepHelp(env).In(g.lang))
	}
	if ctx.Err() != nil {
		return &exitError{130, "interrupted; everything this run created was removed"}
	}
	return verdict(results)
}

// verdict turns results into the exit code: 1 when a check failed or a step
// erred, 3 when some step cannot run on this machine, 0 otherwise.
func verdict(results []lessons.Result) error {
	unavailable := 0
	for _, r := range results {
		if r.Error != "" {
			return &exitError{exitFailed, fmt.Sprintf("%s/%s failed: %s", r.Lesson, r.Step, r.Error)}
		}
		if r.Unavailable != "" {
			unavailable++
			continue
		}
		if !r.Passed() {
			return &exitError{exitFailed, ""}
		}
	}
	if unavailable > 0 {
		return &exitError{exitMachine, fmt.Sprintf("%d step(s) cannot run here (see above)", unavailable)}
	}
	return nil
}

// nextStep is the step of the plan after r's.
func nextStep(l *lessons.Lesson, target *lessons.Step, r lessons.Result) *lessons.Step {
	plan := lessons.Plan(l, target)
	for i, s := range plan[:len(plan)-1] {
		if s.ID == r.Step {
			return plan[i+1]
		}
	}
	return nil
}

// isLast reports whether r is the final step of the plan.
func isLast(l *lessons.Lesson, target *lessons.Step, r lessons.Result) bool {
	plan := lessons.Plan(l, target)
	return plan[len(plan)-1].ID == r.Step
}

// paramHelp lists every step parameter with its default, for run --help.
func paramHelp() string {
	var b strings.Builder
	for _, l := range lessons.All() {
		for _, s := range l.Steps {
			for _, p := range s.Params {
				fmt.Fprintf(&b, "  %-28s %s=%s  %s\n", l.ID+"/"+s.ID, p.Name, p.Default, p.Help.In("en"))
			}
		}
	}
	return b.String()
}
