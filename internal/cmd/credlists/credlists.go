// Package credlists is `sipctl credlists`.
package credlists

import (
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/spf13/cobra"
)

// NewCmdCredlists is the `credlists` command and its subcommands.
func NewCmdCredlists(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "credlists <command>",
		Short:   "Manage credential lists and the credentials in them",
		Long:    "A credential list holds SIP usernames and passwords. Attach it to a domain with `sipctl attach`\nfor calls, registrations or both.",
		GroupID: "sip",
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmdutil.FlagErrorf("`sipctl credlists` is not implemented yet")
		},
	}
	return cmd
}
