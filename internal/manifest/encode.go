package manifest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/sipctl/sipctl/internal/provider"

	"go.yaml.in/yaml/v3"
)

// The on-disk shape, for writing (export) and for the schema's field names.
type fileOut struct {
	Provider string      `yaml:"provider,omitempty"`
	Policy   string      `yaml:"policy,omitempty"`
	Domains  []domainOut `yaml:"domains,omitempty"`
	IPACLs   []ipaclOut  `yaml:"ip_acls,omitempty"`
}

type domainOut struct {
	Name     string        `yaml:"name"`
	Accounts []any         `yaml:"accounts"`
	IPACLs   []string      `yaml:"ip_acls,omitempty"`
	Twilio   *twilioDomOut `yaml:"twilio,omitempty"`
}

type twilioDomOut struct {
	CredentialList string `yaml:"credential_list"`
}

type accountOut struct {
	Username string     `yaml:"username"`
	TTL      string     `yaml:"ttl,omitempty"`
	Telnyx   *telnyxOut `yaml:"telnyx,omitempty"`
}

// FormatTTL writes a TTL as a file does: 7d, 2h, 1h30m, 45m.
func FormatTTL(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	s := d.Truncate(time.Minute).String()
	s = strings.TrimSuffix(s, "0s")
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

type telnyxOut struct {
	ConnectionName         string `yaml:"connection_name,omitempty"`
	ChannelLimit           int    `yaml:"channel_limit,omitempty"`
	CallerID               string `yaml:"caller_id,omitempty"`
	OutboundVoiceProfileID string `yaml:"outbound_voice_profile_id,omitempty"`
}

type ipaclOut struct {
	Name      string `yaml:"name"`
	AllowWide bool   `yaml:"allow_wide,omitempty"`
	Addresses []any  `yaml:"addresses"`
}

type addressOut struct {
	Address string `yaml:"address"`
	Name    string `yaml:"name"`
}

// Encode writes f as YAML, accounts with no settings as bare usernames.
func Encode(f *File) ([]byte, error) {
	out := fileOut{Provider: f.Provider, Policy: f.Policy}
	for _, d := range f.Domains {
		do := domainOut{Name: d.Name, IPACLs: d.IPACLs, Accounts: []any{}}
		if d.Twilio != nil {
			do.Twilio = &twilioDomOut{CredentialList: d.Twilio.CredentialList}
		}
		for _, a := range d.Accounts {
			if a.Telnyx == nil && a.TTL == 0 {
				do.Accounts = append(do.Accounts, a.Username)
				continue
			}
			ao := accountOut{Username: a.Username}
			if a.TTL > 0 {
				ao.TTL = FormatTTL(a.TTL)
			}
			if t := a.Telnyx; t != nil {
				ao.Telnyx = &telnyxOut{ConnectionName: t.ConnectionName, ChannelLimit: t.ChannelLimit, CallerID: t.CallerID, OutboundVoiceProfileID: t.OutboundVoiceProfileID}
			}
			do.Accounts = append(do.Accounts, ao)
		}
		out.Domains = append(out.Domains, do)
	}
	for _, acl := range f.IPACLs {
		ao := ipaclOut{Name: acl.Name, AllowWide: acl.AllowWide, Addresses: []any{}}
		for _, a := range acl.Addresses {
			if a.Name != "" {
				ao.Addresses = append(ao.Addresses, addressOut{Address: a.String(), Name: a.Name})
			} else {
				ao.Addresses = append(ao.Addresses, a.String())
			}
			if a.Prefix < provider.WidestPrefix {
				ao.AllowWide = true // what apply needs to read it back
			}
		}
		out.IPACLs = append(out.IPACLs, ao)
	}
	var buf bytes.Buffer
	buf.WriteString("# sipctl manifest: `sipctl plan -f FILE` shows what applying it would change.\n")
	buf.WriteString("# Passwords are never written here; new accounts get theirs in the handover.\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(out); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// EncodeJSON writes f as JSON, which Parse reads too.
func EncodeJSON(f *File) ([]byte, error) {
	y, err := Encode(f)
	if err != nil {
		return nil, err
	}
	var v any
	if err := yaml.Unmarshal(y, &v); err != nil {
		return nil, err
	}
	if v == nil {
		v = map[string]any{}
	}
	b, err := json.MarshalIndent(v, "", "  ")
	return append(b, '\n'), err
}
