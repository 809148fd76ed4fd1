package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"nakami/engine/caps"
	"nakami/lessons"
)

// newCaps is the `caps` command group: capability tools that need no
// lesson.
func newCaps(g *globals) *cobra.Command {
	c := &cobra.Command{Use: "caps", Short: "Capability tools: decode a mask, read a file's capabilities, list this kernel's"}
	c.AddCommand(&cobra.Command{
		Use:   "decode HEX",
		Short: "Print the capability names of a mask, as capsh --decode does",
		Example: "  nakami caps decode 0xa80425fb\n" +
			"  nakami caps decode $(awk '/^CapEff/{print $2}' /proc/self/status)",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErr("caps decode takes one hexadecimal mask, e.g. nakami caps decode 0xa80425fb")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			mask, err := caps.ParseHex(args[0])
			if err != nil {
				return usageErr("%v", err)
			}
			last, err := caps.LastCap()
			if err != nil {
				return machineErr("%v", err)
			}
			if _, err := caps.Decode(mask, last); err != nil {
				return usageErr("%v", err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), caps.FormatCapsh(mask))
			return nil
		},
	})
	c.AddCommand(&cobra.Command{
		Use:   "get FILE",
		Short: "Print a file's capabilities (its security.capability attribute), as getcap does",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErr("caps get takes one file name")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			f, ok, err := caps.ReadFile(args[0])
			if err != nil {
				return usageErr("%v", err)
			}
			if ok {
				last, err := caps.LastCap()
				if err != nil {
					return machineErr("%v", err)
				}
				fmt.Fprintln(cmd.OutOrStdout(), args[0]+" "+f.Text(last))
			}
			return nil
		},
	})
	c.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List every capability of the running kernel with what it allows",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			caps, err := lessons.CapList()
			if err != nil {
				return machineErr("%v", err)
			}
			for _, c := range caps {
				fmt.Fprintf(cmd.OutOrStdout(), "%2d  %-24s %s\n", c.Bit, c.Name, c.Meaning.In(g.lang))
			}
			return nil
		},
	})
	return c
}
