package main

// nakami container run: the first-container lesson's container as a small
// runtime (engine/container). Flags are checked before anything is made;
// the command's exit status becomes nakami's.

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"nakami/engine"
	"nakami/engine/container"
	"nakami/lessons"
)

func newContainer(g *globals) *cobra.Command {
	c := &cobra.Command{Use: "container", Short: "Run the first-container lesson's container as a small runtime for experiments"}
	c.AddCommand(newContainerRun(g))
	return c
}

func newContainerRun(g *globals) *cobra.Command {
	var o container.Options
	var cpu, memory string
	var interactive, tty, trace bool
	cmd := &cobra.Command{
		Use:   "run [flags] -- CMD [ARGS]",
		Short: "Run CMD in new namespaces, a cgroup with limits and a root filesystem; its exit status is nakami's",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Argv = args
			if o.TTY = interactive || tty; o.TTY && !(interactive && tty) {
				return usageErr("-i and -t go together here: use -it for an interactive shell")
			}
			var err error
			if cpu != "" {
				if o.CPUPercent, err = lessons.ParsePercent("--cpu", cpu); err != nil {
					return usageErr("%v", err)
				}
			}
			if memory != "" {
				if o.MemoryBytes, err = lessons.ParseBytes("--memory", memory); err != nil {
					return usageErr("%v", err)
				}
			}
			if err := o.Validate(); err != nil {
				return usageErr("%v", err)
			}
			return containerRun(g, o, trace)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cpu, "cpu", "", "CPU quota in percent of one CPU, e.g. 30%")
	f.StringVar(&memory, "memory", "", "memory limit, e.g. 10MB")
	f.Int64Var(&o.Pids, "pids", 0, "the most processes the container may have")
	f.StringVar(&o.Hostname, "hostname", "", "the container's host name (default: the session's name)")
	f.StringVar(&o.Rootfs, "rootfs", "", "a root filesystem directory (default: one built from this machine's programs)")
	f.StringVar(&o.Image, "image", "", "a docker export or docker save tarball, unpacked for this run")
	f.StringArrayVar(&o.CapAdd, "cap-add", nil, "add a capability to Docker's default set (or ALL)")
	f.StringArrayVar(&o.CapDrop, "cap-drop", nil, "drop a capability from it (or ALL)")
	f.BoolVar(&o.UserNS, "userns", false, "a new user namespace too (always when not root)")
	f.StringVar(&o.Net, "net", "none", "network: none (a namespace with lo only) or bridge (a bridge and veth pair, 192.168.77.0/24)")
	f.BoolVar(&o.Keep, "keep", false, "leave the container held after CMD, for nsenter; nakami cleanup removes it")
	f.BoolVarP(&interactive, "interactive", "i", false, "with -t: an interactive shell on a terminal of its own")
	f.BoolVarP(&tty, "tty", "t", false, "with -i")
	f.BoolVar(&trace, "trace", false, "print each operation on standard error as it is made, with the time since the start")
	f.SetInterspersed(false)
	return cmd
}

func containerRun(g *globals, o container.Options, trace bool) (err error) {
	start := time.Now()
	s, err := engine.NewSession()
	if err != nil {
		return machineErr("%v", err)
	}
	if trace {
		s.T.OnOp = func(op engine.Op) {
			fmt.Fprintf(os.Stderr, "%8.2f ms  %-7s %s  (%v)\n", float64(time.Since(start))/1e6, op.Outcome, op.Call, op.Duration.Round(time.Microsecond))
		}
	}
	var res *container.Result
	defer func() {
		p := recover()
		if o.Keep && p == nil && res != nil {
			s.Keep()
			return
		}
		if cerr := s.Close(); cerr != nil && err == nil {
			err = machineErr("cleanup was incomplete: %v (run nakami cleanup)", cerr)
		}
		if p != nil {
			err = machineErr("internal error: %v (everything this run created was removed)", p)
		}
	}()
	res, err = container.Run(s, o)
	if err != nil {
		return machineErr("%v", err)
	}
	if res.OOMKills > 0 {
		fmt.Fprintf(os.Stderr, "nakami: the kernel's OOM killer killed the container's process: it used more than its %s memory limit (%d kill(s) in %s)\n",
			fmtBytes(o.MemoryBytes), res.OOMKills, res.Group.Dir("memory"))
		return &exitError{code: 137}
	}
	if o.Keep {
		fmt.Fprintf(os.Stderr, "nakami: the container is held for you: sudo nsenter -t %d -a /bin/sh; cgroup %s; remove it with: nakami cleanup\n",
			res.PID, res.Group.Dir("memory"))
	}
	if res.Status != 0 {
		return &exitError{code: res.Status}
	}
	return nil
}

func fmtBytes(n int64) string {
	if n%1000000 == 0 {
		return fmt.Sprintf("%d MB", n/1000000)
	}
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}
