package factory

import (
	"context"

	"github.com/sipctl/sipctl/internal/auth"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/twilio"
)

func init() {
	Register(Info{Name: config.ProviderTwilio, Description: "Twilio's REST API (SIP domains, credential lists)", New: newTwilio, PasswordPolicy: "twilio",
		Env: twilioEnv(),
		Auth: auth.Method{
			Secret:  "Auth Token or API key secret",
			Resolve: auth.Resolve,
			Verify: func(ctx context.Context, _ *config.Profile, c auth.Credentials, o auth.VerifyOptions) (auth.Account, error) {
				return auth.Verify(ctx, c, o)
			},
			Endpoint: func(p *config.Profile) (string, string) {
				if p.APIURL == "" {
					return "API URL", twilio.DefaultBaseURL
				}
				return "API URL", p.APIURL
			},
		}})
}

// twilioEnv: an account SID with an Auth Token, or with an API key and its
// secret, under Twilio's own prefix (TWILIO_*, as its tools read) or
// sipctl's (SIPCTL_*, which wins); the SID may come from either prefix.
func twilioEnv() config.EnvSpec {
	spec := config.EnvSpec{
		FromEnv: func(p *config.Profile) {
			p.AccountSID = config.EnvAccountSID()
			p.APIKeySID = config.FirstEnv("SIPCTL_API_KEY", "TWILIO_API_KEY")
		},
	}
	prefixes := []string{"TWILIO", "SIPCTL"}
	for _, pre := range prefixes {
		spec.Vars = append(spec.Vars,
			config.EnvVar{Name: pre + "_ACCOUNT_SID", Help: "the account SID (AC…) requests act on; SIPCTL_* wins over TWILIO_*"},
			config.EnvVar{Name: pre + "_AUTH_TOKEN", Help: "its Auth Token", Secret: true},
			config.EnvVar{Name: pre + "_API_KEY", Help: "an API Key SID (SK…), used with its secret instead of the Auth Token"},
			config.EnvVar{Name: pre + "_API_SECRET", Help: "the API key's secret", Secret: true},
		)
	}
	// Same-prefix sets first: the closest set names what is missing.
	for _, sidPre := range prefixes {
		for _, pre := range []string{sidPre, otherPrefix(sidPre)} {
			sid := sidPre + "_ACCOUNT_SID"
			spec.Sets = append(spec.Sets,
				[]string{sid, pre + "_AUTH_TOKEN"},
				[]string{sid, pre + "_API_KEY", pre + "_API_SECRET"})
		}
	}
	return spec
}

func otherPrefix(p string) string {
	if p == "TWILIO" {
		return "SIPCTL"
	}
	return "TWILIO"
}

func newTwilio(env *Env, prof *config.Profile) (provider.SIPAccounts, error) {
	creds, err := env.Credentials(prof)
	if err != nil {
		return nil, err
	}
	timeout, err := env.HTTPTimeout()
	if err != nil {
		return nil, err
	}
	c, err := twilio.New(twilio.Options{
		BaseURL:        prof.APIURL,
		AccountSID:     creds.AccountSID,
		Username:       creds.Username,
		Secret:         creds.Secret,
		UserAgent:      env.UserAgent,
		Debug:          env.Debug,
		RequestTimeout: timeout,
		OnWait:         env.WaitNotice(),
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}
