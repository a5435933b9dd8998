// Package auth is `sipctl auth`.
package auth

import (
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/spf13/cobra"
)

// NewCmdAuth is the `auth` command and its subcommands.
func NewCmdAuth(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "auth <command>",
		Short:   "Log in to a provider and manage API credentials",
		Long:    "Authenticate sipctl with a provider. Secrets are kept in the OS keyring, never in the config file;\nCI jobs authenticate from TWILIO_* or SIPCTL_* environment variables.",
		GroupID: "access",
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmdutil.FlagErrorf("`sipctl auth` is not implemented yet")
		},
	}
	return cmd
}
