// Package add is `sipctl callerid add`.
package add

import (
	"context"
	"fmt"
	"github.com/sipctl/sipctl/internal/cmd/resolve"

	"github.com/sipctl/sipctl/internal/cmd/callerid/lookup"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/output"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/spf13/cobra"
)

// AddOptions are the inputs of `callerid add`.
type AddOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (provider.CallerIDs, error)
	Exporter *cmdutil.Exporter

	Number string
	Name   string
}

// NewCmdAdd is `callerid add NUMBER`.
func NewCmdAdd(f *cmdutil.Factory, runF func(*AddOptions) error) *cobra.Command {
	opts := &AddOptions{IO: f.IOStreams, Provider: cmdutil.Capability[provider.CallerIDs](f.Provider, provider.WhatCallerIDs), Exporter: &cmdutil.Exporter{}}
	cmd := &cobra.Command{
		Use:   "add NUMBER",
		Short: "Verify a phone number as an outgoing caller ID",
		Long: `Start verifying a phone number you own so calls can show it as caller ID.

The provider calls the number; whoever answers keys in the validation code this command
prints. The number appears in ` + "`sipctl callerid list`" + ` once that succeeds.`,
		Example: `  $ sipctl callerid add +14155550100 --name "front desk"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Number = args[0]
			if err := resolve.Name("caller ID name", opts.Name); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return addRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Name, "name", "n", "", "Friendly `name` for the caller ID")
	cmdutil.AddJSONFlags(cmd, opts.Exporter, provider.ValidationRequest{})
	return cmd
}

func addRun(ctx context.Context, opts *AddOptions) error {
	number, err := lookup.E164(opts.Number)
	if err != nil {
		return err
	}
	p, err := opts.Provider()
	if err != nil {
		return err
	}
	v, err := p.AddCallerID(ctx, number, opts.Name)
	if err != nil {
		return err
	}
	ios := opts.IO
	if ios.IsStdoutTTY() && !opts.Exporter.Enabled() {
		fmt.Fprintf(ios.Out, "Calling %s now. When asked, key in the validation code:\n\n    %s\n\n", v.PhoneNumber, v.ValidationCode)
		fmt.Fprintf(ios.Out, "The number appears in `sipctl callerid list` once the call succeeds.\n")
		return nil
	}
	return output.PrintObject(ios, opts.Exporter, v, []output.Field{
		{Label: "Phone number", Value: output.Text(v.PhoneNumber)},
		{Label: "Validation code", Value: output.Text(v.ValidationCode)},
		{Label: "Call SID", Value: output.Text(v.CallSID)},
		{Label: "Friendly name", Value: output.Text(v.FriendlyName)},
	})
}
