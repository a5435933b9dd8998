// Package password is `sipctl password`.
package password

import (
	"github.com/sipctl/sipctl/internal/cmd/password/generate"
	"github.com/sipctl/sipctl/internal/cmd/password/rotate"
	"github.com/sipctl/sipctl/internal/cmd/password/runs"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/spf13/cobra"
)

// NewCmdPassword is the `password` command and its subcommands.
func NewCmdPassword(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "password <command>",
		Short:   "Generate passwords and rotate SIP account passwords",
		Long:    "Generate strong passwords that fit each provider's policy, and rotate the passwords of one account\nor thousands, with every new password journaled before it is sent.",
		GroupID: "passwords",
	}
	cmd.AddCommand(generate.NewCmdGenerate(f, nil))
	cmd.AddCommand(rotate.NewCmdRotate(f, nil))
	cmd.AddCommand(runs.NewCmdRuns(f))
	return cmd
}
