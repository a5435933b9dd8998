// Package create is `sipctl domains create`.
package create

import (
	"context"

	"github.com/sipctl/sipctl/internal/cmd/domains/settings"
	"github.com/sipctl/sipctl/internal/cmd/resolve"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/output"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/spf13/cobra"
)

// CreateOptions is what `domains create` needs.
type CreateOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (provider.Provider, error)
	Exporter cmdutil.Exporter

	// DomainName is complete: NAME.sip.twilio.com.
	DomainName string
	Params     provider.DomainParams
}

// NewCmdCreate builds the command; runF replaces the run function in tests.
func NewCmdCreate(f *cmdutil.Factory, runF func(*CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{IO: f.IOStreams, Provider: f.Provider}
	var flags settings.Flags
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a SIP domain",
		Long: `Create a SIP domain. Twilio requires the name to end in sip.twilio.com; a bare name
such as "office" becomes office.sip.twilio.com. Names are unique across all of Twilio.`,
		Example: `  $ sipctl domains create office --sip-registration --voice-url https://example.com/voice
  $ sipctl domains create branch.sip.twilio.com --secure`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := resolve.DomainName(args[0])
			if err != nil {
				return cmdutil.FlagErrorf("%v", err)
			}
			opts.DomainName = name
			if opts.Params, err = flags.Params(cmd.Flags()); err != nil {
				return cmdutil.FlagErrorf("%v", err)
			}
			opts.Params.DomainName = &opts.DomainName
			if runF != nil {
				return runF(opts)
			}
			return createRun(cmd.Context(), opts)
		},
	}
	flags.Add(cmd.Flags())
	cmdutil.AddJSONFlags(cmd, &opts.Exporter)
	return cmd
}

func createRun(ctx context.Context, opts *CreateOptions) error {
	p, err := opts.Provider()
	if err != nil {
		return err
	}
	d, err := p.CreateDomain(ctx, opts.Params)
	if err != nil {
		return err
	}
	return output.PrintObject(opts.IO, &opts.Exporter, d, settings.Fields(d))
}
