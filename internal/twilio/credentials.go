package twilio

import (
	"context"
	"iter"
	"net/url"

	"github.com/sipctl/sipctl/internal/provider"
)

type credentialListWire struct {
	SID          string `json:"sid"`
	AccountSID   string `json:"account_sid"`
	FriendlyName string `json:"friendly_name"`
	DateCreated  Time   `json:"date_created"`
	DateUpdated  Time   `json:"date_updated"`
}

func (w credentialListWire) toProvider() provider.CredentialList {
	return provider.CredentialList{
		SID:          w.SID,
		AccountSID:   w.AccountSID,
		FriendlyName: w.FriendlyName,
		DateCreated:  w.DateCreated.Time,
		DateUpdated:  w.DateUpdated.Time,
	}
}

type credentialWire struct {
	SID               string `json:"sid"`
	AccountSID        string `json:"account_sid"`
	CredentialListSID string `json:"credential_list_sid"`
	Username          string `json:"username"`
	DateCreated       Time   `json:"date_created"`
	DateUpdated       Time   `json:"date_updated"`
}

func (w credentialWire) toProvider() provider.Credential {
	return provider.Credential{
		SID:               w.SID,
		AccountSID:        w.AccountSID,
		CredentialListSID: w.CredentialListSID,
		Username:          w.Username,
		DateCreated:       w.DateCreated.Time,
		DateUpdated:       w.DateUpdated.Time,
	}
}

// ListCredentialLists lists the account's credential lists.
func (c *Client) ListCredentialLists(ctx context.Context) iter.Seq2[provider.CredentialList, error] {
	return listSIP(ctx, c, c.sipPath("CredentialLists"), "credential_lists", credentialListWire.toProvider)
}

// GetCredentialList fetches one credential list by SID.
func (c *Client) GetCredentialList(ctx context.Context, sid string) (provider.CredentialList, error) {
	var w credentialListWire
	err := c.Do(ctx, "GET", c.sipPath("CredentialLists", sid), nil, &w)
	return w.toProvider(), err
}

// CreateCredentialList creates an empty credential list.
func (c *Client) CreateCredentialList(ctx context.Context, friendlyName string) (provider.CredentialList, error) {
	var w credentialListWire
	err := c.Do(ctx, "POST", c.sipPath("CredentialLists"), url.Values{"FriendlyName": {friendlyName}}, &w)
	return w.toProvider(), err
}

// RenameCredentialList changes a credential list's friendly name.
func (c *Client) RenameCredentialList(ctx context.Context, sid, friendlyName string) (provider.CredentialList, error) {
	var w credentialListWire
	err := c.Do(ctx, "POST", c.sipPath("CredentialLists", sid), url.Values{"FriendlyName": {friendlyName}}, &w)
	return w.toProvider(), err
}

// DeleteCredentialList deletes a credential list and the credentials in it.
func (c *Client) DeleteCredentialList(ctx context.Context, sid string) error {
	// Attached to any number of domains: no domain's entry holds.
	c.attached.forget()
	return c.Do(ctx, "DELETE", c.sipPath("CredentialLists", sid), nil, nil)
}

// ListCredentials lists the usernames in a credential list.
func (c *Client) ListCredentials(ctx context.Context, listSID string) iter.Seq2[provider.Credential, error] {
	return listSIP(ctx, c, c.sipPath("CredentialLists", listSID, "Credentials"), "credentials", credentialWire.toProvider)
}

// GetCredential fetches one credential by SID.
func (c *Client) GetCredential(ctx context.Context, listSID, sid string) (provider.Credential, error) {
	var w credentialWire
	err := c.Do(ctx, "GET", c.sipPath("CredentialLists", listSID, "Credentials", sid), nil, &w)
	return w.toProvider(), err
}

// CreateCredential adds a username and password to a credential list.
func (c *Client) CreateCredential(ctx context.Context, listSID, username, password string) (provider.Credential, error) {
	var w credentialWire
	form := url.Values{"Username": {username}, "Password": {password}}
	err := c.Do(ctx, "POST", c.sipPath("CredentialLists", listSID, "Credentials"), form, &w)
	return w.toProvider(), err
}

// UpdateCredentialPassword sets a credential's password. Setting the same
// password twice has the same effect as once, so the request may be retried.
func (c *Client) UpdateCredentialPassword(ctx context.Context, listSID, sid, password string) (provider.Credential, error) {
	var w credentialWire
	err := c.DoRequest(ctx, Request{
		Method:     "POST",
		Path:       c.sipPath("CredentialLists", listSID, "Credentials", sid),
		Form:       url.Values{"Password": {password}},
		Idempotent: true,
	}, &w)
	return w.toProvider(), err
}

// DeleteCredential removes a username from a credential list.
func (c *Client) DeleteCredential(ctx context.Context, listSID, sid string) error {
	return c.Do(ctx, "DELETE", c.sipPath("CredentialLists", listSID, "Credentials", sid), nil, nil)
}
