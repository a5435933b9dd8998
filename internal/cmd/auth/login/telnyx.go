package login

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/sipctl/sipctl/internal/build"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/httpapi"
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
	cfg, prof, err := loginProfile(opts, config.ProviderTelnyx, "the Telnyx account")
	if err != nil {
		return err
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

	entry, err := telnyxSecret.save(opts, cfg, prof, key)
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.Out, "Logged in to Telnyx as profile %q\n", prof.Name)
	telnyxSecret.report(opts, cfg, entry)
	return nil
}
