package asterisk

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/sipctl/sipctl/internal/provider"
)

// PJSIP realtime has no column for an account's end, and none Asterisk
// ignores that sipctl could borrow safely (set_var reaches every channel),
// so sipctl keeps expiry in a table of its own, which Asterisk never reads:
//
//	CREATE TABLE sipctl_expiry (id VARCHAR(255) PRIMARY KEY, expires_at VARCHAR(40) NOT NULL)
//
// one row per endpoint id with an RFC 3339 time. Deleting an account through
// sipctl deletes its row; creating one without an expiry deletes a stale row
// left by others. `accounts cleanup` deletes what has expired.

// expiryTable is sipctl's own table.
const expiryTable = "sipctl_expiry"

// ExpiryDDL creates the table (the same statement on every dialect).
const ExpiryDDL = "CREATE TABLE " + expiryTable + " (id VARCHAR(255) PRIMARY KEY, expires_at VARCHAR(40) NOT NULL)"

// ExpiryConvention implements provider.Expiry.
func (c *Client) ExpiryConvention() string {
	return "a row of sipctl's own table " + expiryTable + " (endpoint id, RFC 3339 time), which Asterisk does not read"
}

func (c *Client) requireExpiry() error {
	if !c.schema.has(expiryTable) {
		return fmt.Errorf("database %s has no %s table, where sipctl records account expiry: create it with `%s`", c.url, expiryTable, ExpiryDDL)
	}
	return nil
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// setExpiry replaces the account's expiry row with one for t (none for a
// zero t), inside the caller's transaction.
func (c *Client) setExpiry(ctx context.Context, tx execer, id string, t time.Time) error {
	if !c.schema.has(expiryTable) {
		if t.IsZero() {
			return nil
		}
		return c.requireExpiry()
	}
	if _, err := tx.ExecContext(ctx, c.q("DELETE FROM "+expiryTable+" WHERE id = ?"), id); err != nil {
		return c.dbError(err)
	}
	if t.IsZero() {
		return nil
	}
	_, err := tx.ExecContext(ctx, c.q("INSERT INTO "+expiryTable+" (id, expires_at) VALUES (?, ?)"), id, provider.FormatExpiry(t))
	return c.dbError(err)
}

// expirySelect is the column listing queries add for an account's expiry
// (e is ps_endpoints' alias).
func (c *Client) expirySelect() string {
	if !c.schema.has(expiryTable) {
		return ", NULL"
	}
	return ", (SELECT x.expires_at FROM " + expiryTable + " x WHERE x.id = e.id)"
}

// parseExpiry reads a stored value; one that is not a time is ignored.
func parseExpiry(v sql.NullString) time.Time { return provider.ParseExpiry(v.String) }
