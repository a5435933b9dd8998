// Package show is `sipctl domains show`.
package show

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
	"github.com/spf13/cobra"
)

// ShowOptions is what `domains show` needs.
type ShowOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (provider.SIPAccounts, error)
	Exporter cmdutil.Exporter

	Domain string
}

// NewCmdShow builds the command; runF replaces the run function in tests.
func NewCmdShow(f *cmdutil.Factory, runF func(*ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{IO: f.IOStreams, Provider: f.Provider}
	cmd := &cobra.Command{
		Use:     "show DOMAIN",
		Aliases: []string{"view"},
		Short:   "Show a SIP domain and what is attached to it",
		Long: `Show a SIP domain's settings and the credential lists and IP ACLs attached to it,
for calls and for registrations. DOMAIN is a SID, a full name, or a bare name ("office").`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Domain = args[0]
			if runF != nil {
				return runF(opts)
			}
			return showRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddJSONFlags(cmd, &opts.Exporter, Detail{})
	return cmd
}

// Detail is a domain with its attachments, as --json prints it.
type Detail struct {
	provider.Domain
	// The attachments are there when the provider has them (the Mappings
	// capability); null otherwise.
	CredentialListsForCalls         []provider.Mapping `json:"credential_lists_for_calls"`
	CredentialListsForRegistrations []provider.Mapping `json:"credential_lists_for_registrations"`
	IPACLsForCalls                  []provider.Mapping `json:"ip_acls_for_calls"`
}

func showRun(ctx context.Context, opts *ShowOptions) error {
	sa, err := opts.Provider()
	if err != nil {
		return err
	}
	p, err := provider.Require[provider.Domains](sa, provider.WhatDomains)
	if err != nil {
		return err
	}
	d, err := resolve.Domain(ctx, p, opts.Domain)
	if err != nil {
		return err
	}
	det := Detail{Domain: d}
	fields := settings.Fields(sa, d)
	m, hasMappings := provider.Lookup[provider.Mappings](sa)
	if !hasMappings {
		return output.PrintObject(opts.IO, &opts.Exporter, det, fields)
	}
	if det.CredentialListsForCalls, err = collect(m.ListCredentialListMappings(ctx, d.SID, provider.ForCalls)); err != nil {
		return err
	}
	if det.CredentialListsForRegistrations, err = collect(m.ListCredentialListMappings(ctx, d.SID, provider.ForRegistrations)); err != nil {
		return err
	}
	if det.IPACLsForCalls, err = collect(m.ListIPACLMappings(ctx, d.SID)); err != nil {
		return err
	}
	fields = append(fields,
		output.Field{Label: "Credential lists (calls)", Value: output.Text(names(det.CredentialListsForCalls))},
		output.Field{Label: "Credential lists (registrations)", Value: output.Text(names(det.CredentialListsForRegistrations))},
		output.Field{Label: "IP ACLs (calls)", Value: output.Text(names(det.IPACLsForCalls))},
	)
	if err := output.PrintObject(opts.IO, &opts.Exporter, det, fields); err != nil {
		return err
	}
	if !opts.Exporter.Enabled() && opts.IO.IsStdoutTTY() && len(det.CredentialListsForCalls)+len(det.IPACLsForCalls) == 0 {
		fmt.Fprintf(opts.IO.ErrOut, "warning: nothing authenticates calls to %s, so Twilio refuses them; attach a list with `sipctl attach credlist LIST --domain %s`\n",
			d.DomainName, strings.TrimSuffix(d.DomainName, ".sip.twilio.com"))
	}
	return nil
}

func collect(seq func(func(provider.Mapping, error) bool)) ([]provider.Mapping, error) {
	out := []provider.Mapping{}
	for m, err := range seq {
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

func names(ms []provider.Mapping) string {
	if len(ms) == 0 {
		return "none"
	}
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = fmt.Sprintf("%s (%s)", m.FriendlyName, m.SID)
	}
	return strings.Join(s, ", ")
}
