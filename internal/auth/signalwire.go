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

// SourceEnvSignalWire is SIGNALWIRE_API_TOKEN.
const SourceEnvSignalWire Source = "env SIGNALWIRE_API_TOKEN"

// ResolveSignalWire finds a SignalWire profile's API token:
// $SIGNALWIRE_API_TOKEN, else the OS keyring (service "sipctl", key
// "profile:<name>"), else the insecure config entry (with a warning). The
// project ID and space are the profile's (or SIGNALWIRE_PROJECT_ID and
// SIGNALWIRE_SPACE_URL, applied by config.ActiveProfile); one missing is an
// authentication error naming it. A keyring failure other than "not found"
// is returned, never skipped.
func ResolveSignalWire(p *config.Profile) (Credentials, error) {
	if p == nil {
		return Credentials{}, fmt.Errorf("no profile selected: %w", ErrNoCredentials)
	}
	var missing []string
	if p.ProjectID == "" {
		missing = append(missing, "a project ID (--project, or "+config.EnvSignalWireProject+")")
	}
	if p.Space == "" {
		missing = append(missing, "a space (--space, or "+config.EnvSignalWireSpaceURL+")")
	}
	if len(missing) > 0 {
		return Credentials{}, fmt.Errorf("profile %q has no %s: %w", p.Name, strings.Join(missing, " and no "), ErrNoCredentials)
	}
	creds := Credentials{AccountSID: p.ProjectID, Username: p.ProjectID}
	if k := strings.TrimSpace(os.Getenv(config.EnvSignalWireToken)); k != "" {
		redact.Add(k)
		creds.Secret, creds.Source = k, SourceEnvSignalWire
		return creds, nil
	}
	if p.FromEnv {
		return Credentials{}, fmt.Errorf("%s is not set: %w", config.EnvSignalWireToken, ErrNoCredentials)
	}
	secret, kerr := keyring.Get(keyring.Service, KeyringKey(p.Name))
	switch {
	case kerr == nil:
		redact.Add(secret)
		creds.Secret, creds.Source = secret, SourceKeyring
		return creds, nil
	case errors.Is(kerr, keyring.ErrNotFound):
	case p.InsecureSecret != "" && errors.Is(kerr, keyring.ErrUnavailable):
	default:
		return Credentials{}, fmt.Errorf("reading the API token of profile %q: %w", p.Name, kerr)
	}
	if p.InsecureSecret != "" {
		redact.Add(p.InsecureSecret)
		creds.Secret, creds.Source, creds.Warning = p.InsecureSecret, SourceInsecureConfig, InsecureWarning(p.Name)
		return creds, nil
	}
	return Credentials{}, fmt.Errorf("profile %q has no stored API token (run `sipctl auth login --provider signalwire --profile %s --space NAME --project ID`, or set %s): %w",
		p.Name, p.Name, config.EnvSignalWireToken, ErrNoCredentials)
}
