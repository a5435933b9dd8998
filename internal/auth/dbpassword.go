package auth

import (
	"errors"
	"fmt"
	"os"

	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/keyring"
)

// SourceEnvDBPassword is SIPCTL_DB_PASSWORD.
const SourceEnvDBPassword Source = "env SIPCTL_DB_PASSWORD"

// EnvDBPassword is the variable CI passes a Kamailio database password in.
const EnvDBPassword = "SIPCTL_DB_PASSWORD"

// DBPassword is the database password of a Kamailio profile, like an API
// secret: SIPCTL_DB_PASSWORD, else the keyring entry "profile:<name>", else
// an insecure_secret kept after `auth login --insecure-storage`. needed is
// false for databases without passwords (SQLite): then nothing is read and
// "" is returned.
func DBPassword(p *config.Profile, needed bool) (string, Source, error) {
	if !needed {
		return "", SourceNone, nil
	}
	if v := os.Getenv(EnvDBPassword); v != "" {
		return v, SourceEnvDBPassword, nil
	}
	if p.FromEnv {
		return "", SourceNone, fmt.Errorf("SIPCTL_DB_URL names a database with a password but SIPCTL_DB_PASSWORD is not set: %w", ErrNoCredentials)
	}
	secret, err := keyring.Get(keyring.Service, KeyringKey(p.Name))
	switch {
	case err == nil:
		return secret, SourceKeyring, nil
	case errors.Is(err, keyring.ErrNotFound):
	case p.InsecureSecret != "" && errors.Is(err, keyring.ErrUnavailable):
	default:
		return "", SourceNone, fmt.Errorf("reading the database password of profile %q: %w", p.Name, err)
	}
	if p.InsecureSecret != "" {
		return p.InsecureSecret, SourceInsecureConfig, nil
	}
	return "", SourceNone, fmt.Errorf("profile %q has no stored database password (run `sipctl auth login --profile %s --provider kamailio`, or set SIPCTL_DB_PASSWORD): %w", p.Name, p.Name, ErrNoCredentials)
}
