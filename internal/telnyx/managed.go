package telnyx

import (
	"context"
	"fmt"
	"iter"
	"net/url"
	"strings"

	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/redact"
)

// ManagedAccount is a Telnyx managed account: a reseller's customer, with
// its own API key. Telnyx's answer has no status field; sipctl learns it
// from the listing's filter[status][eq].
type ManagedAccount struct {
	ID               string `json:"id"`
	RecordType       string `json:"record_type"`
	Email            string `json:"email"`
	OrganizationName string `json:"organization_name"`
	ManagerAccountID string `json:"manager_account_id"`
	CreatedAt        string `json:"created_at"`
	UpdatedAt        string `json:"updated_at"`
	// APIKey is the managed account's own API v2 key: what acting inside it
	// takes. It stays in memory (never printed, logged or stored).
	APIKey string `json:"api_key"`
}

// Statuses of a managed account as sipctl shows them.
const (
	StatusActive   = "active"
	StatusDisabled = "suspended"
)

var (
	_ provider.Accounts = (*Client)(nil)
	_ provider.Scope    = (*Client)(nil)
)

func managedPath(id string) (string, error) {
	if !ValidUUID(id) {
		return "", fmt.Errorf("%q is not a Telnyx managed account id (a UUID)", id)
	}
	return "/managed_accounts/" + id, nil
}

func toAccount2(m ManagedAccount, status string) provider.Account {
	return provider.Account{
		SID: m.ID, FriendlyName: m.OrganizationName, Status: status, Type: "managed",
		OwnerAccountSID: m.ManagerAccountID, DateCreated: parseTime(m.CreatedAt), DateUpdated: parseTime(m.UpdatedAt),
	}
}

// ListManagedAccounts streams managed accounts whose status filter[status][eq]
// names ("enabled", "disabled"; "" for all), one page in memory.
func (c *Client) ListManagedAccounts(ctx context.Context, status string) iter.Seq2[ManagedAccount, error] {
	q := url.Values{}
	if status != "" {
		q.Set("filter[status][eq]", status)
	}
	return List[ManagedAccount](ctx, c.root(), "/managed_accounts", q, c.pageSize)
}

// GetManagedAccount fetches one managed account, its API key included.
func (c *Client) GetManagedAccount(ctx context.Context, id string) (ManagedAccount, error) {
	p, err := managedPath(id)
	if err != nil {
		return ManagedAccount{}, err
	}
	var env struct {
		Data ManagedAccount `json:"data"`
	}
	err = c.root().Do(ctx, Request{Method: "GET", Path: p}, &env)
	if env.Data.APIKey != "" {
		redact.Add(env.Data.APIKey)
	}
	return env.Data, err
}

// ListSubaccounts implements provider.Accounts: the enabled managed
// accounts (active), then the disabled ones (suspended). Cancelled ones are
// left out, as Telnyx's listing does by default.
func (c *Client) ListSubaccounts(ctx context.Context) iter.Seq2[provider.Account, error] {
	return func(yield func(provider.Account, error) bool) {
		for _, pass := range []struct{ filter, status string }{{"enabled", StatusActive}, {"disabled", StatusDisabled}} {
			for m, err := range c.ListManagedAccounts(ctx, pass.filter) {
				if err != nil {
					yield(provider.Account{}, err)
					return
				}
				if !yield(toAccount2(m, pass.status), nil) {
					return
				}
			}
		}
	}
}

// GetAccount implements provider.Accounts; its status comes from a
// filtered listing (disabled accounts with its email).
func (c *Client) GetAccount(ctx context.Context, id string) (provider.Account, error) {
	m, err := c.GetManagedAccount(ctx, id)
	if err != nil {
		return provider.Account{}, err
	}
	status, err := c.managedStatus(ctx, m)
	if err != nil {
		return provider.Account{}, err
	}
	return toAccount2(m, status), nil
}

func (c *Client) managedStatus(ctx context.Context, m ManagedAccount) (string, error) {
	q := url.Values{"filter[status][eq]": {"disabled"}, "filter[email][eq]": {m.Email}}
	for d, err := range List[ManagedAccount](ctx, c.root(), "/managed_accounts", q, c.pageSize) {
		if err != nil {
			return "", err
		}
		if d.ID == m.ID {
			return StatusDisabled, nil
		}
	}
	return StatusActive, nil
}

// CreateSubaccount implements provider.Accounts: a managed account whose
// organization (business_name) is the name. Its API key in the answer is
// dropped: --subaccount fetches it when needed.
func (c *Client) CreateSubaccount(ctx context.Context, name string) (provider.Account, error) {
	if strings.TrimSpace(name) == "" {
		return provider.Account{}, fmt.Errorf("a managed account needs a business name")
	}
	var env struct {
		Data ManagedAccount `json:"data"`
	}
	err := c.root().Do(ctx, Request{Method: "POST", Path: "/managed_accounts", Body: map[string]any{"business_name": name}}, &env)
	if err != nil {
		return provider.Account{}, err
	}
	return toAccount2(env.Data, StatusActive), nil
}

// CheckAccountStatus implements provider.AccountStatusRules: Telnyx's API
// enables and disables managed accounts, and cannot close (cancel) one.
func (c *Client) CheckAccountStatus(status string) error {
	switch status {
	case StatusActive, StatusDisabled:
		return nil
	}
	return &provider.MissingCapabilityError{Provider: c.name, What: "way to close a managed account through its API",
		Why: "it can only disable one (`sipctl subaccounts suspend`); cancel it in the Telnyx portal or through Telnyx support"}
}

// SetAccountStatus implements provider.Accounts: suspended is
// actions/disable, active is actions/enable.
func (c *Client) SetAccountStatus(ctx context.Context, id, status string) (provider.Account, error) {
	if err := c.CheckAccountStatus(status); err != nil {
		return provider.Account{}, err
	}
	p, err := managedPath(id)
	if err != nil {
		return provider.Account{}, err
	}
	action := "/actions/enable"
	if status == StatusDisabled {
		action = "/actions/disable"
	}
	var env struct {
		Data ManagedAccount `json:"data"`
	}
	if err := c.root().Do(ctx, Request{Method: "POST", Path: p + action, Idempotent: true}, &env); err != nil {
		return provider.Account{}, err
	}
	if env.Data.APIKey != "" {
		redact.Add(env.Data.APIKey)
	}
	return toAccount2(env.Data, status), nil
}

// AccountSID implements provider.Scope: the managed account this client
// acts in, "" for the API key's own account.
func (c *Client) AccountSID() string { return c.managed }

// WithAccount implements provider.Scope: a client acting inside a managed
// account with that account's own API key, which Telnyx hands to its
// manager. The key is fetched on the first request and kept in memory
// only (and registered with the redactor).
func (c *Client) WithAccount(id string) provider.SIPAccounts {
	r := c.root()
	if id == "" {
		return r
	}
	cp := *r
	cp.managed, cp.parent, cp.key = id, r, ""
	cp.keyMu = new(keyCache)
	return &cp
}

func (c *Client) root() *Client {
	if c.parent != nil {
		return c.parent
	}
	return c
}

// apiKey is the key requests carry: the client's own, or the managed
// account's, fetched once through the manager.
func (c *Client) apiKey(ctx context.Context) (string, error) {
	if c.parent == nil {
		return c.key, nil
	}
	c.keyMu.Lock()
	defer c.keyMu.Unlock()
	if c.keyMu.key != "" {
		return c.keyMu.key, nil
	}
	m, err := c.parent.GetManagedAccount(ctx, c.managed)
	if err != nil {
		return "", fmt.Errorf("managed account %s: %w", c.managed, err)
	}
	if m.APIKey == "" {
		return "", fmt.Errorf("Telnyx returned no API key for managed account %s: acting inside it needs one", c.managed)
	}
	c.keyMu.key = m.APIKey
	return m.APIKey, nil
}
