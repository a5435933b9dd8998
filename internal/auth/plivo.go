package auth

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/keyring"
	"github.com/sipctl/sipctl/internal/redact"
)

// SourceEnvPlivo is PLIVO_AUTH_ID with PLIVO_AUTH_TOKEN, the variables
// Plivo's own SDKs read.
const SourceEnvPlivo Source = "env PLIVO_*"

// Plivo's environment variables.
const (
	PlivoAuthIDEnv    = "PLIVO_AUTH_ID"
	PlivoAuthTokenEnv = "PLIVO_AUTH_TOKEN"
)

// ResolvePlivo finds a Plivo profile's Auth ID and Auth Token:
// PLIVO_AUTH_ID with PLIVO_AUTH_TOKEN (both, or neither: half of the pair
// is an error naming what is set and what is missing), else the profile's
// Auth ID (account_sid) with the token from the OS keyring, else from the
// insecure config entry (with a warning). A keyring failure other than
// "not found" is returned, never skipped.
func ResolvePlivo(p *config.Profile) (Credentials, error) {
	if p == nil {
		return Credentials{}, fmt.Errorf("no profile selected: %w", ErrNoCredentials)
	}
	id, token := strings.TrimSpace(os.Getenv(PlivoAuthIDEnv)), strings.TrimSpace(os.Getenv(PlivoAuthTokenEnv))
	switch {
	case id != "" && token != "":
		redact.Add(token)
		return Credentials{AccountSID: id, Username: id, Secret: token, Source: SourceEnvPlivo}, nil
	case token != "":
		if p.AccountSID == "" || p.FromEnv {
			return Credentials{}, fmt.Errorf("%s is set but %s is not: set both (the Auth ID is at the top of the Plivo console): %w",
				PlivoAuthTokenEnv, PlivoAuthIDEnv, ErrNoCredentials)
		}
		redact.Add(token)
		return Credentials{AccountSID: p.AccountSID, Username: p.AccountSID, Secret: token, Source: SourceEnvPlivo}, nil
	case id != "" && (p.FromEnv || id != p.AccountSID):
		return Credentials{}, fmt.Errorf("%s is set but %s is not: set both, or unset %s to use profile %q: %w",
			PlivoAuthIDEnv, PlivoAuthTokenEnv, PlivoAuthIDEnv, p.Name, ErrNoCredentials)
	}
	if p.AccountSID == "" {
		return Credentials{}, fmt.Errorf("profile %q has no Plivo Auth ID (run `sipctl auth login --provider plivo --auth-id MA… --profile %s`, or set %s and %s): %w",
			p.Name, p.Name, PlivoAuthIDEnv, PlivoAuthTokenEnv, ErrNoCredentials)
	}
	secret, kerr := keyring.Get(keyring.Service, KeyringKey(p.Name))
	switch {
	case kerr == nil:
		redact.Add(secret)
		return Credentials{AccountSID: p.AccountSID, Username: p.AccountSID, Secret: secret, Source: SourceKeyring}, nil
	case errors.Is(kerr, keyring.ErrNotFound):
	case p.InsecureSecret != "" && errors.Is(kerr, keyring.ErrUnavailable):
	default:
		return Credentials{}, fmt.Errorf("reading the Auth Token of profile %q: %w", p.Name, kerr)
	}
	if p.InsecureSecret != "" {
		redact.Add(p.InsecureSecret)
		return Credentials{AccountSID: p.AccountSID, Username: p.AccountSID, Secret: p.InsecureSecret, Source: SourceInsecureConfig, Warning: InsecureWarning(p.Name)}, nil
	}
	return Credentials{}, fmt.Errorf("profile %q has no stored Auth Token (run `sipctl auth login --provider plivo --auth-id %s --profile %s`, or set %s and %s): %w",
		p.Name, p.AccountSID, p.Name, PlivoAuthIDEnv, PlivoAuthTokenEnv, ErrNoCredentials)
}
