package twilio

import (
	"context"
	"iter"
	"net/url"
	"strconv"

	"github.com/sipctl/sipctl/internal/provider"
)

type ipACLWire struct {
	SID          string `json:"sid"`
	AccountSID   string `json:"account_sid"`
	FriendlyName string `json:"friendly_name"`
	DateCreated  Time   `json:"date_created"`
	DateUpdated  Time   `json:"date_updated"`
}

func (w ipACLWire) toProvider() provider.IPACL {
	return provider.IPACL{
		SID:          w.SID,
		AccountSID:   w.AccountSID,
		FriendlyName: w.FriendlyName,
		DateCreated:  w.DateCreated.Time,
		DateUpdated:  w.DateUpdated.Time,
	}
}

type ipAddressWire struct {
	SID              string `json:"sid"`
	AccountSID       string `json:"account_sid"`
	IPACLSID         string `json:"ip_access_control_list_sid"`
	FriendlyName     string `json:"friendly_name"`
	IPAddress        string `json:"ip_address"`
	CIDRPrefixLength int    `json:"cidr_prefix_length"`
	DateCreated      Time   `json:"date_created"`
	DateUpdated      Time   `json:"date_updated"`
}

func (w ipAddressWire) toProvider() provider.IPAddress {
	return provider.IPAddress{
		SID:              w.SID,
		AccountSID:       w.AccountSID,
		IPACLSID:         w.IPACLSID,
		FriendlyName:     w.FriendlyName,
		IPAddress:        w.IPAddress,
		CIDRPrefixLength: w.CIDRPrefixLength,
		DateCreated:      w.DateCreated.Time,
		DateUpdated:      w.DateUpdated.Time,
	}
}

// ListIPACLs lists the account's IP access control lists.
func (c *Client) ListIPACLs(ctx context.Context) iter.Seq2[provider.IPACL, error] {
	return listSIP(ctx, c, c.sipPath("IpAccessControlLists"), "ip_access_control_lists", ipACLWire.toProvider)
}

// GetIPACL fetches one IP ACL by SID.
func (c *Client) GetIPACL(ctx context.Context, sid string) (provider.IPACL, error) {
	var w ipACLWire
	err := c.Do(ctx, "GET", c.sipPath("IpAccessControlLists", sid), nil, &w)
	return w.toProvider(), err
}

// CreateIPACL creates an empty IP ACL.
func (c *Client) CreateIPACL(ctx context.Context, friendlyName string) (provider.IPACL, error) {
	var w ipACLWire
	err := c.Do(ctx, "POST", c.sipPath("IpAccessControlLists"), url.Values{"FriendlyName": {friendlyName}}, &w)
	return w.toProvider(), err
}

// DeleteIPACL deletes an IP ACL and its addresses.
func (c *Client) DeleteIPACL(ctx context.Context, sid string) error {
	return c.Do(ctx, "DELETE", c.sipPath("IpAccessControlLists", sid), nil, nil)
}

// ListIPAddresses lists the addresses in an IP ACL.
func (c *Client) ListIPAddresses(ctx context.Context, aclSID string) iter.Seq2[provider.IPAddress, error] {
	return listSIP(ctx, c, c.sipPath("IpAccessControlLists", aclSID, "IpAddresses"), "ip_addresses", ipAddressWire.toProvider)
}

// AddIPAddress adds an IPv4 address (with a CIDR prefix length when
// cidrPrefixLength > 0) to an IP ACL. Twilio requires a friendly name, so the
// address itself stands in when none is given.
func (c *Client) AddIPAddress(ctx context.Context, aclSID, friendlyName, ip string, cidrPrefixLength int) (provider.IPAddress, error) {
	if friendlyName == "" {
		friendlyName = ip
		if cidrPrefixLength > 0 {
			friendlyName += "/" + strconv.Itoa(cidrPrefixLength)
		}
	}
	form := url.Values{"FriendlyName": {friendlyName}, "IpAddress": {ip}}
	if cidrPrefixLength > 0 {
		form.Set("CidrPrefixLength", strconv.Itoa(cidrPrefixLength))
	}
	var w ipAddressWire
	err := c.Do(ctx, "POST", c.sipPath("IpAccessControlLists", aclSID, "IpAddresses"), form, &w)
	return w.toProvider(), err
}

// RemoveIPAddress removes an address from an IP ACL.
func (c *Client) RemoveIPAddress(ctx context.Context, aclSID, sid string) error {
	return c.Do(ctx, "DELETE", c.sipPath("IpAccessControlLists", aclSID, "IpAddresses", sid), nil, nil)
}
