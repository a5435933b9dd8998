// Package list is `sipctl domains list`.
package list

import (
	"context"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/output"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/spf13/cobra"
)

// ListOptions is what `domains list` needs.
type ListOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (provider.SIPAccounts, error)
	Exporter cmdutil.Exporter
}

// NewCmdList builds the command; runF replaces the run function in tests.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, Provider: f.Provider}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List SIP domains",
		Example: "  $ sipctl domains list\n  $ sipctl domains list --json=domain_name,sid --jq '.[].domain_name'",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddJSONFlags(cmd, &opts.Exporter, provider.Domain{})
	cmdutil.AddListFlags(cmd, &opts.Exporter)
	return cmd
}

var columns = []output.Column[provider.Domain]{
	{Header: "DOMAIN", Value: func(d provider.Domain) output.Cell { return output.Text(d.DomainName) }},
	{Header: "NAME", Value: func(d provider.Domain) output.Cell { return output.Text(d.FriendlyName) }},
	{Header: "REGISTRATION", Value: func(d provider.Domain) output.Cell { return output.Bool(d.SIPRegistration) }},
	{Header: "SECURE", Value: func(d provider.Domain) output.Cell { return output.Bool(d.Secure) }},
	{Header: "SID", Value: func(d provider.Domain) output.Cell { return output.Text(d.SID) }},
	{Header: "CREATED", Value: func(d provider.Domain) output.Cell { return output.Time(d.DateCreated) }},
}

// plainColumns are a domain's columns on a provider without domain
// settings, where registration, TLS and a SID are not the domain's own.
var plainColumns = []output.Column[provider.Domain]{columns[0], columns[len(columns)-1]}

func listRun(ctx context.Context, opts *ListOptions) error {
	sa, err := opts.Provider()
	if err != nil {
		return err
	}
	p, err := provider.Require[provider.Domains](sa, provider.WhatDomains)
	if err != nil {
		return err
	}
	cols := columns
	if _, ok := provider.Lookup[provider.DomainSettings](sa); !ok {
		// A provider without Twilio's domain settings (Kamailio, Asterisk,
		// Telnyx) shows its own: the domain is its name.
		cols = plainColumns
	}
	n, err := output.PrintList(opts.IO, &opts.Exporter, p.ListDomains(ctx), cols)
	if err != nil {
		return err
	}
	if n == 0 && !opts.Exporter.Enabled() && opts.IO.IsStdoutTTY() {
		opts.IO.ErrOut.Write([]byte("No SIP domains yet; create one with `sipctl domains create NAME`\n"))
	}
	return nil
}
