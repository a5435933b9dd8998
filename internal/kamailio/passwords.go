package kamailio

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/sipctl/sipctl/internal/provider"
)

type pwWrite struct {
	user, domain, ha1, ha1b, plain string
}

func (c *Client) newWrite(a provider.SIPAccount, password string) (*pwWrite, error) {
	if err := c.checkAccount(a.Username, a.Domain, password); err != nil {
		return nil, err
	}
	w := &pwWrite{user: a.Username, domain: a.Domain, ha1: HA1(a.Username, a.Domain, password),
		ha1b: HA1B(a.Username, a.Domain, a.Domain, password)}
	if c.plaintext {
		w.plain = password
	}
	return w, nil
}

// SetSIPPassword writes the account's new ha1 and ha1b (and clears or, with
// store_plaintext, sets the password column). It is safe to call from many
// goroutines: concurrent calls are committed together in one transaction
// (sqldb.Batcher's group commit). Each call returns once its row is durably
// written.
func (c *Client) SetSIPPassword(ctx context.Context, a provider.SIPAccount, password string) error {
	w, err := c.newWrite(a, password)
	if err != nil {
		return err
	}
	return c.batch.Do(ctx, w)
}

// applyWrites runs the updates in one transaction. errs[i] is ErrNotFound
// for a subscriber that is not there; with strict, that aborts the whole
// transaction instead.
func (c *Client) applyWrites(ctx context.Context, ws []*pwWrite, strict bool) (errs []error, err error) {
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, c.dbError(err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, c.url.rebind("UPDATE subscriber SET ha1 = ?, ha1b = ?, password = ? WHERE username = ? AND domain = ?"))
	if err != nil {
		return nil, c.dbError(err)
	}
	defer stmt.Close()
	errs = make([]error, len(ws))
	for i, w := range ws {
		var res sql.Result
		res, err = stmt.ExecContext(ctx, w.ha1, w.ha1b, w.plain, w.user, w.domain)
		if err != nil {
			return nil, c.dbError(err)
		}
		if n, err := res.RowsAffected(); err == nil && n == 0 {
			errs[i] = fmt.Errorf("no subscriber %s@%s: %w", w.user, w.domain, provider.ErrNotFound)
			if strict {
				return nil, errs[i]
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, c.dbError(err)
	}
	return errs, nil
}

// SetSIPPasswords sets many passwords in one transaction, all or none: the
// batch interface a rotation engine can hand a journaled batch to.
func (c *Client) SetSIPPasswords(ctx context.Context, changes []provider.PasswordChange) error {
	ws := make([]*pwWrite, len(changes))
	for i, ch := range changes {
		w, err := c.newWrite(ch.Account, ch.Password)
		if err != nil {
			return err
		}
		ws[i] = w
	}
	_, err := c.applyWrites(ctx, ws, true)
	return err
}
