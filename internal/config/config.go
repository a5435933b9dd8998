// Package config reads and writes sipctl's configuration: named profiles in a
// YAML file (never secrets, except an explicit insecure-storage entry), and
// the SIPCTL_* environment, through viper.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"
)

// Provider names.
const (
	ProviderTwilio   = "twilio"
	ProviderSandbox  = "sandbox"
	ProviderKamailio = "kamailio"
	ProviderTelnyx   = "telnyx"
	// ProviderPlivo's Auth ID is kept in the profile's account_sid.
	ProviderPlivo = "plivo"
	// ProviderSignalWire is a SignalWire space's project.
	ProviderSignalWire = "signalwire"
)

// SandboxProfile is the built-in profile a fresh install uses.
const SandboxProfile = "sandbox"

// EnvProfile names the profile made from TWILIO_*/SIPCTL_* credentials in the
// environment when no profile is named, as CI jobs authenticate.
const EnvProfile = "env"

// Profile is one provider account a user works with.
type Profile struct {
	Name           string `yaml:"-" mapstructure:"-" json:"name"`
	Provider       string `yaml:"provider" mapstructure:"provider" json:"provider"`
	AccountSID     string `yaml:"account_sid,omitempty" mapstructure:"account_sid" json:"account_sid,omitempty"`
	APIKeySID      string `yaml:"api_key_sid,omitempty" mapstructure:"api_key_sid" json:"api_key_sid,omitempty"`
	APIURL         string `yaml:"api_url,omitempty" mapstructure:"api_url" json:"api_url,omitempty"`
	DefaultDomain  string `yaml:"default_domain,omitempty" mapstructure:"default_domain" json:"default_domain,omitempty"`
	PasswordPolicy string `yaml:"password_policy,omitempty" mapstructure:"password_policy" json:"password_policy,omitempty"`
	Output         string `yaml:"output,omitempty" mapstructure:"output" json:"output,omitempty"`
	// Registrar is the HOST:PORT phones register to, for `accounts check`
	// and --verify (a Kamailio profile's own registrar); empty looks it up
	// in DNS from the domain.
	Registrar string `yaml:"registrar,omitempty" mapstructure:"registrar" json:"registrar,omitempty"`
	// Kamailio: the database (Kamailio's db_url, never with a password) and
	// the jsonrpcs endpoint.
	DBURL  string `yaml:"db_url,omitempty" mapstructure:"db_url" json:"db_url,omitempty"`
	RPCURL string `yaml:"rpc_url,omitempty" mapstructure:"rpc_url" json:"rpc_url,omitempty"`
	// RPCAllowHTTP permits plain http to a non-loopback RPC host.
	RPCAllowHTTP bool `yaml:"rpc_allow_http,omitempty" mapstructure:"rpc_allow_http" json:"rpc_allow_http,omitempty"`
	// StorePlaintext also writes Kamailio's password column, for configs
	// running auth_db with calculate_ha1.
	StorePlaintext bool `yaml:"store_plaintext,omitempty" mapstructure:"store_plaintext" json:"store_plaintext,omitempty"`
	// Asterisk (PJSIP realtime, with db_url and registrar above): see
	// asterisk.go for the keys.
	Asterisk `yaml:",inline" mapstructure:",squash"`
	// SignalWire: the space (NAME of NAME.signalwire.com) and the project
	// ID; the API token is the secret.
	Space     string `yaml:"space,omitempty" mapstructure:"space" json:"space,omitempty"`
	ProjectID string `yaml:"project_id,omitempty" mapstructure:"project_id" json:"project_id,omitempty"`
	// InsecureSecret holds the API secret only after an explicit
	// `auth login --insecure-storage`; every use warns.
	InsecureSecret string `yaml:"insecure_secret,omitempty" mapstructure:"insecure_secret" json:"-"`

	// FromEnv marks a profile synthesised from environment credentials.
	FromEnv bool `yaml:"-" mapstructure:"-" json:"from_env,omitempty"`
	// BuiltIn marks the sandbox profile when it is not in the file.
	BuiltIn bool `yaml:"-" mapstructure:"-" json:"built_in,omitempty"`
}

// Config is the whole configuration file plus environment knobs.
type Config struct {
	CurrentProfile string              `yaml:"current_profile,omitempty" mapstructure:"current_profile"`
	KeyringTimeout string              `yaml:"keyring_timeout,omitempty" mapstructure:"keyring_timeout"`
	Profiles       map[string]*Profile `yaml:"profiles,omitempty" mapstructure:"profiles"`

	path string
	v    *viper.Viper
	// invalid holds, per profile, the first value in the file that breaks
	// its setting's rule: using the profile fails with it, while `profile
	// set` can still load the file and fix it.
	invalid map[string]error
	// Warnings are for the user, printed once on stderr (e.g. a config file
	// others can read).
	Warnings []string `yaml:"-" mapstructure:"-"`
}

// Viper is the environment- and flag-aware view of settings (SIPCTL_ prefix,
// '-' read as '_'), for knobs such as api_url, debug and keyring_timeout.
func (c *Config) Viper() *viper.Viper { return c.v }

// Path is the file the configuration was read from and is written to.
func (c *Config) Path() string { return c.path }

// NewViper returns a viper reading SIPCTL_* variables.
func NewViper() *viper.Viper {
	v := viper.New()
	v.SetEnvPrefix("SIPCTL")
	v.SetEnvKeyReplacer(strings.NewReplacer("-", "_", ".", "_"))
	v.AutomaticEnv()
	return v
}

// Load reads ConfigFile(); a missing file is an empty configuration.
func Load() (*Config, error) { return LoadFile(ConfigFile()) }

// LoadFile reads the configuration at path.
func LoadFile(path string) (*Config, error) {
	c := &Config{path: path, v: NewViper(), Profiles: map[string]*Profile{}}
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return c, nil
	case err != nil:
		return nil, fmt.Errorf("cannot read config file %s: %w", path, unwrapPath(err))
	}
	if info.Mode().Perm()&0o077 != 0 {
		c.Warnings = append(c.Warnings, fmt.Sprintf(
			"config file %s is readable by others (mode %04o); run `sipctl auth status --fix-permissions` or any command that saves it to make it 0600",
			path, info.Mode().Perm()))
	}
	c.v.SetConfigFile(path)
	c.v.SetConfigType("yaml")
	if err := c.v.ReadInConfig(); err != nil {
		var perr *fs.PathError
		if errors.As(err, &perr) {
			return nil, fmt.Errorf("cannot read config file %s: %w", path, perr.Err)
		}
		return nil, fmt.Errorf("config file %s is not valid YAML: %s", path, firstLine(err.Error()))
	}
	if err := c.v.Unmarshal(c); err != nil {
		return nil, fmt.Errorf("config file %s has an invalid value: %s", path, decodeProblem(c.v, err))
	}
	if c.Profiles == nil {
		c.Profiles = map[string]*Profile{}
	}
	for name, p := range c.Profiles {
		if p == nil {
			p = &Profile{}
			c.Profiles[name] = p
		}
		p.Name = name
		if p.Provider == "" {
			p.Provider = ProviderTwilio
		}
		if err := validateProfile(p); err != nil {
			if c.invalid == nil {
				c.invalid = map[string]error{}
			}
			c.invalid[name] = fmt.Errorf("config file %s, profile %q: %w; fix it with `sipctl profile set %s VALUE --profile %s`",
				path, name, err, firstWord(err.Error()), name)
		}
	}
	return c, nil
}

func firstWord(s string) string {
	w, _, _ := strings.Cut(s, " ")
	return w
}

// decodeMessage is one of mapstructure's lines:
// 'profiles[acme].provider' expected type 'string', got unconvertible type '[]interface {}', value: '[1 2]'
var decodeMessage = regexp.MustCompile(`'([^']*)' expected type '([^']*)', got unconvertible type '([^']*)'`)

// decodeProblem turns a decoding error into "KEY: expected a TYPE, not VALUE"
// for each bad key, instead of mapstructure's "decoding failed due to the
// following error(s):" header.
func decodeProblem(v *viper.Viper, err error) string {
	var out []string
	for _, line := range strings.Split(err.Error(), "\n") {
		line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "* "))
		if line == "" || strings.HasPrefix(line, "decoding failed") {
			continue
		}
		if m := decodeMessage.FindStringSubmatch(line); m != nil {
			key := strings.NewReplacer("[", ".", "]", "").Replace(m[1])
			out = append(out, fmt.Sprintf("%s is %s, expected %s", key, describeValue(v.Get(key)), article(m[2])))
			continue
		}
		out = append(out, line)
	}
	if len(out) == 0 {
		return firstLine(err.Error())
	}
	return strings.Join(out, "; ")
}

// Save writes the file atomically with mode 0600 in a 0700 directory.
func (c *Config) Save() error {
	if err := os.MkdirAll(filepath.Dir(c.path), 0o700); err != nil {
		return fmt.Errorf("creating config directory: %w", err)
	}
	data, err := yaml.Marshal(c)
	if err != nil {
		return err
	}
	if err := WriteFileAtomic(c.path, data, 0o600); err != nil {
		return fmt.Errorf("writing config file %s: %w", c.path, unwrapPath(err))
	}
	return nil
}

// WriteFileAtomic writes data to a temporary file beside path, syncs it and
// renames it into place and syncs the directory, so readers see the old or
// the new file, never half, and the new one survives a crash.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	// The rename is durable only once the directory is synced: a handover
	// that vanished in a crash would lose passwords.
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// FixPermissions makes the config file 0600.
func (c *Config) FixPermissions() error {
	err := os.Chmod(c.path, 0o600)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// ProfileNames lists the profiles in the file, sorted, plus the built-in sandbox.
func (c *Config) ProfileNames() []string {
	names := []string{}
	seen := map[string]bool{}
	for n := range c.Profiles {
		names = append(names, n)
		seen[n] = true
	}
	if !seen[SandboxProfile] {
		names = append(names, SandboxProfile)
	}
	sort.Strings(names)
	return names
}

// Profile returns a named profile; "sandbox" exists even when not in the file.
func (c *Config) Profile(name string) (*Profile, error) {
	if p, ok := c.Profiles[name]; ok {
		if err := c.invalid[name]; err != nil {
			return nil, err
		}
		return p, nil
	}
	if name == SandboxProfile {
		return &Profile{Name: SandboxProfile, Provider: ProviderSandbox, BuiltIn: true}, nil
	}
	hint := "run `sipctl profile list` to see profiles, or `sipctl auth login --profile " + name + "` to create it"
	return nil, fmt.Errorf("profile %q not found; %s", name, hint)
}

// SetProfile adds or replaces a profile (call Save to keep it).
func (c *Config) SetProfile(p *Profile) {
	if c.Profiles == nil {
		c.Profiles = map[string]*Profile{}
	}
	c.Profiles[p.Name] = p
}

// DeleteProfile removes a profile and, if it was current, the current choice.
func (c *Config) DeleteProfile(name string) {
	delete(c.Profiles, name)
	if c.CurrentProfile == name {
		c.CurrentProfile = ""
	}
}

// ActiveProfile picks the profile a command works with:
//  1. the name given (--profile), else $SIPCTL_PROFILE;
//  2. else the provider the environment selects, as CI jobs authenticate:
//     SIPCTL_PROVIDER=<name>, or one provider's complete set of variables
//     (an account SID and a secret for Twilio, TELNYX_API_KEY, …; each
//     provider registers its own, see EnvSpec). A variable set without its
//     partners is an error (EnvError, exit 4) naming what is missing, never
//     a silent fall-back;
//  3. else the current profile (`sipctl profile use`);
//  4. else the built-in sandbox, unless CI is set or SIPCTL_API_URL is
//     (then nothing names a provider, which is an EnvError).
//
// $SIPCTL_API_URL overrides the profile's API URL, and a provider's
// override variables (SIPCTL_DB_URL for kamailio) its settings.
func (c *Config) ActiveProfile(name string) (*Profile, error) {
	if name == "" {
		name = os.Getenv("SIPCTL_PROFILE")
	}
	var p *Profile
	if name != "" {
		found, err := c.Profile(name)
		if err != nil {
			return nil, err
		}
		cp := *found
		p = &cp
	} else {
		var current *Profile
		if c.CurrentProfile != "" {
			found, err := c.Profile(c.CurrentProfile)
			if err != nil {
				return nil, fmt.Errorf("current profile: %w", err)
			}
			cp := *found
			current = &cp
		}
		currentProvider := ""
		if current != nil {
			currentProvider = current.Provider
		}
		fromEnv, err := envProfile(currentProvider)
		switch {
		case err != nil:
			return nil, err
		case fromEnv != nil:
			p = fromEnv
		case current != nil:
			p = current
		default:
			if err := noProviderError(); err != nil {
				return nil, err
			}
			p, _ = c.Profile(SandboxProfile)
		}
	}
	if u := os.Getenv(EnvAPIURL); u != "" {
		p.APIURL = u
	}
	if spec, ok := EnvSpecs()[p.Provider]; ok && spec.Override != nil {
		spec.Override(p)
	}
	return p, nil
}

// EnvAccountSID is the account SID from SIPCTL_ACCOUNT_SID or TWILIO_ACCOUNT_SID.
func EnvAccountSID() string { return firstEnv("SIPCTL_ACCOUNT_SID", "TWILIO_ACCOUNT_SID") }

// EnvHasCredentials reports whether the environment holds an account SID and
// a secret (auth token, or API key and secret).
func EnvHasCredentials() bool {
	if EnvAccountSID() == "" {
		return false
	}
	return firstEnv("SIPCTL_AUTH_TOKEN", "TWILIO_AUTH_TOKEN", "SIPCTL_API_SECRET", "TWILIO_API_SECRET") != ""
}

// FirstEnv is the first of the variables that is set, or "".
func FirstEnv(names ...string) string { return firstEnv(names...) }

func firstEnv(names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return ""
}

func unwrapPath(err error) error {
	var perr *fs.PathError
	if errors.As(err, &perr) {
		return perr.Err
	}
	return err
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// describeValue shows a YAML value the way the file wrote it, briefly.
func describeValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "empty"
	case []any:
		return fmt.Sprintf("a list %v", x)
	case map[string]any:
		return "a mapping"
	}
	return fmt.Sprintf("%q", fmt.Sprint(v))
}

func article(typ string) string {
	switch typ {
	case "string":
		return "a string"
	case "int", "int64":
		return "a whole number"
	case "bool":
		return "true or false"
	}
	return typ
}
