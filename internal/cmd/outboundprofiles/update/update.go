// Package update is `sipctl outbound-profiles update`.
package update

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

// UpdateOptions are the inputs of `outbound-profiles update`.
type UpdateOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (provider.OutboundProfiles, error)
	Exporter *cmdutil.Exporter

	Ref    string
	Params provider.OutboundProfileParams
	// Yes is --yes: disabling stops calls without asking.
	Yes bool
}

// NewCmdUpdate is `outbound-profiles update ID|NAME …`.
func NewCmdUpdate(f *cmdutil.Factory, runF func(*UpdateOptions) error) *cobra.Command {
	opts := &UpdateOptions{IO: f.IOStreams, Exporter: &cmdutil.Exporter{},
		Provider: cmdutil.Capability[provider.OutboundProfiles](f.Provider, provider.WhatOutboundProfiles)}
	var flags shared.Flags
	var rename string
	cmd := &cobra.Command{
		Use:   "update ID|NAME",
		Short: "Change an outbound profile's countries, daily spend limit, name or enabled state",
		Long: `Change the restrictions of an outbound profile; only what the flags name changes.
--countries replaces the whole list. Every account assigned to the profile follows.

--enabled=false stops the outbound calls of every account assigned to the profile: it asks
first on a terminal, and needs --yes otherwise.`,
		Example: `  $ sipctl outbound-profiles update "North America" --countries US,CA,MX
  $ sipctl outbound-profiles update "UK desks" --daily-spend-limit none --enabled=false --yes`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			if err := resolve.Name("outbound profile", opts.Ref); err != nil {
				return err
			}
			if cmd.Flags().Changed("name") {
				if err := resolve.Name("outbound profile name", rename); err != nil {
					return err
				}
				opts.Params.Name = &rename
			}
			if err := flags.Params(cmd, &opts.Params); err != nil {
				return err
			}
			p := opts.Params
			if p.Name == nil && p.Countries == nil && p.Enabled == nil && p.DailySpendLimitEnabled == nil {
				return cmdutil.FlagErrorf("nothing to change: name a setting, e.g. --countries US,CA or --daily-spend-limit 50.00")
			}
			if runF != nil {
				return runF(opts)
			}
			return updateRun(cmd.Context(), opts)
		},
	}
	flags.Add(cmd)
	cmd.Flags().StringVarP(&rename, "name", "n", "", "Rename the profile to `name`")
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "Do not ask before disabling the profile")
	cmdutil.AddJSONFlags(cmd, opts.Exporter, provider.OutboundProfile{})
	return cmd
}

func updateRun(ctx context.Context, opts *UpdateOptions) error {
	p, err := opts.Provider()
	if err != nil {
		return err
	}
	if err := p.ValidateOutboundProfile(opts.Params); err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	o, err := resolve.OutboundProfile(ctx, p, opts.Ref)
	if err != nil {
		return err
	}
	if e := opts.Params.Enabled; e != nil && !*e && o.Enabled {
		prompt := fmt.Sprintf("Disable outbound profile %q? Outbound calls stop on every account assigned to it.", o.Name)
		if err := cmdutil.ConfirmDestructive(opts.IO, opts.Yes, prompt, ""); err != nil {
			return err
		}
	}
	o, err = p.UpdateOutboundProfile(ctx, o.ID, opts.Params)
	if err != nil {
		return err
	}
	return output.PrintObject(opts.IO, opts.Exporter, o, shared.Fields(o))
}
