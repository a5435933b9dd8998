package asterisk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/sqldb"
)

func isUnique(err error) bool { return sqldb.IsUniqueViolation(err) }

type pwWrite struct {
	id, password string
	auth         string // the auth object written, set by the commit
}

// SetSIPPassword writes a new md5_cred to the endpoint's auth (and clears a
// plain-text password, converting the auth to md5). Concurrent calls are
// committed together (sqldb.Batcher). Each call returns once its row is
// durably written; then, when the profile has AMI, Asterisk's cached copy of
// the auth is expired so the new password applies at once.
func (c *Client) SetSIPPassword(ctx context.Context, a provider.SIPAccount, password string) error {
	w, err := c.newWrite(a, password)
	if err != nil {
		return refused(err)
	}
	if err := c.batch.Do(ctx, w); err != nil {
		return err
	}
	c.expireCached(ctx, []string{w.auth})
	return nil
}

func (c *Client) newWrite(a provider.SIPAccount, password string) (*pwWrite, error) {
	id := a.Ref
	if id == "" {
		id = a.Username
	}
	if err := c.ValidateUsername(id); err != nil {
		return nil, err
	}
	if password == "" {
		return nil, errors.New("a password is required")
	}
	return &pwWrite{id: id, password: password}, nil
}

// SetSIPPasswords sets many passwords in one transaction, all or none.
func (c *Client) SetSIPPasswords(ctx context.Context, changes []provider.PasswordChange) error {
	ws := make([]*pwWrite, len(changes))
	for i, ch := range changes {
		w, err := c.newWrite(ch.Account, ch.Password)
		if err != nil {
			return err
		}
		ws[i] = w
	}
	if _, err := c.applyWrites(ctx, ws, true); err != nil {
		return err
	}
	auths := make([]string, len(ws))
	for i, w := range ws {
		auths[i] = w.auth
	}
	c.expireCached(ctx, auths)
	return nil
}

// applyWrites checks and updates each write's auth in one transaction.
// errs[i] is the refusal of one write (no endpoint, no auth, a shared auth,
// another realm): that auth is left as it was. With strict, the first
// refusal aborts the whole transaction instead.
func (c *Client) applyWrites(ctx context.Context, ws []*pwWrite, strict bool) (errs []error, err error) {
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, c.dbError(err)
	}
	defer tx.Rollback()
	look, err := tx.PrepareContext(ctx, c.q(selectRow+", NULL"+c.fromRows()+" WHERE e.id = ?"))
	if err != nil {
		return nil, c.dbError(err)
	}
	defer look.Close()
	set := "UPDATE ps_auths SET md5_cred = ?, auth_type = 'md5', password = ''"
	digest := c.schema.hasColumn("ps_auths", "password_digest")
	if digest {
		set += ", password_digest = ?"
	}
	upd, err := tx.PrepareContext(ctx, c.q(set+" WHERE id = ?"))
	if err != nil {
		return nil, c.dbError(err)
	}
	defer upd.Close()
	errs = make([]error, len(ws))
	rows := make([]row, len(ws))
	var auths []string
	for i, w := range ws {
		err := scanRow(look.QueryRowContext(ctx, w.id), &rows[i])
		if errors.Is(err, sql.ErrNoRows) {
			errs[i] = &provider.NotFoundError{What: provider.WhatAccount, Name: w.id, Where: "on " + c.domain + " (no ps_endpoints row)"}
		} else if err != nil {
			return nil, c.dbError(err)
		} else if rows[i].auth != "" {
			auths = append(auths, rows[i].auth)
		}
	}
	users, err := c.endpointsUsing(ctx, tx, auths)
	if err != nil {
		return nil, err
	}
	for i, w := range ws {
		r := rows[i]
		if errs[i] == nil {
			errs[i] = refused(c.refuse(r, users[r.auth]))
		}
		if errs[i] != nil {
			if strict {
				return nil, errs[i]
			}
			continue
		}
		user := r.authUser.String
		if user == "" {
			user = r.id
		}
		cred := MD5Cred(user, c.realm, w.password)
		args := []any{cred}
		if digest {
			args = append(args, passwordDigest(cred))
		}
		if _, err := upd.ExecContext(ctx, append(args, r.auth)...); err != nil {
			return nil, c.dbError(err)
		}
		w.auth = r.auth
	}
	if err := tx.Commit(); err != nil {
		return nil, c.dbError(err)
	}
	return errs, nil
}

// refuse says why sipctl will not write an endpoint's auth, or nil: the
// endpoint lacks one, shares it, or it is of another realm. A plain-text
// password is converted, not refused.
func (c *Client) refuse(r row, users int) error {
	switch {
	case r.auth == "":
		return fmt.Errorf("endpoint %s has no auth: it is not an account sipctl can give a password (give it an auth, or delete and create it)", r.id)
	case strings.Contains(r.auth, ","):
		return fmt.Errorf("endpoint %s has several auths (%s): sipctl manages endpoints with one", r.id, r.auth)
	case !r.authFound:
		return fmt.Errorf("endpoint %s names auth %s, which has no ps_auths row: delete the endpoint and create the account again", r.id, r.auth)
	case r.realm.String == "":
		return fmt.Errorf("auth %s has no realm, so its digest depends on Asterisk's default_realm: set its realm to %q (the profile's) first", r.auth, c.realm)
	case r.realm.String != c.realm:
		return fmt.Errorf("auth %s has realm %q, the profile %q: set the profile's realm (`sipctl profile set realm %s`) or change the row's", r.auth, r.realm.String, c.realm, r.realm.String)
	}
	if users > 1 {
		return fmt.Errorf("auth %s is shared by %d endpoints: a new password would change all of them; give endpoint %s an auth of its own", r.auth, users, r.id)
	}
	return nil
}

// endpointsUsing counts, per auth, the endpoints naming it, in one query
// per 500 auths: ps_endpoints.auth has no index in Asterisk's schema, so a
// query per account would scan the table once per account.
func (c *Client) endpointsUsing(ctx context.Context, tx *sql.Tx, auths []string) (map[string]int, error) {
	out := make(map[string]int, len(auths))
	for len(auths) > 0 {
		chunk := auths[:min(len(auths), 500)]
		auths = auths[len(chunk):]
		args := make([]any, len(chunk))
		for i, a := range chunk {
			args[i] = a
		}
		rows, err := tx.QueryContext(ctx, c.q("SELECT auth, COUNT(*) FROM ps_endpoints WHERE auth IN ("+placeholders(len(chunk))+") GROUP BY auth"), args...)
		if err != nil {
			return nil, c.dbError(err)
		}
		for rows.Next() {
			var a string
			var n int
			if err := rows.Scan(&a, &n); err != nil {
				rows.Close()
				return nil, c.dbError(err)
			}
			out[a] = n
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, c.dbError(err)
		}
	}
	return out, nil
}
