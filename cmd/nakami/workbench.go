package main

import "nakami/lessons"

// runWorkbench opens the terminal workbench (issue 3 builds it); until then
// it says so and lists the lessons.
func runWorkbench(g *globals, args []string) error {
	if len(args) == 1 {
		if _, _, err := lessons.Find(args[0]); err != nil {
			return usageErr("%v", err)
		}
	}
	return machineErr("the terminal workbench is not built yet; use nakami list and nakami run LESSON")
}
