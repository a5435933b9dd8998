// Package create is `sipctl subaccounts create`.
package create

import (
	"context"
	"fmt"
	"github.com/sipctl/sipctl/internal/cmd/resolve"
	"strings"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/output"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/spf13/cobra"
)

// CreateOptions are the inputs of `subaccounts create`.
type CreateOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (provider.Accounts, error)
	Exporter *cmdutil.Exporter

	Name string
}

// NewCmdCreate is `subaccounts create NAME`.
func NewCmdCreate(f *cmdutil.Factory, runF func(*CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{IO: f.IOStreams, Provider: cmdutil.Capability[provider.Accounts](f.Provider, provider.WhatSubaccounts), Exporter: &cmdutil.Exporter{}}
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a subaccount",
		Long: `Create a subaccount for a customer. Work inside it with --subaccount NAME, which uses
the parent account's credentials: no new secret is stored or printed.`,
		Example: `  $ sipctl subaccounts create acme
  $ sipctl --subaccount acme accounts create alice --domain acme-office`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			if err := resolve.Name("subaccount name", opts.Name); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return createRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddJSONFlags(cmd, opts.Exporter, provider.Account{})
	return cmd
}

func createRun(ctx context.Context, opts *CreateOptions) error {
	name := strings.TrimSpace(opts.Name)
	if name == "" {
		return cmdutil.FlagErrorf("empty subaccount name")
	}
	p, err := opts.Provider()
	if err != nil {
		return err
	}
	// --subaccount finds subaccounts by name, so a second one with the same
	// name would make that name unusable.
	for a, err := range p.ListSubaccounts(ctx) {
		if err != nil {
			return err
		}
		if strings.EqualFold(a.FriendlyName, name) {
			return cmdutil.WithHint(fmt.Errorf("a subaccount named %q already exists (%s, %s)", a.FriendlyName, a.SID, a.Status),
				"pick another name; names must be unique for --subaccount NAME to work")
		}
	}
	a, err := p.CreateSubaccount(ctx, name)
	if err != nil {
		return err
	}
	if opts.IO.IsStdoutTTY() && !opts.Exporter.Enabled() {
		fmt.Fprintf(opts.IO.Out, "Created subaccount %s (%s). Work in it with --subaccount %s\n", a.FriendlyName, a.SID, a.FriendlyName)
		return nil
	}
	return output.PrintObject(opts.IO, opts.Exporter, a, []output.Field{
		{Label: "SID", Value: output.Text(a.SID)},
		{Label: "Friendly name", Value: output.Text(a.FriendlyName)},
		{Label: "Status", Value: output.Text(a.Status)},
	})
}
