package signalwire

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"unicode"

	"github.com/sipctl/sipctl/internal/provider"
)

// Attribute names of a SignalWire SIP account (provider.SIPAccount.Attributes).
// caller_name is SignalWire's caller_id: the name (CNAM) calls show;
// send_as is the number PSTN calls come from.
const (
	AttrSendAs     = "send_as"
	AttrCallerName = "caller_name"
	AttrCodecs     = "codecs"
	AttrEncryption = "encryption"
	AttrCiphers    = "ciphers"
)

// Codecs are the values the document's Codecs enum allows.
var Codecs = []string{"PCMU", "PCMA", "G722", "G729", "OPUS", "OPUS@48000H@20I", "OPUS@24000H@20I", "OPUS@16000H@20I", "OPUS@8000H@20I", "VP8", "H264"}

// Encryptions are the values of an endpoint's encryption.
var Encryptions = []string{"default", "required", "optional"}

// SendAsRandom is send_as's "a purchased or verified number at random",
// what --caller-id none sets.
const SendAsRandom = "random"

var (
	_ provider.SIPAccounts = (*Client)(nil)
	_ provider.Settings    = (*Client)(nil)
	_ provider.Explainer   = (*Client)(nil)
)

// registrar is SPACE.sip.signalwire.com as phones reach it; SRTP when the
// endpoint requires encryption.
func (c *Client) registrar(encryption string) provider.Registrar {
	return provider.Registrar{
		Host: c.SIPDomain(),
		Transports: []provider.Transport{
			{Protocol: "UDP", Port: 5060}, {Protocol: "TCP", Port: 5060}, {Protocol: "TLS", Port: 5061},
		},
		SRTP: encryption == "required",
	}
}

// CanonicalDomain implements provider.SIPAccounts: a space has one SIP
// domain, SPACE.sip.signalwire.com; the bare space name completes to it.
func (c *Client) CanonicalDomain(name string) (string, error) {
	n := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(name), "."))
	switch n {
	case c.SIPDomain(), c.space:
		return c.SIPDomain(), nil
	case "":
		return "", fmt.Errorf("empty domain: every SIP endpoint of space %s registers at %s", c.space, c.SIPDomain())
	}
	return "", fmt.Errorf("%q is not this space's SIP domain: every SIP endpoint of space %s registers at %s (leave out --domain)", name, c.space, c.SIPDomain())
}

func (c *Client) checkDomain(d string) error {
	if strings.TrimSpace(d) == "" {
		return nil
	}
	_, err := c.CanonicalDomain(d)
	return err
}

// ValidateUsername implements provider.SIPAccounts.
func (c *Client) ValidateUsername(u string) error { return ValidateUsername(u) }

// ValidateUsername checks SignalWire's documented rule (no whitespace, no
// '@'; unique in the project, which only SignalWire can tell) after RFC
// 3261's user characters.
func ValidateUsername(u string) error {
	if strings.ContainsFunc(u, unicode.IsSpace) || strings.Contains(u, "@") {
		return fmt.Errorf("username %q rejected: SignalWire SIP endpoint usernames contain no whitespace and no '@'", u)
	}
	return provider.CheckSIPUser(u)
}

// ValidatePassword checks what SignalWire documents of a SIP endpoint's
// password: that there is one. sipctl adds that it is one line of printable
// characters, which phones can be given; the policy (password.DefaultFor
// "signalwire") decides strength. The password is never shown.
func ValidatePassword(pw string) error {
	if pw == "" {
		return errors.New("password rejected: SignalWire needs a password for a SIP endpoint")
	}
	if strings.ContainsFunc(pw, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) {
		return errors.New("password rejected: it contains whitespace or a control character, which phones cannot be given")
	}
	return nil
}

// Lacks implements provider.Explainer.
func (c *Client) Lacks(what string) string {
	switch what {
	case provider.WhatDomains, provider.WhatDomainSettings, provider.WhatMappings:
		return "a space has one SIP domain, " + c.SIPDomain() + ", where every SIP endpoint registers"
	case provider.WhatCredentialLists, provider.WhatCredentials:
		return "each SIP endpoint is one account with its own username and password; use `sipctl accounts`"
	case provider.WhatCallerIDs:
		return "an endpoint's caller ID is one of its settings (`sipctl accounts update --caller-id/--caller-name`)"
	case provider.WhatRegistrations:
		return "SignalWire's REST API does not report SIP endpoints' registrations; use `sipctl accounts check`"
	}
	return ""
}

func (c *Client) toAccount(e Endpoint) provider.SIPAccount {
	a := provider.SIPAccount{
		Ref: e.ID, Username: e.Username, Domain: c.SIPDomain(), Registrar: c.registrar(e.Encryption),
		Attributes: map[string]string{
			AttrSendAs:     e.SendAs,
			AttrCodecs:     strings.Join(e.Codecs, ","),
			AttrEncryption: e.Encryption,
			AttrCiphers:    strings.Join(e.Ciphers, ","),
		},
	}
	if e.CallerID != nil {
		a.Attributes[AttrCallerName] = *e.CallerID
	}
	return a
}

// ListSIPAccounts implements provider.SIPAccounts.
func (c *Client) ListSIPAccounts(ctx context.Context, q provider.AccountQuery) iter.Seq2[provider.SIPAccount, error] {
	return func(yield func(provider.SIPAccount, error) bool) {
		if err := c.checkDomain(q.Domain); err != nil {
			yield(provider.SIPAccount{}, err)
			return
		}
		for k := range q.Options {
			yield(provider.SIPAccount{}, fmt.Errorf("SignalWire has no %q to list by", k))
			return
		}
		for e, err := range c.ListEndpoints(ctx, EndpointQuery{}) {
			if err != nil {
				yield(provider.SIPAccount{}, err)
				return
			}
			if !yield(c.toAccount(e), nil) {
				return
			}
		}
	}
}

// FindEndpoint finds the endpoint whose username is u: SignalWire's
// filter_username matches part of a username, so the answers are checked.
func (c *Client) FindEndpoint(ctx context.Context, u string) (Endpoint, error) {
	if err := ValidateUsername(u); err != nil {
		return Endpoint{}, err
	}
	for e, err := range c.ListEndpoints(ctx, EndpointQuery{UsernameContains: u}) {
		if err != nil {
			return Endpoint{}, err
		}
		if e.Username == u {
			return e, nil
		}
	}
	return Endpoint{}, &provider.NotFoundError{What: provider.WhatAccount, Name: u, Where: "on " + c.SIPDomain()}
}

// GetSIPAccount implements provider.SIPAccounts.
func (c *Client) GetSIPAccount(ctx context.Context, username, domain string) (provider.SIPAccount, error) {
	if err := c.checkDomain(domain); err != nil {
		return provider.SIPAccount{}, err
	}
	e, err := c.FindEndpoint(ctx, username)
	if err != nil {
		return provider.SIPAccount{}, err
	}
	return c.toAccount(e), nil
}

// CreateSIPAccount implements provider.SIPAccounts.
func (c *Client) CreateSIPAccount(ctx context.Context, a provider.NewSIPAccount) (provider.SIPAccount, error) {
	if err := c.checkDomain(a.Domain); err != nil {
		return provider.SIPAccount{}, err
	}
	for k := range a.Options {
		return provider.SIPAccount{}, fmt.Errorf("SignalWire has no %q to create with", k)
	}
	if err := ValidateUsername(a.Username); err != nil {
		return provider.SIPAccount{}, err
	}
	if err := ValidatePassword(a.Password); err != nil {
		return provider.SIPAccount{}, err
	}
	user, pw := a.Username, a.Password
	e, err := c.CreateEndpoint(ctx, EndpointParams{Username: &user, Password: &pw})
	if err != nil {
		return provider.SIPAccount{}, err
	}
	return c.toAccount(e), nil
}

// SetSIPPassword implements provider.SIPAccounts (PUT password).
func (c *Client) SetSIPPassword(ctx context.Context, a provider.SIPAccount, password string) error {
	if err := ValidatePassword(password); err != nil {
		return err
	}
	id, err := c.refOf(ctx, a)
	if err != nil {
		return err
	}
	_, err = c.UpdateEndpoint(ctx, id, EndpointParams{Password: &password})
	return err
}

// DeleteSIPAccount implements provider.SIPAccounts.
func (c *Client) DeleteSIPAccount(ctx context.Context, a provider.SIPAccount) error {
	id, err := c.refOf(ctx, a)
	if err != nil {
		return err
	}
	return c.DeleteEndpoint(ctx, id)
}

func (c *Client) refOf(ctx context.Context, a provider.SIPAccount) (string, error) {
	if a.Ref != "" {
		if !projectPattern.MatchString(a.Ref) {
			return "", fmt.Errorf("%q is not a SignalWire SIP account reference (an endpoint's UUID)", a.Ref)
		}
		return a.Ref, nil
	}
	e, err := c.FindEndpoint(ctx, a.Username)
	return e.ID, err
}

// ValidateSettings implements provider.Settings with SignalWire's rules:
// the caller ID is send_as (an E.164 number; none sends as a random number
// of the project), the caller name is caller_id (CNAM text), codecs from
// the document's list (none: the project's defaults), encryption default,
// required or optional. SignalWire endpoints have no channel limits or
// outbound profiles.
func (c *Client) ValidateSettings(s provider.AccountSettings) error {
	if s.Alias != nil {
		return &provider.MissingCapabilityError{Provider: c.name, What: "alias", Why: "an endpoint is known by its username; its caller name is --caller-name"}
	}
	if s.InboundChannelLimit != nil || s.OutboundChannelLimit != nil {
		return errors.New("SignalWire SIP endpoints have no channel limits (a space's limits are per project, set by SignalWire support)")
	}
	if s.OutboundProfile != nil {
		return errors.New("SignalWire SIP endpoints have no outbound voice profile; the project's SIP profile decides where they may call")
	}
	if s.CallerID != nil && *s.CallerID != "" && !provider.IsE164(*s.CallerID) {
		return fmt.Errorf("caller ID %q is not an E.164 number (a '+', the country code and the number, e.g. +14155550123), nor none", *s.CallerID)
	}
	if s.CallerName != nil && strings.ContainsFunc(*s.CallerName, unicode.IsControl) {
		return fmt.Errorf("caller name %q contains control characters", *s.CallerName)
	}
	if s.Codecs != nil {
		for _, k := range *s.Codecs {
			if !slices.Contains(Codecs, k) {
				return fmt.Errorf("codec %q is not one SignalWire offers (%s), or none for the project's defaults", k, strings.Join(Codecs, ", "))
			}
		}
	}
	if s.Encryption != nil && !slices.Contains(Encryptions, *s.Encryption) {
		return fmt.Errorf("encryption %q is not one of %s", *s.Encryption, strings.Join(Encryptions, ", "))
	}
	return nil
}

// UpdateSIPAccount implements provider.Settings: one PUT naming only the
// settings given.
func (c *Client) UpdateSIPAccount(ctx context.Context, a provider.SIPAccount, s provider.AccountSettings) (provider.SIPAccount, error) {
	if err := c.ValidateSettings(s); err != nil {
		return provider.SIPAccount{}, err
	}
	id, err := c.refOf(ctx, a)
	if err != nil {
		return provider.SIPAccount{}, err
	}
	p := EndpointParams{CallerID: s.CallerName, Codecs: s.Codecs, Encryption: s.Encryption}
	if s.CallerID != nil {
		v := *s.CallerID
		if v == "" {
			v = SendAsRandom
		}
		p.SendAs = &v
	}
	e, err := c.UpdateEndpoint(ctx, id, p)
	if err != nil {
		return provider.SIPAccount{}, err
	}
	return c.toAccount(e), nil
}
