// Package sandbox is `sipctl sandbox`.
package sandbox

import (
	"github.com/sipctl/sipctl/internal/cmd/sandbox/reset"
	"github.com/sipctl/sipctl/internal/cmd/sandbox/serve"
	"github.com/sipctl/sipctl/internal/cmd/sandbox/status"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/spf13/cobra"
)

// NewCmdSandbox is the `sandbox` command and its subcommands.
func NewCmdSandbox(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sandbox <command>",
		Short: "Run and manage the built-in sandbox provider",
		Long: `The sandbox is a local, persistent provider with a SIP registrar. It speaks Twilio's API,
and ` + "`sandbox serve`" + ` also serves a Telnyx face (under /v2) and a Plivo face over the same
accounts, for trying those providers' commands and libraries. It is the default profile on a
fresh install, so sipctl works with no provider account: commands reach it in-process, with no
port and no daemon (under CI=true only when named: --profile sandbox). Its data lives in
sandbox.db in the state directory.`,
		GroupID: "local",
	}
	cmd.AddCommand(serve.NewCmdServe(f, nil))
	cmd.AddCommand(status.NewCmdStatus(f, nil))
	cmd.AddCommand(reset.NewCmdReset(f, nil))
	return cmd
}
