// Package callerid is `sipctl callerid`.
package callerid

import (
	"github.com/sipctl/sipctl/internal/cmd/callerid/add"
	"github.com/sipctl/sipctl/internal/cmd/callerid/list"
	"github.com/sipctl/sipctl/internal/cmd/callerid/remove"
	"github.com/sipctl/sipctl/internal/cmd/callerid/rename"
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
	}
	cmd.AddCommand(
		list.NewCmdList(f, nil),
		add.NewCmdAdd(f, nil),
		rename.NewCmdRename(f, nil),
		remove.NewCmdRemove(f, nil),
	)
	return cmd
}
