package telnyx

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net"
	"net/url"
	"strings"

	"github.com/sipctl/sipctl/internal/provider"
)

// IP authentication: an IP connection is an IP access control list (calls
// from its IPs are accepted without a password), and each of its /ips
// entries is one address in it. Telnyx's IPs are single addresses (with a
// port), so only /32 entries map.

var _ provider.IPACLs = (*Client)(nil)

// IPConnection is the part of Telnyx's IP connection sipctl uses.
type IPConnection struct {
	ID             string `json:"id"`
	ConnectionName string `json:"connection_name"`
	Active         bool   `json:"active"`
	CreatedAt      string `json:"created_at"`
	UpdatedAt      string `json:"updated_at"`
}

// UnmarshalJSON accepts the id as a string or a number.
func (c *IPConnection) UnmarshalJSON(b []byte) error {
	type plain IPConnection
	var v struct {
		plain
		ID json.RawMessage `json:"id"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*c = IPConnection(v.plain)
	c.ID = rawID(v.ID)
	return nil
}

// IP is one address of an IP connection.
type IP struct {
	ID           string `json:"id"`
	ConnectionID string `json:"connection_id"`
	IPAddress    string `json:"ip_address"`
	Port         int    `json:"port"`
	CreatedAt    string `json:"created_at"`
	UpdatedAt    string `json:"updated_at"`
}

func ipConnectionPath(id string) (string, error) {
	if !ValidID(id) {
		return "", fmt.Errorf("%q is not a Telnyx IP connection id (digits)", id)
	}
	return "/ip_connections/" + id, nil
}

func toIPACL(c IPConnection) provider.IPACL {
	return provider.IPACL{SID: c.ID, FriendlyName: c.ConnectionName, DateCreated: parseTime(c.CreatedAt), DateUpdated: parseTime(c.UpdatedAt)}
}

func toIPAddress(ip IP) provider.IPAddress {
	return provider.IPAddress{SID: ip.ID, IPACLSID: ip.ConnectionID, IPAddress: ip.IPAddress, CIDRPrefixLength: 32,
		FriendlyName: net.JoinHostPort(ip.IPAddress, fmt.Sprint(ip.Port)), DateCreated: parseTime(ip.CreatedAt), DateUpdated: parseTime(ip.UpdatedAt)}
}

// ListIPACLs implements provider.IPACLs: the IP connections.
func (c *Client) ListIPACLs(ctx context.Context) iter.Seq2[provider.IPACL, error] {
	return func(yield func(provider.IPACL, error) bool) {
		for ic, err := range List[IPConnection](ctx, c, "/ip_connections", nil, c.pageSize) {
			if err != nil {
				yield(provider.IPACL{}, err)
				return
			}
			if !yield(toIPACL(ic), nil) {
				return
			}
		}
	}
}

// GetIPACL implements provider.IPACLs.
func (c *Client) GetIPACL(ctx context.Context, id string) (provider.IPACL, error) {
	p, err := ipConnectionPath(id)
	if err != nil {
		return provider.IPACL{}, err
	}
	var env struct {
		Data IPConnection `json:"data"`
	}
	err = c.Do(ctx, Request{Method: "GET", Path: p}, &env)
	return toIPACL(env.Data), err
}

// CreateIPACL implements provider.IPACLs: an IP connection named name.
func (c *Client) CreateIPACL(ctx context.Context, name string) (provider.IPACL, error) {
	var env struct {
		Data IPConnection `json:"data"`
	}
	err := c.Do(ctx, Request{Method: "POST", Path: "/ip_connections", Body: map[string]any{"connection_name": name}}, &env)
	return toIPACL(env.Data), err
}

// DeleteIPACL implements provider.IPACLs.
func (c *Client) DeleteIPACL(ctx context.Context, id string) error {
	p, err := ipConnectionPath(id)
	if err != nil {
		return err
	}
	return c.Do(ctx, Request{Method: "DELETE", Path: p}, nil)
}

// ListIPAddresses implements provider.IPACLs: the connection's /ips.
func (c *Client) ListIPAddresses(ctx context.Context, aclID string) iter.Seq2[provider.IPAddress, error] {
	return func(yield func(provider.IPAddress, error) bool) {
		if !ValidID(aclID) {
			yield(provider.IPAddress{}, fmt.Errorf("%q is not a Telnyx IP connection id (digits)", aclID))
			return
		}
		q := url.Values{"filter[connection_id]": {aclID}}
		for ip, err := range List[IP](ctx, c, "/ips", q, c.pageSize) {
			if err != nil {
				yield(provider.IPAddress{}, err)
				return
			}
			if !yield(toIPAddress(ip), nil) {
				return
			}
		}
	}
}

// ValidateIPAddress is Telnyx's rule for an IP connection's address: a
// single address, no range (also applied to a manifest's ip_acls before
// any request).
func (c *Client) ValidateIPAddress(ip string, prefix int) error {
	if net.ParseIP(ip) == nil {
		return fmt.Errorf("%q is not an IP address", ip)
	}
	single := 32
	if strings.Contains(ip, ":") {
		single = 128
	}
	if prefix != 0 && prefix != single {
		return fmt.Errorf("%s/%d is a range: Telnyx IP connections take single addresses; add each address", ip, prefix)
	}
	return nil
}

// AddIPAddress implements provider.IPACLs. Telnyx's IPs are single
// addresses: a range is refused before any request.
func (c *Client) AddIPAddress(ctx context.Context, aclID, friendlyName, ip string, prefix int) (provider.IPAddress, error) {
	if err := c.ValidateIPAddress(ip, prefix); err != nil {
		return provider.IPAddress{}, err
	}
	if !ValidID(aclID) {
		return provider.IPAddress{}, fmt.Errorf("%q is not a Telnyx IP connection id (digits)", aclID)
	}
	var env struct {
		Data IP `json:"data"`
	}
	err := c.Do(ctx, Request{Method: "POST", Path: "/ips", Body: map[string]any{"ip_address": ip, "connection_id": aclID, "port": 5060}}, &env)
	return toIPAddress(env.Data), err
}

// RemoveIPAddress implements provider.IPACLs.
func (c *Client) RemoveIPAddress(ctx context.Context, aclID, id string) error {
	if !ValidUUID(id) {
		return fmt.Errorf("%q is not a Telnyx IP id (a UUID)", id)
	}
	return c.Do(ctx, Request{Method: "DELETE", Path: "/ips/" + id}, nil)
}
