// Package show is `sipctl accounts show`.
package show

import (
	"context"

	"github.com/sipctl/sipctl/internal/cmd/accounts/lookup"
	"github.com/sipctl/sipctl/internal/cmd/resolve"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/output"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/spf13/cobra"
)

// ShowOptions are the inputs of `accounts show`.
type ShowOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (provider.Provider, error)
	Profile  func() (*config.Profile, error)
	Exporter *cmdutil.Exporter

	Account string
	Domain  string
	List    string
}

// NewCmdShow is `accounts show USERNAME[@DOMAIN]`.
func NewCmdShow(f *cmdutil.Factory, runF func(*ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{IO: f.IOStreams, Provider: f.Provider, Profile: f.Profile, Exporter: &cmdutil.Exporter{}}
	cmd := &cobra.Command{
		Use:   "show USERNAME[@DOMAIN]",
		Short: "Show a SIP account and what a phone needs to register with it",
		Example: `  $ sipctl accounts show alice --domain office
  $ sipctl accounts show alice@office.sip.twilio.com --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Account = args[0]
			if runF != nil {
				return runF(opts)
			}
			return showRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Domain, "domain", "d", "", "SIP `domain` (name, bare name or SID; default: the profile's default domain)")
	cmd.Flags().StringVar(&opts.List, "list", "", "Credential `list` (name or SID), when the username is on several")
	cmdutil.AddJSONFlags(cmd, opts.Exporter)
	return cmd
}

func showRun(ctx context.Context, opts *ShowOptions) error {
	var prof *config.Profile
	if opts.Profile != nil {
		prof, _ = opts.Profile()
	}
	username, domainRef, err := lookup.Target(opts.Account, opts.Domain, prof)
	if err != nil {
		return err
	}
	p, err := opts.Provider()
	if err != nil {
		return err
	}
	d, err := resolve.Domain(ctx, p, domainRef)
	if err != nil {
		return err
	}
	a, err := lookup.Find(ctx, p, d, username, opts.List)
	if err != nil {
		return err
	}
	return output.PrintObject(opts.IO, opts.Exporter, a, []output.Field{
		{Label: "Username", Value: output.Text(a.Username)},
		{Label: "Domain", Value: output.Text(a.Domain)},
		{Label: "Registrar", Value: output.Text(a.Registrar)},
		{Label: "Transports", Value: output.Text(lookup.TransportList(a.Transports))},
		{Label: "SRTP", Value: output.Bool(a.SRTP)},
		{Label: "SIP URI", Value: output.Text(a.SIPURI)},
		{Label: "Credential list", Value: output.Text(a.CredentialList + " (" + a.CredentialListSID + ")")},
		{Label: "SID", Value: output.Text(a.SID)},
		{Label: "Created", Value: output.Time(a.DateCreated)},
	})
}
