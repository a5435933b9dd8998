// Package factory builds the real dependencies behind cmdutil.Factory: the
// configuration, the active profile, and the provider client, looked up by
// the profile's provider name among those registered (registry.go; one file
// per provider: twilio.go, sandbox.go, …).
package factory

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/sipctl/sipctl/internal/build"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/redact"
	"github.com/sipctl/sipctl/internal/twilio"
)

// closers are resources a run opened (the sandbox database) to release at exit.
var (
	closersMu sync.Mutex
	closers   []io.Closer
)

// New returns a Factory whose dependencies load on first use.
func New(ios *iostreams.IOStreams) *cmdutil.Factory {
	f := &cmdutil.Factory{
		IOStreams:      ios,
		ExecutableName: "sipctl",
		Version:        build.Version,
		Globals:        &cmdutil.Globals{},
	}
	f.Config = sync.OnceValues(func() (*config.Config, error) {
		cfg, err := config.Load()
		if err != nil {
			return nil, err
		}
		for _, w := range cfg.Warnings {
			fmt.Fprintf(ios.ErrOut, "warning: %s\n", w)
		}
		return cfg, nil
	})
	f.Profile = func() (*config.Profile, error) {
		cfg, err := f.Config()
		if err != nil {
			return nil, err
		}
		return cfg.ActiveProfile(f.Globals.Profile)
	}
	f.Provider = sync.OnceValues(func() (provider.SIPAccounts, error) {
		p, err := newProvider(f)
		if err != nil {
			return nil, err
		}
		if f.Globals.Subaccount != "" {
			return inSubaccount(p, f.Globals.Subaccount)
		}
		return p, nil
	})
	return f
}

// Close releases what the run opened.
func Close(*cmdutil.Factory) {
	closersMu.Lock()
	defer closersMu.Unlock()
	for _, c := range closers {
		c.Close()
	}
	closers = nil
}

func onClose(c io.Closer) {
	closersMu.Lock()
	closers = append(closers, c)
	closersMu.Unlock()
}

// DebugEnabled is --debug or SIPCTL_DEBUG.
func DebugEnabled(f *cmdutil.Factory) bool {
	if f.Globals.Debug {
		return true
	}
	cfg, err := f.Config()
	return err == nil && cfg.Viper().GetBool("debug")
}

func userAgent() string { return "sipctl/" + build.Version }

func newProvider(f *cmdutil.Factory) (provider.SIPAccounts, error) {
	prof, err := f.Profile()
	if err != nil {
		return nil, err
	}
	env := &Env{Factory: f, UserAgent: userAgent()}
	if DebugEnabled(f) {
		env.Debug = f.IOStreams.ErrOut
	}
	name := prof.Provider
	if name == "" {
		name = config.ProviderTwilio
	}
	info, ok := Lookup(name)
	if !ok {
		return nil, &UnknownProviderError{Profile: prof.Name, Provider: name, Registered: Registered()}
	}
	return info.New(env, prof)
}

// newClientOver builds a Twilio client over a given transport (the sandbox's).
func newClientOver(rt http.RoundTripper, baseURL, name, sid, token string, debug io.Writer) (provider.SIPAccounts, error) {
	c, err := twilio.New(twilio.Options{
		BaseURL:      baseURL,
		AccountSID:   sid,
		Secret:       token,
		HTTPClient:   &http.Client{Transport: rt},
		UserAgent:    userAgent(),
		Debug:        debug,
		ProviderName: name,
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// inSubaccount resolves --subaccount (a SID or a friendly name) among the
// parent's subaccounts, through the Scope capability (and Accounts, to find
// a subaccount by name).
func inSubaccount(p provider.SIPAccounts, ref string) (provider.SIPAccounts, error) {
	scope, err := provider.Require[provider.Scope](p, provider.WhatSubaccounts)
	if err != nil {
		return nil, fmt.Errorf("--subaccount: %w", err)
	}
	if provider.IsID(p, provider.WhatSubaccounts, ref) {
		return scope.WithAccount(ref), nil
	}
	accts, err := provider.Require[provider.Accounts](p, provider.WhatSubaccounts)
	if err != nil {
		return nil, fmt.Errorf("--subaccount: %w", err)
	}
	var matches []provider.Account
	for a, err := range accts.ListSubaccounts(context.Background()) {
		if err != nil {
			return nil, fmt.Errorf("looking up subaccount %q: %w", ref, err)
		}
		if strings.EqualFold(a.FriendlyName, ref) {
			matches = append(matches, a)
		}
	}
	switch len(matches) {
	case 0:
		return nil, cmdutil.WithHint(cmdutil.NotFoundf("no subaccount named %q", ref), "list them with `sipctl subaccounts list`")
	case 1:
		return scope.WithAccount(matches[0].SID), nil
	default:
		sids := make([]string, len(matches))
		for i, m := range matches {
			sids[i] = m.SID
		}
		return nil, cmdutil.FlagErrorf("%d subaccounts are named %q (%s); give the SID", len(matches), ref, strings.Join(sids, ", "))
	}
}

// waitNotice shows on a terminal that sipctl is waiting because the API
// asked it to (429 with Retry-After, or a failing server), so a long pause
// is never silent. Many concurrent requests waiting at once make one line
// every few seconds, not one each.
func waitNotice(ios *iostreams.IOStreams) func(time.Duration, error) {
	if !ios.ProgressEnabled() {
		return nil
	}
	var (
		mu   sync.Mutex
		last time.Time
	)
	return func(d time.Duration, err error) {
		if d < time.Second {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if time.Since(last) < 3*time.Second {
			return
		}
		last = time.Now()
		fmt.Fprintf(ios.ErrOut, "\r\033[Kwaiting %s before retrying: %s\n", d.Round(time.Second), redact.Line(err.Error()))
	}
}

// httpTimeout is SIPCTL_HTTP_TIMEOUT (or http_timeout): how long one API
// request may take before it counts as no answer (exit 6). Zero: the client's default.
func httpTimeout(f *cmdutil.Factory) (time.Duration, error) {
	cfg, err := f.Config()
	if err != nil {
		return 0, err
	}
	raw := strings.TrimSpace(cfg.Viper().GetString("http_timeout"))
	if raw == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(raw)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("invalid SIPCTL_HTTP_TIMEOUT %q: use a duration such as 30s", raw)
	}
	return d, nil
}
