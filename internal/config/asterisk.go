package config

import (
	"net"
	"strconv"
	"strings"
)

// ProviderAsterisk is Asterisk's PJSIP realtime database.
const ProviderAsterisk = "asterisk"

// Asterisk are an asterisk profile's own settings (its database is db_url,
// its registrar registrar). All are strings so `profile set` handles them
// as every other key.
type Asterisk struct {
	// Realm is the digest realm md5_cred is computed with (default asterisk).
	Realm string `yaml:"realm,omitempty" mapstructure:"realm" json:"realm,omitempty"`
	// AMI is the manager interface HOST:PORT and AMIUser its manager.conf
	// user (the secret is in the keyring, or SIPCTL_AMI_SECRET).
	AMI     string `yaml:"ami,omitempty" mapstructure:"ami" json:"ami,omitempty"`
	AMIUser string `yaml:"ami_user,omitempty" mapstructure:"ami_user" json:"ami_user,omitempty"`
	// AMIAuthCache names sorcery's memory cache of auths, expired after a
	// password change (default res_pjsip/auth; - for none).
	AMIAuthCache string `yaml:"ami_auth_cache,omitempty" mapstructure:"ami_auth_cache" json:"ami_auth_cache,omitempty"`
	// EndpointTemplate names an existing endpoint new accounts copy the
	// settings of; else EndpointContext, EndpointTransport and
	// EndpointAllow are written.
	EndpointTemplate  string `yaml:"endpoint_template,omitempty" mapstructure:"endpoint_template" json:"endpoint_template,omitempty"`
	EndpointContext   string `yaml:"endpoint_context,omitempty" mapstructure:"endpoint_context" json:"endpoint_context,omitempty"`
	EndpointTransport string `yaml:"endpoint_transport,omitempty" mapstructure:"endpoint_transport" json:"endpoint_transport,omitempty"`
	EndpointAllow     string `yaml:"endpoint_allow,omitempty" mapstructure:"endpoint_allow" json:"endpoint_allow,omitempty"`
	// MaxContacts and RemoveExisting go to new ps_aors rows (1 and yes).
	MaxContacts    string `yaml:"max_contacts,omitempty" mapstructure:"max_contacts" json:"max_contacts,omitempty"`
	RemoveExisting string `yaml:"remove_existing,omitempty" mapstructure:"remove_existing" json:"remove_existing,omitempty"`
}

func init() {
	ProviderNames = append(ProviderNames, ProviderAsterisk)
	for i := range Settings {
		if Settings[i].Key == "db_url" {
			Settings[i].providers = append(Settings[i].providers, ProviderAsterisk)
			Settings[i].Help = "the database (Kamailio's db_url, Asterisk's realtime database), never with a password in it"
		}
	}
	name := func(v string) (string, error) {
		v = strings.TrimSpace(v)
		if v == "" || len(v) > 80 || strings.ContainsAny(v, " \t\r\n,;'\"") {
			return "", errNotAllowed
		}
		return v, nil
	}
	only := []string{ProviderAsterisk}
	Settings = append(Settings,
		Setting{Key: "realm", Help: "Asterisk: the digest realm of the accounts' auths (default asterisk)", Allowed: "a realm such as asterisk or pbx.example.com",
			Check: name, field: func(p *Profile) *string { return &p.Realm }, providers: only},
		Setting{Key: "ami", Help: "Asterisk: the manager interface, for registration status and cache expiry", Allowed: "host:port, e.g. 127.0.0.1:5038",
			Check: func(v string) (string, error) {
				host, port, err := net.SplitHostPort(v)
				if err != nil || host == "" || port == "" {
					return "", errNotAllowed
				}
				return v, nil
			}, field: func(p *Profile) *string { return &p.AMI }, providers: only},
		Setting{Key: "ami_user", Help: "Asterisk: the manager.conf user sipctl logs in as", Allowed: "a manager user name",
			Check: name, field: func(p *Profile) *string { return &p.AMIUser }, providers: only},
		Setting{Key: "ami_auth_cache", Help: "Asterisk: the sorcery memory cache of auths the AMI expires after a password change (default res_pjsip/auth; - when auths are not cached)", Allowed: "a cache name, or -",
			Check: name, field: func(p *Profile) *string { return &p.AMIAuthCache }, providers: only},
		Setting{Key: "endpoint_template", Help: "Asterisk: an existing endpoint whose settings new accounts copy", Allowed: "an endpoint id",
			Check: name, field: func(p *Profile) *string { return &p.EndpointTemplate }, providers: only},
		Setting{Key: "endpoint_context", Help: "Asterisk: the dialplan context of new endpoints (without a template)", Allowed: "a context name",
			Check: name, field: func(p *Profile) *string { return &p.EndpointContext }, providers: only},
		Setting{Key: "endpoint_transport", Help: "Asterisk: the transport of new endpoints (without a template)", Allowed: "a transport name",
			Check: name, field: func(p *Profile) *string { return &p.EndpointTransport }, providers: only},
		Setting{Key: "endpoint_allow", Help: "Asterisk: the codecs of new endpoints, written with disallow=all (without a template)", Allowed: "codecs such as ulaw,alaw,g722",
			Check: func(v string) (string, error) {
				v = strings.ReplaceAll(strings.TrimSpace(v), " ", "")
				if v == "" || strings.ContainsAny(v, ";'\"") {
					return "", errNotAllowed
				}
				return v, nil
			}, field: func(p *Profile) *string { return &p.EndpointAllow }, providers: only},
		Setting{Key: "max_contacts", Help: "Asterisk: how many phones may register to a new account (default 1)", Allowed: "a number from 1 to 100",
			Check: func(v string) (string, error) {
				n, err := strconv.Atoi(strings.TrimSpace(v))
				if err != nil || n < 1 || n > 100 {
					return "", errNotAllowed
				}
				return strconv.Itoa(n), nil
			}, field: func(p *Profile) *string { return &p.MaxContacts }, providers: only},
		Setting{Key: "remove_existing", Help: "Asterisk: whether a new registration replaces the oldest when max_contacts is reached (default yes)", Allowed: "yes or no",
			Check: func(v string) (string, error) {
				switch v = strings.ToLower(strings.TrimSpace(v)); v {
				case "yes", "no":
					return v, nil
				}
				return "", errNotAllowed
			}, field: func(p *Profile) *string { return &p.RemoveExisting }, providers: only},
	)
}
