package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"nakami/lessons"
)

type listStep struct {
	ID       string      `json:"id"`
	Title    string      `json:"title"`
	Requires string      `json:"requires"`
	After    []string    `json:"after,omitempty"`
	Commands []string    `json:"commands"`
	Params   []listParam `json:"params,omitempty"`
}

// listParam is a step parameter, set with `nakami run … --set NAME=VALUE`.
type listParam struct {
	Name    string `json:"name"`
	Default string `json:"default"`
	Help    string `json:"help"`
}

type listExercise struct {
	ID    string   `json:"id"`
	Title string   `json:"title"`
	Args  []string `json:"args,omitempty"`
}

type listLesson struct {
	ID        string         `json:"id"`
	Title     string         `json:"title"`
	Summary   string         `json:"summary"`
	Steps     []listStep     `json:"steps"`
	Exercises []listExercise `json:"exercises"`
}

var requirementNames = map[lessons.Requirement]string{
	lessons.NeedsNothing: "nothing", lessons.NeedsUserNS: "user namespaces", lessons.NeedsRoot: "root",
}

func newList(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the lessons, their steps and their exercises",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var out []listLesson
			for _, l := range lessons.All() {
				c := lessons.ContentFor(g.lang, l.ID)
				ll := listLesson{ID: l.ID, Title: c.Title, Summary: c.Summary}
				for _, s := range l.Steps {
					ls := listStep{ID: s.ID, Title: c.Step(s.ID).Title,
						Requires: requirementNames[s.Requires], After: s.After, Commands: s.Commands}
					for _, p := range s.Params {
						ls.Params = append(ls.Params, listParam{Name: p.Name, Default: p.Default, Help: p.Help.In(g.lang)})
					}
					ll.Steps = append(ll.Steps, ls)
				}
				ll.Exercises = []listExercise{}
				for _, x := range l.Exercises {
					title := x.ID
					if t := c.Exercise(x.ID); t != nil {
						title = t.Title
					}
					ll.Exercises = append(ll.Exercises, listExercise{ID: x.ID, Title: title, Args: x.Args})
				}
				out = append(out, ll)
			}
			if asJSON {
				enc := json.NewEncoder(os.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			}
			for _, l := range out {
				fmt.Printf("%s — %s\n  %s\n", l.ID, l.Title, l.Summary)
				for _, s := range l.Steps {
					fmt.Printf("    %s/%-10s %s\n", l.ID, s.ID, s.Title)
					for _, p := range s.Params {
						fmt.Printf("        --set %s=%s  %s\n", p.Name, p.Default, p.Help)
					}
				}
				for _, x := range l.Exercises {
					fmt.Printf("  ✎ %s/%-10s %s\n", l.ID, x.ID, x.Title)
				}
				fmt.Println()
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
