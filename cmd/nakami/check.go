package main

// nakami check: exercises the learner did by hand, seen in the kernel.

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"nakami/lessons"
)

func newCheck(g *globals) *cobra.Command {
	var asJSON, reset bool
	cmd := &cobra.Command{
		Use:   "check [EXERCISE [ARGS]]",
		Short: "Check an exercise you did by hand, from kernel state (read-only)",
		Long: "With no exercise, every exercise and its status. With one, exit 0 when the kernel shows it done,\n" +
			"1 when not (saying what the kernel shows against what is needed), 2 for bad input.\n" +
			"Objects in any nakami journal do not count. --reset forgets what was solved.",
		RunE: func(cmd *cobra.Command, args []string) error {
			prog := lessons.LoadProgress()
			if reset {
				return resetExercises(prog, args)
			}
			if len(args) == 0 {
				return checkAll(g, prog, asJSON)
			}
			l, x, err := lessons.FindExercise(args[0])
			if err != nil {
				return usageErr("%v", err)
			}
			if err := lessons.CheckArgs(l, x, args[1:]); err != nil {
				return usageErr("%v", err)
			}
			r := lessons.NewLooker().Check(g.lang, l, x, args[1:])
			if r.Done {
				prog.Solved[r.ID()] = true
				prog.Save()
			}
			if asJSON {
				if err := printJSON(r); err != nil {
					return err
				}
			} else {
				printCheck(r, prog)
			}
			switch {
			case r.Unavailable != "":
				return &exitError{code: exitMachine}
			case !r.Done:
				return &exitError{code: exitFailed}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	cmd.Flags().BoolVar(&reset, "reset", false, "forget which exercises were solved (all, or the one named)")
	return cmd
}

// checkAll looks at every exercise that needs no argument; the others show
// whether they were solved before.
func checkAll(g *globals, prog *lessons.Progress, asJSON bool) error {
	look := lessons.NewLooker()
	var out []lessons.ExerciseResult
	for _, l := range lessons.All() {
		for _, x := range l.Exercises {
			var r lessons.ExerciseResult
			if len(x.Args) > 0 {
				r = lessons.ExerciseResult{Lesson: l.ID, Exercise: x.ID, Title: exerciseTitle(g.lang, l, x),
					Detail: lessons.Tf("check it with: nakami check %s/%s %s", "確認: nakami check %s/%s %s",
						l.ID, x.ID, strings.Join(x.Args, " ")).In(g.lang)}
			} else {
				r = look.Check(g.lang, l, x, nil)
			}
			if r.Done && !prog.Solved[r.ID()] {
				prog.Solved[r.ID()] = true
				prog.Save()
			}
			out = append(out, r)
		}
	}
	if asJSON {
		return printJSON(out)
	}
	for _, r := range out {
		printCheck(r, prog)
	}
	return nil
}

func printCheck(r lessons.ExerciseResult, prog *lessons.Progress) {
	mark := "✗"
	switch {
	case r.Done:
		mark = "✓"
	case r.Unavailable != "":
		mark = "-"
	case prog.Solved[r.ID()]:
		mark = "○" // solved before, not in the kernel now
	}
	fmt.Printf("%s %-28s %s\n    %s\n", mark, r.ID(), r.Title, r.Detail)
}

func resetExercises(prog *lessons.Progress, args []string) error {
	switch len(args) {
	case 0:
		prog.Solved = map[string]bool{}
	case 1:
		l, x, err := lessons.FindExercise(args[0])
		if err != nil {
			return usageErr("%v", err)
		}
		delete(prog.Solved, l.ID+"/"+x.ID)
	default:
		return usageErr("--reset takes at most one exercise")
	}
	prog.Save()
	return nil
}

func exerciseTitle(lang string, l *lessons.Lesson, x *lessons.Exercise) string {
	if c := lessons.ContentFor(lang, l.ID); c != nil {
		if t := c.Exercise(x.ID); t != nil {
			return t.Title
		}
	}
	return ""
}
