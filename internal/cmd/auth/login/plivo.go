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
	cfg, prof, err := loginProfile(opts, config.ProviderPlivo, "the Plivo account")
	if err != nil {
		return err
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
	entry, err := plivoSecret.save(opts, cfg, prof, token)
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.Out, "Logged in to Plivo (%s) as profile %q\n", opts.AuthID, prof.Name)
	plivoSecret.report(opts, cfg, entry)
	return nil
}
