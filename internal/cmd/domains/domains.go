// Package domains is `sipctl domains`.
package domains

import (
	"github.com/sipctl/sipctl/internal/cmd/domains/check"
	"github.com/sipctl/sipctl/internal/cmd/domains/create"
	deleteCmd "github.com/sipctl/sipctl/internal/cmd/domains/delete"
	"github.com/sipctl/sipctl/internal/cmd/domains/list"
	"github.com/sipctl/sipctl/internal/cmd/domains/show"
	"github.com/sipctl/sipctl/internal/cmd/domains/update"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/spf13/cobra"
)

// NewCmdDomains is the `domains` command and its subcommands.
func NewCmdDomains(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "domains <command>",
		Short:   "Manage SIP domains",
		Long:    "A SIP domain is the host phones register to and calls arrive at (Twilio and the sandbox:\nNAME.sip.twilio.com; Kamailio and Asterisk: a host name such as pbx.example.com; Telnyx: sip.telnyx.com).",
		GroupID: "sip",
	}
	cmd.AddCommand(
		list.NewCmdList(f, nil),
		create.NewCmdCreate(f, nil),
		show.NewCmdShow(f, nil),
		update.NewCmdUpdate(f, nil),
		deleteCmd.NewCmdDelete(f, nil),
		check.NewCmdCheck(f, nil),
	)
	return cmd
}
