// Package auth is `sipctl auth`.
package auth

import (
	"github.com/sipctl/sipctl/internal/cmd/auth/login"
	"github.com/sipctl/sipctl/internal/cmd/auth/logout"
	"github.com/sipctl/sipctl/internal/cmd/auth/status"
	"github.com/sipctl/sipctl/internal/cmd/auth/token"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/spf13/cobra"
)

// NewCmdAuth is the `auth` command and its subcommands.
func NewCmdAuth(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "auth <command>",
		Short: "Log in to a provider and manage API credentials",
		Long: `Authenticate sipctl with a provider. Secrets are kept in the OS keyring (service "sipctl",
key "profile:<name>"), never in the config file unless you pass --insecure-storage.

Credentials are looked up in this order: the environment (how CI jobs authenticate; each
provider's variables, such as TWILIO_AUTH_TOKEN or TELNYX_API_KEY, are listed by
` + "`sipctl help environment`" + `), the OS keyring, then a plain-text config entry.`,
		GroupID: "access",
	}
	cmd.AddCommand(
		login.NewCmdLogin(f, nil),
		logout.NewCmdLogout(f, nil),
		status.NewCmdStatus(f, nil),
		token.NewCmdToken(f, nil),
	)
	return cmd
}
