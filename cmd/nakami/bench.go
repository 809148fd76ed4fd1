package main

// nakami bench: start latency and set-up costs side by side with the peers
// found on this machine (engine/bench), alternating, medians and ratios.

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"nakami/engine"
	"nakami/engine/bench"
	"nakami/engine/overlay"
	"nakami/engine/rootfs"
)

// benchReport is what nakami bench --json prints.
type benchReport struct {
	Runs    int            `json:"runs"`
	Start   []bench.Series `json:"start"`
	Network []bench.Series `json:"network"`
	Overlay overlayNumbers `json:"overlay"`
	Ratios  map[string]float64
	Goals   []goal `json:"goals"`
}

type overlayNumbers struct {
	N             int           `json:"n"`
	ImageBytes    int64         `json:"image_bytes"`
	OverlayBytes  int64         `json:"overlay_upper_bytes"` // du of the ten upper dirs
	OverlayTook   time.Duration `json:"overlay_ns"`
	CopiesBytes   int64         `json:"copies_bytes"`
	CopiesTook    time.Duration `json:"copies_ns"`
	MountedMerged int           `json:"mounted"`
}

type goal struct {
	What  string  `json:"what"`
	Ratio float64 `json:"ratio"`
	Max   float64 `json:"max"`
	Met   bool    `json:"met"`
}

func newBench(g *globals) *cobra.Command {
	var asJSON bool
	var runs int
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Start latency and set-up costs, side by side with runc, crun, unshare and ip where installed",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runs < 1 || runs > 200 {
				return usageErr("--runs %d: give between 1 and 200 rounds", runs)
			}
			if os.Geteuid() != 0 {
				return machineErr("nakami bench needs root: it makes cgroups, mounts and network namespaces, as runc and crun do")
			}
			return runBench(runs, asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the measurements as JSON")
	cmd.Flags().IntVar(&runs, "runs", 10, "rounds of each measurement (the median is shown)")
	return cmd
}

func runBench(runs int, asJSON bool) (err error) {
	s, err := engine.NewSession()
	if err != nil {
		return machineErr("%v", err)
	}
	defer func() {
		if cerr := bench.Close(); cerr != nil && err == nil {
			err = machineErr("cleanup was incomplete: %v (run nakami cleanup)", cerr)
		}
		if cerr := s.Close(); cerr != nil && err == nil {
			err = machineErr("cleanup was incomplete: %v (run nakami cleanup)", cerr)
		}
	}()
	progress := progressLine(os.Stderr)
	defer progress("", 0, 0)
	self, err := os.Executable()
	if err != nil {
		return machineErr("%v", err)
	}
	root, err := rootfs.Build(s, "bench", rootfs.Options{Programs: []string{"sh", "true"}, NoSelf: true})
	if err != nil {
		return machineErr("%v", err)
	}
	rep := benchReport{Runs: runs, Ratios: map[string]float64{}}
	cs, stop, err := bench.StartCandidates(s, self, root.Path)
	if err != nil {
		return machineErr("%v", err)
	}
	rep.Start, err = bench.Alternate("start /bin/true", cs, runs, progress)
	stop()
	if err != nil {
		return machineErr("%v", err)
	}
	nc, err := bench.NetCandidates(s)
	if err != nil {
		return machineErr("%v", err)
	}
	if rep.Network, err = bench.Alternate("network topology", nc, runs, progress); err != nil {
		return machineErr("%v", err)
	}
	progress("ten overlays, ten copies", 0, 1)
	if rep.Overlay, err = measureOverlay(s, root.Path, 10); err != nil {
		return machineErr("%v", err)
	}
	progress("", 0, 0)
	med := map[string]time.Duration{}
	for _, x := range append(rep.Start, rep.Network...) {
		med[x.Name] = x.Median
	}
	for _, n := range []string{"unshare+chroot", "nakami", "runc", "crun"} {
		rep.Ratios[n+"/fork+exec"] = bench.Ratio(med[n], med["fork+exec"])
	}
	rep.Ratios["nakami/unshare+chroot"] = bench.Ratio(med["nakami"], med["unshare+chroot"])
	rep.Ratios["nakami/runc"] = bench.Ratio(med["nakami"], med["runc"])
	rep.Ratios["nakami/crun"] = bench.Ratio(med["nakami"], med["crun"])
	rep.Ratios["ip/netlink"] = bench.Ratio(med["ip"], med["netlink"])
	for _, gl := range []goal{{What: "nakami/crun", Max: 0.6}, {What: "nakami/unshare+chroot", Max: 1.5}} {
		gl.Ratio = rep.Ratios[gl.What]
		gl.Met = gl.Ratio > 0 && gl.Ratio <= gl.Max
		rep.Goals = append(rep.Goals, gl)
	}
	if asJSON {
		e := json.NewEncoder(os.Stdout)
		e.SetIndent("", "  ")
		return e.Encode(rep)
	}
	printBench(os.Stdout, rep)
	return nil
}

func measureOverlay(s *engine.Session, root string, n int) (overlayNumbers, error) {
	o := overlayNumbers{N: n}
	var err error
	if o.ImageBytes, err = overlay.DiskUsage(root); err != nil {
		return o, err
	}
	sh, err := overlay.ShareN(s, "share", root, n)
	if err != nil {
		return o, err
	}
	o.OverlayTook = sh.Took
	for i, u := range sh.Uppers {
		b, err := overlay.DiskUsage(u)
		if err != nil {
			return o, err
		}
		o.OverlayBytes += b
		if _, err := overlay.Read(sh.Merged[i]); err == nil {
			o.MountedMerged++
		}
	}
	dirs, took, err := overlay.CopyN(s, "copy", root, n)
	if err != nil {
		return o, err
	}
	o.CopiesTook = took
	for _, d := range dirs {
		b, err := overlay.DiskUsage(d)
		if err != nil {
			return o, err
		}
		o.CopiesBytes += b
	}
	return o, nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/1e6) }

func printBench(w io.Writer, r benchReport) {
	section := func(title string, xs []bench.Series, floor time.Duration) {
		fmt.Fprintf(w, "%s (median of %d, alternating):\n", title, r.Runs)
		for _, x := range xs {
			if x.Missing != "" {
				fmt.Fprintf(w, "  %-15s not measured: %s\n", x.Name, x.Missing)
				continue
			}
			fmt.Fprintf(w, "  %-15s %9s  %5.1f×   %s\n", x.Name, ms(x.Median), bench.Ratio(x.Median, floor), x.Command)
		}
	}
	section("start and run /bin/true", r.Start, r.Start[0].Median)
	net := r.Network[0].Median
	section("network topology made and removed", r.Network, net)
	o := r.Overlay
	fmt.Fprintf(w, "%d containers on one image (%.1f MB):\n", o.N, float64(o.ImageBytes)/1e6)
	fmt.Fprintf(w, "  %-15s %9s  %8d bytes in the upper dirs (%d mounted)\n", "overlay", ms(o.OverlayTook), o.OverlayBytes, o.MountedMerged)
	fmt.Fprintf(w, "  %-15s %9s  %8d bytes\n", "copies", ms(o.CopiesTook), o.CopiesBytes)
	fmt.Fprintln(w, "ratios:")
	for _, k := range []string{"nakami/unshare+chroot", "nakami/runc", "nakami/crun", "ip/netlink"} {
		if v := r.Ratios[k]; v > 0 {
			fmt.Fprintf(w, "  %-22s %.2f\n", k, v)
		}
	}
	for _, gl := range r.Goals {
		switch {
		case gl.Ratio == 0:
			fmt.Fprintf(w, "goal %s ≤ %.1f: not measured here\n", gl.What, gl.Max)
		case gl.Met:
			fmt.Fprintf(w, "goal %s ≤ %.1f: met (%.2f)\n", gl.What, gl.Max, gl.Ratio)
		default:
			fmt.Fprintf(w, "goal %s ≤ %.1f: not met (%.2f, %.1f× too slow)\n", gl.What, gl.Max, gl.Ratio, gl.Ratio/gl.Max)
		}
	}
}

// progressLine rewrites one line on a terminal, or prints a line per
// phase otherwise; an empty what clears it.
func progressLine(w *os.File) bench.Progress {
	tty := term.IsTerminal(int(w.Fd()))
	last := ""
	return func(what string, round, rounds int) {
		switch {
		case what == "" && tty:
			fmt.Fprint(w, "\r\x1b[K")
		case what == "":
		case tty:
			fmt.Fprintf(w, "\r\x1b[Knakami bench: %s, round %d of %d…", what, round, rounds)
		case what != last:
			fmt.Fprintf(w, "nakami bench: %s…\n", what)
		}
		last = what
	}
}
