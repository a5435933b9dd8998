package auth

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/keyring"
)

// SourceEnvTelnyx is TELNYX_API_KEY, the variable Telnyx's own SDKs read.
const SourceEnvTelnyx Source = "env TELNYX_API_KEY"

// TelnyxEnv is the environment variable holding a Telnyx API key.
const TelnyxEnv = "TELNYX_API_KEY"

// ResolveAPIKey finds the bearer API key of a profile whose provider
// authenticates with one key (Telnyx): $TELNYX_API_KEY, else the OS keyring
// (service "sipctl", key "profile:<name>"), else the insecure config entry
// (with a warning). A keyring failure other than "not found" is returned,
// never skipped.
func ResolveAPIKey(p *config.Profile) (Credentials, error) {
	if p == nil {
		return Credentials{}, fmt.Errorf("no profile selected: %w", ErrNoCredentials)
	}
	if k := strings.TrimSpace(os.Getenv(TelnyxEnv)); k != "" {
		return Credentials{Secret: k, Source: SourceEnvTelnyx}, nil
	}
	if p.FromEnv {
		return Credentials{}, fmt.Errorf("%s is not set: %w", TelnyxEnv, ErrNoCredentials)
	}
	secret, kerr := keyring.Get(keyring.Service, KeyringKey(p.Name))
	switch {
	case kerr == nil:
		return Credentials{Secret: secret, Source: SourceKeyring}, nil
	case errors.Is(kerr, keyring.ErrNotFound):
	case p.InsecureSecret != "" && errors.Is(kerr, keyring.ErrUnavailable):
	default:
		return Credentials{}, fmt.Errorf("reading the API key of profile %q: %w", p.Name, kerr)
	}
	if p.InsecureSecret != "" {
		return Credentials{Secret: p.InsecureSecret, Source: SourceInsecureConfig, Warning: InsecureWarning(p.Name)}, nil
	}
	return Credentials{}, fmt.Errorf("profile %q has no stored API key (run `sipctl auth login --provider telnyx --profile %s`, or set %s): %w",
		p.Name, p.Name, TelnyxEnv, ErrNoCredentials)
}
