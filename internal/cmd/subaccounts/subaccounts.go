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
		Use:   "subaccounts <command>",
		Short: "Manage a reseller's subaccounts",
		Long: `Subaccounts are a reseller's customers: Twilio's subaccounts, Telnyx's managed accounts.
Run any command inside one with --subaccount SID|name. On Telnyx that uses the managed
account's own API key, which sipctl fetches with yours and keeps in memory only; Telnyx's
API cannot close a managed account, so close exits 2 there.`,
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
