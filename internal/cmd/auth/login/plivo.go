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
	"github.com/sipctl/sipctl/internal/providers/plivo"
)

// plivoLogin is `auth login --provider plivo --auth-id ID`: the secret is
// the Auth Token (hidden input or --with-token), checked with one listing
// request before it is stored.
func plivoLogin(ctx context.Context, opts *LoginOptions, runF func(*LoginOptions) error) error {
	if opts.AccountSID != "" || opts.APIKeySID != "" {
		return cmdutil.FlagErrorf("--account-sid and --api-key are Twilio's; a Plivo login takes --auth-id and the Auth Token (on standard input with --with-token, or typed when asked)")
	}
	if opts.AuthID == "" {
		return cmdutil.FlagErrorf("--auth-id is required with --provider plivo: the Auth ID at the top of the Plivo console (MA…, or SA… for a subaccount)")
	}
	if err := plivo.ValidateAuthID(opts.AuthID); err != nil {
		return &cmdutil.FlagError{Err: fmt.Errorf("invalid --auth-id: %w", err)}
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
	prof := &config.Profile{Name: opts.Profile, Provider: config.ProviderPlivo}
	if existing, ok := cfg.Profiles[opts.Profile]; ok {
		if existing.Provider != config.ProviderPlivo {
			return fmt.Errorf("profile %q uses provider %q; pick another --profile for the Plivo account", existing.Name, existing.Provider)
		}
		cp := *existing
		prof = &cp
	}
	prof.AccountSID = opts.AuthID
	if opts.APIURL != "" {
		prof.APIURL = opts.APIURL
	}
	if prof.DefaultDomain == "" {
		// Plivo's one registrar: commands need no --domain.
		prof.DefaultDomain = plivo.Registrar
	}
	token, err := readSecret(opts, bufio.NewReader(opts.IO.In), "Plivo Auth Token")
	if err != nil {
		return err
	}
	apiURL := prof.APIURL
	if u := os.Getenv("SIPCTL_API_URL"); u != "" && opts.APIURL == "" {
		apiURL = u
	}
	c, err := plivo.New(plivo.Options{BaseURL: apiURL, AuthID: opts.AuthID, AuthToken: token, HTTPClient: opts.HTTPClient,
		UserAgent: "sipctl/" + build.Version, MaxRetries: 1, PageSize: 1})
	if err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	// One page of one endpoint proves the pair; its error says why not.
	for _, err := range c.ListEndpoints(ctx) {
		var ae *plivo.APIError
		if errors.As(err, &ae) && ae.Unauthorized() {
			return &cmdutil.AuthError{Err: fmt.Errorf("Plivo refused the Auth ID and Auth Token; nothing saved")}
		}
		if err != nil {
			return fmt.Errorf("could not verify the Auth Token, nothing saved: %w", err)
		}
		break
	}
	entry := auth.KeyringKey(prof.Name)
	if opts.InsecureStorage {
		prof.InsecureSecret = token
		if err := keyring.Delete(keyring.Service, entry); err != nil && !errors.Is(err, keyring.ErrNotFound) && !errors.Is(err, keyring.ErrUnavailable) {
			return fmt.Errorf("removing the old keyring entry %s so it cannot shadow the new token: %w", entry, err)
		}
	} else {
		if err := keyring.Set(keyring.Service, entry, token); err != nil {
			if errors.Is(err, keyring.ErrUnavailable) || errors.Is(err, keyring.ErrTimeout) {
				return cmdutil.WithHint(fmt.Errorf("cannot store the Auth Token, nothing saved: %w", err),
					"run sipctl where a Secret Service is running; or set PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN in the environment as CI does; or pass --insecure-storage")
			}
			return fmt.Errorf("cannot store the Auth Token, nothing saved: %w", err)
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
	fmt.Fprintf(opts.IO.Out, "Logged in to Plivo (%s) as profile %q\n", opts.AuthID, prof.Name)
	if opts.InsecureStorage {
		fmt.Fprintf(opts.IO.ErrOut, "warning: the Auth Token is stored in plain text in %s (mode 0600); you will be warned each time it is used\n", cfg.Path())
	} else {
		fmt.Fprintf(opts.IO.ErrOut, "Auth Token stored in the OS keyring (service %s, key %s)\n", keyring.Service, entry)
	}
	if os.Getenv(auth.PlivoAuthTokenEnv) != "" {
		fmt.Fprintln(opts.IO.ErrOut, "note: PLIVO_AUTH_TOKEN in the environment takes precedence over this profile while it is set")
	}
	return nil
}
