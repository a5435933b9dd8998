package kamailio

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"strings"
	"time"

	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/sqldb"
)

// columnMax is the width of the subscriber table's username, domain and
// password columns (VARCHAR(64)).
const columnMax = 64

// HA1 is md5(user:realm:password), what auth_db compares when
// calculate_ha1 is off.
func HA1(user, realm, password string) string { return provider.HA1(user, realm, password) }

// HA1B is md5(user@domain:realm:password), auth_db's ha1b column for
// clients that put the domain in the digest username (kamctl and kamcli
// write it the same way).
func HA1B(user, domain, realm, password string) string {
	return HA1(user+"@"+domain, realm, password)
}

// ValidateUsername checks RFC 3261's user characters (provider.CheckSIPUser)
// and the subscriber.username column's width.
func (c *Client) ValidateUsername(username string) error {
	if len(username) > columnMax {
		return fmt.Errorf("username %q is %d bytes; Kamailio's subscriber.username column holds %d", short(username), len(username), columnMax)
	}
	return provider.CheckSIPUser(username)
}

// CanonicalDomain lower-cases a domain and checks it fits the column and
// looks like a host name.
func (c *Client) CanonicalDomain(name string) (string, error) {
	d := strings.ToLower(strings.TrimSpace(name))
	switch {
	case d == "":
		return "", errors.New("a domain is required (Kamailio accounts belong to a domain of the domain table)")
	case len(d) > columnMax:
		return "", fmt.Errorf("domain %q is %d bytes; Kamailio's domain columns hold %d", short(d), len(d), columnMax)
	}
	if err := provider.CheckHostChars(d); err != nil {
		return "", err
	}
	return d, nil
}

func short(s string) string { return provider.Short(s) }

func (c *Client) checkAccount(username, domain, password string) error {
	if err := c.ValidateUsername(username); err != nil {
		return err
	}
	if _, err := c.CanonicalDomain(domain); err != nil {
		return err
	}
	if c.plaintext && len(password) > columnMax {
		return fmt.Errorf("the password is %d bytes; Kamailio's subscriber.password column holds %d (store_plaintext is on)", len(password), columnMax)
	}
	return nil
}

func (c *Client) account(id int64, user, domain string) provider.SIPAccount {
	return provider.SIPAccount{
		Ref:        strconv.FormatInt(id, 10),
		Username:   user,
		Domain:     domain,
		Registrar:  c.registrar,
		Attributes: map[string]string{"subscriber_id": strconv.FormatInt(id, 10)},
	}
}

// defaultPageSize is how many subscribers one listing query reads.
const defaultPageSize = 500

// ListSIPAccounts streams subscribers by id, one page in memory at a time.
func (c *Client) ListSIPAccounts(ctx context.Context, q provider.AccountQuery) iter.Seq2[provider.SIPAccount, error] {
	return func(yield func(provider.SIPAccount, error) bool) {
		domain := ""
		if q.Domain != "" {
			d, err := c.CanonicalDomain(q.Domain)
			if err != nil {
				yield(provider.SIPAccount{}, err)
				return
			}
			domain = d
		}
		after := int64(-1)
		for {
			page, err := c.listPage(ctx, domain, after)
			if err != nil {
				yield(provider.SIPAccount{}, err)
				return
			}
			for _, a := range page {
				if !yield(a, nil) {
					return
				}
			}
			if len(page) < c.pageSize {
				return
			}
			after, _ = strconv.ParseInt(page[len(page)-1].Ref, 10, 64)
		}
	}
}

func (c *Client) listPage(ctx context.Context, domain string, after int64) ([]provider.SIPAccount, error) {
	query := "SELECT s.id, s.username, s.domain" + c.expirySelect() + " FROM subscriber s WHERE s.id > ?"
	args := []any{after}
	if domain != "" {
		query += " AND s.domain = ?"
		args = append(args, domain)
	}
	query += " ORDER BY s.id LIMIT " + strconv.Itoa(c.pageSize)
	rows, err := c.db.QueryContext(ctx, c.url.rebind(query), args...)
	if err != nil {
		return nil, c.dbError(err)
	}
	defer rows.Close()
	page := make([]provider.SIPAccount, 0, c.pageSize)
	for rows.Next() {
		var id int64
		var u, d string
		var exp sql.NullString
		if err := rows.Scan(&id, &u, &d, &exp); err != nil {
			return nil, c.dbError(err)
		}
		a := c.account(id, u, d)
		a.ExpiresAt = parseExpiry(exp)
		page = append(page, a)
	}
	return page, c.dbError(rows.Err())
}

// GetSIPAccount finds username@domain.
func (c *Client) GetSIPAccount(ctx context.Context, username, domain string) (provider.SIPAccount, error) {
	d, err := c.CanonicalDomain(domain)
	if err != nil {
		return provider.SIPAccount{}, err
	}
	if err := c.ValidateUsername(username); err != nil {
		return provider.SIPAccount{}, err
	}
	var id int64
	err = c.db.QueryRowContext(ctx, c.url.rebind("SELECT id FROM subscriber WHERE username = ? AND domain = ?"), username, d).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return provider.SIPAccount{}, fmt.Errorf("no subscriber %s@%s: %w", username, d, provider.ErrNotFound)
	}
	if err != nil {
		return provider.SIPAccount{}, c.dbError(err)
	}
	a := c.account(id, username, d)
	if a.ExpiresAt, err = c.expiryOf(ctx, username, d); err != nil {
		return provider.SIPAccount{}, err
	}
	return a, nil
}

// CreateSIPAccount inserts a subscriber on a domain of the domain table.
func (c *Client) CreateSIPAccount(ctx context.Context, a provider.NewSIPAccount) (provider.SIPAccount, error) {
	d, err := c.CanonicalDomain(a.Domain)
	if err != nil {
		return provider.SIPAccount{}, err
	}
	if err := c.checkAccount(a.Username, d, a.Password); err != nil {
		return provider.SIPAccount{}, err
	}
	for k := range a.Options {
		if k != provider.OptionExpires {
			return provider.SIPAccount{}, fmt.Errorf("kamailio accounts have no option %q", k)
		}
	}
	expires, err := provider.ExpiryOption(a.Options)
	if err != nil {
		return provider.SIPAccount{}, err
	}
	if !expires.IsZero() {
		if err := c.requirePrefs(); err != nil {
			return provider.SIPAccount{}, err
		}
	}
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return provider.SIPAccount{}, c.dbError(err)
	}
	defer tx.Rollback()
	if err := c.domainServed(ctx, tx, d); err != nil {
		return provider.SIPAccount{}, sqldb.Refused(err) // nothing written yet
	}
	var exists int
	err = tx.QueryRowContext(ctx, c.url.rebind("SELECT COUNT(*) FROM subscriber WHERE username = ? AND domain = ?"), a.Username, d).Scan(&exists)
	if err != nil {
		return provider.SIPAccount{}, c.dbError(err)
	}
	if exists > 0 {
		return provider.SIPAccount{}, fmt.Errorf("subscriber %s@%s %w", a.Username, d, provider.ErrExists)
	}
	plain := ""
	if c.plaintext {
		plain = a.Password
	}
	args := []any{a.Username, d, plain, HA1(a.Username, d, a.Password), HA1B(a.Username, d, d, a.Password)}
	const ins = "INSERT INTO subscriber (username, domain, password, ha1, ha1b) VALUES (?, ?, ?, ?, ?)"
	var id int64
	if c.url.Dialect == Postgres {
		err = tx.QueryRowContext(ctx, c.url.rebind(ins+" RETURNING id"), args...).Scan(&id)
	} else {
		var res sql.Result
		if res, err = tx.ExecContext(ctx, ins, args...); err == nil {
			id, err = res.LastInsertId()
		}
	}
	if err != nil {
		if isUniqueViolation(err) {
			return provider.SIPAccount{}, fmt.Errorf("subscriber %s@%s %w", a.Username, d, provider.ErrExists)
		}
		return provider.SIPAccount{}, c.dbError(err)
	}
	// In the same transaction: an account never exists without the
	// expiry it was created with.
	if err := c.setExpiry(ctx, tx, a.Username, d, expires); err != nil {
		return provider.SIPAccount{}, err
	}
	if err := tx.Commit(); err != nil {
		if isUniqueViolation(err) {
			return provider.SIPAccount{}, fmt.Errorf("subscriber %s@%s %w", a.Username, d, provider.ErrExists)
		}
		return provider.SIPAccount{}, c.dbError(err)
	}
	acct := c.account(id, a.Username, d)
	acct.ExpiresAt = expires
	return acct, nil
}

// domainServed checks d is in the domain table, when the database has one.
func (c *Client) domainServed(ctx context.Context, q queryer, d string) error {
	if _, ok := c.tables["domain"]; !ok {
		return nil
	}
	var n int
	if err := q.QueryRowContext(ctx, c.url.rebind("SELECT COUNT(*) FROM domain WHERE domain = ?"), d).Scan(&n); err != nil {
		return c.dbError(err)
	}
	if n == 0 {
		return fmt.Errorf("domain %q is not in Kamailio's domain table: add it with `sipctl domains create %s`", d, d)
	}
	return nil
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// DeleteSIPAccount removes the subscriber, and its expiry row with it.
func (c *Client) DeleteSIPAccount(ctx context.Context, a provider.SIPAccount) error {
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return c.dbError(err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, c.url.rebind("DELETE FROM subscriber WHERE username = ? AND domain = ?"), a.Username, a.Domain)
	if err != nil {
		return c.dbError(err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("no subscriber %s: %w", a.Address(), provider.ErrNotFound)
	}
	if err := c.setExpiry(ctx, tx, a.Username, a.Domain, time.Time{}); err != nil {
		return err
	}
	return c.dbError(tx.Commit())
}
