package telnyx

import (
	"context"
	"fmt"
	"iter"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sipctl/sipctl/internal/provider"
)

// Registrar is where every Telnyx credential connection registers; it is
// also the digest realm.
const Registrar = "sip.telnyx.com"

// Attribute names of a Telnyx SIP account (provider.SIPAccount.Attributes).
const (
	AttrConnectionName   = "connection_name"
	AttrActive           = "active"
	AttrInboundLimit     = "inbound_channel_limit"
	AttrOutboundLimit    = "outbound_channel_limit"
	AttrCallerID         = "ani_override"
	AttrOutboundProfile  = "outbound_voice_profile_id"
	OptionConnectionName = "connection_name"
)

var (
	_ provider.SIPAccounts   = (*Client)(nil)
	_ provider.Registrations = (*Client)(nil)
	_ provider.Explainer     = (*Client)(nil)
)

// registrar is sip.telnyx.com as phones reach it.
var registrar = provider.Registrar{
	Host: Registrar,
	Transports: []provider.Transport{
		{Protocol: "UDP", Port: 5060}, {Protocol: "TCP", Port: 5060}, {Protocol: "TLS", Port: 5061},
	},
}

// CanonicalDomain implements provider.SIPAccounts: Telnyx has one
// registrar, so the only domain is sip.telnyx.com (a Telnyx profile has it
// as its default domain).
func (c *Client) CanonicalDomain(name string) (string, error) {
	n := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(name), "."))
	if n == Registrar {
		return Registrar, nil
	}
	if n == "" {
		return "", fmt.Errorf("empty domain: every Telnyx credential connection registers at %s", Registrar)
	}
	return "", fmt.Errorf("%q is not a Telnyx SIP domain: every Telnyx credential connection registers at %s (leave out --domain)", name, Registrar)
}

// checkDomain accepts sip.telnyx.com, or no domain (the only one).
func (c *Client) checkDomain(d string) error {
	if strings.TrimSpace(d) == "" {
		return nil
	}
	_, err := c.CanonicalDomain(d)
	return err
}

// ValidateUsername implements provider.SIPAccounts.
func (c *Client) ValidateUsername(u string) error { return ValidateUserName(u) }

// Lacks implements provider.Explainer.
func (c *Client) Lacks(what string) string {
	switch what {
	case provider.WhatCredentialLists, provider.WhatCredentials:
		return "each credential connection is one SIP account with its own username and password; use `sipctl accounts`"
	case provider.WhatMappings:
		return "credential connections register at " + Registrar + " without being attached to a domain"
	case provider.WhatDomainSettings:
		return Registrar + " is Telnyx's one registrar and has no settings; per-account settings are on the connection"
	case provider.WhatCallerIDs:
		return "a connection's outbound caller ID is one of its settings (ani_override)"
	}
	return ""
}

// toAccount is the neutral view of a connection.
func toAccount(cc CredentialConnection) provider.SIPAccount {
	a := provider.SIPAccount{
		Ref:       cc.ID,
		Username:  cc.UserName,
		Domain:    Registrar,
		Registrar: registrar,
		Attributes: map[string]string{
			AttrConnectionName: cc.ConnectionName,
			AttrActive:         strconv.FormatBool(cc.Active),
			AttrCallerID:       cc.Outbound.ANIOverride,
		},
	}
	a.Created = parseTime(cc.CreatedAt)
	a.ExpiresAt = TagExpiry(cc.Tags)
	if cc.Inbound.ChannelLimit != nil {
		a.Attributes[AttrInboundLimit] = strconv.Itoa(*cc.Inbound.ChannelLimit)
	}
	if cc.Outbound.ChannelLimit != nil {
		a.Attributes[AttrOutboundLimit] = strconv.Itoa(*cc.Outbound.ChannelLimit)
	}
	if cc.Outbound.OutboundVoiceProfileID != "" {
		a.Attributes[AttrOutboundProfile] = cc.Outbound.OutboundVoiceProfileID
	}
	return a
}

// parseTime reads Telnyx's ISO 8601 times (with or without a zone).
func parseTime(s string) time.Time {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04:05.999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// ListSIPAccounts implements provider.SIPAccounts.
func (c *Client) ListSIPAccounts(ctx context.Context, q provider.AccountQuery) iter.Seq2[provider.SIPAccount, error] {
	return func(yield func(provider.SIPAccount, error) bool) {
		if err := c.checkDomain(q.Domain); err != nil {
			yield(provider.SIPAccount{}, err)
			return
		}
		for cc, err := range c.ListConnections(ctx, ConnectionQuery{}) {
			if err != nil {
				yield(provider.SIPAccount{}, err)
				return
			}
			if !yield(toAccount(cc), nil) {
				return
			}
		}
	}
}

// FindConnection finds the connection whose user_name is username. Telnyx
// cannot filter by user name, so it asks for connections whose name
// contains it (sipctl names them after the user), then scans every one.
func (c *Client) FindConnection(ctx context.Context, username string) (CredentialConnection, error) {
	if err := ValidateUserName(username); err != nil {
		return CredentialConnection{}, err
	}
	for _, q := range []ConnectionQuery{{NameContains: username}, {}} {
		for cc, err := range c.ListConnections(ctx, q) {
			if err != nil {
				return CredentialConnection{}, err
			}
			if cc.UserName == username {
				return cc, nil
			}
		}
	}
	return CredentialConnection{}, fmt.Errorf("no Telnyx credential connection has the user name %q: %w", username, provider.ErrNotFound)
}

// GetSIPAccount implements provider.SIPAccounts.
func (c *Client) GetSIPAccount(ctx context.Context, username, domain string) (provider.SIPAccount, error) {
	if err := c.checkDomain(domain); err != nil {
		return provider.SIPAccount{}, err
	}
	cc, err := c.FindConnection(ctx, username)
	if err != nil {
		return provider.SIPAccount{}, err
	}
	return toAccount(cc), nil
}

// CreateSIPAccount implements provider.SIPAccounts: a credential
// connection named after the user (Options["connection_name"] overrides).
func (c *Client) CreateSIPAccount(ctx context.Context, a provider.NewSIPAccount) (provider.SIPAccount, error) {
	if err := c.checkDomain(a.Domain); err != nil {
		return provider.SIPAccount{}, err
	}
	if err := ValidateUserName(a.Username); err != nil {
		return provider.SIPAccount{}, err
	}
	if err := ValidatePassword(a.Password); err != nil {
		return provider.SIPAccount{}, err
	}
	name := a.Username
	if n := a.Options[OptionConnectionName]; n != "" {
		name = n
	}
	tags, err := expiryTags(a.Options)
	if err != nil {
		return provider.SIPAccount{}, err
	}
	user, pw := a.Username, a.Password
	cc, err := c.CreateConnection(ctx, ConnectionParams{UserName: &user, Password: &pw, ConnectionName: &name, Tags: tags})
	if err != nil {
		return provider.SIPAccount{}, err
	}
	return toAccount(cc), nil
}

// SetSIPPassword implements provider.SIPAccounts (PATCH password).
func (c *Client) SetSIPPassword(ctx context.Context, a provider.SIPAccount, password string) error {
	if err := ValidatePassword(password); err != nil {
		return err
	}
	id, err := c.refOf(ctx, a)
	if err != nil {
		return err
	}
	_, err = c.UpdateConnection(ctx, id, ConnectionParams{Password: &password})
	return err
}

// DeleteSIPAccount implements provider.SIPAccounts.
func (c *Client) DeleteSIPAccount(ctx context.Context, a provider.SIPAccount) error {
	id, err := c.refOf(ctx, a)
	if err != nil {
		return err
	}
	return c.DeleteConnection(ctx, id)
}

func (c *Client) refOf(ctx context.Context, a provider.SIPAccount) (string, error) {
	if a.Ref != "" {
		if !ValidID(a.Ref) {
			return "", fmt.Errorf("%q is not a Telnyx SIP account reference (a credential connection id)", a.Ref)
		}
		return a.Ref, nil
	}
	cc, err := c.FindConnection(ctx, a.Username)
	return cc.ID, err
}

// ValidatePassword checks Telnyx's password rule (8 to 128 characters)
// before any request; the rule is named, the password never shown.
func ValidatePassword(pw string) error {
	n := len([]rune(pw))
	if n < MinPassword || n > MaxPassword {
		return fmt.Errorf("password rejected: it has %d characters; Telnyx requires %d to %d", n, MinPassword, MaxPassword)
	}
	return nil
}

// Telnyx's password length rule for credential connections.
const (
	MinPassword = 8
	MaxPassword = 128
)

// RegistrationStatus implements provider.Registrations: one
// check_registration_status per account, at most StatusConcurrency at once.
// The first error stops the remaining checks and is returned.
func (c *Client) RegistrationStatus(parent context.Context, accounts []provider.SIPAccount) (map[string]provider.Registration, error) {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	out := make(map[string]provider.Registration, len(accounts))
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	sem := make(chan struct{}, c.statusLimit)
	for _, a := range accounts {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			id, err := c.refOf(ctx, a)
			var st RegistrationStatus
			if err == nil {
				st, err = c.CheckRegistrationStatus(ctx, id)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = fmt.Errorf("registration status of %s: %w", a.Username, err)
					cancel()
				}
				return
			}
			out[a.Ref] = toRegistration(st)
		})
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := parent.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

func toRegistration(st RegistrationStatus) provider.Registration {
	r := provider.Registration{State: registrationState(st.Status), UserAgent: st.UserAgent, Transport: st.Transport}
	if st.IPAddress != "" {
		r.Source = st.IPAddress
		if st.Port > 0 {
			r.Source = net.JoinHostPort(st.IPAddress, strconv.Itoa(st.Port))
		}
		// Telnyx reports where the phone registered from, not its Contact
		// URI; this is the contact that address makes.
		if r.State == provider.Registered {
			r.Contact = "sip:" + st.SIPUsername + "@" + r.Source
			if st.Transport != "" && !strings.EqualFold(st.Transport, "UDP") {
				r.Contact += ";transport=" + strings.ToLower(st.Transport)
			}
		}
	}
	r.LastSeen = parseTime(st.LastRegistration)
	return r
}

func registrationState(s string) provider.RegistrationState {
	switch strings.ToLower(s) {
	case "registered":
		return provider.Registered
	case "not registered", "unregistered":
		return provider.NotRegistered
	case "failed":
		return provider.RegistrationFailed
	case "expired":
		return provider.RegistrationExpired
	}
	return provider.RegistrationUnknown
}
