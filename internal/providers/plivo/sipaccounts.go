package plivo

import (
	"context"
	"fmt"
	"iter"
	"strings"
	"sync"
	"time"

	"github.com/sipctl/sipctl/internal/provider"
)

// Registrar is where every Plivo endpoint registers; it is also the
// digest realm and the domain of its SIP URI.
const Registrar = "phone.plivo.com"

// Attribute names of a Plivo SIP account, and the create option.
const (
	AttrAlias       = "alias"
	AttrSIPURI      = "sip_uri"
	AttrApplication = "application"
	AttrSubAccount  = "sub_account"
	AttrRequested   = "requested_username"
	// OptionAlias names the endpoint's alias at create (default: the
	// username asked for).
	OptionAlias = "alias"
)

var (
	_ provider.SIPAccounts    = (*Client)(nil)
	_ provider.Registrations  = (*Client)(nil)
	_ provider.Explainer      = (*Client)(nil)
	_ provider.BatchCreator   = (*Client)(nil)
	_ provider.RequestedNames = (*Client)(nil)
)

var registrar = provider.Registrar{
	Host:       Registrar,
	Transports: []provider.Transport{{Protocol: "UDP", Port: 5060}, {Protocol: "TCP", Port: 5060}},
}

// CanonicalDomain implements provider.SIPAccounts: every Plivo endpoint
// registers at phone.plivo.com, the only domain.
func (c *Client) CanonicalDomain(name string) (string, error) {
	n := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(name), "."))
	if n == Registrar {
		return Registrar, nil
	}
	if n == "" {
		return "", fmt.Errorf("empty domain: every Plivo endpoint registers at %s", Registrar)
	}
	return "", fmt.Errorf("%q is not a Plivo SIP domain: every Plivo endpoint registers at %s (leave out --domain)", name, Registrar)
}

func (c *Client) checkDomain(d string) error {
	if strings.TrimSpace(d) == "" {
		return nil
	}
	_, err := c.CanonicalDomain(d)
	return err
}

// ValidateUsername implements provider.SIPAccounts: a username as asked
// for at create, or as Plivo made it (with its 12 digits).
func (c *Client) ValidateUsername(u string) error { return ValidateUsername(u) }

// Lacks implements provider.Explainer.
func (c *Client) Lacks(what string) string {
	switch what {
	case provider.WhatCredentialLists, provider.WhatCredentials:
		return "each endpoint is one SIP account with its own username and password; use `sipctl accounts`"
	case provider.WhatMappings, provider.WhatDomainSettings:
		return "every endpoint registers at " + Registrar + ", which is not configurable"
	case provider.WhatExpiry:
		return "Plivo endpoints have no expiry and no field sipctl could record one in"
	}
	return ""
}

// RequestedName implements provider.RequestedNames: the username a create
// asked for, which is the one Plivo made less the 12 digits it appends.
func (c *Client) RequestedName(a provider.SIPAccount) string { return RequestedName(a.Username) }

// RequestedName strips the 12 digits Plivo appends to a username; a name
// without them is returned as it is.
func RequestedName(made string) string {
	if len(made) <= AppendedDigits {
		return made
	}
	head, tail := made[:len(made)-AppendedDigits], made[len(made)-AppendedDigits:]
	for i := 0; i < len(tail); i++ {
		if tail[i] < '0' || tail[i] > '9' {
			return made
		}
	}
	return head
}

func toAccount(e Endpoint) provider.SIPAccount {
	a := provider.SIPAccount{
		Ref:       e.EndpointID,
		Username:  e.Username,
		Domain:    Registrar,
		Registrar: registrar,
		Attributes: map[string]string{
			AttrAlias:     e.Alias,
			AttrRequested: RequestedName(e.Username),
		},
	}
	if e.SIPURI != "" {
		a.Attributes[AttrSIPURI] = e.SIPURI
	}
	if e.Application != "" {
		a.Attributes[AttrApplication] = e.Application
	}
	if e.SubAccount != "" {
		a.Attributes[AttrSubAccount] = e.SubAccount
	}
	if e.SIPRegistered != "" {
		r := toRegistration(e)
		a.Registration = &r
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
			yield(provider.SIPAccount{}, fmt.Errorf("plivo has no listing option %q", k))
			return
		}
		for e, err := range c.ListEndpoints(ctx) {
			if err != nil {
				yield(provider.SIPAccount{}, err)
				return
			}
			if !yield(toAccount(e), nil) {
				return
			}
		}
	}
}

// FindEndpoint finds the endpoint a username names: the one Plivo made
// with that username, or else the one made from that requested username.
// Plivo cannot filter endpoints by username, so this reads the listing.
func (c *Client) FindEndpoint(ctx context.Context, username string) (Endpoint, error) {
	if err := ValidateUsername(username); err != nil {
		return Endpoint{}, err
	}
	var requested []Endpoint
	for e, err := range c.ListEndpoints(ctx) {
		if err != nil {
			return Endpoint{}, err
		}
		if e.Username == username {
			return e, nil
		}
		if RequestedName(e.Username) == username {
			requested = append(requested, e)
		}
	}
	switch len(requested) {
	case 0:
		return Endpoint{}, &provider.NotFoundError{What: provider.WhatAccount, Name: username, Where: "in this Plivo account"}
	case 1:
		return requested[0], nil
	}
	names := make([]string, len(requested))
	for i, e := range requested {
		names[i] = e.Username
	}
	return Endpoint{}, fmt.Errorf("%d Plivo endpoints were made from the username %q (%s): name one of them: %w",
		len(requested), username, strings.Join(names, ", "), provider.ErrAmbiguous)
}

// GetSIPAccount implements provider.SIPAccounts: username is the one Plivo
// made, or the one asked for at create when only one endpoint has it.
func (c *Client) GetSIPAccount(ctx context.Context, username, domain string) (provider.SIPAccount, error) {
	if err := c.checkDomain(domain); err != nil {
		return provider.SIPAccount{}, err
	}
	e, err := c.FindEndpoint(ctx, username)
	if err != nil {
		return provider.SIPAccount{}, err
	}
	return toAccount(e), nil
}

// CreateSIPAccount implements provider.SIPAccounts. Plivo appends 12 digits
// to the username: the account returned has the username Plivo made. A
// username asked for before (an endpoint made from it exists) is ErrExists,
// so a journaled create that is repeated finds its endpoint instead of
// making a second one.
func (c *Client) CreateSIPAccount(ctx context.Context, a provider.NewSIPAccount) (provider.SIPAccount, error) {
	create, err := c.PrepareCreate(ctx, a.Domain, a.Options)
	if err != nil {
		return provider.SIPAccount{}, err
	}
	return create(ctx, a.Username, a.Password)
}

// PrepareCreate implements provider.BatchCreator: the endpoints are listed
// once, and each create checks the usernames asked for against that
// listing (and the creates made since) before its one POST.
func (c *Client) PrepareCreate(ctx context.Context, domain string, options map[string]string) (provider.CreateFunc, error) {
	if err := c.checkDomain(domain); err != nil {
		return nil, err
	}
	for k := range options {
		if k != OptionAlias {
			return nil, fmt.Errorf("plivo has no create option %q", k)
		}
	}
	alias := options[OptionAlias]
	if alias != "" {
		if err := ValidateAlias(alias); err != nil {
			return nil, err
		}
	}
	taken := map[string]string{} // requested name → made name
	for e, err := range c.ListEndpoints(ctx) {
		if err != nil {
			return nil, err
		}
		taken[RequestedName(e.Username)] = e.Username
		taken[e.Username] = e.Username
	}
	var mu sync.Mutex
	return func(ctx context.Context, username, password string) (provider.SIPAccount, error) {
		if err := ValidateRequestedUsername(username); err != nil {
			return provider.SIPAccount{}, err
		}
		if err := ValidatePassword(password); err != nil {
			return provider.SIPAccount{}, err
		}
		mu.Lock()
		made, dup := taken[username]
		if !dup {
			taken[username] = "" // being made
		}
		mu.Unlock()
		if dup {
			what := "an endpoint is being made from it"
			if made != "" {
				what = "Plivo made " + made + " from it"
			}
			return provider.SIPAccount{}, fmt.Errorf("the username %q was asked for before (%s): %w", username, what, provider.ErrExists)
		}
		al := alias
		if al == "" {
			al = username
		}
		u, pw := username, password
		e, err := c.CreateEndpoint(ctx, EndpointParams{Username: &u, Password: &pw, Alias: &al})
		mu.Lock()
		if err != nil {
			delete(taken, username)
		} else {
			taken[username], taken[e.Username] = e.Username, e.Username
		}
		mu.Unlock()
		if err != nil {
			return provider.SIPAccount{}, err
		}
		return toAccount(e), nil
	}, nil
}

// SetSIPPassword implements provider.SIPAccounts.
func (c *Client) SetSIPPassword(ctx context.Context, a provider.SIPAccount, password string) error {
	if err := ValidatePassword(password); err != nil {
		return err
	}
	id, err := c.refOf(ctx, a)
	if err != nil {
		return err
	}
	return c.UpdateEndpoint(ctx, id, EndpointParams{Password: &password})
}

// SetAlias changes an endpoint's alias.
func (c *Client) SetAlias(ctx context.Context, a provider.SIPAccount, alias string) error {
	if err := ValidateAlias(alias); err != nil {
		return err
	}
	id, err := c.refOf(ctx, a)
	if err != nil {
		return err
	}
	return c.UpdateEndpoint(ctx, id, EndpointParams{Alias: &alias})
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
		if !ValidID(a.Ref) {
			return "", fmt.Errorf("%q is not a Plivo SIP account reference (an endpoint id)", a.Ref)
		}
		return a.Ref, nil
	}
	e, err := c.FindEndpoint(ctx, a.Username)
	return e.EndpointID, err
}

// RegistrationStatus implements provider.Registrations from the endpoints'
// own sip_registered, sip_contact, sip_expires and sip_user_agent: an
// account just listed carries them already; any other costs one GET (the
// listing cannot be narrowed to a batch).
func (c *Client) RegistrationStatus(parent context.Context, accounts []provider.SIPAccount) (map[string]provider.Registration, error) {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	out := make(map[string]provider.Registration, len(accounts))
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	for _, a := range accounts {
		if a.Registration != nil && a.Ref != "" {
			// Listed a moment ago: the listing carries the same fields.
			out[a.Ref] = *a.Registration
			continue
		}
		wg.Go(func() {
			id, err := c.refOf(ctx, a)
			var e Endpoint
			if err == nil {
				e, err = c.GetEndpoint(ctx, id)
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
			out[a.Ref] = toRegistration(e)
		})
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return out, parent.Err()
}

func toRegistration(e Endpoint) provider.Registration {
	r := provider.Registration{State: provider.NotRegistered}
	switch strings.ToLower(strings.TrimSpace(e.SIPRegistered)) {
	case "true":
		r.State = provider.Registered
	case "false", "":
	default:
		r.State = provider.RegistrationUnknown
	}
	if r.State == provider.Registered {
		r.Contact = e.SIPContact
		r.UserAgent = e.SIPUserAgent
		// sip_expires: "YYYY-MM-DD HH:mm:ss" in UTC.
		if t, err := time.Parse(time.DateTime, e.SIPExpires); err == nil {
			r.Expires = t.UTC()
		}
	}
	return r
}

var _ provider.Settings = (*Client)(nil)

// ValidateSettings implements provider.Settings: an endpoint's one
// setting sipctl changes is its alias; the others are not Plivo's.
func (c *Client) ValidateSettings(s provider.AccountSettings) error {
	for _, x := range []struct {
		set  bool
		what string
	}{
		{s.InboundChannelLimit != nil || s.OutboundChannelLimit != nil, "channel limits"},
		{s.CallerID != nil, "caller ID setting"},
		{s.OutboundProfile != nil, "outbound voice profiles"},
		{s.CallerName != nil || s.Codecs != nil || s.Encryption != nil, "caller name, codec or encryption settings"},
	} {
		if x.set {
			return &provider.MissingCapabilityError{Provider: c.name, What: x.what, Why: "an endpoint's settings are its alias (--alias) and application"}
		}
	}
	if s.Alias != nil {
		return ValidateAlias(*s.Alias)
	}
	return nil
}

// UpdateSIPAccount implements provider.Settings: the alias, then the
// endpoint as Plivo now has it.
func (c *Client) UpdateSIPAccount(ctx context.Context, a provider.SIPAccount, s provider.AccountSettings) (provider.SIPAccount, error) {
	if err := c.ValidateSettings(s); err != nil {
		return provider.SIPAccount{}, err
	}
	id, err := c.refOf(ctx, a)
	if err != nil {
		return provider.SIPAccount{}, err
	}
	if s.Alias != nil {
		if err := c.UpdateEndpoint(ctx, id, EndpointParams{Alias: s.Alias}); err != nil {
			return provider.SIPAccount{}, err
		}
	}
	e, err := c.GetEndpoint(ctx, id)
	if err != nil {
		return provider.SIPAccount{}, err
	}
	return toAccount(e), nil
}
