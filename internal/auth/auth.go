// Package auth decides where a profile's API credentials come from.
//
// Precedence, first match wins:
//  1. SIPCTL_ACCOUNT_SID with SIPCTL_AUTH_TOKEN, or SIPCTL_API_KEY with SIPCTL_API_SECRET;
//  2. the same with the TWILIO_ prefix (Twilio's own tools' variables), as CI uses;
//  3. the OS keyring: service "sipctl", key "profile:<name>";
//  4. an insecure_secret in the config file, only after `auth login --insecure-storage`.
//
// The built-in sandbox profile gets its credentials from the sandbox itself.
// A keyring failure other than "not found" is returned, never skipped: a
// broken keyring must not turn into an unauthenticated request or silently
// pick a weaker source.
package auth

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/keyring"
	"github.com/sipctl/sipctl/internal/redact"
)

// Source says where credentials came from.
type Source string

const (
	SourceNone           Source = ""
	SourceEnvSipctl      Source = "env SIPCTL_*"
	SourceEnvTwilio      Source = "env TWILIO_*"
	SourceKeyring        Source = "keyring"
	SourceInsecureConfig Source = "insecure config"
	SourceSandbox        Source = "sandbox"
)

// Describe is the source in words, for `auth status`.
func (s Source) Describe(profile string) string {
	switch s {
	case SourceEnvSipctl:
		return "environment (SIPCTL_* variables)"
	case SourceEnvTwilio:
		return "environment (TWILIO_* variables)"
	case SourceKeyring:
		return fmt.Sprintf("OS keyring (service %s, key %s)", keyring.Service, KeyringKey(profile))
	case SourceInsecureConfig:
		return "config file, in plain text (--insecure-storage)"
	case SourceSandbox:
		return "the built-in sandbox"
	case SourceEnvTelnyx:
		return "environment (TELNYX_API_KEY)"
	case SourceEnvPlivo:
		return "environment (PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN)"
	case SourceEnvSignalWire:
		return "environment (SIGNALWIRE_API_TOKEN)"
	case SourceEnvDBPassword:
		return "environment (SIPCTL_DB_PASSWORD)"
	}
	return "none"
}

// Credentials are what an API client authenticates with.
type Credentials struct {
	AccountSID string // the account requests act on
	Username   string // the Account SID, or an API Key SID (SK…)
	Secret     string // the Auth Token or API Key Secret; never print it
	Source     Source
	// Warning, when set, must be shown on stderr each time these credentials
	// are used (the insecure config entry).
	Warning string
	// NoneNeeded says why a profile has no secret at all ("none needed
	// (SQLite)"); Secret is then empty.
	NoneNeeded string
}

// String hides the secret, so a stray %v cannot leak it.
func (c Credentials) String() string {
	return fmt.Sprintf("{%s as %s from %s}", c.AccountSID, c.Username, c.Source)
}

// GoString hides the secret from %#v as well.
func (c Credentials) GoString() string { return c.String() }

// ErrNoCredentials means no source had credentials for the profile. It is
// independent of cmdutil; the command layer maps it to exit 4.
var ErrNoCredentials = errors.New("no API credentials")

// KeyringKey is the keyring entry name of a profile's secret.
func KeyringKey(profile string) string { return "profile:" + profile }

// InsecureWarning is printed whenever a plain-text secret is used.
func InsecureWarning(profile string) string {
	return fmt.Sprintf("warning: profile %q uses an API secret stored in plain text in the config file (--insecure-storage); run `sipctl auth login --profile %s` where an OS keyring is available to move it there",
		profile, profile)
}

// Resolve finds credentials for p following the package's precedence.
func Resolve(p *config.Profile) (Credentials, error) {
	if p == nil {
		return Credentials{}, fmt.Errorf("no profile selected: %w", ErrNoCredentials)
	}
	if p.Provider == config.ProviderSandbox {
		return Credentials{AccountSID: p.AccountSID, Source: SourceSandbox}, nil
	}
	for _, prefix := range []string{"SIPCTL", "TWILIO"} {
		c, ok, err := fromEnv(prefix, p)
		if err != nil || ok {
			return c, err
		}
	}
	if p.FromEnv {
		return Credentials{}, fmt.Errorf("no secret in the environment: %w", ErrNoCredentials)
	}

	secret, kerr := keyring.Get(keyring.Service, KeyringKey(p.Name))
	switch {
	case kerr == nil:
		c, err := profileCredentials(p, secret, SourceKeyring)
		if err == nil && p.InsecureSecret != "" && p.InsecureSecret != secret {
			redact.Add(p.InsecureSecret)
			c.Warning = fmt.Sprintf("warning: profile %q has different secrets in the OS keyring and in the config file (--insecure-storage); the keyring's is used. Run `sipctl auth login --profile %s` to keep one", p.Name, p.Name)
		}
		return c, err
	case errors.Is(kerr, keyring.ErrNotFound):
	case p.InsecureSecret != "" && errors.Is(kerr, keyring.ErrUnavailable):
		// The user chose plain-text storage because there is no keyring
		// here; an absent keyring cannot be hiding a newer secret.
	default:
		return Credentials{}, fmt.Errorf("reading the secret of profile %q: %w", p.Name, kerr)
	}
	if p.InsecureSecret != "" {
		c, err := profileCredentials(p, p.InsecureSecret, SourceInsecureConfig)
		c.Warning = InsecureWarning(p.Name)
		return c, err
	}
	return Credentials{}, fmt.Errorf("profile %q has no stored secret: %w", p.Name, ErrNoCredentials)
}

func profileCredentials(p *config.Profile, secret string, src Source) (Credentials, error) {
	redact.Add(secret)
	if p.AccountSID == "" {
		return Credentials{}, fmt.Errorf("profile %q has a secret but no account SID; run `sipctl auth login --profile %s --account-sid AC…`", p.Name, p.Name)
	}
	user := p.AccountSID
	if p.APIKeySID != "" {
		user = p.APIKeySID
	}
	return Credentials{AccountSID: p.AccountSID, Username: user, Secret: secret, Source: src}, nil
}

// fromEnv reads one prefix's variables. An API key pair wins over an auth
// token when both are set, since a key can be scoped and revoked alone.
func fromEnv(prefix string, p *config.Profile) (Credentials, bool, error) {
	get := func(name string) string { return os.Getenv(prefix + "_" + name) }
	token, key, keySecret := get("AUTH_TOKEN"), get("API_KEY"), get("API_SECRET")
	if token == "" && keySecret == "" {
		return Credentials{}, false, nil
	}
	src := SourceEnvSipctl
	other := "TWILIO"
	if prefix == "TWILIO" {
		src, other = SourceEnvTwilio, "SIPCTL"
	}
	sid := get("ACCOUNT_SID")
	if sid == "" {
		sid = os.Getenv(other + "_ACCOUNT_SID")
	}
	if sid == "" {
		sid = p.AccountSID
	}
	if sid == "" {
		return Credentials{}, false, fmt.Errorf("%s_AUTH_TOKEN or %s_API_SECRET is set but no account SID is: set %s_ACCOUNT_SID", prefix, prefix, prefix)
	}
	redact.Add(token)
	redact.Add(keySecret)
	switch {
	case keySecret != "" && key != "":
		return Credentials{AccountSID: sid, Username: key, Secret: keySecret, Source: src}, true, nil
	case token != "":
		return Credentials{AccountSID: sid, Username: sid, Secret: token, Source: src}, true, nil
	default:
		return Credentials{}, false, fmt.Errorf("%s_API_SECRET is set without %s_API_KEY: set the API Key SID (SK…) too, or use %s_AUTH_TOKEN", prefix, prefix, prefix)
	}
}

// ConfigureKeyring applies the keyring timeout from $SIPCTL_KEYRING_TIMEOUT
// or the config file's keyring_timeout (the environment wins).
func ConfigureKeyring(cfg *config.Config) error {
	raw := os.Getenv("SIPCTL_KEYRING_TIMEOUT")
	if raw == "" && cfg != nil {
		raw = cfg.KeyringTimeout
	}
	d, err := keyring.ParseTimeout(raw)
	if err != nil {
		return err
	}
	keyring.SetTimeout(d)
	return nil
}

// KeyringTimeout is the bound currently applied to keyring calls.
func KeyringTimeout() time.Duration { return keyring.Timeout() }

// NoKeyringHint lays out the choices when the OS keyring cannot be used.
const NoKeyringHint = "choose one: run sipctl where a Secret Service is running (on a headless Linux box: `dbus-run-session` with `gnome-keyring-daemon --unlock --components=secrets`); " +
	"or authenticate from the environment as CI does (`sipctl help environment` lists each provider's variables); " +
	"or pass --insecure-storage to keep the secret in the config file (mode 0600, with a warning on every use)"

// Disagreements lists the other places that hold a secret for p which
// differs from the one c uses, in words for `auth status`: a stale keyring
// entry, a plain-text config entry, or the other environment prefix. Only
// secrets are compared, and none is returned.
func Disagreements(p *config.Profile, c Credentials) []string {
	if p == nil || c.Source == SourceSandbox || c.Source == SourceNone {
		return nil
	}
	var out []string
	differs := func(s string) bool { return s != "" && s != c.Secret }
	if c.Source == SourceEnvSipctl {
		if t := os.Getenv("TWILIO_AUTH_TOKEN"); differs(t) {
			out = append(out, "TWILIO_AUTH_TOKEN is set too, to a different secret; SIPCTL_* wins")
		}
	}
	if c.Source != SourceKeyring && !p.FromEnv {
		if k, err := keyring.Get(keyring.Service, KeyringKey(p.Name)); err == nil && differs(k) {
			redact.Add(k)
			out = append(out, fmt.Sprintf("the OS keyring holds a different secret for this profile; %s wins", c.Source.Describe(p.Name)))
		}
	}
	if c.Source != SourceInsecureConfig && differs(p.InsecureSecret) {
		out = append(out, fmt.Sprintf("the config file holds a different plain-text secret (--insecure-storage); %s wins", c.Source.Describe(p.Name)))
	}
	return out
}
