package login

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/sipctl/sipctl/internal/auth"
	"github.com/sipctl/sipctl/internal/build"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/httpapi"
	"github.com/sipctl/sipctl/internal/keyring"
	"github.com/sipctl/sipctl/internal/telnyx"
)

// telnyxLogin is `auth login --provider telnyx`: the secret is an API key
// (hidden input or --with-token), checked with one listing request before
// it is stored.
func telnyxLogin(ctx context.Context, opts *LoginOptions, runF func(*LoginOptions) error) error {
	if opts.AccountSID != "" || opts.APIKeySID != "" {
		return cmdutil.FlagErrorf("--account-sid and --api-key are Twilio's; a Telnyx login needs only its API key (on standard input with --with-token, or typed when asked)")
	}
	if err := config.ValidateNewProfileName(opts.Profile); err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	if opts.APIURL != "" {
		if _, err := httpapi.ParseBaseURL(opts.APIURL); err != nil {
			return &cmdutil.FlagError{Err: err}
		}
	}
	if runF != nil {
		return runF(opts)
	}
	if ctx == nil {
		ctx = context.Background()
	}
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	if err := auth.ConfigureKeyring(cfg); err != nil {
		return err
	}
	prof := &config.Profile{Name: opts.Profile, Provider: config.ProviderTelnyx}
	if existing, ok := cfg.Profiles[opts.Profile]; ok {
		if existing.Provider != config.ProviderTelnyx {
			return fmt.Errorf("profile %q uses provider %q; pick another --profile for the Telnyx account", existing.Name, existing.Provider)
		}
		cp := *existing
		prof = &cp
	}
	if opts.APIURL != "" {
		prof.APIURL = opts.APIURL
	}
	if prof.DefaultDomain == "" {
		// Telnyx's one registrar: commands need no --domain.
		prof.DefaultDomain = telnyx.Registrar
	}
	key, err := readSecret(opts, bufio.NewReader(opts.IO.In), "Telnyx API key")
	if err != nil {
		return err
	}
	apiURL := prof.APIURL
	if u := os.Getenv("SIPCTL_API_URL"); u != "" && opts.APIURL == "" {
		apiURL = u
	}
	c, err := telnyx.New(telnyx.Options{BaseURL: apiURL, APIKey: key, HTTPClient: opts.HTTPClient, UserAgent: "sipctl/" + build.Version, MaxRetries: 1})
	if err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	// One page of one connection proves the key; its error says why not.
	for _, err := range c.ListConnections(ctx, telnyx.ConnectionQuery{PageSize: 1}) {
		var ae *telnyx.APIError
		if errors.As(err, &ae) && ae.Unauthorized() {
			return &cmdutil.AuthError{Err: fmt.Errorf("Telnyx refused the API key; nothing saved")}
		}
		if err != nil {
			return fmt.Errorf("could not verify the API key, nothing saved: %w", err)
		}
		break
	}

	entry := auth.KeyringKey(prof.Name)
	if opts.InsecureStorage {
		prof.InsecureSecret = key
		if err := keyring.Delete(keyring.Service, entry); err != nil && !errors.Is(err, keyring.ErrNotFound) && !errors.Is(err, keyring.ErrUnavailable) {
			return fmt.Errorf("removing the old keyring entry %s so it cannot shadow the new key: %w", entry, err)
		}
	} else {
		if err := keyring.Set(keyring.Service, entry, key); err != nil {
			if errors.Is(err, keyring.ErrUnavailable) || errors.Is(err, keyring.ErrTimeout) {
				return cmdutil.WithHint(fmt.Errorf("cannot store the API key, nothing saved: %w", err),
					"run sipctl where a Secret Service is running; or set TELNYX_API_KEY in the environment as CI does; or pass --insecure-storage")
			}
			return fmt.Errorf("cannot store the API key, nothing saved: %w", err)
		}
		prof.InsecureSecret = ""
	}
	cfg.SetProfile(prof)
	if cfg.CurrentProfile == "" {
		cfg.CurrentProfile = prof.Name
	}
	if err := cfg.Save(); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.Out, "Logged in to Telnyx as profile %q\n", prof.Name)
	if opts.InsecureStorage {
		fmt.Fprintf(opts.IO.ErrOut, "warning: the API key is stored in plain text in %s (mode 0600); you will be warned each time it is used\n", cfg.Path())
	} else {
		fmt.Fprintf(opts.IO.ErrOut, "API key stored in the OS keyring (service %s, key %s)\n", keyring.Service, entry)
	}
	if os.Getenv(auth.TelnyxEnv) != "" {
		fmt.Fprintln(opts.IO.ErrOut, "note: TELNYX_API_KEY in the environment takes precedence over this profile while it is set")
	}
	return nil
}
