package telnyx

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/url"
)

// CredentialConnection is Telnyx's SIP account: a username and password a
// phone registers with at sip.telnyx.com, with per-connection settings.
type CredentialConnection struct {
	ID             string   `json:"id"`
	RecordType     string   `json:"record_type"`
	Active         bool     `json:"active"`
	UserName       string   `json:"user_name"`
	ConnectionName string   `json:"connection_name"`
	Tags           []string `json:"tags"`
	CreatedAt      string   `json:"created_at"`
	UpdatedAt      string   `json:"updated_at"`
	Inbound        Inbound  `json:"inbound"`
	Outbound       Outbound `json:"outbound"`
}

// Inbound holds a connection's inbound settings sipctl shows.
type Inbound struct {
	// ChannelLimit is the most simultaneous inbound calls; nil is no limit.
	ChannelLimit *int `json:"channel_limit"`
}

// Outbound holds a connection's outbound settings sipctl shows.
type Outbound struct {
	ChannelLimit *int `json:"channel_limit"`
	// ANIOverride is the caller ID shown on outbound calls ("" is none).
	ANIOverride     string `json:"ani_override"`
	ANIOverrideType string `json:"ani_override_type,omitempty"`
	// OutboundVoiceProfileID says which destinations and spend limits apply.
	OutboundVoiceProfileID string `json:"outbound_voice_profile_id,omitempty"`
}

// UnmarshalJSON accepts the id as a string (as documented) or a number.
func (c *CredentialConnection) UnmarshalJSON(b []byte) error {
	type plain CredentialConnection
	var v struct {
		plain
		ID json.RawMessage `json:"id"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*c = CredentialConnection(v.plain)
	c.ID = rawID(v.ID)
	return nil
}

func rawID(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// ConnectionParams creates or updates a credential connection; nil fields
// are left out, so an update changes only what was named.
type ConnectionParams struct {
	UserName       *string         `json:"user_name,omitempty"`
	Password       *string         `json:"password,omitempty"`
	ConnectionName *string         `json:"connection_name,omitempty"`
	Active         *bool           `json:"active,omitempty"`
	Inbound        *InboundParams  `json:"inbound,omitempty"`
	Outbound       *OutboundParams `json:"outbound,omitempty"`
	Tags           []string        `json:"tags,omitempty"`
}

// InboundParams changes inbound settings.
type InboundParams struct {
	ChannelLimit *int `json:"channel_limit,omitempty"`
}

// OutboundParams changes outbound settings.
type OutboundParams struct {
	ChannelLimit           *int    `json:"channel_limit,omitempty"`
	ANIOverride            *string `json:"ani_override,omitempty"`
	ANIOverrideType        *string `json:"ani_override_type,omitempty"`
	OutboundVoiceProfileID *string `json:"outbound_voice_profile_id,omitempty"`
}

type connectionEnvelope struct {
	Data CredentialConnection `json:"data"`
}

func connectionPath(id string) (string, error) {
	if !ValidID(id) {
		return "", fmt.Errorf("%q is not a Telnyx credential connection id (digits)", id)
	}
	return "/credential_connections/" + id, nil
}

// ValidID reports whether s looks like a Telnyx resource id (an int64 in
// decimal, as Telnyx writes connection and profile ids).
func ValidID(s string) bool {
	if s == "" || len(s) > 19 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ConnectionQuery narrows ListConnections.
type ConnectionQuery struct {
	// NameContains is filter[connection_name][contains].
	NameContains string
	// OutboundVoiceProfileID is filter[outbound_voice_profile_id].
	OutboundVoiceProfileID string
	// PageSize is page[size] (default and most: 250).
	PageSize int
}

// ListConnections streams credential connections, one page in memory.
func (c *Client) ListConnections(ctx context.Context, q ConnectionQuery) iter.Seq2[CredentialConnection, error] {
	v := url.Values{}
	if q.NameContains != "" {
		v.Set("filter[connection_name][contains]", q.NameContains)
	}
	if q.OutboundVoiceProfileID != "" {
		v.Set("filter[outbound_voice_profile_id]", q.OutboundVoiceProfileID)
	}
	size := q.PageSize
	if size == 0 {
		size = c.pageSize
	}
	return List[CredentialConnection](ctx, c, "/credential_connections", v, size)
}

// GetConnection fetches one connection by id.
func (c *Client) GetConnection(ctx context.Context, id string) (CredentialConnection, error) {
	p, err := connectionPath(id)
	if err != nil {
		return CredentialConnection{}, err
	}
	var env connectionEnvelope
	err = c.Do(ctx, Request{Method: "GET", Path: p}, &env)
	return env.Data, err
}

// CreateConnection creates a credential connection.
func (c *Client) CreateConnection(ctx context.Context, p ConnectionParams) (CredentialConnection, error) {
	if p.UserName == nil || p.Password == nil {
		return CredentialConnection{}, fmt.Errorf("creating a credential connection needs a user name and a password")
	}
	if p.ConnectionName == nil {
		p.ConnectionName = p.UserName
	}
	var env connectionEnvelope
	err := c.Do(ctx, Request{Method: "POST", Path: "/credential_connections", Body: p}, &env)
	return env.Data, err
}

// UpdateConnection changes the named settings of a connection. A password
// change is safe to repeat (the value is decided before the request).
func (c *Client) UpdateConnection(ctx context.Context, id string, p ConnectionParams) (CredentialConnection, error) {
	path, err := connectionPath(id)
	if err != nil {
		return CredentialConnection{}, err
	}
	var env connectionEnvelope
	err = c.Do(ctx, Request{Method: "PATCH", Path: path, Body: p, Idempotent: true}, &env)
	return env.Data, err
}

// DeleteConnection deletes a connection.
func (c *Client) DeleteConnection(ctx context.Context, id string) error {
	p, err := connectionPath(id)
	if err != nil {
		return err
	}
	return c.Do(ctx, Request{Method: "DELETE", Path: p}, nil)
}

// RegistrationStatus is check_registration_status's answer.
type RegistrationStatus struct {
	RecordType       string `json:"record_type"`
	SIPUsername      string `json:"sip_username"`
	Status           string `json:"status"`
	IPAddress        string `json:"ip_address"`
	Port             int    `json:"port"`
	Transport        string `json:"transport"`
	UserAgent        string `json:"user_agent"`
	LastRegistration string `json:"last_registration"`
}

// CheckRegistrationStatus asks Telnyx whether a connection's phone is registered.
func (c *Client) CheckRegistrationStatus(ctx context.Context, id string) (RegistrationStatus, error) {
	p, err := connectionPath(id)
	if err != nil {
		return RegistrationStatus{}, err
	}
	var env struct {
		Data RegistrationStatus `json:"data"`
	}
	// A read, despite the POST: safe to repeat.
	err = c.Do(ctx, Request{Method: "POST", Path: p + "/actions/check_registration_status", Idempotent: true}, &env)
	return env.Data, err
}

// ValidateUserName checks a credential connection's user_name against
// Telnyx's rule: 4 to 32 letters and digits.
func ValidateUserName(u string) error {
	switch {
	case u == "":
		return fmt.Errorf("empty username")
	case len(u) < MinUserName || len(u) > MaxUserName:
		return fmt.Errorf("username %q is %d characters: Telnyx requires %d to %d letters and digits", u, len(u), MinUserName, MaxUserName)
	}
	for i, ch := range []rune(u) {
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9') {
			return fmt.Errorf("username %q has %q at position %d: Telnyx allows only letters and digits (4 to 32)", u, ch, i+1)
		}
	}
	return nil
}

// Telnyx's user_name length rule.
const (
	MinUserName = 4
	MaxUserName = 32
)
