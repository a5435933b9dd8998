package kamailio

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/sipctl/sipctl/internal/provider"
)

// Kamailio's subscriber table has no spare column (version 7: id, username,
// domain, password, ha1, ha1b), so sipctl records an account's expiry where
// Kamailio keeps per-user attributes: avpops' usr_preferences table, one
// row per account with attribute sipctl_expires and an RFC 3339 value
// (type 0: string name, string value). kamdbctl creates the table with the
// standard tables; `kamctl avp list` and `kamcli db show` show the rows,
// and a kamailio.cfg can load them (avp_db_load) to refuse expired accounts
// at once. Deleting an account through sipctl deletes its row; creating one
// without an expiry deletes a stale row left by others.

// ExpiryAttribute is the usr_preferences attribute holding an expiry.
const ExpiryAttribute = "sipctl_expires"

// prefsTable is avpops' table and the version sipctl writes.
const (
	prefsTable   = "usr_preferences"
	prefsVersion = 2
)

var _ provider.Expiry = (*Client)(nil)

// ExpiryConvention implements provider.Expiry.
func (c *Client) ExpiryConvention() string {
	return "a usr_preferences row (attribute " + ExpiryAttribute + ") of the avpops schema"
}

// hasPrefs says the database has avpops' usr_preferences table.
func (c *Client) hasPrefs() bool {
	_, ok := c.tables[prefsTable]
	return ok
}

// requirePrefs fails, before any write, when expiry cannot be recorded.
func (c *Client) requirePrefs() error {
	v, ok := c.tables[prefsTable]
	if !ok {
		return fmt.Errorf("database %s has no %s table, where sipctl records account expiry: load the avpops module's schema (kamdbctl create, or avpops-create.sql)", c.url, prefsTable)
	}
	if v != prefsVersion {
		return fmt.Errorf("database %s has %s version %d (known: %d); refusing to write to it", c.url, prefsTable, v, prefsVersion)
	}
	return nil
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// setExpiry replaces the account's expiry rows with one for t (none for a
// zero t), inside the caller's transaction.
func (c *Client) setExpiry(ctx context.Context, tx execer, username, domain string, t time.Time) error {
	if !c.hasPrefs() {
		if t.IsZero() {
			return nil
		}
		return c.requirePrefs()
	}
	if _, err := tx.ExecContext(ctx, c.url.rebind("DELETE FROM usr_preferences WHERE username = ? AND domain = ? AND attribute = ?"),
		username, domain, ExpiryAttribute); err != nil {
		return c.dbError(err)
	}
	if t.IsZero() {
		return nil
	}
	_, err := tx.ExecContext(ctx, c.url.rebind("INSERT INTO usr_preferences (uuid, username, domain, attribute, type, value, last_modified) VALUES ('', ?, ?, ?, 0, ?, ?)"),
		username, domain, ExpiryAttribute, provider.FormatExpiry(t), time.Now().UTC().Format("2006-01-02 15:04:05"))
	return c.dbError(err)
}

// expirySelect is the column expression listing queries add for an
// account's expiry ("" when there is no usr_preferences table). s is the
// subscriber table's alias.
func (c *Client) expirySelect() string {
	if !c.hasPrefs() {
		return ", NULL"
	}
	return ", (SELECT MAX(p.value) FROM usr_preferences p WHERE p.username = s.username AND p.domain = s.domain AND p.attribute = '" + ExpiryAttribute + "')"
}

// parseExpiry reads a stored value; one that is not a time is ignored (the
// account then has no expiry, so cleanup leaves it alone).
func parseExpiry(v sql.NullString) time.Time { return provider.ParseExpiry(v.String) }

// expiryOf reads one account's expiry.
func (c *Client) expiryOf(ctx context.Context, username, domain string) (time.Time, error) {
	if !c.hasPrefs() {
		return time.Time{}, nil
	}
	var v sql.NullString
	err := c.db.QueryRowContext(ctx, c.url.rebind("SELECT MAX(value) FROM usr_preferences WHERE username = ? AND domain = ? AND attribute = ?"),
		username, domain, ExpiryAttribute).Scan(&v)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, c.dbError(err)
	}
	return parseExpiry(v), nil
}
