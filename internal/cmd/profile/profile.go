// Package profile is `sipctl profile`.
package profile

import (
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/spf13/cobra"
)

// NewCmdProfile is the `profile` command and its subcommands.
func NewCmdProfile(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "profile <command>",
		Short:   "Manage named profiles (one per provider account)",
		Long:    "A profile names a provider account: provider, account SID, API URL, default domain and password policy.\nSelect one with --profile or SIPCTL_PROFILE; `sipctl profile use` sets the default.",
		GroupID: "access",
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmdutil.FlagErrorf("`sipctl profile` is not implemented yet")
		},
	}
	return cmd
}
