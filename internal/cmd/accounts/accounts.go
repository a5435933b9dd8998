// Package accounts is `sipctl accounts`.
package accounts

import (
	"github.com/sipctl/sipctl/internal/cmd/accounts/check"
	"github.com/sipctl/sipctl/internal/cmd/accounts/cleanup"
	"github.com/sipctl/sipctl/internal/cmd/accounts/create"
	"github.com/sipctl/sipctl/internal/cmd/accounts/delete"
	"github.com/sipctl/sipctl/internal/cmd/accounts/list"
	"github.com/sipctl/sipctl/internal/cmd/accounts/restrict"
	"github.com/sipctl/sipctl/internal/cmd/accounts/show"
	"github.com/sipctl/sipctl/internal/cmd/accounts/update"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/spf13/cobra"
)

// NewCmdAccounts is the `accounts` command and its subcommands.
func NewCmdAccounts(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "accounts <command>",
		Short:   "Create, list, check and delete SIP accounts",
		Long:    "A SIP account is what a desk phone, softphone or PBX registers with: a username and password\non a SIP domain. These commands work the same for every provider: on Twilio and the sandbox,\nsipctl finds or creates the credential list behind the domain for you; on Telnyx an account is\na credential connection, on Kamailio a subscriber row.",
		GroupID: "sip",
	}
	cmd.AddCommand(
		create.NewCmdCreate(f, nil),
		list.NewCmdList(f, nil),
		show.NewCmdShow(f, nil),
		delete.NewCmdDelete(f, nil),
		check.NewCmdCheck(f, nil),
		update.NewCmdUpdate(f, nil),
		cleanup.NewCmdCleanup(f, nil),
		restrict.NewCmdRestrict(f, nil),
	)
	return cmd
}
