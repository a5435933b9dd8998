// Package create is `sipctl outbound-profiles create`.
package create

import (
	"context"
	"fmt"

	"github.com/sipctl/sipctl/internal/cmd/outboundprofiles/shared"
	"github.com/sipctl/sipctl/internal/cmd/resolve"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/output"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/spf13/cobra"
)

// CreateOptions are the inputs of `outbound-profiles create`.
type CreateOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (provider.OutboundProfiles, error)
	Exporter *cmdutil.Exporter

	Params provider.OutboundProfileParams
}

// NewCmdCreate is `outbound-profiles create NAME --countries …`.
func NewCmdCreate(f *cmdutil.Factory, runF func(*CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{IO: f.IOStreams, Exporter: &cmdutil.Exporter{},
		Provider: cmdutil.Capability[provider.OutboundProfiles](f.Provider, provider.WhatOutboundProfiles)}
	var flags shared.Flags
	cmd := &cobra.Command{
		Use:   "create NAME --countries CODES",
		Short: "Create an outbound profile: the countries calls may reach, a daily spend limit",
		Long: `Create an outbound profile (on Telnyx, an outbound voice profile): the countries the
accounts assigned to it may call (ISO 3166-1 alpha-2 codes), an optional daily spend
limit, and whether outbound calls are allowed at all. Assign accounts to it with
` + "`sipctl accounts update --outbound-voice-profile ID`" + `, or let ` + "`sipctl accounts restrict`" + ` do both.
Names must be unique in the account; sipctl checks before asking the provider.`,
		Example: `  $ sipctl outbound-profiles create "North America" --countries US,CA
  $ sipctl outbound-profiles create "UK desks" --countries GB --daily-spend-limit 25.00`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := resolve.Name("outbound profile name", args[0]); err != nil {
				return err
			}
			name := args[0]
			opts.Params.Name = &name
			if !cmd.Flags().Changed("countries") {
				return cmdutil.FlagErrorf("name the countries calls may reach with --countries, e.g. --countries US,CA")
			}
			if err := flags.Params(cmd, &opts.Params); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return createRun(cmd.Context(), opts)
		},
	}
	flags.Add(cmd)
	cmdutil.AddJSONFlags(cmd, opts.Exporter, provider.OutboundProfile{})
	return cmd
}

func createRun(ctx context.Context, opts *CreateOptions) error {
	p, err := opts.Provider()
	if err != nil {
		return err
	}
	if err := p.ValidateOutboundProfile(opts.Params); err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	for o, err := range p.ListOutboundProfiles(ctx) {
		if err != nil {
			return err
		}
		if o.Name == *opts.Params.Name {
			return cmdutil.WithHint(fmt.Errorf("an outbound profile named %q already exists (%s)", o.Name, o.ID),
				"choose another name, or change it with `sipctl outbound-profiles update`")
		}
	}
	o, err := p.CreateOutboundProfile(ctx, opts.Params)
	if err != nil {
		return err
	}
	return output.PrintObject(opts.IO, opts.Exporter, o, shared.Fields(o))
}
