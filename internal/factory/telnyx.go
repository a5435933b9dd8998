package factory

import (
	"context"
	"errors"
	"fmt"

	"github.com/sipctl/sipctl/internal/auth"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/telnyx"
)

func init() {
	Register(Info{Name: config.ProviderTelnyx, Description: "Telnyx API v2 (credential connections at sip.telnyx.com)", New: newTelnyx, PasswordPolicy: "telnyx",
		Env: config.EnvSpec{
			Vars: []config.EnvVar{{Name: auth.TelnyxEnv, Help: "the API key, as Telnyx's own SDKs read it", Secret: true}},
			Sets: [][]string{{auth.TelnyxEnv}},
			FromEnv: func(p *config.Profile) {
				p.DefaultDomain = telnyx.Registrar
			},
		},
		Auth: auth.Method{Secret: "API key", Resolve: auth.ResolveAPIKey, Verify: verifyTelnyx}})
}

// verifyTelnyx proves an API key with one page of one credential
// connection: Telnyx has no account to fetch.
func verifyTelnyx(ctx context.Context, p *config.Profile, c auth.Credentials, o auth.VerifyOptions) (auth.Account, error) {
	base := o.APIURL
	if base == "" {
		base = p.APIURL
	}
	cl, err := telnyx.New(telnyx.Options{BaseURL: base, APIKey: c.Secret, HTTPClient: o.HTTPClient, UserAgent: o.UserAgent, MaxRetries: 1})
	if err != nil {
		return auth.Account{}, err
	}
	for _, err := range cl.ListConnections(ctx, telnyx.ConnectionQuery{PageSize: 1}) {
		var ae *telnyx.APIError
		if errors.As(err, &ae) && ae.Unauthorized() {
			return auth.Account{}, fmt.Errorf("%w: %w", auth.ErrRefused, err)
		}
		if err != nil {
			return auth.Account{}, err
		}
		break
	}
	where := base
	if where == "" {
		where = telnyx.DefaultBaseURL
	}
	return auth.Account{SID: "the Telnyx API at " + where}, nil
}

// newTelnyx builds the Telnyx client: the API key from TELNYX_API_KEY, the
// keyring or the insecure config entry; the profile's api_url (or
// SIPCTL_API_URL) points it elsewhere, e.g. at `sipctl sandbox serve`'s
// Telnyx face (http://127.0.0.1:8080/v2).
func newTelnyx(env *Env, prof *config.Profile) (provider.SIPAccounts, error) {
	cfg, err := env.Factory.Config()
	if err != nil {
		return nil, err
	}
	if err := auth.ConfigureKeyring(cfg); err != nil {
		return nil, err
	}
	creds, err := auth.ResolveAPIKey(prof)
	if errors.Is(err, auth.ErrNoCredentials) {
		return nil, cmdutil.WithHint(&cmdutil.AuthError{Err: err},
			"run `sipctl auth login --provider telnyx`, or set TELNYX_API_KEY")
	}
	if err != nil {
		return nil, err
	}
	if creds.Warning != "" {
		fmt.Fprintln(env.Factory.IOStreams.ErrOut, creds.Warning)
	}
	c, err := telnyx.New(telnyx.Options{BaseURL: prof.APIURL, APIKey: creds.Secret, UserAgent: env.UserAgent, Debug: env.Debug})
	if err != nil {
		return nil, err
	}
	return c, nil
}
