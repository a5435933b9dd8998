package kamailio

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/sipctl/sipctl/internal/provider"
)

// maxGroup is the most concurrent SetSIPPassword calls one transaction
// commits together.
const maxGroup = 256

// groupTimeout bounds one group commit.
const groupTimeout = 2 * time.Minute

var errClosed = errors.New("kamailio client closed")

type pwWrite struct {
	user, domain, ha1, ha1b, plain string
	done                           chan error
}

func (c *Client) newWrite(a provider.SIPAccount, password string) (*pwWrite, error) {
	if err := c.checkAccount(a.Username, a.Domain, password); err != nil {
		return nil, err
	}
	w := &pwWrite{user: a.Username, domain: a.Domain, ha1: HA1(a.Username, a.Domain, password),
		ha1b: HA1B(a.Username, a.Domain, a.Domain, password), done: make(chan error, 1)}
	if c.plaintext {
		w.plain = password
	}
	return w, nil
}

// SetSIPPassword writes the account's new ha1 and ha1b (and clears or, with
// store_plaintext, sets the password column). It is safe to call from many
// goroutines: concurrent calls are committed together in one transaction
// (a group commit), so a rotation engine running 100 workers pays for one
// commit, not 100. Each call returns once its row is durably written.
func (c *Client) SetSIPPassword(ctx context.Context, a provider.SIPAccount, password string) error {
	w, err := c.newWrite(a, password)
	if err != nil {
		return err
	}
	c.writerOnce.Do(func() {
		c.writes = make(chan *pwWrite, maxGroup)
		go c.writer()
	})
	select {
	case c.writes <- w:
	case <-c.stop:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued, the write happens or fails as a whole: wait for it even
	// if ctx ends, so the caller knows which.
	select {
	case err := <-w.done:
		return err
	case <-c.stopped:
		select {
		case err := <-w.done:
			return err
		default:
			return errClosed
		}
	}
}

func (c *Client) writer() {
	defer close(c.stopped)
	for {
		select {
		case <-c.stop:
			for {
				select {
				case w := <-c.writes:
					w.done <- errClosed
				default:
					return
				}
			}
		case w := <-c.writes:
			group := []*pwWrite{w}
		fill:
			for len(group) < maxGroup {
				select {
				case w := <-c.writes:
					group = append(group, w)
				default:
					break fill
				}
			}
			c.commitGroup(group)
		}
	}
}

// commitGroup writes a group in one transaction. A statement error (not a
// missing row) rolls the group back and retries each write alone, so one
// bad row cannot fail its neighbours.
func (c *Client) commitGroup(group []*pwWrite) {
	ctx, cancel := context.WithTimeout(context.Background(), groupTimeout)
	defer cancel()
	errs, err := c.applyWrites(ctx, group, false)
	if err != nil && len(group) > 1 {
		for _, w := range group {
			e, err := c.applyWrites(ctx, []*pwWrite{w}, false)
			if err != nil {
				w.done <- err
			} else {
				w.done <- e[0]
			}
		}
		return
	}
	for i, w := range group {
		if err != nil {
			w.done <- err
		} else {
			w.done <- errs[i]
		}
	}
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
