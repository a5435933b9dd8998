// Package subaccounts is `sipctl subaccounts`.
package subaccounts

import (
	"github.com/sipctl/sipctl/internal/cmd/subaccounts/create"
	"github.com/sipctl/sipctl/internal/cmd/subaccounts/list"
	"github.com/sipctl/sipctl/internal/cmd/subaccounts/status"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/spf13/cobra"
)

// NewCmdSubaccounts is the `subaccounts` command and its subcommands.
func NewCmdSubaccounts(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "subaccounts <command>",
		Short:   "Manage a reseller's subaccounts",
		Long:    "Subaccounts are a reseller's customers. Run any command inside one with --subaccount SID|name.",
		GroupID: "access",
	}
	cmd.AddCommand(
		list.NewCmdList(f, nil),
		create.NewCmdCreate(f, nil),
		status.NewCmdSuspend(f, nil),
		status.NewCmdActivate(f, nil),
		status.NewCmdClose(f, nil),
	)
	return cmd
}
