package twilio

import (
	"context"
	"fmt"
	"iter"
	"net/url"

	"github.com/sipctl/sipctl/internal/provider"
)

// accountWire is an Account as the 2010 API returns it. It deliberately has
// no auth_token field: the API returns each account's token, and sipctl must
// never hold, print or log it.
type accountWire struct {
	SID             string `json:"sid"`
	FriendlyName    string `json:"friendly_name"`
	Status          string `json:"status"`
	Type            string `json:"type"`
	OwnerAccountSID string `json:"owner_account_sid"`
	DateCreated     Time   `json:"date_created"`
	DateUpdated     Time   `json:"date_updated"`
}

func (w accountWire) toProvider() provider.Account {
	return provider.Account{
		SID:             w.SID,
		FriendlyName:    w.FriendlyName,
		Status:          w.Status,
		Type:            w.Type,
		OwnerAccountSID: w.OwnerAccountSID,
		DateCreated:     w.DateCreated.Time,
		DateUpdated:     w.DateUpdated.Time,
	}
}

// Account statuses SetAccountStatus accepts.
const (
	StatusActive    = "active"
	StatusSuspended = "suspended"
	StatusClosed    = "closed"
)

// accountsPath is outside any account: Twilio lists and creates subaccounts
// at /2010-04-01/Accounts.json with the parent's credentials.
func accountsPath(sid string) string {
	if sid == "" {
		return APIVersion + "/Accounts.json"
	}
	return APIVersion + "/Accounts/" + url.PathEscape(sid) + ".json"
}

// GetAccount fetches one account (the client's own or a subaccount) by SID.
func (c *Client) GetAccount(ctx context.Context, sid string) (provider.Account, error) {
	if sid == "" {
		sid = c.accountSID
	}
	var w accountWire
	err := c.Do(ctx, "GET", accountsPath(sid), nil, &w)
	return w.toProvider(), err
}

// ListSubaccounts lists the subaccounts the credentials can reach. Twilio's
// list includes the parent account itself; it is left out.
func (c *Client) ListSubaccounts(ctx context.Context) iter.Seq2[provider.Account, error] {
	return func(yield func(provider.Account, error) bool) {
		for w, err := range List[accountWire](ctx, c, accountsPath(""), nil, "accounts") {
			if err != nil {
				yield(provider.Account{}, err)
				return
			}
			// A top-level account owns itself.
			if w.SID == w.OwnerAccountSID || w.SID == c.username {
				continue
			}
			if !yield(w.toProvider(), nil) {
				return
			}
		}
	}
}

// CreateSubaccount creates a subaccount under the authenticated account.
func (c *Client) CreateSubaccount(ctx context.Context, friendlyName string) (provider.Account, error) {
	form := url.Values{}
	if friendlyName != "" {
		form.Set("FriendlyName", friendlyName)
	}
	var w accountWire
	err := c.Do(ctx, "POST", accountsPath(""), form, &w)
	return w.toProvider(), err
}

// SetAccountStatus moves an account to active, suspended or closed. Closing
// is permanent on Twilio; callers confirm before asking.
func (c *Client) SetAccountStatus(ctx context.Context, sid, status string) (provider.Account, error) {
	switch status {
	case StatusActive, StatusSuspended, StatusClosed:
	default:
		return provider.Account{}, fmt.Errorf("unknown account status %q: expected %s, %s or %s", status, StatusActive, StatusSuspended, StatusClosed)
	}
	if !ValidAccountSID(sid) {
		return provider.Account{}, fmt.Errorf("invalid account SID %q: expected AC followed by 32 hex digits", sid)
	}
	var w accountWire
	err := c.DoRequest(ctx, Request{
		Method: "POST",
		Path:   accountsPath(sid),
		Form:   url.Values{"Status": {status}},
		// Setting the same status twice leaves the account as once.
		Idempotent: true,
	}, &w)
	return w.toProvider(), err
}

// WithAccount returns a client acting inside a subaccount with the same
// credentials (a reseller's parent credentials).
func (c *Client) WithAccount(sid string) provider.SIPAccounts { return c.ForAccount(sid) }

var (
	_ provider.Accounts = (*Client)(nil)
	_ provider.Provider = (*Client)(nil)
)
