// Package root builds the `sipctl` command tree.
package root

import (
	"strings"

	"github.com/sipctl/sipctl/internal/cmd/accounts"
	"github.com/sipctl/sipctl/internal/cmd/apply"
	"github.com/sipctl/sipctl/internal/cmd/attach"
	"github.com/sipctl/sipctl/internal/cmd/auth"
	"github.com/sipctl/sipctl/internal/cmd/callerid"
	"github.com/sipctl/sipctl/internal/cmd/credlists"
	"github.com/sipctl/sipctl/internal/cmd/detach"
	"github.com/sipctl/sipctl/internal/cmd/devices"
	"github.com/sipctl/sipctl/internal/cmd/domains"
	"github.com/sipctl/sipctl/internal/cmd/export"
	"github.com/sipctl/sipctl/internal/cmd/ipacls"
	"github.com/sipctl/sipctl/internal/cmd/outboundprofiles"
	"github.com/sipctl/sipctl/internal/cmd/password"
	"github.com/sipctl/sipctl/internal/cmd/plan"
	"github.com/sipctl/sipctl/internal/cmd/profile"
	"github.com/sipctl/sipctl/internal/cmd/provision"
	"github.com/sipctl/sipctl/internal/cmd/sandbox"
	"github.com/sipctl/sipctl/internal/cmd/subaccounts"
	versionCmd "github.com/sipctl/sipctl/internal/cmd/version"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/factory"
	"github.com/sipctl/sipctl/internal/manifest"
	"github.com/spf13/cobra"
)

// NewCmdRoot returns the root command with every noun of the product.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sipctl <command> <subcommand> [flags]",
		Short: "Administer SIP accounts from the command line",
		Long: `sipctl creates, checks and rotates SIP accounts (the usernames and passwords that desk phones,
softphones and PBXs register with) at a provider: ` + providerList() + `.
The built-in sandbox provider needs no account; ` + "`sipctl help environment`" + ` says how each
provider is chosen and what it reads.`,
		Example: `  $ sipctl accounts create alice --domain office
  $ sipctl accounts list --domain office --json
  $ sipctl password rotate --domain office --output handover.csv
  $ sipctl accounts check alice@office.sip.twilio.com --password-stdin < pw.txt`,
		Version:       versionCmd.Format(),
		SilenceErrors: true,
		SilenceUsage:  true,
		// Completion is a documented command of its own, not hidden.
		CompletionOptions: cobra.CompletionOptions{HiddenDefaultCmd: false},
	}
	cmd.SetVersionTemplate("{{.Version}}")
	wrapHelp(cmd, f)
	cmd.SetOut(f.IOStreams.Out)
	cmd.SetErr(f.IOStreams.ErrOut)
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return cmdutil.FlagParseError(err)
	})

	g := f.Globals
	pf := cmd.PersistentFlags()
	pf.StringVar(&g.Profile, "profile", "", "Use the named `profile` (default: $SIPCTL_PROFILE, the current profile, or the sandbox)")
	pf.StringVar(&g.Subaccount, "subaccount", "", "Act inside a reseller's customer (Twilio's subaccounts, Telnyx's managed accounts), given by `ID or name`, with the parent's credentials")
	pf.BoolVar(&g.Debug, "debug", false, "Log API requests and responses to stderr, secrets redacted (also SIPCTL_DEBUG=1)")
	pf.StringVar(&g.AuditLog, "audit-log", "", "Append the audit log of creates, rotations and deletes to `path` (default: the state directory)")
	pf.BoolVarP(&g.Quiet, "quiet", "q", false, "Print no notes on stderr, only warnings and errors (also SIPCTL_QUIET=1)")
	cmd.Flags().Bool("version", false, "Print sipctl's version")

	cmd.AddGroup(
		&cobra.Group{ID: "sip", Title: "SIP accounts and resources"},
		&cobra.Group{ID: "passwords", Title: "Passwords"},
		&cobra.Group{ID: "access", Title: "Accounts, profiles and access"},
		&cobra.Group{ID: "local", Title: "Local provider"},
	)
	cmd.AddCommand(
		accounts.NewCmdAccounts(f),
		plan.NewCmdPlan(f, nil),
		apply.NewCmdApply(f, nil),
		export.NewCmdExport(f, nil),
		domains.NewCmdDomains(f),
		credlists.NewCmdCredlists(f),
		attach.NewCmdAttach(f),
		detach.NewCmdDetach(f),
		ipacls.NewCmdIpacls(f),
		outboundprofiles.NewCmdOutboundProfiles(f),
		callerid.NewCmdCallerid(f),
		password.NewCmdPassword(f),
		provision.NewCmdProvision(f),
		devices.NewCmdDevices(f),
		subaccounts.NewCmdSubaccounts(f),
		auth.NewCmdAuth(f),
		profile.NewCmdProfile(f),
		sandbox.NewCmdSandbox(f),
		versionCmd.NewCmdVersion(f),
	)
	// Add cobra's completion and help commands now, not at Execute, so the
	// generated reference documents them.
	cmd.InitDefaultCompletionCmd()
	cmd.InitDefaultHelpCmd()
	strictHelp(cmd)
	for _, t := range helpTopics {
		cmd.AddCommand(&cobra.Command{Use: t.name, Short: t.short, Long: t.long})
	}
	cmdutil.RequireSubcommands(cmd)
	registerCompletions(cmd, f)
	return cmd
}

// strictHelp makes `sipctl help TOPIC` a usage error (exit 2) for a topic
// or command that does not exist, where cobra prints the usage and exits 0.
func strictHelp(root *cobra.Command) {
	for _, c := range root.Commands() {
		if c.Name() != "help" {
			continue
		}
		c.Run = nil
		schema := c.Flags().Bool("schema", false, "With `help manifest`: print the manifest's JSON Schema (for editors and validators)")
		c.RunE = func(c *cobra.Command, args []string) error {
			if *schema {
				if strings.Join(args, " ") != "manifest" {
					return cmdutil.FlagErrorf("--schema goes with `sipctl help manifest`")
				}
				b, err := manifest.Schema()
				if err != nil {
					return err
				}
				_, err = c.OutOrStdout().Write(b)
				return err
			}
			cmd, rest, err := c.Root().Find(args)
			if cmd == nil || err != nil || len(rest) > 0 {
				topics := make([]string, len(helpTopics))
				for i, t := range helpTopics {
					topics[i] = t.name
				}
				return cmdutil.WithHint(cmdutil.FlagErrorf("unknown help topic %q", strings.Join(args, " ")),
					"run `sipctl help` for the commands and topics ("+strings.Join(topics, ", ")+")")
			}
			cmd.InitDefaultHelpFlag()
			cmd.InitDefaultVersionFlag()
			return cmd.Help()
		}
	}
}

// providerList names the registered providers (the profile's provider:
// values), from the factory's registry.
func providerList() string {
	var names []string
	for _, n := range factory.Registered() {
		if n != config.ProviderSandbox {
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}
