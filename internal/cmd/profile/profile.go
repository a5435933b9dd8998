// Package profile is `sipctl profile`.
package profile

import (
	deleteCmd "github.com/sipctl/sipctl/internal/cmd/profile/delete"
	"github.com/sipctl/sipctl/internal/cmd/profile/get"
	"github.com/sipctl/sipctl/internal/cmd/profile/list"
	"github.com/sipctl/sipctl/internal/cmd/profile/set"
	"github.com/sipctl/sipctl/internal/cmd/profile/show"
	"github.com/sipctl/sipctl/internal/cmd/profile/use"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/spf13/cobra"
)

// NewCmdProfile is the `profile` command and its subcommands.
func NewCmdProfile(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "profile <command>",
		Short: "Manage named profiles (one per provider account)",
		Long: `A profile names a provider account: provider, account SID, API URL, default domain and password
policy. A reseller keeps one profile per customer account. Select one with --profile on any
command or SIPCTL_PROFILE; ` + "`sipctl profile use`" + ` sets the default; ` + "`sipctl profile set KEY VALUE`" + ` changes a setting. ` + "`sipctl auth login --profile NAME`" + `
creates one.`,
		GroupID: "access",
	}
	cmd.AddCommand(
		list.NewCmdList(f, nil),
		use.NewCmdUse(f, nil),
		show.NewCmdShow(f, nil),
		set.NewCmdSet(f, nil),
		get.NewCmdGet(f, nil),
		deleteCmd.NewCmdDelete(f, nil),
	)
	return cmd
}
