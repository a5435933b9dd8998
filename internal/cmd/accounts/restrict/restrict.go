// Package restrict is `sipctl accounts restrict`: limit where accounts may
// call, by assigning them an outbound profile that allows only the named
// countries (made once, then reused).
package restrict

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/sipctl/sipctl/internal/cmd/accounts/lookup"
	"github.com/sipctl/sipctl/internal/cmd/outboundprofiles/shared"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/output"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/rotate"
	"github.com/spf13/cobra"
)

// attrProfile is the account attribute naming its outbound profile.
const attrProfile = "outbound_voice_profile_id"

// RestrictOptions are the inputs of `accounts restrict`.
type RestrictOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (provider.SIPAccounts, error)
	Profile  func() (*config.Profile, error)
	Exporter *cmdutil.Exporter

	Accounts     []string
	Domain       string
	FromHandover string
	Countries    []string
	Concurrency  int
	// Quiet silences the note naming the profile made (--quiet).
	Quiet bool
}

// NewCmdRestrict is `accounts restrict USERNAME... --countries CODES`.
func NewCmdRestrict(f *cmdutil.Factory, runF func(*RestrictOptions) error) *cobra.Command {
	opts := &RestrictOptions{IO: f.IOStreams, Provider: f.Provider, Profile: f.Profile, Exporter: &cmdutil.Exporter{}}
	var countries []string
	cmd := &cobra.Command{
		Use:   "restrict [USERNAME[@DOMAIN]...] --countries CODES",
		Short: "Allow accounts to call only the named countries",
		Long: `Restrict where accounts may call: one, many, or every account in a handover file
(--from-handover, as ` + "`password rotate --output`" + ` and ` + "`accounts create`" + ` write it), so the
"restrict international calling once the device is re-provisioned" step is one command.

sipctl finds an outbound profile that allows exactly those countries, or creates one
("sipctl US,CA"), and assigns it to each account. Running it again changes nothing:
the profile is reused and accounts already on it are left alone. Countries are
ISO 3166-1 alpha-2 codes, checked before any request. Telnyx has outbound profiles
(outbound voice profiles); on providers without them the command exits 2.`,
		Example: `  $ sipctl accounts restrict desk01 desk02 --countries US,CA
  $ sipctl accounts restrict --from-handover handover.json --countries GB`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Accounts = args
			if len(args) == 0 && opts.FromHandover == "" {
				return cmdutil.FlagErrorf("name the accounts to restrict, or --from-handover FILE for every account in it")
			}
			if !cmd.Flags().Changed("countries") {
				return cmdutil.FlagErrorf("name the countries calls may reach with --countries, e.g. --countries US,CA")
			}
			codes, err := shared.Countries(countries)
			if err != nil {
				return err
			}
			opts.Countries = codes
			opts.Quiet = f.Globals != nil && f.Globals.QuietNotes()
			if opts.Concurrency < 1 {
				return cmdutil.FlagErrorf("--concurrency must be 1 or more")
			}
			if runF != nil {
				return runF(opts)
			}
			return restrictRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&countries, "countries", nil, "Countries calls may reach: ISO 3166-1 alpha-2 `codes`, e.g. US,CA")
	fl.StringVar(&opts.FromHandover, "from-handover", "", "Restrict every account in a handover `file` (.json or .csv)")
	fl.StringVarP(&opts.Domain, "domain", "d", "", "SIP `domain` (default: the profile's default domain)")
	fl.IntVar(&opts.Concurrency, "concurrency", 8, "Change at most `N` accounts at once")
	cmdutil.AddJSONFlags(cmd, opts.Exporter, Result{})
	return cmd
}

// Result is one account, as printed.
type Result struct {
	Username        string `json:"username"`
	Domain          string `json:"domain"`
	Ref             string `json:"ref"`
	OutboundProfile string `json:"outbound_profile"`
	// Changed is false for an account that already had the profile.
	Changed bool   `json:"changed"`
	Error   string `json:"error,omitempty"`
}

var columns = []output.Column[Result]{
	{Header: "USERNAME", Value: func(r Result) output.Cell { return output.Text(r.Username) }},
	{Header: "OUTBOUND PROFILE", Value: func(r Result) output.Cell { return output.Text(r.OutboundProfile) }},
	{Header: "CHANGED", Value: func(r Result) output.Cell { return output.Text(fmt.Sprint(r.Changed)) }},
	{Header: "ERROR", Value: func(r Result) output.Cell { return output.Text(r.Error) }},
}

type target struct{ user, domain, ref string }

// ProfileName is the name sipctl gives the profile it creates for a set of
// countries.
func ProfileName(countries []string) string { return "sipctl " + strings.Join(countries, ",") }

func restrictRun(ctx context.Context, opts *RestrictOptions) error {
	var prof *config.Profile
	if opts.Profile != nil {
		// A profile that cannot be chosen (a half-set environment) is the
		// error to report, not the missing domain it would leave behind.
		var err error
		if prof, err = opts.Profile(); err != nil {
			return err
		}
	}
	// Every target is read and checked before the provider is asked anything.
	var raw []target
	for _, a := range opts.Accounts {
		if _, _, err := lookup.Target(a, opts.Domain, prof); err != nil {
			return err
		}
		raw = append(raw, target{user: a})
	}
	if opts.FromHandover != "" {
		recs, err := rotate.ReadHandover(opts.FromHandover)
		if errors.Is(err, os.ErrNotExist) {
			return cmdutil.FlagErrorf("--from-handover %s: no such file", opts.FromHandover)
		}
		if err != nil {
			return err
		}
		if len(recs) == 0 {
			return cmdutil.FlagErrorf("--from-handover %s: the file holds no accounts", opts.FromHandover)
		}
		for _, r := range recs {
			raw = append(raw, target{user: r.Username, domain: r.Domain, ref: r.SID})
		}
	}
	p, err := opts.Provider()
	if err != nil {
		return err
	}
	set, err := provider.Require[provider.Settings](p, provider.WhatSettings)
	if err != nil {
		return err
	}
	profiles, err := provider.Require[provider.OutboundProfiles](p, provider.WhatOutboundProfiles)
	if err != nil {
		return err
	}
	params := provider.OutboundProfileParams{Countries: opts.Countries}
	if err := profiles.ValidateOutboundProfile(params); err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	targets := make([]target, 0, len(raw))
	seen := map[string]bool{}
	for _, t := range raw {
		domain := t.domain
		if domain == "" {
			domain = opts.Domain
		}
		u, d, err := lookup.Resolve(p, t.user, domain, prof)
		if err != nil {
			return err
		}
		key := strings.ToLower(d) + "\x00" + u
		if seen[key] {
			continue
		}
		seen[key] = true
		targets = append(targets, target{user: u, domain: d, ref: t.ref})
	}

	op, created, err := FindOrCreateProfile(ctx, profiles, opts.Countries)
	if err != nil {
		return err
	}
	if created && !opts.Quiet {
		fmt.Fprintf(opts.IO.ErrOut, "Created outbound profile %q (%s) allowing %s\n", op.Name, op.ID, strings.Join(op.Countries, ", "))
	} else if opts.IO.IsStderrTTY() && !opts.Quiet {
		fmt.Fprintf(opts.IO.ErrOut, "Using outbound profile %q (%s)\n", op.Name, op.ID)
	}

	results := make([]Result, len(targets))
	errs := make([]error, len(targets))
	var wg sync.WaitGroup
	sem := make(chan struct{}, opts.Concurrency)
	id := op.ID
	for i, tg := range targets {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			results[i] = Result{Username: tg.user, Domain: tg.domain, OutboundProfile: id}
			a, err := lookup.Find(ctx, p, tg.user, tg.domain, "")
			if err == nil {
				results[i].Ref = a.Ref
				if a.Attributes[attrProfile] == id {
					return
				}
				_, err = set.UpdateSIPAccount(ctx, a, provider.AccountSettings{OutboundProfile: &id})
			}
			if err != nil {
				results[i].Error, errs[i] = err.Error(), err
				return
			}
			results[i].Changed = true
		})
	}
	wg.Wait()

	if _, err := output.PrintList(opts.IO, opts.Exporter, output.All(results), columns); err != nil {
		return err
	}
	return cmdutil.EachOutcome(opts.IO.ErrOut, errs, func(i int) string { return "restricting " + results[i].Username })
}

// FindOrCreateProfile returns an enabled outbound profile allowing exactly
// countries (the one sipctl named for them first), creating it when there
// is none.
func FindOrCreateProfile(ctx context.Context, p provider.OutboundProfiles, countries []string) (provider.OutboundProfile, bool, error) {
	name := ProfileName(countries)
	var match *provider.OutboundProfile
	for o, err := range p.ListOutboundProfiles(ctx) {
		if err != nil {
			return provider.OutboundProfile{}, false, err
		}
		if !o.Enabled || !provider.SameCountries(o.Countries, countries) {
			continue
		}
		if o.Name == name {
			return o, false, nil
		}
		if match == nil {
			o := o
			match = &o
		}
	}
	if match != nil {
		return *match, false, nil
	}
	enabled := true
	o, err := p.CreateOutboundProfile(ctx, provider.OutboundProfileParams{Name: &name, Enabled: &enabled, Countries: countries})
	if err != nil {
		return provider.OutboundProfile{}, false, err
	}
	return o, true, nil
}
