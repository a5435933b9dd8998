// Package outboundprofiles is `sipctl outbound-profiles`.
package outboundprofiles

import (
	"github.com/sipctl/sipctl/internal/cmd/outboundprofiles/create"
	"github.com/sipctl/sipctl/internal/cmd/outboundprofiles/delete"
	"github.com/sipctl/sipctl/internal/cmd/outboundprofiles/list"
	"github.com/sipctl/sipctl/internal/cmd/outboundprofiles/show"
	"github.com/sipctl/sipctl/internal/cmd/outboundprofiles/update"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/spf13/cobra"
)

// NewCmdOutboundProfiles is the `outbound-profiles` command and its subcommands.
func NewCmdOutboundProfiles(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "outbound-profiles <command>",
		Short: "Manage outbound restrictions: allowed countries, spend limits",
		Long: `Outbound profiles say where the accounts assigned to them may call (a list of
countries), how much they may spend a day, and whether they may call out at all.
On Telnyx they are outbound voice profiles. Restrict accounts to countries in one
step with ` + "`sipctl accounts restrict`" + `.`,
		GroupID: "sip",
	}
	cmd.AddCommand(
		list.NewCmdList(f, nil),
		show.NewCmdShow(f, nil),
		create.NewCmdCreate(f, nil),
		update.NewCmdUpdate(f, nil),
		delete.NewCmdDelete(f, nil),
	)
	return cmd
}
