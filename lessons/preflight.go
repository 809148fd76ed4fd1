package lessons

// Preflight: what a lesson checks before a run creates anything, so that a
// name or address someone else holds stops it in one sentence with nothing
// half-made. Today only the network lesson has one (engine/netlab's
// CheckFree: 192.168.77.0/24 on any interface, another session's bridge).

import (
	"slices"

	"nakami/engine/netlab"
)

// preflights, by lesson id, get the steps the run will take.
var preflights = map[string]func(plan []*Step) error{
	"network": func(plan []*Step) error {
		if !slices.Contains(plan, netBridgeStep) {
			return nil // the isolated step alone touches nothing on the host
		}
		return netlab.CheckFree("")
	},
}

// Preflight returns why running target of l (all of l when target is nil)
// cannot start here, or nil. Nothing is created.
func Preflight(l *Lesson, target *Step) error {
	if p := preflights[l.ID]; p != nil {
		return p(Plan(l, target))
	}
	return nil
}
