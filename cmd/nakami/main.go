// Command nakami is a terminal workbench for learning how Linux containers
// work. This file wires the commands; the work lives in lessons/ and engine/.
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"nakami/engine"
	"nakami/engine/child"
	_ "nakami/engine/nsenter" // joins namespaces before the Go runtime starts
)

// Exit codes (docs/architecture.md, "Command line"): 0 success, 1 a check failed, 2 bad usage or
// input, 3 this machine cannot run it.
const (
	exitOK      = 0
	exitFailed  = 1
	exitUsage   = 2
	exitMachine = 3
)

// exitError carries an exit code and one sentence for the user.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func usageErr(format string, a ...any) error {
	return &exitError{exitUsage, fmt.Sprintf(format, a...)}
}

func machineErr(format string, a ...any) error {
	return &exitError{exitMachine, fmt.Sprintf(format, a...)}
}

type globals struct {
	lang    string
	langSet bool // --lang was given
	noColor bool
	present bool
}

func main() {
	if child.Main() { // hidden roles: child, pause, probe
		return
	}
	os.Exit(execute(os.Args[1:]))
}

func execute(args []string) int {
	g := &globals{}
	root := newRoot(g)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintln(os.Stderr, "nakami: "+ee.msg)
		}
		return ee.code
	}
	// cobra's own errors: unknown command or flag, bad flag value.
	fmt.Fprintln(os.Stderr, "nakami: "+strings.TrimSuffix(err.Error(), "\n"))
	return exitUsage
}

func newRoot(g *globals) *cobra.Command {
	root := &cobra.Command{
		Use:           "nakami [LESSON[/STEP]]",
		Short:         "A workbench for learning how Linux containers work, on the real kernel",
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.MaximumNArgs(1),
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if g.lang != "en" && g.lang != "ja" {
				return usageErr("--lang must be en or ja, not %q", g.lang)
			}
			g.langSet = cmd.Flags().Changed("lang")
			if err := engine.CheckFault(); err != nil {
				return usageErr("%v", err)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runWorkbench(g, args)
		},
	}
	root.PersistentFlags().StringVar(&g.lang, "lang", defaultLang(), "language of the lessons: en or ja")
	root.PersistentFlags().BoolVar(&g.noColor, "no-color", os.Getenv("NO_COLOR") != "", "no colour (NO_COLOR is honoured too)")
	root.Flags().BoolVar(&g.present, "present", false, "presenter layout for a projector")
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error { return usageErr("%v", err) })
	root.AddCommand(newList(g), newRun(g), newDoctor(g), newInspect(g), newCleanup(g), newLint(g), newCaps(g), newCheck(g), newContainer(g), newBench(g), newVersion())
	return root
}

// defaultLang picks ja when the locale asks for Japanese.
func defaultLang() string {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if s := os.Getenv(v); s != "" {
			if strings.HasPrefix(s, "ja") {
				return "ja"
			}
			return "en"
		}
	}
	return "en"
}
