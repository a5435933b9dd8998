// Package show is `sipctl accounts show`.
package show

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/sipctl/sipctl/internal/cmd/accounts/lookup"
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
	Provider func() (provider.SIPAccounts, error)
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
		Use:     "show USERNAME[@DOMAIN]",
		Aliases: []string{"view"},
		Short:   "Show a SIP account and what a phone needs to register with it",
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
	cmdutil.AddJSONFlags(cmd, opts.Exporter, lookup.Account{})
	cmdutil.OmitJSONFields(opts.Exporter, "password") // only create prints one
	// Only create sets an account's password; show has none to print.
	opts.Exporter.Known = slices.DeleteFunc(opts.Exporter.Known, func(f string) bool { return f == "password" })
	return cmd
}

func showRun(ctx context.Context, opts *ShowOptions) error {
	var prof *config.Profile
	if opts.Profile != nil {
		// A profile that cannot be chosen (a half-set environment) is the
		// error to report, not the missing domain it would leave behind.
		var err error
		if prof, err = opts.Profile(); err != nil {
			return err
		}
	}
	username, domainRef, err := lookup.Target(opts.Account, opts.Domain, prof)
	if err != nil {
		return err
	}
	p, err := opts.Provider()
	if err != nil {
		return err
	}
	if username, domainRef, err = lookup.Resolve(p, opts.Account, opts.Domain, prof); err != nil {
		return err
	}
	sa, err := lookup.Find(ctx, p, username, domainRef, opts.List)
	if err != nil {
		return err
	}
	reg, hasStatus := provider.Lookup[provider.Registrations](p)
	if hasStatus {
		st, err := reg.RegistrationStatus(ctx, []provider.SIPAccount{sa})
		if err != nil {
			return fmt.Errorf("reading the registration status of %s: %w", sa.Address(), err)
		}
		r, ok := st[sa.Ref]
		if !ok {
			r = provider.Registration{State: provider.NotRegistered}
		}
		sa.Registration = &r
	}
	a := lookup.FromSIP(sa)
	fields := []output.Field{
		{Label: "Username", Value: output.Text(a.Username)},
		{Label: "Domain", Value: output.Text(a.Domain)},
		{Label: "Registrar", Value: output.Text(a.Registrar)},
		{Label: "Transports", Value: output.Text(lookup.TransportList(a.Transports))},
		{Label: "SRTP", Value: output.Bool(a.SRTP)},
		{Label: "SIP URI", Value: output.Text(a.SIPURI)},
	}
	if hasStatus {
		fields = append(fields, output.Field{Label: "Status", Value: output.Text(lookup.StatusText(a))})
		if a.Contact != "" {
			fields = append(fields, output.Field{Label: "Contact", Value: output.Text(a.Contact)})
		}
		if a.UserAgent != "" {
			fields = append(fields, output.Field{Label: "User agent", Value: output.Text(a.UserAgent)})
		}
		if a.Expires != nil {
			fields = append(fields, output.Field{Label: "Expires", Value: output.Time(*a.Expires)})
		}
	}
	if a.CredentialListSID != "" {
		fields = append(fields, output.Field{Label: "Credential list", Value: output.Text(a.CredentialList + " (" + a.CredentialListSID + ")")})
	}
	switch {
	case a.SID != "" && provider.IsID(p, provider.WhatCredentials, a.SID):
		fields = append(fields, output.Field{Label: "SID", Value: output.Text(a.SID)})
	case a.SID != "" && a.SID != a.Username && a.SID != a.Username+"@"+a.Domain:
		// Another provider's own identifier (a Telnyx connection ID).
		fields = append(fields, output.Field{Label: "ID", Value: output.Text(a.SID)})
	case a.SID != "":
	default:
		fields = append(fields, output.Field{Label: "Ref", Value: output.Text(a.Ref)})
	}
	for _, k := range slices.Sorted(maps.Keys(a.Attributes)) {
		fields = append(fields, output.Field{Label: k, Value: output.Text(a.Attributes[k])})
	}
	fields = append(fields, output.Field{Label: "Created", Value: output.Time(a.DateCreated)})
	if a.ExpiresAt != nil {
		fields = append(fields, output.Field{Label: "Account expires", Value: output.Time(*a.ExpiresAt)})
	}
	return output.PrintObject(opts.IO, opts.Exporter, a, fields)
}
