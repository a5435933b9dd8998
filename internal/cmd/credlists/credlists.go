// Package credlists is `sipctl credlists`.
package credlists

import (
	"github.com/sipctl/sipctl/internal/cmd/credlists/create"
	"github.com/sipctl/sipctl/internal/cmd/credlists/credentials"
	deleteCmd "github.com/sipctl/sipctl/internal/cmd/credlists/delete"
	"github.com/sipctl/sipctl/internal/cmd/credlists/list"
	"github.com/sipctl/sipctl/internal/cmd/credlists/rename"
	"github.com/sipctl/sipctl/internal/cmd/credlists/show"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/spf13/cobra"
)

// NewCmdCredlists is the `credlists` command and its subcommands.
func NewCmdCredlists(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "credlists <command>",
		Short:   "Manage credential lists and the credentials in them",
		Long:    "A credential list holds SIP usernames and passwords. Attach it to a domain with `sipctl attach`\nfor calls, registrations or both.",
		GroupID: "sip",
	}
	cmd.AddCommand(
		list.NewCmdList(f, nil),
		create.NewCmdCreate(f, nil),
		show.NewCmdShow(f, nil),
		rename.NewCmdRename(f, nil),
		deleteCmd.NewCmdDelete(f, nil),
		credentials.NewCmdCredentials(f),
	)
	return cmd
}
