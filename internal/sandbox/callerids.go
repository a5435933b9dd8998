package sandbox

import (
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"

	"github.com/sipctl/sipctl/internal/provider"
)

type callerIDJSON struct {
	AccountSID   string `json:"account_sid"`
	DateCreated  string `json:"date_created"`
	DateUpdated  string `json:"date_updated"`
	FriendlyName string `json:"friendly_name"`
	PhoneNumber  string `json:"phone_number"`
	SID          string `json:"sid"`
	URI          string `json:"uri"`
}

type validationRequestJSON struct {
	AccountSID     string `json:"account_sid"`
	CallSID        string `json:"call_sid"`
	FriendlyName   string `json:"friendly_name"`
	PhoneNumber    string `json:"phone_number"`
	ValidationCode string `json:"validation_code"`
}

const callerIDColumns = `seq, sid, account_sid, phone_number, friendly_name, created, updated`

func scanCallerID(row interface{ Scan(...any) error }) (int64, callerIDJSON, error) {
	var seq, created, updated int64
	var p callerIDJSON
	if err := row.Scan(&seq, &p.SID, &p.AccountSID, &p.PhoneNumber, &p.FriendlyName, &created, &updated); err != nil {
		return 0, p, err
	}
	p.DateCreated, p.DateUpdated = rfc2822(created), rfc2822(updated)
	p.URI = apiPrefix + "/Accounts/" + p.AccountSID + "/OutgoingCallerIds/" + p.SID + ".json"
	return seq, p, nil
}

func (h *handler) getCallerID(c *call, sid string) (callerIDJSON, error) {
	_, p, err := scanCallerID(h.s.db.QueryRowContext(c.ctx,
		`SELECT `+callerIDColumns+` FROM caller_ids WHERE sid = ? AND account_sid = ?`, sid, c.account))
	if errors.Is(err, sql.ErrNoRows) {
		return p, notFound(c.r)
	}
	return p, err
}

func (h *handler) callerIDRoutes() {
	base := accountPath("OutgoingCallerIds")
	h.handle("GET "+base, true, func(c *call) (int, any, error) {
		p, err := parsePage(c)
		if err != nil {
			return 0, nil, err
		}
		q := `SELECT ` + callerIDColumns + ` FROM caller_ids WHERE account_sid = ?`
		args := []any{c.account}
		filters := url.Values{}
		if v, ok := c.form("PhoneNumber"); ok {
			q += ` AND phone_number = ?`
			args = append(args, v)
			filters.Set("PhoneNumber", v)
		}
		if v, ok := c.form("FriendlyName"); ok {
			q += ` AND friendly_name = ?`
			args = append(args, v)
			filters.Set("FriendlyName", v)
		}
		items, seqs, err := queryList(c, h.s.db, p, q+` AND seq > ?`, args,
			func(r *sql.Rows) (int64, any, error) { return scanCallerID(r) })
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, listBody(c, p, "outgoing_caller_ids", items, seqs, filters), nil
	})
	// Twilio starts a verification call here; the sandbox has no telephone,
	// so it behaves as if the person answered and keyed in the code at once.
	h.handle("POST "+base, true, func(c *call) (int, any, error) {
		number, _ := c.form("PhoneNumber")
		if !provider.IsE164(number) {
			return 0, nil, invalidParam(21211, "Invalid phone number %q: use E.164, e.g. +14155550100", number)
		}
		name, ok := c.form("FriendlyName")
		if !ok || name == "" {
			name = number
		}
		n, _ := rand.Int(rand.Reader, big.NewInt(1000000))
		code := fmt.Sprintf("%06d", n)
		now := h.s.now().Unix()
		_, err := h.s.db.ExecContext(c.ctx, `INSERT INTO caller_ids (sid, account_sid, phone_number, friendly_name, created, updated) VALUES (?, ?, ?, ?, ?, ?)`,
			newSID("PN"), c.account, number, name, now, now)
		if isUnique(err) {
			return 0, nil, invalidParam(21450, "Phone number %s is already verified for your account", number)
		}
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, validationRequestJSON{
			AccountSID:     c.account,
			CallSID:        newSID("CA"),
			FriendlyName:   name,
			PhoneNumber:    number,
			ValidationCode: code,
		}, nil
	})
	h.handle("GET "+base+"/{Sid}", true, func(c *call) (int, any, error) {
		p, err := h.getCallerID(c, c.param("Sid"))
		return http.StatusOK, p, err
	})
	h.handle("POST "+base+"/{Sid}", true, func(c *call) (int, any, error) {
		if name, ok := c.form("FriendlyName"); ok {
			res, err := h.s.db.ExecContext(c.ctx, `UPDATE caller_ids SET friendly_name = ?, updated = ? WHERE sid = ? AND account_sid = ?`,
				name, h.s.now().Unix(), c.param("Sid"), c.account)
			if err != nil {
				return 0, nil, err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return 0, nil, notFound(c.r)
			}
		}
		p, err := h.getCallerID(c, c.param("Sid"))
		return http.StatusOK, p, err
	})
	h.handle("DELETE "+base+"/{Sid}", true, func(c *call) (int, any, error) {
		return h.deleteWhere(c, `DELETE FROM caller_ids WHERE sid = ? AND account_sid = ?`, c.param("Sid"), c.account)
	})
}
