package factory

import (
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/twilio"
)

func init() {
	Register(Info{Name: config.ProviderTwilio, Description: "Twilio's REST API (SIP domains, credential lists)", New: newTwilio, PasswordPolicy: "twilio"})
}

func newTwilio(env *Env, prof *config.Profile) (provider.SIPAccounts, error) {
	creds, err := env.Credentials(prof)
	if err != nil {
		return nil, err
	}
	c, err := twilio.New(twilio.Options{
		BaseURL:    prof.APIURL,
		AccountSID: creds.AccountSID,
		Username:   creds.Username,
		Secret:     creds.Secret,
		UserAgent:  env.UserAgent,
		Debug:      env.Debug,
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}
