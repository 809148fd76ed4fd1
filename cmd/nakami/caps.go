package main

import "github.com/spf13/cobra"

// newCaps is the `caps` command group (issue 5 fills it in).
func newCaps(g *globals) *cobra.Command {
	return &cobra.Command{Use: "caps", Short: "Capability tools", Hidden: true}
}
