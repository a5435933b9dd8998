// Package attach is `sipctl attach`.
package attach

import (
	"github.com/sipctl/sipctl/internal/cmd/attach/credlist"
	"github.com/sipctl/sipctl/internal/cmd/attach/ipacl"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/spf13/cobra"
)

// NewCmdAttach is the `attach` command and its subcommands.
func NewCmdAttach(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "attach <command>",
		Short:   "Attach a credential list or IP ACL to a domain",
		Long:    "Attach a credential list to a domain for calls, for registrations, or both; or an IP ACL for calls.",
		GroupID: "sip",
	}
	cmd.AddCommand(credlist.NewCmdCredlist(f, nil), ipacl.NewCmdIPACL(f, nil))
	return cmd
}
