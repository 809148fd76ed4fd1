package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"

	"nakami/lessons"
	"nakami/tui"
)

// runWorkbench opens the terminal workbench, optionally at LESSON[/STEP]
// or LESSON/EXERCISE.
func runWorkbench(g *globals, args []string) error {
	o := tui.Options{Lang: g.lang, Present: g.present, NoColor: g.noColor, KeepLang: !g.langSet}
	if len(args) == 1 {
		if _, _, err := lessons.Find(args[0]); err != nil {
			if _, _, xerr := lessons.FindExercise(args[0]); xerr != nil {
				return usageErr("%v", err)
			}
		}
		o.Start = args[0]
	}
	if !term.IsTerminal(int(os.Stdin.Fd())) || !term.IsTerminal(int(os.Stdout.Fd())) {
		return usageErr("the workbench needs a terminal; use nakami run LESSON for headless runs")
	}
	o.Leftovers = workbenchLeftovers() // leftovers.go: the workbench opens on a notice when there are any
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	kept, lang, err := tui.Run(ctx, o)
	if kept {
		fmt.Println(map[string]string{
			"en": "Kernel objects were kept for you to look at; remove them with: nakami cleanup",
			"ja": "確認用にカーネルオブジェクトを残しました。削除するには: nakami cleanup",
		}[lang])
	}
	if errors.Is(err, context.Canceled) {
		return &exitError{130, "terminated; everything this session created was removed"}
	}
	if err != nil {
		return machineErr("%v", err)
	}
	return nil
}
