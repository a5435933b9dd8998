// Package update is `sipctl domains update`.
package update

import (
	"context"
	"fmt"
	"strings"

	"github.com/sipctl/sipctl/internal/cmd/domains/settings"
	"github.com/sipctl/sipctl/internal/cmd/resolve"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/output"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/twilio"
	"github.com/spf13/cobra"
)

// Updater is what `domains update` needs: finding the domain, changing it.
type Updater interface {
	provider.Domains
	provider.DomainSettings
}

// UpdateOptions is what `domains update` needs.
type UpdateOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (Updater, error)
	Exporter cmdutil.Exporter

	Domain string // SID, full or bare name
	Params provider.DomainParams
	Yes    bool
}

// NewCmdUpdate builds the command; runF replaces the run function in tests.
func NewCmdUpdate(f *cmdutil.Factory, runF func(*UpdateOptions) error) *cobra.Command {
	opts := &UpdateOptions{IO: f.IOStreams, Provider: cmdutil.Capability[Updater](f.Provider, provider.WhatDomainSettings)}
	var flags settings.Flags
	var rename string
	cmd := &cobra.Command{
		Use:   "update DOMAIN",
		Short: "Change a SIP domain's settings",
		Long: `Change a SIP domain's settings. Only the flags given are sent; everything else stays as it is.
A change that stops phones working (a rename, --sip-registration=false, --secure) asks on a
terminal; pass --yes otherwise.`,
		Example: `  $ sipctl domains update office --sip-registration
  $ sipctl domains update office --voice-url https://example.com/voice --voice-method POST`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Domain = args[0]
			var err error
			if opts.Params, err = flags.Params(cmd.Flags()); err != nil {
				return cmdutil.FlagErrorf("%v", err)
			}
			if cmd.Flags().Changed("rename") {
				name, err := twilio.DomainName(rename)
				if err != nil {
					return cmdutil.FlagErrorf("--rename: %v", err)
				}
				opts.Params.DomainName = &name
			}
			if opts.Params == (provider.DomainParams{}) {
				return cmdutil.FlagErrorf("nothing to update: give at least one setting, e.g. --sip-registration or --voice-url")
			}
			if runF != nil {
				return runF(opts)
			}
			return updateRun(cmd.Context(), opts)
		},
	}
	flags.Add(cmd.Flags())
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "Make a change that stops phones working without asking")
	cmd.Flags().StringVar(&rename, "rename", "", "Give the domain a new `name` (ending in sip.twilio.com, or bare)")
	cmdutil.AddJSONFlags(cmd, &opts.Exporter, provider.Domain{})
	return cmd
}

func updateRun(ctx context.Context, opts *UpdateOptions) error {
	p, err := opts.Provider()
	if err != nil {
		return err
	}
	d, err := resolve.Domain(ctx, p, opts.Domain)
	if err != nil {
		return err
	}
	if stops := stopsService(d, opts.Params); len(stops) > 0 {
		prompt := fmt.Sprintf("Update domain %s? %s.", d.DomainName, strings.Join(stops, "; "))
		if err := cmdutil.ConfirmDestructive(opts.IO, opts.Yes, prompt, ""); err != nil {
			return err
		}
	}
	d, err = p.UpdateDomain(ctx, d.SID, opts.Params)
	if err != nil {
		return err
	}
	return output.PrintObject(opts.IO, &opts.Exporter, d, settings.Fields(p, d))
}

// stopsService says what of the change stops phones that work now.
func stopsService(d provider.Domain, p provider.DomainParams) []string {
	var out []string
	if p.DomainName != nil && *p.DomainName != d.DomainName {
		out = append(out, "Phones set up for "+d.DomainName+" stop working until they use "+*p.DomainName)
	}
	if p.SIPRegistration != nil && !*p.SIPRegistration && d.SIPRegistration {
		out = append(out, "Registered phones can no longer register")
	}
	if p.Secure != nil && *p.Secure && !d.Secure {
		out = append(out, "Phones without TLS and SRTP stop working")
	}
	return out
}
