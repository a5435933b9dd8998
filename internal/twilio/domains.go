package twilio

import (
	"context"
	"iter"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/sipctl/sipctl/internal/provider"
)

// domainWire is a SIP Domain as the 2010 API returns it.
type domainWire struct {
	SID                       string `json:"sid"`
	AccountSID                string `json:"account_sid"`
	DomainName                string `json:"domain_name"`
	FriendlyName              string `json:"friendly_name"`
	VoiceURL                  string `json:"voice_url"`
	VoiceMethod               string `json:"voice_method"`
	VoiceFallbackURL          string `json:"voice_fallback_url"`
	VoiceFallbackMethod       string `json:"voice_fallback_method"`
	VoiceStatusCallbackURL    string `json:"voice_status_callback_url"`
	VoiceStatusCallbackMethod string `json:"voice_status_callback_method"`
	SIPRegistration           bool   `json:"sip_registration"`
	Secure                    bool   `json:"secure"`
	EmergencyCallingEnabled   bool   `json:"emergency_calling_enabled"`
	DateCreated               Time   `json:"date_created"`
	DateUpdated               Time   `json:"date_updated"`
}

func (w domainWire) toProvider() provider.Domain {
	return provider.Domain{
		SID:                       w.SID,
		AccountSID:                w.AccountSID,
		DomainName:                w.DomainName,
		FriendlyName:              w.FriendlyName,
		VoiceURL:                  w.VoiceURL,
		VoiceMethod:               w.VoiceMethod,
		VoiceFallbackURL:          w.VoiceFallbackURL,
		VoiceFallbackMethod:       w.VoiceFallbackMethod,
		VoiceStatusCallbackURL:    w.VoiceStatusCallbackURL,
		VoiceStatusCallbackMethod: w.VoiceStatusCallbackMethod,
		SIPRegistration:           w.SIPRegistration,
		Secure:                    w.Secure,
		EmergencyCallingEnabled:   w.EmergencyCallingEnabled,
		DateCreated:               w.DateCreated.Time,
		DateUpdated:               w.DateUpdated.Time,
	}
}

func domainForm(p provider.DomainParams) url.Values {
	f := url.Values{}
	setString := func(k string, v *string) {
		if v != nil {
			f.Set(k, *v)
		}
	}
	setBool := func(k string, v *bool) {
		if v != nil {
			f.Set(k, strconv.FormatBool(*v))
		}
	}
	setString("DomainName", p.DomainName)
	setString("FriendlyName", p.FriendlyName)
	setString("VoiceUrl", p.VoiceURL)
	setString("VoiceMethod", p.VoiceMethod)
	setString("VoiceFallbackUrl", p.VoiceFallbackURL)
	setString("VoiceFallbackMethod", p.VoiceFallbackMethod)
	setString("VoiceStatusCallbackUrl", p.VoiceStatusCallbackURL)
	setString("VoiceStatusCallbackMethod", p.VoiceStatusCallbackMethod)
	setBool("SipRegistration", p.SIPRegistration)
	setBool("Secure", p.Secure)
	setBool("EmergencyCallingEnabled", p.EmergencyCallingEnabled)
	return f
}

// sipPath is the account path of a SIP resource; SIDs are escaped because
// they may come from user input.
func (c *Client) sipPath(elems ...string) string {
	p := "SIP"
	for i, e := range elems {
		if i%2 == 1 {
			e = url.PathEscape(e)
		}
		p += "/" + e
	}
	return c.AccountPath(p + ".json")
}

// listSIP pages through a SIP list resource, converting wire items.
func listSIP[W any, P any](ctx context.Context, c *Client, path, key string, conv func(W) P) iter.Seq2[P, error] {
	return func(yield func(P, error) bool) {
		for w, err := range List[W](ctx, c, path, nil, key) {
			if err != nil {
				var zero P
				yield(zero, err)
				return
			}
			if !yield(conv(w), nil) {
				return
			}
		}
	}
}

// ListDomains lists the account's SIP domains.
func (c *Client) ListDomains(ctx context.Context) iter.Seq2[provider.Domain, error] {
	return func(yield func(provider.Domain, error) bool) {
		for d, err := range listSIP(ctx, c, c.sipPath("Domains"), "domains", domainWire.toProvider) {
			if err == nil {
				c.domains.put(c.accountSID, d.DomainName, d)
			}
			if !yield(d, err) {
				return
			}
		}
	}
}

// memo holds what a client has read or written this process, by account
// and a key: the domains by lower-case name, the credential lists attached
// to each domain by its SID. A command lists the domains and their lists,
// then names them again for each step that follows (its accounts, a
// create), and they do not change under it within one run except through
// its own writes, which update or drop the entry; a concurrent run's
// change shows up as it would have anyway, at the next write (a 404, or an
// attach another run made first).
type memo[V any] struct {
	mu sync.Mutex
	m  map[string]V
}

func (m *memo[V]) put(account, key string, v V) {
	if m == nil || key == "" {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = map[string]V{}
	}
	m.m[account+"/"+strings.ToLower(key)] = v
}

func (m *memo[V]) get(account, key string) (V, bool) {
	var zero V
	if m == nil {
		return zero, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.m[account+"/"+strings.ToLower(key)]
	if !ok {
		return zero, false
	}
	return v, true
}

func (m *memo[V]) drop(account, key string) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.m, account+"/"+strings.ToLower(key))
}

func (m *memo[V]) forget() {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.m = nil
}

// GetDomain fetches one SIP domain by SID.
func (c *Client) GetDomain(ctx context.Context, sid string) (provider.Domain, error) {
	var w domainWire
	err := c.Do(ctx, "GET", c.sipPath("Domains", sid), nil, &w)
	return w.toProvider(), err
}

// CreateDomain creates a SIP domain; DomainName is required.
func (c *Client) CreateDomain(ctx context.Context, p provider.DomainParams) (provider.Domain, error) {
	var w domainWire
	err := c.Do(ctx, "POST", c.sipPath("Domains"), domainForm(p), &w)
	if err == nil {
		c.domains.put(c.accountSID, w.DomainName, w.toProvider())
	}
	return w.toProvider(), err
}

// UpdateDomain changes only the fields set in p.
func (c *Client) UpdateDomain(ctx context.Context, sid string, p provider.DomainParams) (provider.Domain, error) {
	var w domainWire
	c.domains.forget()
	err := c.Do(ctx, "POST", c.sipPath("Domains", sid), domainForm(p), &w)
	if err == nil {
		c.domains.put(c.accountSID, w.DomainName, w.toProvider())
	}
	return w.toProvider(), err
}

// DeleteDomain deletes a SIP domain.
func (c *Client) DeleteDomain(ctx context.Context, sid string) error {
	c.domains.forget()
	c.attached.drop(c.accountSID, sid)
	return c.Do(ctx, "DELETE", c.sipPath("Domains", sid), nil, nil)
}
