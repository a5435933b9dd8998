// Package ipacls is `sipctl ipacls`.
package ipacls

import (
	"github.com/sipctl/sipctl/internal/cmd/ipacls/addresses"
	"github.com/sipctl/sipctl/internal/cmd/ipacls/create"
	deleteCmd "github.com/sipctl/sipctl/internal/cmd/ipacls/delete"
	"github.com/sipctl/sipctl/internal/cmd/ipacls/list"
	"github.com/sipctl/sipctl/internal/cmd/ipacls/show"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/spf13/cobra"
)

// NewCmdIpacls is the `ipacls` command and its subcommands.
func NewCmdIpacls(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ipacls <command>",
		Short: "Manage IP access control lists",
		Long: `IP access control lists allow calls from IPv4 addresses and ranges without a password.
On Telnyx they are IP connections, and their addresses the connection's IPs: single
addresses, so a range is refused.`,
		GroupID: "sip",
	}
	cmd.AddCommand(
		list.NewCmdList(f, nil),
		create.NewCmdCreate(f, nil),
		show.NewCmdShow(f, nil),
		deleteCmd.NewCmdDelete(f, nil),
		addresses.NewCmdAddresses(f),
	)
	return cmd
}
