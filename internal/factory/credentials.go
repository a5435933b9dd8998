package factory

import (
	"errors"
	"fmt"

	"github.com/sipctl/sipctl/internal/auth"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
)

// resolveCredentials finds the profile's credentials (environment, keyring,
// insecure config entry), applying the configured keyring timeout. Having
// none is an authentication error (exit 4); a keyring failure is reported as
// itself and never becomes an unauthenticated request.
func resolveCredentials(f *cmdutil.Factory, p *config.Profile) (auth.Credentials, error) {
	cfg, err := f.Config()
	if err != nil {
		return auth.Credentials{}, err
	}
	if err := auth.ConfigureKeyring(cfg); err != nil {
		return auth.Credentials{}, err
	}
	creds, err := auth.Resolve(p)
	if errors.Is(err, auth.ErrNoCredentials) {
		return creds, &cmdutil.AuthError{Err: err}
	}
	if err != nil {
		return creds, err
	}
	if creds.Warning != "" {
		fmt.Fprintln(f.IOStreams.ErrOut, creds.Warning)
	}
	return creds, nil
}

// DBPassword resolves the profile's database password (SIPCTL_DB_PASSWORD,
// keyring, insecure config entry) for the self-hosted providers, "" when
// the database takes none. Having none is an authentication error (exit 4).
func (e *Env) DBPassword(prof *config.Profile, needed bool) (string, error) {
	cfg, err := e.Factory.Config()
	if err != nil {
		return "", err
	}
	if err := auth.ConfigureKeyring(cfg); err != nil {
		return "", err
	}
	pw, src, err := auth.DBPassword(prof, needed)
	if errors.Is(err, auth.ErrNoCredentials) {
		return "", &cmdutil.AuthError{Err: err}
	}
	if err != nil {
		return "", err
	}
	if src == auth.SourceInsecureConfig {
		e.Warn("warning: profile %q uses a database password stored in plain text in the config file (--insecure-storage)", prof.Name)
	}
	return pw, nil
}
