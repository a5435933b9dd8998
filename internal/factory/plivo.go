package factory

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/sipctl/sipctl/internal/auth"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/providers/plivo"
)

func init() {
	Register(Info{Name: config.ProviderPlivo, Description: "Plivo's REST API (endpoints at phone.plivo.com, subaccounts)",
		New: newPlivo, PasswordPolicy: "plivo",
		Env: config.EnvSpec{
			Vars: []config.EnvVar{
				{Name: auth.PlivoAuthIDEnv, Help: "the Auth ID (MA…, or SA… for a subaccount), as Plivo's own SDKs read it"},
				{Name: auth.PlivoAuthTokenEnv, Help: "its Auth Token; with a plivo profile named, it takes precedence over the keyring", Secret: true},
			},
			Sets: [][]string{{auth.PlivoAuthIDEnv, auth.PlivoAuthTokenEnv}},
			FromEnv: func(p *config.Profile) {
				p.AccountSID = strings.TrimSpace(os.Getenv(auth.PlivoAuthIDEnv))
				p.DefaultDomain = plivo.Registrar
			},
		},
		Auth: auth.Method{Secret: "Auth Token", Resolve: auth.ResolvePlivo, Verify: verifyPlivo}})
}

// verifyPlivo proves the Auth ID and Auth Token with one page of one
// endpoint, the call every Plivo command needs to work.
func verifyPlivo(ctx context.Context, p *config.Profile, c auth.Credentials, o auth.VerifyOptions) (auth.Account, error) {
	base := o.APIURL
	if base == "" {
		base = p.APIURL
	}
	cl, err := plivo.New(plivo.Options{BaseURL: base, AuthID: c.AccountSID, AuthToken: c.Secret, HTTPClient: o.HTTPClient,
		UserAgent: o.UserAgent, MaxRetries: 1, PageSize: 1})
	if err != nil {
		return auth.Account{}, err
	}
	for _, err := range cl.ListEndpoints(ctx) {
		var ae *plivo.APIError
		if errors.As(err, &ae) && ae.Unauthorized() {
			return auth.Account{}, fmt.Errorf("%w: %w", auth.ErrRefused, err)
		}
		if err != nil {
			return auth.Account{}, err
		}
		break
	}
	return auth.Account{SID: c.AccountSID, FriendlyName: "Plivo account " + c.AccountSID}, nil
}

// newPlivo builds the Plivo client: the Auth ID and Auth Token from
// PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN, or the profile's Auth ID with the
// token from the keyring or the insecure config entry; the profile's
// api_url (or SIPCTL_API_URL) points it elsewhere, e.g. at `sipctl sandbox
// serve` (http://127.0.0.1:8080), whose Plivo face is under /v1/Account/.
func newPlivo(env *Env, prof *config.Profile) (provider.SIPAccounts, error) {
	cfg, err := env.Factory.Config()
	if err != nil {
		return nil, err
	}
	if err := auth.ConfigureKeyring(cfg); err != nil {
		return nil, err
	}
	creds, err := auth.ResolvePlivo(prof)
	if errors.Is(err, auth.ErrNoCredentials) {
		return nil, cmdutil.WithHint(&cmdutil.AuthError{Err: err},
			"run `sipctl auth login --provider plivo --auth-id MA…`, or set PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN")
	}
	if err != nil {
		return nil, err
	}
	if creds.Warning != "" {
		fmt.Fprintln(env.Factory.IOStreams.ErrOut, creds.Warning)
	}
	if err := plivo.ValidateAuthID(creds.AccountSID); err != nil {
		return nil, &cmdutil.FlagError{Err: err}
	}
	timeout, err := env.HTTPTimeout()
	if err != nil {
		return nil, err
	}
	return plivo.New(plivo.Options{BaseURL: prof.APIURL, AuthID: creds.AccountSID, AuthToken: creds.Secret,
		UserAgent: env.UserAgent, Debug: env.Debug, RequestTimeout: timeout, OnWait: env.WaitNotice()})
}
