package main

// doctor, inspect, cleanup, lint, version.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"nakami/engine"
	"nakami/engine/doctor"
	"nakami/engine/procfs"
	"nakami/lessons"
)

func printJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

type doctorReport struct {
	doctor.Facts
	Lessons   map[string][]string `json:"cannot_run"` // lesson → "step: why"
	Leftovers []string            `json:"leftovers"`  // dead sessions' objects (leftovers.go)
	Conflicts []string            `json:"conflicts"`  // what holds the network lesson's names
}

func newDoctor(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check what this machine and user can run, and why not",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			rep := doctorReport{Facts: doctor.Preflight(), Lessons: map[string][]string{}}
			rep.Leftovers, rep.Conflicts = hostLeftovers(g.lang)
			for _, l := range lessons.All() {
				rep.Lessons[l.ID] = []string{}
				for _, s := range l.Steps {
					if why := lessons.Unavailable(s, g.lang); why != "" {
						rep.Lessons[l.ID] = append(rep.Lessons[l.ID], s.ID+": "+why)
					}
				}
			}
			cannot, all := 0, 0
			for _, l := range lessons.All() {
				all += len(l.Steps)
				cannot += len(rep.Lessons[l.ID])
			}
			// Some steps cannot run here: the machine (or this user) is
			// not fit for them, which is exit 3, after the report.
			verdict := error(nil)
			if cannot > 0 {
				verdict = machineErr("%d of %d steps cannot run here, as this user", cannot, all)
			} else if len(rep.Conflicts) > 0 {
				verdict = machineErr("the network lesson cannot start: %s", rep.Conflicts[0])
			}
			if asJSON {
				if err := printJSON(rep); err != nil {
					return err
				}
				return verdict
			}
			f := rep.Facts
			fmt.Printf("kernel          %s\n", f.Kernel)
			fmt.Printf("root            %v\n", f.Root)
			fmt.Printf("user namespaces %s\n", f.UserNS)
			fmt.Printf("time namespaces %v\n", f.TimeNS)
			fmt.Printf("cgroups         %s (v1 controllers: %s; v2 controllers: %s)\n", f.CgroupMode,
				orNone(strings.Join(f.CgroupV1, ",")), orNone(strings.Join(f.CgroupV2, ",")))
			for _, ctl := range []string{"cpu", "cpuacct", "memory", "pids", "freezer"} {
				if w, ok := f.CgroupUse[ctl]; ok {
					fmt.Printf("  %-13s %s\n", ctl, w)
				}
			}
			fmt.Printf("overlayfs       %v\n", f.Overlay)
			fmt.Printf("netlink         %s\n", f.Netlink)
			fmt.Printf("capabilities    %d (cap_last_cap %d)\n", f.CapLast+1, f.CapLast)
			var tools []string
			for t, p := range f.Tools {
				if p == "" {
					p = "missing"
				}
				tools = append(tools, t+"="+p)
			}
			sort.Strings(tools)
			fmt.Printf("tools           %s\n\n", strings.Join(tools, " "))
			printLeftovers(rep.Leftovers, rep.Conflicts)
			for _, l := range lessons.All() {
				if len(rep.Lessons[l.ID]) == 0 {
					fmt.Printf("✓ %s: every step can run\n", l.ID)
					continue
				}
				fmt.Printf("✗ %s:\n", l.ID)
				for _, g := range byReason(rep.Lessons[l.ID]) {
					fmt.Printf("    %s: %s\n", strings.Join(g.steps, ", "), g.why)
				}
			}
			return verdict
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

type reasonGroup struct {
	why   string
	steps []string
}

// byReason groups "step: why" lines that give the same reason, in order, so
// a lesson whose steps all need root says so once.
func byReason(lines []string) []reasonGroup {
	var out []reasonGroup
	at := map[string]int{}
	for _, l := range lines {
		step, why, _ := strings.Cut(l, ": ")
		if i, ok := at[why]; ok {
			out[i].steps = append(out[i].steps, step)
			continue
		}
		at[why] = len(out)
		out = append(out, reasonGroup{why: why, steps: []string{step}})
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func newInspect(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "inspect PID",
		Short: "Show the live /proc view of one process",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pid, err := strconv.Atoi(args[0])
			if err != nil || pid <= 0 {
				return usageErr("PID must be a positive number, not %q", args[0])
			}
			sn, err := lessons.Inspect(pid)
			if err != nil {
				return usageErr("%v", err)
			}
			if asJSON {
				return printJSON(sn)
			}
			fmt.Printf("process %d (%s)  uid %v  gid %v  NSpid %v\n", sn.PID, sn.Name, sn.Uid, sn.Gid, sn.NSpid)
			for _, n := range sn.NS {
				shared := "?"
				if n.SharedPID1 != nil {
					shared = map[bool]string{true: "shared with PID 1", false: "NEW"}[*n.SharedPID1]
				}
				fmt.Printf("  %-18s %d  %s\n", n.Type, n.Inode, shared)
			}
			fmt.Printf("  uid_map  %s\n  gid_map  %s\n", strings.TrimSpace(procfs.FormatIDMap(sn.UIDMap)), strings.TrimSpace(procfs.FormatIDMap(sn.GIDMap)))
			for _, k := range []string{"permitted", "effective", "inheritable", "bounding", "ambient"} {
				fmt.Printf("  Cap %-11s %s\n", k, sn.Caps[k])
			}
			fmt.Printf("  root %s, %d mounts, hostname %q\n", sn.Root, sn.Mounts, sn.Hostname)
			for _, c := range sn.Cgroups {
				fmt.Printf("  cgroup %s\n", c)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newCleanup(g *globals) *cobra.Command {
	var asJSON, dry bool
	cmd := &cobra.Command{
		Use:   "cleanup",
		Short: "Remove what nakami sessions that are no longer running left behind",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			reps, err := engine.Cleanup(engine.JournalDir(), dry)
			if err != nil {
				return machineErr("%v", err)
			}
			if asJSON {
				printJSON(reps)
			} else {
				verb := "removed"
				if dry {
					verb = "would remove"
				}
				for _, r := range reps {
					if r.Alive {
						fmt.Printf("session %s is still running; left alone\n", r.Session)
						continue
					}
					for _, o := range r.Removed {
						fmt.Printf("%s %s (session %s)\n", verb, o, r.Session)
					}
				}
				if len(reps) == 0 {
					fmt.Println("nothing to clean up")
				}
			}
			if p := engine.Problems(reps); len(p) > 0 {
				return usageErr("%s", strings.Join(p, "; "))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&dry, "dry-run", false, "say what would be removed, remove nothing")
	return cmd
}

func newLint(g *globals) *cobra.Command {
	var kernel bool
	cmd := &cobra.Command{
		Use:   "lint",
		Short: "Validate the lessons: text and code agree; with --kernel, every check fails before its action, passes after, and fails when its step's operations are faked",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			errs := lessons.Lint()
			var p lessons.Proof
			if kernel {
				for _, l := range lessons.All() {
					p.Add(lessons.Prove(context.Background(), l))
				}
				for _, s := range p.Skipped {
					fmt.Println("not proven here: " + s)
				}
				errs = append(errs, p.Errs...)
			}
			for _, e := range errs {
				fmt.Println(e)
			}
			if kernel {
				defer fmt.Println(p.ControlLine())
			}
			if len(errs) > 0 {
				return &exitError{exitFailed, fmt.Sprintf("%d problem(s)", len(errs))}
			}
			fmt.Println("lessons are consistent")
			return nil
		},
	}
	cmd.Flags().BoolVar(&kernel, "kernel", false, "also run every step to prove its checks on this kernel")
	return cmd
}

func newVersion() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, args []string) {
			v := "devel"
			if bi, ok := debug.ReadBuildInfo(); ok {
				for _, s := range bi.Settings {
					if s.Key == "vcs.revision" && len(s.Value) >= 12 {
						v = s.Value[:12]
					}
				}
			}
			fmt.Println("nakami " + v)
		},
	}
}
