// Package callerid is `sipctl callerid`.
package callerid

import (
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/spf13/cobra"
)

// NewCmdCallerid is the `callerid` command and its subcommands.
func NewCmdCallerid(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "callerid <command>",
		Short:   "Manage verified outgoing caller IDs",
		Long:    "Caller IDs are phone numbers you have proven you own, used as the From of outgoing calls.",
		GroupID: "sip",
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmdutil.FlagErrorf("`sipctl callerid` is not implemented yet")
		},
	}
	return cmd
}
