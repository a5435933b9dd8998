package factory

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/sipctl/sipctl/internal/auth"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/keyring"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/providers/asterisk"
	"github.com/sipctl/sipctl/internal/sqldb"
)

func init() {
	Register(Info{Name: config.ProviderAsterisk, Description: "Asterisk's PJSIP realtime database (ps_endpoints, ps_auths, ps_aors; AMI)",
		New: newAsterisk, PasswordPolicy: "device-safe", Env: asteriskEnv})
}

// asteriskEnv: SIPCTL_PROVIDER=asterisk with SIPCTL_DB_URL and
// SIPCTL_REGISTRAR select an Asterisk database; those two also override an
// asterisk profile's settings, and SIPCTL_DB_PASSWORD is its database
// password, as for Kamailio. Only the AMI secret is Asterisk's alone: the
// shared variables are not listed as its Vars, so that setting them for a
// kamailio profile does not name Asterisk too.
var asteriskEnv = config.EnvSpec{
	Vars: []config.EnvVar{
		{Name: EnvAMISecret, Help: "an asterisk profile's AMI secret, taking precedence over the keyring", Secret: true},
	},
	Sets:     [][]string{{config.EnvProvider + "=" + config.ProviderAsterisk, "SIPCTL_DB_URL", "SIPCTL_REGISTRAR"}},
	FromEnv:  asteriskOverride,
	Override: asteriskOverride,
}

func asteriskOverride(p *config.Profile) {
	for env, field := range map[string]*string{"SIPCTL_DB_URL": &p.DBURL, "SIPCTL_REGISTRAR": &p.Registrar} {
		if v := os.Getenv(env); v != "" {
			*field = v
		}
	}
}

// EnvAMISecret is the AMI secret's environment variable.
const EnvAMISecret = "SIPCTL_AMI_SECRET"

// AMIKeyringKey is where `auth login --ami` keeps the AMI secret.
func AMIKeyringKey(profile string) string { return auth.KeyringKey(profile) + ":ami" }

func newAsterisk(env *Env, prof *config.Profile) (provider.SIPAccounts, error) {
	if prof.DBURL == "" || prof.Registrar == "" {
		return nil, cmdutil.FlagErrorf("profile %q needs db_url and registrar: run `sipctl auth login --profile %s --provider asterisk --db-url URL --registrar HOST:PORT`", prof.Name, prof.Name)
	}
	u, err := sqldb.Parse(prof.DBURL)
	if err != nil {
		return nil, err
	}
	pw, err := env.DBPassword(prof, u.NeedsPassword())
	if err != nil {
		return nil, err
	}
	o := AsteriskOptions(prof)
	o.DBPassword = pw
	o.Warn = env.Warn
	if prof.AMI != "" {
		secret, err := AMISecret(prof)
		if err != nil {
			return nil, err
		}
		o.AMI.Secret = secret
	}
	ctx, cancel := context.WithTimeout(context.Background(), kamailioOpenTimeout)
	defer cancel()
	c, err := asterisk.Open(ctx, o)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, &asterisk.UnreachableError{What: "database", Target: prof.DBURL, Err: fmt.Errorf("no answer in %s", kamailioOpenTimeout)}
		}
		return nil, err
	}
	env.OnClose(c)
	return c, nil
}

// AsteriskOptions are the client options a profile names (no secrets).
func AsteriskOptions(prof *config.Profile) asterisk.Options {
	o := asterisk.Options{DBURL: prof.DBURL, Registrar: prof.Registrar, Realm: prof.Realm, Template: prof.EndpointTemplate,
		Endpoint:       asterisk.Endpoint{Context: prof.EndpointContext, Transport: prof.EndpointTransport, Allow: prof.EndpointAllow},
		RemoveExisting: prof.RemoveExisting}
	o.MaxContacts, _ = strconv.Atoi(prof.MaxContacts)
	if prof.AMI != "" {
		o.AMI = &asterisk.AMIOptions{Addr: prof.AMI, User: prof.AMIUser, AuthCache: prof.AMIAuthCache, Timeout: 10 * time.Second}
	}
	return o
}

// AMISecret is the profile's AMI secret: SIPCTL_AMI_SECRET, else the
// keyring. None is an authentication error (exit 4).
func AMISecret(prof *config.Profile) (string, error) {
	if v := os.Getenv(EnvAMISecret); v != "" {
		return v, nil
	}
	s, err := keyring.Get(keyring.Service, AMIKeyringKey(prof.Name))
	switch {
	case err == nil:
		return s, nil
	case errors.Is(err, keyring.ErrNotFound):
		return "", &cmdutil.AuthError{Err: fmt.Errorf("profile %q names an AMI but no AMI secret is stored: run `sipctl auth login --profile %s --provider asterisk --ami %s --ami-user %s` or set %s",
			prof.Name, prof.Name, prof.AMI, prof.AMIUser, EnvAMISecret)}
	}
	return "", fmt.Errorf("reading the AMI secret of profile %q: %w", prof.Name, err)
}
