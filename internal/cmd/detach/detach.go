// Package detach is `sipctl detach`.
package detach

import (
	"github.com/sipctl/sipctl/internal/cmd/detach/credlist"
	"github.com/sipctl/sipctl/internal/cmd/detach/ipacl"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/spf13/cobra"
)

// NewCmdDetach is the `detach` command and its subcommands.
func NewCmdDetach(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "detach <command>",
		Short:   "Detach a credential list or IP ACL from a domain",
		Long:    "Detach a credential list (calls, registrations or both) or an IP ACL from a domain.",
		GroupID: "sip",
	}
	cmd.AddCommand(credlist.NewCmdCredlist(f, nil), ipacl.NewCmdIPACL(f, nil))
	return cmd
}
