// Package ipacls is `sipctl ipacls`.
package ipacls

import (
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/spf13/cobra"
)

// NewCmdIpacls is the `ipacls` command and its subcommands.
func NewCmdIpacls(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "ipacls <command>",
		Short:   "Manage IP access control lists",
		Long:    "IP access control lists allow calls from IPv4 addresses and ranges without a password.",
		GroupID: "sip",
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmdutil.FlagErrorf("`sipctl ipacls` is not implemented yet")
		},
	}
	return cmd
}
