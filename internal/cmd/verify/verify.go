// Package verify is the --verify option of the commands that set SIP
// passwords (`accounts create`, `password rotate`): once the provider has
// taken a password, a query REGISTER proves that the registrar accepts it.
package verify

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/sandbox"
	"github.com/sipctl/sipctl/internal/sip"
	"github.com/spf13/cobra"
)

// concurrency bounds the probes in flight: each holds a socket, and a
// registrar is not the place to load-test.
const concurrency = 8

// Options are the --verify flags.
type Options struct {
	Enabled   bool
	Registrar string
	Transport string
	// Timeout bounds each probe; zero means 5 seconds.
	Timeout time.Duration
	// Discovered marks a Registrar found from a running `sandbox serve`
	// rather than given with --registrar.
	Discovered bool
}

// AddFlags adds --verify, --registrar and --transport to cmd.
func AddFlags(cmd *cobra.Command, o *Options) {
	fl := cmd.Flags()
	fl.BoolVar(&o.Enabled, "verify", false, "Check each new password with a SIP REGISTER to the domain's registrar")
	fl.StringVar(&o.Registrar, "registrar", "", "With --verify, send to this registrar `host:port` instead of looking it up in DNS")
	fl.StringVar(&o.Transport, "transport", "udp", "With --verify, the SIP transport: udp, tcp or tls")
}

// Validate checks the flags before anything changes.
func (o *Options) Validate(cmd *cobra.Command) error {
	if !o.Enabled {
		for _, name := range []string{"registrar", "transport"} {
			if cmd.Flags().Changed(name) {
				return cmdutil.FlagErrorf("--%s applies only with --verify", name)
			}
		}
		return nil
	}
	switch t := strings.ToLower(o.Transport); t {
	case "udp", "tcp", "tls":
		o.Transport = t
	default:
		return cmdutil.FlagErrorf("--transport must be udp, tcp or tls, not %q", o.Transport)
	}
	if o.Registrar != "" {
		if _, _, err := net.SplitHostPort(o.Registrar); err != nil {
			return cmdutil.FlagErrorf("--registrar %q: expected host:port, e.g. 127.0.0.1:5060", o.Registrar)
		}
	}
	return nil
}

// Resolve settles where the probes go. The sandbox's domains carry real
// Twilio names, so DNS would send a sandbox password to Twilio: for the
// sandbox profile the registrar is a running `sandbox serve`, or --registrar.
func (o *Options) Resolve(prof *config.Profile, stateDir string) error {
	if !o.Enabled || o.Registrar != "" {
		return nil
	}
	addr, discovered, err := ProfileRegistrar(prof, stateDir)
	if err != nil {
		return fmt.Errorf("--verify: %w", err)
	}
	o.Registrar, o.Discovered = addr, discovered
	return nil
}

// ProfileRegistrar is where probes go when no --registrar is given: the
// profile's registrar setting (a Kamailio profile's), else for the sandbox
// profile a running `sandbox serve` (discovered), else "" (DNS from the
// domain). The sandbox's domains carry real Twilio names, so DNS would send
// a sandbox password to Twilio: without a running serve it is an error.
func ProfileRegistrar(prof *config.Profile, stateDir string) (addr string, discovered bool, err error) {
	switch {
	case prof == nil:
		return "", false, nil
	case prof.Registrar != "":
		return prof.Registrar, false, nil
	case prof.Provider != config.ProviderSandbox:
		return "", false, nil
	}
	if rec, ok := sandbox.RunningServer(stateDir); ok && rec.SIPAddr != "" {
		return rec.SIPAddr, true, nil
	}
	return "", false, cmdutil.WithHint(fmt.Errorf("no sandbox registrar is running"),
		"start one with `sipctl sandbox serve`, or pass --registrar host:port")
}

// Account is one password to check.
type Account struct {
	Username, Domain, Password string
}

// Run probes each account (at most a few at once) and returns the results in
// the accounts' order.
func Run(ctx context.Context, o Options, accounts []Account) []sip.CheckResult {
	out := make([]sip.CheckResult, len(accounts))
	sem := make(chan struct{}, concurrency)
	var wg sync.WaitGroup
	for i, a := range accounts {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			res, err := sip.Check(ctx, sip.CheckOptions{Username: a.Username, Password: a.Password, Domain: a.Domain,
				Registrar: o.Registrar, Transport: o.Transport, Timeout: o.Timeout})
			if err != nil {
				// Only unusable options get here; report them per account.
				res = sip.CheckResult{Outcome: sip.NoAnswer, Reason: err.Error(), Registrar: o.Registrar, Transport: o.Transport}
			}
			out[i] = res
		})
	}
	wg.Wait()
	return out
}

// Describe is a result in a few words: "accepted (200 OK)",
// "rejected (403 Forbidden)", "no answer from ... within 5s".
func Describe(r sip.CheckResult) string {
	switch {
	case r.Outcome == sip.NoAnswer && strings.HasPrefix(r.Reason, "no answer"):
		return r.Reason
	case r.Outcome == sip.NoAnswer:
		return "no answer: " + r.Reason
	case r.StatusCode != 0:
		return fmt.Sprintf("%s (%d %s)", r.Outcome, r.StatusCode, r.Reason)
	}
	return string(r.Outcome)
}

// Where names the registrar for a summary line.
func (o Options) Where() string {
	reg := o.Registrar
	if reg == "" {
		reg = "the domain's registrar (DNS)"
	}
	return reg + " (" + o.Transport + ")"
}

// CheckArgs are the `accounts check` flags that repeat this verification,
// for hints.
func (o Options) CheckArgs() string {
	s := ""
	if o.Registrar != "" {
		s += " --registrar " + o.Registrar
	}
	if o.Transport != "" && o.Transport != "udp" {
		s += " --transport " + o.Transport
	}
	return s
}
