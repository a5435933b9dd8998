package factory

import (
	"context"
	"errors"
	"fmt"

	"github.com/sipctl/sipctl/internal/auth"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/providers/signalwire"
)

func init() {
	Register(Info{Name: config.ProviderSignalWire, Description: "SignalWire's REST API (relay SIP endpoints at SPACE.sip.signalwire.com)",
		New: newSignalWire, PasswordPolicy: "signalwire",
		Env: config.EnvSpec{
			Vars: []config.EnvVar{
				{Name: config.EnvSignalWireProject, Help: "the project ID (a UUID), as SignalWire's own SDKs read it"},
				{Name: config.EnvSignalWireToken, Help: "the project's API token (Voice scope)", Secret: true},
				{Name: config.EnvSignalWireSpaceURL, Help: "the space, NAME.signalwire.com; phones register at NAME.sip.signalwire.com"},
			},
			Sets:     [][]string{{config.EnvSignalWireProject, config.EnvSignalWireToken, config.EnvSignalWireSpaceURL}},
			FromEnv:  config.SignalWireFromEnv,
			Override: config.SignalWireFromEnv,
		},
		Auth: auth.Method{Secret: "API token", Resolve: auth.ResolveSignalWire, Verify: verifySignalWire,
			Endpoint: func(p *config.Profile) (string, string) {
				if p.APIURL != "" {
					return "API URL", p.APIURL
				}
				return "API URL", "https://" + p.Space + "." + signalwire.SpaceDomain
			}}})
}

// verifySignalWire proves a project ID and token with one page of one
// endpoint; a 401 is auth.ErrRefused.
func verifySignalWire(ctx context.Context, p *config.Profile, c auth.Credentials, o auth.VerifyOptions) (auth.Account, error) {
	base := o.APIURL
	if base == "" {
		base = p.APIURL
	}
	cl, err := signalwire.New(signalwire.Options{Space: p.Space, BaseURL: base, ProjectID: c.Username, Token: c.Secret,
		HTTPClient: o.HTTPClient, UserAgent: o.UserAgent, MaxRetries: 1})
	if err != nil {
		return auth.Account{}, err
	}
	for _, err := range cl.ListEndpoints(ctx, signalwire.EndpointQuery{PageSize: 1}) {
		var ae *signalwire.APIError
		if errors.As(err, &ae) && ae.Unauthorized() {
			return auth.Account{}, fmt.Errorf("%w: %w", auth.ErrRefused, err)
		}
		if err != nil {
			return auth.Account{}, err
		}
		break
	}
	return auth.Account{SID: c.Username, FriendlyName: "space " + p.Space}, nil
}

// newSignalWire builds the SignalWire client: the space and project ID
// from the profile (or SIGNALWIRE_SPACE_URL and SIGNALWIRE_PROJECT_ID), the
// API token from SIGNALWIRE_API_TOKEN, the keyring or the insecure config
// entry; the profile's api_url (or SIPCTL_API_URL) points it elsewhere,
// e.g. at `sipctl sandbox serve` (whose space is "sandbox").
func newSignalWire(env *Env, prof *config.Profile) (provider.SIPAccounts, error) {
	cfg, err := env.Factory.Config()
	if err != nil {
		return nil, err
	}
	if err := auth.ConfigureKeyring(cfg); err != nil {
		return nil, err
	}
	creds, err := auth.ResolveSignalWire(prof)
	if errors.Is(err, auth.ErrNoCredentials) {
		return nil, cmdutil.WithHint(&cmdutil.AuthError{Err: err},
			"run `sipctl auth login --provider signalwire --space NAME --project ID`, or set SIGNALWIRE_PROJECT_ID, SIGNALWIRE_API_TOKEN and SIGNALWIRE_SPACE_URL")
	}
	if err != nil {
		return nil, err
	}
	if creds.Warning != "" {
		fmt.Fprintln(env.Factory.IOStreams.ErrOut, creds.Warning)
	}
	timeout, err := env.HTTPTimeout()
	if err != nil {
		return nil, err
	}
	c, err := signalwire.New(signalwire.Options{Space: prof.Space, BaseURL: prof.APIURL, ProjectID: creds.Username, Token: creds.Secret,
		UserAgent: env.UserAgent, Debug: env.Debug, RequestTimeout: timeout, OnWait: env.WaitNotice()})
	if err != nil {
		return nil, &cmdutil.FlagError{Err: fmt.Errorf("profile %q: %w", prof.Name, err)}
	}
	return c, nil
}
