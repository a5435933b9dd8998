package sandbox

import (
	"database/sql"
	"errors"
	"net/http"
	"net/url"
	"unicode/utf8"
)

type accountJSON struct {
	AuthToken       string            `json:"auth_token"`
	DateCreated     string            `json:"date_created"`
	DateUpdated     string            `json:"date_updated"`
	FriendlyName    string            `json:"friendly_name"`
	OwnerAccountSID string            `json:"owner_account_sid"`
	SID             string            `json:"sid"`
	Status          string            `json:"status"`
	SubresourceURIs map[string]string `json:"subresource_uris"`
	Type            string            `json:"type"`
	URI             string            `json:"uri"`
}

const accountColumns = `seq, sid, owner_sid, friendly_name, status, auth_token, created, updated`

func scanAccount(row interface{ Scan(...any) error }) (int64, accountJSON, error) {
	var seq, created, updated int64
	var a accountJSON
	var owner sql.NullString
	if err := row.Scan(&seq, &a.SID, &owner, &a.FriendlyName, &a.Status, &a.AuthToken, &created, &updated); err != nil {
		return 0, a, err
	}
	// Twilio names a main account as its own owner.
	a.OwnerAccountSID = a.SID
	if owner.Valid {
		a.OwnerAccountSID = owner.String
	}
	a.Type = "Full"
	a.DateCreated, a.DateUpdated = rfc2822(created), rfc2822(updated)
	base := apiPrefix + "/Accounts/" + a.SID
	a.URI = base + ".json"
	a.SubresourceURIs = map[string]string{
		"sip":                 base + "/SIP.json",
		"outgoing_caller_ids": base + "/OutgoingCallerIds.json",
	}
	return seq, a, nil
}

func (h *handler) getAccount(c *call, sid string) (accountJSON, error) {
	_, a, err := scanAccount(h.s.db.QueryRowContext(c.ctx, `SELECT `+accountColumns+` FROM accounts WHERE sid = ?`, sid))
	if errors.Is(err, sql.ErrNoRows) {
		return a, notFound(c.r)
	}
	return a, err
}

func (h *handler) accountRoutes() {
	h.handle("GET "+apiPrefix+"/Accounts", false, func(c *call) (int, any, error) {
		p, err := parsePage(c)
		if err != nil {
			return 0, nil, err
		}
		q := `SELECT ` + accountColumns + ` FROM accounts WHERE (sid = ? OR owner_sid = ?)`
		args := []any{c.auth, c.auth}
		filters := url.Values{}
		if v, ok := c.form("FriendlyName"); ok {
			q += ` AND friendly_name = ?`
			args = append(args, v)
			filters.Set("FriendlyName", v)
		}
		if v, ok := c.form("Status"); ok {
			q += ` AND status = ?`
			args = append(args, v)
			filters.Set("Status", v)
		}
		items, seqs, err := queryList(c, h.s.db, p, q+` AND seq > ?`, args,
			func(r *sql.Rows) (int64, any, error) { return scanAccount(r) })
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, listBody(c, p, "accounts", items, seqs, filters), nil
	})
	h.handle("POST "+apiPrefix+"/Accounts", false, func(c *call) (int, any, error) {
		var owner sql.NullString
		if err := h.s.db.QueryRowContext(c.ctx, `SELECT owner_sid FROM accounts WHERE sid = ?`, c.auth).Scan(&owner); err != nil {
			return 0, nil, err
		}
		if owner.Valid {
			return 0, nil, newError(http.StatusForbidden, 20003, "A subaccount cannot create subaccounts")
		}
		name, ok := c.form("FriendlyName")
		if !ok || name == "" {
			name = "SubAccount Created at " + rfc2822(h.s.now().Unix())
		}
		if utf8.RuneCountInString(name) > 64 {
			return 0, nil, invalidParam(20001, "FriendlyName must be at most 64 characters")
		}
		sid := newSID("AC")
		now := h.s.now().Unix()
		_, err := h.s.db.ExecContext(c.ctx, `INSERT INTO accounts (sid, owner_sid, friendly_name, status, auth_token, created, updated)
			VALUES (?, ?, ?, 'active', ?, ?, ?)`, sid, c.auth, name, randomHex(16), now, now)
		if err != nil {
			return 0, nil, err
		}
		a, err := h.getAccount(c, sid)
		return http.StatusCreated, a, err
	})
	h.handle("GET "+apiPrefix+"/Accounts/{Sid}", false, func(c *call) (int, any, error) {
		if err := h.authorize(c.ctx, c.auth, c.param("Sid")); err != nil {
			return 0, nil, err
		}
		a, err := h.getAccount(c, c.param("Sid"))
		return http.StatusOK, a, err
	})
	h.handle("POST "+apiPrefix+"/Accounts/{Sid}", false, func(c *call) (int, any, error) {
		sid := c.param("Sid")
		if err := h.authorize(c.ctx, c.auth, sid); err != nil {
			return 0, nil, err
		}
		a, err := h.getAccount(c, sid)
		if err != nil {
			return 0, nil, err
		}
		set := map[string]any{}
		if v, ok := c.form("FriendlyName"); ok {
			if v == "" || utf8.RuneCountInString(v) > 64 {
				return 0, nil, invalidParam(20001, "FriendlyName must be 1 to 64 characters")
			}
			set["friendly_name"] = v
		}
		if v, ok := c.form("Status"); ok && v != a.Status {
			switch {
			case v != "active" && v != "suspended" && v != "closed":
				return 0, nil, invalidParam(20001, "Status must be active, suspended or closed, not %q", v)
			case a.OwnerAccountSID == a.SID:
				return 0, nil, invalidParam(20001, "The sandbox's main account cannot change status")
			case a.Status == "closed":
				return 0, nil, invalidParam(20001, "Account %s is closed; a closed account cannot be reopened", sid)
			}
			set["status"] = v
		}
		if len(set) > 0 {
			set["updated"] = h.s.now().Unix()
			assign, args := updateParts(set)
			if _, err := h.s.db.ExecContext(c.ctx, `UPDATE accounts SET `+assign+` WHERE sid = ?`, append(args, sid)...); err != nil {
				return 0, nil, err
			}
		}
		a, err = h.getAccount(c, sid)
		return http.StatusOK, a, err
	})
}
