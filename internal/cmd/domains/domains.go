// Package domains is `sipctl domains`.
package domains

import (
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/spf13/cobra"
)

// NewCmdDomains is the `domains` command and its subcommands.
func NewCmdDomains(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "domains <command>",
		Short:   "Manage SIP domains",
		Long:    "A SIP domain is the host phones register to and calls arrive at (Twilio: NAME.sip.twilio.com).",
		GroupID: "sip",
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmdutil.FlagErrorf("`sipctl domains` is not implemented yet")
		},
	}
	return cmd
}
