package login

import (
	"errors"
	"fmt"
	"os"

	"github.com/sipctl/sipctl/internal/auth"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/keyring"
)

// What the logins of providers with one API secret (Telnyx, Plivo,
// SignalWire) share: the profile they write, where the secret is kept, and
// what they say about it. Each login keeps its own flags and its own check.

// loginProfile loads the configuration and the profile a login writes: a
// new one, or a copy of an existing profile of the same provider (one of
// another provider is refused; what names the account, "the Plivo account").
func loginProfile(opts *LoginOptions, providerName, what string) (*config.Config, *config.Profile, error) {
	cfg, err := opts.Config()
	if err != nil {
		return nil, nil, err
	}
	if err := auth.ConfigureKeyring(cfg); err != nil {
		return nil, nil, err
	}
	prof := &config.Profile{Name: opts.Profile, Provider: providerName}
	if existing, ok := cfg.Profiles[opts.Profile]; ok {
		if existing.Provider != providerName {
			return nil, nil, fmt.Errorf("profile %q uses provider %q; pick another --profile for %s", existing.Name, existing.Provider, what)
		}
		cp := *existing
		prof = &cp
	}
	return cfg, prof, nil
}

// apiSecret names a provider's secret in what a login says.
type apiSecret struct {
	Name   string // "API key", "Auth Token"
	Short  string // "key", "token": in "the new key"
	CIHint string // the variables CI sets instead, for the keyring hint
	Env    string // the variable that takes precedence over the profile
}

// save keeps secret in the keyring (or, with --insecure-storage, in the
// profile, removing a keyring entry that would shadow it) and then saves
// the profile, making it current when none is. It answers the keyring
// entry's name.
func (s apiSecret) save(opts *LoginOptions, cfg *config.Config, prof *config.Profile, secret string) (string, error) {
	entry := auth.KeyringKey(prof.Name)
	if opts.InsecureStorage {
		prof.InsecureSecret = secret
		if err := keyring.Delete(keyring.Service, entry); err != nil && !errors.Is(err, keyring.ErrNotFound) && !errors.Is(err, keyring.ErrUnavailable) {
			return "", fmt.Errorf("removing the old keyring entry %s so it cannot shadow the new %s: %w", entry, s.Short, err)
		}
	} else {
		if err := keyring.Set(keyring.Service, entry, secret); err != nil {
			if errors.Is(err, keyring.ErrUnavailable) || errors.Is(err, keyring.ErrTimeout) {
				return "", cmdutil.WithHint(fmt.Errorf("cannot store the %s, nothing saved: %w", s.Name, err),
					"run sipctl where a Secret Service is running; or set "+s.CIHint+" as CI does; or pass --insecure-storage")
			}
			return "", fmt.Errorf("cannot store the %s, nothing saved: %w", s.Name, err)
		}
		prof.InsecureSecret = ""
	}
	cfg.SetProfile(prof)
	if cfg.CurrentProfile == "" {
		cfg.CurrentProfile = prof.Name
	}
	return entry, cfg.Save()
}

// report says on stderr where the secret went, and that the environment
// variable wins while it is set.
func (s apiSecret) report(opts *LoginOptions, cfg *config.Config, entry string) {
	if opts.InsecureStorage {
		fmt.Fprintf(opts.IO.ErrOut, "warning: the %s is stored in plain text in %s (mode 0600); you will be warned each time it is used\n", s.Name, cfg.Path())
	} else {
		fmt.Fprintf(opts.IO.ErrOut, "%s stored in the OS keyring (service %s, key %s)\n", s.Name, keyring.Service, entry)
	}
	if os.Getenv(s.Env) != "" {
		fmt.Fprintf(opts.IO.ErrOut, "note: %s in the environment takes precedence over this profile while it is set\n", s.Env)
	}
}

var (
	telnyxSecret     = apiSecret{Name: "API key", Short: "key", CIHint: "TELNYX_API_KEY in the environment", Env: auth.TelnyxEnv}
	plivoSecret      = apiSecret{Name: "Auth Token", Short: "token", CIHint: "PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN in the environment", Env: auth.PlivoAuthTokenEnv}
	signalwireSecret = apiSecret{Name: "API token", Short: "token", CIHint: "SIGNALWIRE_PROJECT_ID, SIGNALWIRE_API_TOKEN and SIGNALWIRE_SPACE_URL", Env: config.EnvSignalWireToken}
)
