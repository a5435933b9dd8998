// Package credentials is `sipctl credlists credentials`: the usernames in a
// credential list.
package credentials

import (
	"github.com/sipctl/sipctl/internal/cmd/credlists/credentials/add"
	"github.com/sipctl/sipctl/internal/cmd/credlists/credentials/list"
	"github.com/sipctl/sipctl/internal/cmd/credlists/credentials/remove"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/spf13/cobra"
)

// NewCmdCredentials is the `credentials` command and its subcommands.
func NewCmdCredentials(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "credentials <command>",
		Aliases: []string{"creds"},
		Short:   "Manage the usernames and passwords in a credential list",
	}
	cmd.AddCommand(
		list.NewCmdList(f, nil),
		add.NewCmdAdd(f, nil),
		remove.NewCmdRemove(f, nil),
	)
	return cmd
}
