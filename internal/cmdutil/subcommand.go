package cmdutil

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// RequireSubcommands makes every command in the tree that only groups
// subcommands (`sipctl domains`) refuse an unknown one with a usage error
// (exit 2) and a suggestion, instead of printing help and exiting 0, so a
// typo in a script never looks like success. With no argument it still
// prints its help.
func RequireSubcommands(root *cobra.Command) {
	for _, c := range root.Commands() {
		RequireSubcommands(c)
	}
	if root.Parent() == nil || !root.HasSubCommands() || root.Runnable() {
		return
	}
	root.Args = UnknownSubcommand
	root.RunE = func(c *cobra.Command, args []string) error { return c.Help() }
}

// UnknownSubcommand is the Args check of a grouping command: any argument is
// an unknown subcommand.
func UnknownSubcommand(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], c.CommandPath())
	if c.SuggestionsMinimumDistance <= 0 {
		c.SuggestionsMinimumDistance = 2
	}
	if s := c.SuggestionsFor(args[0]); len(s) > 0 {
		msg += "; did you mean " + strings.Join(s, " or ")
	}
	return &FlagError{Err: fmt.Errorf("%s", msg)}
}
