package plivo

import (
	"context"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/redact"
)

// Subaccount is a Plivo subaccount: a reseller's customer, with its own
// Auth ID and Auth Token (kept in memory only, never printed or stored).
type Subaccount struct {
	AuthID      string  `json:"auth_id"`
	AuthToken   string  `json:"auth_token"`
	Name        string  `json:"name"`
	Enabled     bool    `json:"enabled"`
	Account     string  `json:"account"`
	Created     string  `json:"created"`
	Modified    *string `json:"modified"`
	ResourceURI string  `json:"resource_uri"`
}

// Statuses of a subaccount as sipctl shows them.
const (
	StatusActive    = "active"
	StatusSuspended = "suspended"
)

var (
	_ provider.Accounts           = (*Client)(nil)
	_ provider.Scope              = (*Client)(nil)
	_ provider.Identifiers        = (*Client)(nil)
	_ provider.AccountStatusRules = (*Client)(nil)
)

func subaccountPath(id string) (string, error) {
	if !IsSubaccountID(id) {
		return "", fmt.Errorf("%q is not a Plivo subaccount Auth ID (SA and 18 capital letters and digits)", id)
	}
	return "/Subaccount/" + id + "/", nil
}

func parseDate(s string) time.Time {
	for _, layout := range []string{time.DateOnly, time.DateTime, time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

func (c *Client) toAccount2(s Subaccount) provider.Account {
	a := provider.Account{SID: s.AuthID, FriendlyName: s.Name, Status: StatusSuspended, Type: "subaccount",
		OwnerAccountSID: c.root().authID, DateCreated: parseDate(s.Created)}
	if s.Enabled {
		a.Status = StatusActive
	}
	if s.Modified != nil {
		a.DateUpdated = parseDate(*s.Modified)
	}
	return a
}

func keep(s Subaccount) Subaccount {
	if s.AuthToken != "" {
		redact.Add(s.AuthToken)
	}
	return s
}

// ListSubaccountsRaw streams the main account's subaccounts.
func (c *Client) ListSubaccountsRaw(ctx context.Context) iter.Seq2[Subaccount, error] {
	return func(yield func(Subaccount, error) bool) {
		for s, err := range list[Subaccount](ctx, c.root(), "/Subaccount/", c.pageSize) {
			if !yield(keep(s), err) || err != nil {
				return
			}
		}
	}
}

// GetSubaccount fetches one subaccount, its Auth Token included.
func (c *Client) GetSubaccount(ctx context.Context, id string) (Subaccount, error) {
	p, err := subaccountPath(id)
	if err != nil {
		return Subaccount{}, err
	}
	var s Subaccount
	err = c.root().Do(ctx, Request{Method: "GET", Path: p}, &s)
	return keep(s), err
}

// ListSubaccounts implements provider.Accounts.
func (c *Client) ListSubaccounts(ctx context.Context) iter.Seq2[provider.Account, error] {
	return func(yield func(provider.Account, error) bool) {
		for s, err := range c.ListSubaccountsRaw(ctx) {
			if err != nil {
				yield(provider.Account{}, err)
				return
			}
			if !yield(c.toAccount2(s), nil) {
				return
			}
		}
	}
}

// GetAccount implements provider.Accounts.
func (c *Client) GetAccount(ctx context.Context, id string) (provider.Account, error) {
	s, err := c.GetSubaccount(ctx, id)
	if err != nil {
		return provider.Account{}, err
	}
	return c.toAccount2(s), nil
}

// CreateSubaccount implements provider.Accounts: an enabled subaccount
// (Plivo's default is disabled, which nothing could use).
func (c *Client) CreateSubaccount(ctx context.Context, name string) (provider.Account, error) {
	if strings.TrimSpace(name) == "" {
		return provider.Account{}, fmt.Errorf("a Plivo subaccount needs a name")
	}
	var ans struct {
		AuthID    string `json:"auth_id"`
		AuthToken string `json:"auth_token"`
	}
	err := c.root().Do(ctx, Request{Method: "POST", Path: "/Subaccount/", Body: map[string]any{"name": name, "enabled": true}}, &ans)
	if err != nil {
		return provider.Account{}, err
	}
	if ans.AuthToken != "" {
		redact.Add(ans.AuthToken)
	}
	return c.GetAccount(ctx, ans.AuthID)
}

// CheckAccountStatus implements provider.AccountStatusRules: a subaccount
// is enabled or disabled; deleting one (with its endpoints) is not a status.
func (c *Client) CheckAccountStatus(status string) error {
	switch status {
	case StatusActive, StatusSuspended:
		return nil
	}
	return &provider.MissingCapabilityError{Provider: c.name, What: "way to close a subaccount",
		Why: "it enables and disables them (`sipctl subaccounts suspend`); delete one in the Plivo console"}
}

// SetAccountStatus implements provider.Accounts: enabled true or false.
func (c *Client) SetAccountStatus(ctx context.Context, id, status string) (provider.Account, error) {
	if err := c.CheckAccountStatus(status); err != nil {
		return provider.Account{}, err
	}
	s, err := c.GetSubaccount(ctx, id)
	if err != nil {
		return provider.Account{}, err
	}
	p, _ := subaccountPath(id)
	body := map[string]any{"name": s.Name, "enabled": status == StatusActive}
	if err := c.root().Do(ctx, Request{Method: "POST", Path: p, Body: body, Idempotent: true}, nil); err != nil {
		return provider.Account{}, err
	}
	return c.GetAccount(ctx, id)
}

// IsID implements provider.Identifiers: subaccounts are named by Auth ID.
func (c *Client) IsID(what, ref string) bool {
	return what == provider.WhatSubaccounts && IsSubaccountID(ref)
}

// AccountSID implements provider.Scope: the Auth ID requests act in.
func (c *Client) AccountSID() string { return c.authID }

// WithAccount implements provider.Scope: a client acting inside a
// subaccount with its own Auth Token, which Plivo hands to the main
// account; it is fetched on the first request and kept in memory only.
func (c *Client) WithAccount(id string) provider.SIPAccounts {
	r := c.root()
	if id == "" || id == r.authID {
		return r
	}
	cp := *r
	cp.authID, cp.parent, cp.token = id, r, ""
	cp.sub = new(subToken)
	return &cp
}

func (c *Client) root() *Client {
	if c.parent != nil {
		return c.parent
	}
	return c
}
