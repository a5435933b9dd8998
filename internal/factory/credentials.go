package factory

import (
	"errors"
	"os"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
)

type credentials struct{ AccountSID, Username, Secret string }

// resolveCredentials is the environment-only lookup used until the keyring
// lands in internal/auth.
func resolveCredentials(f *cmdutil.Factory, p *config.Profile) (credentials, error) {
	sid := config.EnvAccountSID()
	if sid == "" {
		sid = p.AccountSID
	}
	for _, pair := range [][2]string{{"SIPCTL_API_KEY", "SIPCTL_API_SECRET"}, {"TWILIO_API_KEY", "TWILIO_API_SECRET"}} {
		if k, s := os.Getenv(pair[0]), os.Getenv(pair[1]); k != "" && s != "" {
			return credentials{AccountSID: sid, Username: k, Secret: s}, nil
		}
	}
	for _, name := range []string{"SIPCTL_AUTH_TOKEN", "TWILIO_AUTH_TOKEN"} {
		if s := os.Getenv(name); s != "" {
			return credentials{AccountSID: sid, Username: sid, Secret: s}, nil
		}
	}
	if p.InsecureSecret != "" {
		return credentials{AccountSID: sid, Username: sid, Secret: p.InsecureSecret}, nil
	}
	return credentials{}, &cmdutil.AuthError{Err: errors.New("no credentials for profile " + p.Name)}
}
