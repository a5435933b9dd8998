package twilio

import (
	"context"
	"fmt"
	"iter"
	"net/url"

	"github.com/sipctl/sipctl/internal/provider"
)

// Mappings use Twilio's Auth/Calls and Auth/Registrations endpoints; the
// older SIP/Domains/{Sid}/CredentialListMappings endpoints cover calls only.

type mappingWire struct {
	SID          string `json:"sid"`
	FriendlyName string `json:"friendly_name"`
	DateCreated  Time   `json:"date_created"`
}

func (w mappingWire) toMapping(domainSID string, kind provider.AuthKind) provider.Mapping {
	return provider.Mapping{
		SID:          w.SID,
		DomainSID:    domainSID,
		FriendlyName: w.FriendlyName,
		Kind:         kind,
		DateCreated:  w.DateCreated.Time,
	}
}

func authSegment(kind provider.AuthKind) (string, error) {
	switch kind {
	case provider.ForCalls:
		return "Calls", nil
	case provider.ForRegistrations:
		return "Registrations", nil
	}
	return "", fmt.Errorf("unknown authentication kind %q: expected %q or %q", kind, provider.ForCalls, provider.ForRegistrations)
}

func (c *Client) credentialMappingsPath(domainSID string, kind provider.AuthKind, listSID string) (string, error) {
	seg, err := authSegment(kind)
	if err != nil {
		return "", err
	}
	p := "SIP/Domains/" + url.PathEscape(domainSID) + "/Auth/" + seg + "/CredentialListMappings"
	if listSID != "" {
		p += "/" + url.PathEscape(listSID)
	}
	return c.AccountPath(p + ".json"), nil
}

func (c *Client) ipACLMappingsPath(domainSID, aclSID string) string {
	p := "SIP/Domains/" + url.PathEscape(domainSID) + "/Auth/Calls/IpAccessControlListMappings"
	if aclSID != "" {
		p += "/" + url.PathEscape(aclSID)
	}
	return c.AccountPath(p + ".json")
}

// ListCredentialListMappings lists the credential lists attached to a domain
// for calls or for registrations.
func (c *Client) ListCredentialListMappings(ctx context.Context, domainSID string, kind provider.AuthKind) iter.Seq2[provider.Mapping, error] {
	path, err := c.credentialMappingsPath(domainSID, kind, "")
	if err != nil {
		return func(yield func(provider.Mapping, error) bool) { yield(provider.Mapping{}, err) }
	}
	return listSIP(ctx, c, path, "contents", func(w mappingWire) provider.Mapping { return w.toMapping(domainSID, kind) })
}

// AttachCredentialList attaches a credential list to a domain.
func (c *Client) AttachCredentialList(ctx context.Context, domainSID string, kind provider.AuthKind, listSID string) (provider.Mapping, error) {
	path, err := c.credentialMappingsPath(domainSID, kind, "")
	if err != nil {
		return provider.Mapping{}, err
	}
	c.attached.drop(c.accountSID, domainSID)
	var w mappingWire
	err = c.Do(ctx, "POST", path, url.Values{"CredentialListSid": {listSID}}, &w)
	return w.toMapping(domainSID, kind), err
}

// DetachCredentialList detaches a credential list from a domain.
func (c *Client) DetachCredentialList(ctx context.Context, domainSID string, kind provider.AuthKind, listSID string) error {
	path, err := c.credentialMappingsPath(domainSID, kind, listSID)
	if err != nil {
		return err
	}
	c.attached.drop(c.accountSID, domainSID)
	return c.Do(ctx, "DELETE", path, nil, nil)
}

// ListIPACLMappings lists the IP ACLs attached to a domain (for calls).
func (c *Client) ListIPACLMappings(ctx context.Context, domainSID string) iter.Seq2[provider.Mapping, error] {
	return listSIP(ctx, c, c.ipACLMappingsPath(domainSID, ""), "contents", func(w mappingWire) provider.Mapping {
		return w.toMapping(domainSID, provider.ForCalls)
	})
}

// AttachIPACL attaches an IP ACL to a domain for calls.
func (c *Client) AttachIPACL(ctx context.Context, domainSID, aclSID string) (provider.Mapping, error) {
	var w mappingWire
	err := c.Do(ctx, "POST", c.ipACLMappingsPath(domainSID, ""), url.Values{"IpAccessControlListSid": {aclSID}}, &w)
	return w.toMapping(domainSID, provider.ForCalls), err
}

// DetachIPACL detaches an IP ACL from a domain.
func (c *Client) DetachIPACL(ctx context.Context, domainSID, aclSID string) error {
	return c.Do(ctx, "DELETE", c.ipACLMappingsPath(domainSID, aclSID), nil, nil)
}

var (
	_ provider.Domains         = (*Client)(nil)
	_ provider.CredentialLists = (*Client)(nil)
	_ provider.IPACLs          = (*Client)(nil)
	_ provider.Mappings        = (*Client)(nil)
)
