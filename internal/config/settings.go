package config

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"regexp"
	"strings"

	"github.com/sipctl/sipctl/internal/password"
)

// Setting is one key of a profile that `sipctl profile set/get` reads and
// writes, with the rule its value must follow. The same rules check the
// config file when it is read.
type Setting struct {
	Key     string
	Help    string
	Allowed string // what is allowed, for error messages and help
	// Check returns the value as stored (normalised), or an error.
	Check func(string) (string, error)
	field func(*Profile) *string
	// providers, when set, are the only providers whose profiles the rule
	// applies to (an AC… SID means nothing to Kamailio).
	providers []string
}

var (
	accountSIDPattern = regexp.MustCompile(`^AC[0-9a-fA-F]{32}$`)
	apiKeySIDPattern  = regexp.MustCompile(`^SK[0-9a-fA-F]{32}$`)
	spacePattern      = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	uuidPattern       = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	domainPattern     = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$`)
)

// Settings are the profile keys, in the order help lists them.
var Settings = []Setting{
	{Key: "provider", Help: "the provider the profile's account is at", Allowed: strings.Join(ProviderNames, ", "),
		Check: func(v string) (string, error) {
			v = strings.ToLower(v)
			for _, n := range ProviderNames {
				if v == n {
					return v, nil
				}
			}
			return "", errNotAllowed
		}, field: func(p *Profile) *string { return &p.Provider }},
	{Key: "account_sid", Help: "the Twilio account", Allowed: "an account SID: AC followed by 32 hexadecimal digits",
		Check: matching(accountSIDPattern), field: func(p *Profile) *string { return &p.AccountSID }, providers: []string{ProviderTwilio}},
	{Key: "api_key_sid", Help: "the Twilio API key to authenticate with instead of the auth token", Allowed: "an API key SID: SK followed by 32 hexadecimal digits",
		Check: matching(apiKeySIDPattern), field: func(p *Profile) *string { return &p.APIKeySID }, providers: []string{ProviderTwilio}},
	{Key: "api_url", Help: "the API's base URL (e.g. a `sipctl sandbox serve`)", Allowed: "an https URL, or http on a loopback address, with no user, query or fragment",
		Check: checkAPIURL, field: func(p *Profile) *string { return &p.APIURL }},
	{Key: "default_domain", Help: "the SIP domain commands use when none is given", Allowed: "a SIP domain name: its short form (office) or its full name (office.sip.twilio.com)",
		Check: func(v string) (string, error) {
			v = strings.TrimSuffix(strings.ToLower(v), ".")
			if len(v) > 253 || !domainPattern.MatchString(v) {
				return "", errNotAllowed
			}
			return v, nil
		}, field: func(p *Profile) *string { return &p.DefaultDomain }},
	{Key: "password_policy", Help: "the policy new passwords follow", Allowed: "a built-in policy (" + strings.Join(password.Names(), ", ") + ") or settings such as \"base=strict min=14\"",
		Check: func(v string) (string, error) {
			if _, err := password.Parse(v); err != nil {
				return "", err
			}
			return strings.TrimSpace(v), nil
		}, field: func(p *Profile) *string { return &p.PasswordPolicy }},
	{Key: "registrar", Help: "the SIP registrar `accounts check` and --verify send REGISTER to, instead of the domain's DNS", Allowed: "host:port, e.g. 127.0.0.1:5060 or sip.example.com:5060",
		Check: func(v string) (string, error) {
			host, port, err := net.SplitHostPort(v)
			if err != nil || host == "" || port == "" {
				return "", errNotAllowed
			}
			return v, nil
		}, field: func(p *Profile) *string { return &p.Registrar }},
	{Key: "db_url", Help: "Kamailio's database (its db_url), never with a password in it", Allowed: "a database URL with no password, e.g. postgres://kamailio@db.example.com/kamailio or sqlite:///var/lib/kamailio/kamailio.db",
		Check: func(v string) (string, error) {
			u, err := url.Parse(v)
			if err != nil || u.Scheme == "" {
				return "", errNotAllowed
			}
			if _, hasPassword := u.User.Password(); hasPassword {
				return "", fmt.Errorf("it holds a password: give the password at `sipctl auth login` or in SIPCTL_DB_PASSWORD")
			}
			return v, nil
		}, field: func(p *Profile) *string { return &p.DBURL }, providers: []string{ProviderKamailio}},
	{Key: "rpc_url", Help: "Kamailio's jsonrpcs endpoint", Allowed: "an http or https URL, e.g. http://127.0.0.1:5071/RPC",
		Check: func(v string) (string, error) {
			u, err := url.Parse(v)
			if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || u.User != nil {
				return "", errNotAllowed
			}
			return v, nil
		}, field: func(p *Profile) *string { return &p.RPCURL }, providers: []string{ProviderKamailio}},
	{Key: "space", Help: "the SignalWire space (NAME of NAME.signalwire.com)", Allowed: "a space name: lower-case letters, digits and hyphens, at most 63",
		Check: func(v string) (string, error) {
			v = strings.ToLower(v)
			if !spacePattern.MatchString(v) {
				return "", errNotAllowed
			}
			return v, nil
		}, field: func(p *Profile) *string { return &p.Space }, providers: []string{ProviderSignalWire}},
	{Key: "project_id", Help: "the SignalWire project", Allowed: "a project ID: a UUID, as the space's API page shows it",
		Check: matching(uuidPattern), field: func(p *Profile) *string { return &p.ProjectID }, providers: []string{ProviderSignalWire}},
}

// ProviderNames are the providers a profile may name.
var ProviderNames = []string{ProviderTwilio, ProviderSandbox, ProviderKamailio, ProviderTelnyx, ProviderSignalWire}

// appliesTo reports whether the setting's rule holds for p's provider.
func (s Setting) appliesTo(p *Profile) bool {
	if len(s.providers) == 0 {
		return true
	}
	for _, n := range s.providers {
		if n == p.Provider {
			return true
		}
	}
	return false
}

var errNotAllowed = fmt.Errorf("not allowed")

func matching(re *regexp.Regexp) func(string) (string, error) {
	return func(v string) (string, error) {
		if !re.MatchString(v) {
			return "", errNotAllowed
		}
		return v, nil
	}
}

func checkAPIURL(v string) (string, error) {
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", errNotAllowed
	}
	switch u.Scheme {
	case "https":
	case "http":
		host := u.Hostname()
		if a, err := netip.ParseAddr(host); !(host == "localhost" || err == nil && a.IsLoopback()) {
			return "", fmt.Errorf("http is allowed only for loopback addresses")
		}
	default:
		return "", errNotAllowed
	}
	return strings.TrimRight(v, "/"), nil
}

// SettingKeys lists the keys `profile set/get` accept.
func SettingKeys() []string {
	keys := make([]string, len(Settings))
	for i, s := range Settings {
		keys[i] = s.Key
	}
	return keys
}

// LookupSetting finds a key; an unknown one is an error naming the keys.
func LookupSetting(key string) (Setting, error) {
	k := strings.ReplaceAll(strings.ToLower(key), "-", "_")
	for _, s := range Settings {
		if s.Key == k {
			return s, nil
		}
	}
	return Setting{}, fmt.Errorf("unknown profile setting %q; settings: %s", key, strings.Join(SettingKeys(), ", "))
}

// Get is the setting's value on p ("" when unset).
func (s Setting) Get(p *Profile) string { return *s.field(p) }

// Set checks value and stores it on p; "" clears an optional setting.
func (s Setting) Set(p *Profile, value string) error {
	if value == "" {
		if s.Key == "provider" {
			return fmt.Errorf("provider cannot be empty: %s", s.Allowed)
		}
		*s.field(p) = ""
		return nil
	}
	if !s.appliesTo(p) {
		return fmt.Errorf("%s is a setting of %s profiles; profile %q is %s", s.Key, strings.Join(s.providers, ", "), p.Name, p.Provider)
	}
	v, err := s.Validate(value)
	if err != nil {
		return err
	}
	*s.field(p) = v
	return nil
}

// Validate checks value against the setting's rule; the error names the key,
// the value and what is allowed.
func (s Setting) Validate(value string) (string, error) {
	v, err := s.Check(strings.TrimSpace(value))
	if err == nil {
		return v, nil
	}
	if err == errNotAllowed {
		return "", fmt.Errorf("%s %q is not allowed: expected %s", s.Key, value, s.Allowed)
	}
	return "", fmt.Errorf("%s %q is not allowed: %v (expected %s)", s.Key, value, err, s.Allowed)
}

// validateProfile checks every set value of p as the config file holds it.
func validateProfile(p *Profile) error {
	for _, s := range Settings {
		// Providers are registered by name in the factory, which reports an
		// unknown one when the profile is used.
		if s.Key == "provider" {
			continue
		}
		if v := s.Get(p); v != "" && s.appliesTo(p) {
			if _, err := s.Validate(v); err != nil {
				return err
			}
		}
	}
	return nil
}
