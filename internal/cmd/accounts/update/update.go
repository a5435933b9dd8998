// Package update is `sipctl accounts update`.
package update

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/sipctl/sipctl/internal/cmd/accounts/lookup"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/output"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/spf13/cobra"
)

// UpdateOptions are the inputs of `accounts update`.
type UpdateOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (provider.SIPAccounts, error)
	Profile  func() (*config.Profile, error)
	Exporter *cmdutil.Exporter

	Accounts []string
	Domain   string
	Settings provider.AccountSettings
	// Concurrency bounds accounts updated at once.
	Concurrency int
	// Yes is --yes: a channel limit of 0 stops calls without asking.
	Yes bool
}

// NewCmdUpdate is `accounts update USERNAME... --inbound-channel-limit N …`.
func NewCmdUpdate(f *cmdutil.Factory, runF func(*UpdateOptions) error) *cobra.Command {
	opts := &UpdateOptions{IO: f.IOStreams, Provider: f.Provider, Profile: f.Profile, Exporter: &cmdutil.Exporter{}}
	var inbound, outbound int
	var callerID, profile, alias, callerName, codecs, encryption string
	cmd := &cobra.Command{
		Use:   "update USERNAME[@DOMAIN]...",
		Short: "Change per-account settings: channel limits, outbound caller ID, outbound voice profile, alias, codecs, encryption",
		Long: `Change the settings a hosted portal shows per SIP account, on one account or many:
the most simultaneous inbound and outbound calls, the caller ID outbound calls show,
and the outbound voice profile (which destinations it may call, its spend limit).
Only the settings named by flags change. Every value is checked against the
provider's rules before any request. Telnyx has the channel limits, caller ID and
outbound voice profile; Plivo an endpoint's alias (--alias); SignalWire the caller ID
(send_as; none sends as a random number of the project), the caller name (its caller_id,
the CNAM), codecs and encryption. A setting the provider lacks exits 2 before any request.

A channel limit of 0 lets no call through that way: it asks first on a terminal, and
needs --yes otherwise.`,
		Example: `  $ sipctl accounts update desk01 --inbound-channel-limit 2 --outbound-channel-limit 1
  $ sipctl accounts update desk01 desk02 desk03 --caller-id +14155550123
  $ sipctl accounts update desk01 --caller-id none --outbound-voice-profile 1293384261075731499
  $ sipctl accounts update frontdesk131031145958 --alias front-desk

  $ sipctl accounts update desk01 --caller-name "Front desk" --codecs OPUS,PCMU --encryption required`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Accounts = args
			fl := cmd.Flags()
			if fl.Changed("inbound-channel-limit") {
				opts.Settings.InboundChannelLimit = &inbound
			}
			if fl.Changed("outbound-channel-limit") {
				opts.Settings.OutboundChannelLimit = &outbound
			}
			for _, f := range []struct {
				name string
				v    *string
				dst  **string
			}{{"caller-id", &callerID, &opts.Settings.CallerID}, {"outbound-voice-profile", &profile, &opts.Settings.OutboundProfile}} {
				if fl.Changed(f.name) {
					v := strings.TrimSpace(*f.v)
					if strings.EqualFold(v, "none") {
						v = ""
					} else if v == "" {
						return cmdutil.FlagErrorf("--%s: give a value, or none to clear it", f.name)
					}
					*f.dst = &v
				}
			}
			if fl.Changed("alias") {
				a := strings.TrimSpace(alias)
				if a == "" {
					return cmdutil.FlagErrorf("--alias: give a label")
				}
				opts.Settings.Alias = &a
			}
			if fl.Changed("caller-name") {
				v := strings.TrimSpace(callerName)
				if strings.EqualFold(v, "none") {
					v = ""
				}
				opts.Settings.CallerName = &v
			}
			if fl.Changed("codecs") {
				list := []string{}
				if v := strings.TrimSpace(codecs); !strings.EqualFold(v, "none") && v != "" {
					for _, c := range strings.Split(v, ",") {
						list = append(list, strings.ToUpper(strings.TrimSpace(c)))
					}
				}
				opts.Settings.Codecs = &list
			}
			if fl.Changed("encryption") {
				v := strings.ToLower(strings.TrimSpace(encryption))
				opts.Settings.Encryption = &v
			}
			if opts.Settings.Empty() {
				return cmdutil.FlagErrorf("nothing to change: name a setting, e.g. --inbound-channel-limit 2 or --caller-id +14155550123")
			}
			if (opts.Settings.InboundChannelLimit != nil && *opts.Settings.InboundChannelLimit < 0) ||
				(opts.Settings.OutboundChannelLimit != nil && *opts.Settings.OutboundChannelLimit < 0) {
				return cmdutil.FlagErrorf("a channel limit is 0 or more simultaneous calls")
			}
			if opts.Settings.CallerID != nil && *opts.Settings.CallerID != "" && !provider.IsE164(*opts.Settings.CallerID) {
				return cmdutil.FlagErrorf("--caller-id %q is not an E.164 number (e.g. +14155550123) or none", *opts.Settings.CallerID)
			}
			if opts.Concurrency < 1 {
				return cmdutil.FlagErrorf("--concurrency must be 1 or more")
			}
			if runF != nil {
				return runF(opts)
			}
			return updateRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Domain, "domain", "d", "", "SIP `domain` (default: the profile's default domain)")
	fl.IntVar(&inbound, "inbound-channel-limit", 0, "Most simultaneous inbound `calls` (0 or more)")
	fl.IntVar(&outbound, "outbound-channel-limit", 0, "Most simultaneous outbound `calls` (0 or more)")
	fl.StringVar(&callerID, "caller-id", "", "Caller ID outbound calls show: an E.164 `number`, or none")
	fl.StringVar(&profile, "outbound-voice-profile", "", "Outbound voice profile `id` (destinations and spend limits), or none")
	fl.StringVar(&alias, "alias", "", "The `label` the provider's console shows (Plivo's endpoint alias)")
	fl.StringVar(&callerName, "caller-name", "", "Caller `name` (CNAM) outbound calls show, or none")
	fl.StringVar(&codecs, "codecs", "", "Codecs offered, in order, comma-separated (e.g. `OPUS,PCMU`), or none for the provider's defaults")
	fl.StringVar(&encryption, "encryption", "", "Media encryption: `default`, required or optional")
	fl.IntVar(&opts.Concurrency, "concurrency", 8, "Update at most `N` accounts at once")
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "Do not ask before a channel limit of 0 stops calls")
	cmdutil.AddJSONFlags(cmd, opts.Exporter, Result{})
	return cmd
}

// Result is one updated account, as printed.
type Result struct {
	Username             string `json:"username"`
	Domain               string `json:"domain"`
	Ref                  string `json:"ref"`
	InboundChannelLimit  *int   `json:"inbound_channel_limit"`
	OutboundChannelLimit *int   `json:"outbound_channel_limit"`
	CallerID             string `json:"caller_id"`
	OutboundProfile      string `json:"outbound_voice_profile"`
	CallerName           string `json:"caller_name,omitempty"`
	Codecs               string `json:"codecs,omitempty"`
	Encryption           string `json:"encryption,omitempty"`
	Error                string `json:"error,omitempty"`
}

var columns = []output.Column[Result]{
	{Header: "USERNAME", Value: func(r Result) output.Cell { return output.Text(r.Username) }},
	{Header: "INBOUND", Value: func(r Result) output.Cell { return output.Text(limitText(r.InboundChannelLimit)) }},
	{Header: "OUTBOUND", Value: func(r Result) output.Cell { return output.Text(limitText(r.OutboundChannelLimit)) }},
	{Header: "CALLER ID", Value: func(r Result) output.Cell { return output.Text(r.CallerID) }},
	{Header: "OUTBOUND PROFILE", Value: func(r Result) output.Cell { return output.Text(r.OutboundProfile) }},
	{Header: "ERROR", Value: func(r Result) output.Cell { return output.Text(r.Error) }},
}

func limitText(n *int) string {
	if n == nil {
		return "-"
	}
	return strconv.Itoa(*n)
}

func updateRun(ctx context.Context, opts *UpdateOptions) error {
	var prof *config.Profile
	if opts.Profile != nil {
		// A profile that cannot be chosen (a half-set environment) is the
		// error to report, not the missing domain it would leave behind.
		var err error
		if prof, err = opts.Profile(); err != nil {
			return err
		}
	}
	// Every target is checked before the provider is asked anything.
	for _, a := range opts.Accounts {
		if _, _, err := lookup.Target(a, opts.Domain, prof); err != nil {
			return err
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
	if err := set.ValidateSettings(opts.Settings); err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	if err := confirmStop(opts); err != nil {
		return err
	}
	type target struct{ user, domain string }
	targets := make([]target, len(opts.Accounts))
	for i, a := range opts.Accounts {
		u, d, err := lookup.Resolve(p, a, opts.Domain, prof)
		if err != nil {
			return err
		}
		targets[i] = target{u, d}
	}

	results := make([]Result, len(targets))
	errs := make([]error, len(targets))
	var wg sync.WaitGroup
	sem := make(chan struct{}, opts.Concurrency)
	for i, tg := range targets {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			results[i] = Result{Username: tg.user, Domain: tg.domain}
			a, err := lookup.Find(ctx, p, tg.user, tg.domain, "")
			if err == nil {
				a, err = set.UpdateSIPAccount(ctx, a, opts.Settings)
			}
			if err != nil {
				results[i].Error, errs[i] = err.Error(), err
				return
			}
			results[i] = resultOf(a)
		})
	}
	wg.Wait()

	if _, err := output.PrintList(opts.IO, opts.Exporter, output.All(results), columns); err != nil {
		return err
	}
	return cmdutil.EachOutcome(opts.IO.ErrOut, errs, func(i int) string { return "updating " + results[i].Username })
}

func resultOf(a provider.SIPAccount) Result {
	r := Result{Username: a.Username, Domain: a.Domain, Ref: a.Ref,
		CallerID: a.Attributes["ani_override"], OutboundProfile: a.Attributes["outbound_voice_profile_id"],
		CallerName: a.Attributes["caller_name"], Codecs: a.Attributes["codecs"], Encryption: a.Attributes["encryption"]}
	if r.CallerID == "" {
		r.CallerID = a.Attributes["send_as"] // SignalWire's
	}
	for key, dst := range map[string]**int{"inbound_channel_limit": &r.InboundChannelLimit, "outbound_channel_limit": &r.OutboundChannelLimit} {
		if v, ok := a.Attributes[key]; ok {
			if n, err := strconv.Atoi(v); err == nil {
				*dst = &n
			}
		}
	}
	return r
}

// confirmStop asks before a channel limit of 0, which stops that way's
// calls on every account named.
func confirmStop(opts *UpdateOptions) error {
	var ways []string
	for _, w := range []struct {
		name  string
		limit *int
	}{{"inbound", opts.Settings.InboundChannelLimit}, {"outbound", opts.Settings.OutboundChannelLimit}} {
		if w.limit != nil && *w.limit == 0 {
			ways = append(ways, w.name)
		}
	}
	if len(ways) == 0 {
		return nil
	}
	who := strings.Join(opts.Accounts, ", ")
	if len(opts.Accounts) > 3 {
		who = fmt.Sprintf("%d accounts", len(opts.Accounts))
	}
	prompt := fmt.Sprintf("Block %s calls on %s? A channel limit of 0 lets none through.", strings.Join(ways, " and "), who)
	return cmdutil.ConfirmDestructive(opts.IO, opts.Yes, prompt, "")
}
