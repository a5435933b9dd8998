// Package accounts is `sipctl accounts`.
package accounts

import (
	"github.com/sipctl/sipctl/internal/cmd/accounts/check"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/spf13/cobra"
)

// NewCmdAccounts is the `accounts` command and its subcommands.
func NewCmdAccounts(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "accounts <command>",
		Short:   "Create, list, check and delete SIP accounts",
		Long:    "A SIP account is what a desk phone, softphone or PBX registers with: a username and password\non a SIP domain. sipctl finds or creates the credential list behind the domain for you.",
		GroupID: "sip",
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmdutil.FlagErrorf("`sipctl accounts` is not implemented yet")
		},
	}
	cmd.AddCommand(check.NewCmdCheck(f, nil))
	return cmd
}
