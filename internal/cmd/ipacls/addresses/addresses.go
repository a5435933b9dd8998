// Package addresses is `sipctl ipacls addresses`: the IPv4 addresses and
// ranges in an IP access control list.
package addresses

import (
	"github.com/sipctl/sipctl/internal/cmd/ipacls/addresses/add"
	"github.com/sipctl/sipctl/internal/cmd/ipacls/addresses/list"
	"github.com/sipctl/sipctl/internal/cmd/ipacls/addresses/remove"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/spf13/cobra"
)

// NewCmdAddresses is the `addresses` command and its subcommands.
func NewCmdAddresses(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "addresses <command>",
		Aliases: []string{"ips"},
		Short:   "Manage the addresses in an IP access control list",
	}
	cmd.AddCommand(list.NewCmdList(f, nil), add.NewCmdAdd(f, nil), remove.NewCmdRemove(f, nil))
	return cmd
}
