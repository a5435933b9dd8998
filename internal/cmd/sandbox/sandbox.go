// Package sandbox is `sipctl sandbox`.
package sandbox

import (
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/spf13/cobra"
)

// NewCmdSandbox is the `sandbox` command and its subcommands.
func NewCmdSandbox(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "sandbox <command>",
		Short:   "Run and manage the built-in sandbox provider",
		Long:    "The sandbox is a local, persistent provider that speaks Twilio's API, with a SIP registrar.\nIt is the default profile on a fresh install, so sipctl works with no provider account.",
		GroupID: "local",
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmdutil.FlagErrorf("`sipctl sandbox` is not implemented yet")
		},
	}
	return cmd
}
