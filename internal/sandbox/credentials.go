package sandbox

import (
	"crypto/md5"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"
)

type credentialListJSON struct {
	AccountSID      string            `json:"account_sid"`
	DateCreated     string            `json:"date_created"`
	DateUpdated     string            `json:"date_updated"`
	FriendlyName    string            `json:"friendly_name"`
	SID             string            `json:"sid"`
	SubresourceURIs map[string]string `json:"subresource_uris"`
	URI             string            `json:"uri"`
}

type credentialJSON struct {
	AccountSID        string `json:"account_sid"`
	CredentialListSID string `json:"credential_list_sid"`
	DateCreated       string `json:"date_created"`
	DateUpdated       string `json:"date_updated"`
	SID               string `json:"sid"`
	URI               string `json:"uri"`
	Username          string `json:"username"`
}

const credentialListColumns = `seq, sid, account_sid, friendly_name, created, updated`

func scanCredentialList(row interface{ Scan(...any) error }) (int64, credentialListJSON, error) {
	var seq, created, updated int64
	var l credentialListJSON
	if err := row.Scan(&seq, &l.SID, &l.AccountSID, &l.FriendlyName, &created, &updated); err != nil {
		return 0, l, err
	}
	l.DateCreated, l.DateUpdated = rfc2822(created), rfc2822(updated)
	base := apiPrefix + "/Accounts/" + l.AccountSID + "/SIP/CredentialLists/" + l.SID
	l.URI = base + ".json"
	l.SubresourceURIs = map[string]string{"credentials": base + "/Credentials.json"}
	return seq, l, nil
}

const credentialColumns = `seq, sid, account_sid, list_sid, username, created, updated`

func scanCredential(row interface{ Scan(...any) error }) (int64, credentialJSON, error) {
	var seq, created, updated int64
	var cr credentialJSON
	if err := row.Scan(&seq, &cr.SID, &cr.AccountSID, &cr.CredentialListSID, &cr.Username, &created, &updated); err != nil {
		return 0, cr, err
	}
	return seq, credentialOf(cr.SID, cr.AccountSID, cr.CredentialListSID, cr.Username, created, updated), nil
}

func credentialOf(sid, account, listSID, username string, created, updated int64) credentialJSON {
	return credentialJSON{SID: sid, AccountSID: account, CredentialListSID: listSID, Username: username,
		DateCreated: rfc2822(created), DateUpdated: rfc2822(updated),
		URI: apiPrefix + "/Accounts/" + account + "/SIP/CredentialLists/" + listSID + "/Credentials/" + sid + ".json"}
}

func (h *handler) getCredentialList(c *call, sid string) (credentialListJSON, error) {
	_, l, err := scanCredentialList(h.s.db.QueryRowContext(c.ctx,
		`SELECT `+credentialListColumns+` FROM credential_lists WHERE sid = ? AND account_sid = ?`, sid, c.account))
	if errors.Is(err, sql.ErrNoRows) {
		return l, notFound(c.r)
	}
	return l, err
}

func (h *handler) getCredential(c *call, listSID, sid string) (credentialJSON, error) {
	_, cr, err := scanCredential(h.s.queryRow(c.ctx,
		`SELECT `+credentialColumns+` FROM credentials WHERE sid = ? AND list_sid = ? AND account_sid = ?`, sid, listSID, c.account))
	if errors.Is(err, sql.ErrNoRows) {
		return cr, notFound(c.r)
	}
	return cr, err
}

// checkPassword is Twilio's rule for SIP credential passwords.
func checkPassword(p string) error {
	var digit, upper, lower bool
	for _, r := range p {
		digit = digit || unicode.IsDigit(r)
		upper = upper || unicode.IsUpper(r)
		lower = lower || unicode.IsLower(r)
	}
	if utf8.RuneCountInString(p) < 12 || !digit || !upper || !lower {
		return invalidParam(21240, "The password must be a minimum of 12 characters, contain at least 1 digit, and have mixed case")
	}
	return nil
}

func checkUsername(u string) error {
	if u == "" || utf8.RuneCountInString(u) > 32 {
		return invalidParam(21240, "A Username must be provided and it must have 32 characters or less")
	}
	if strings.ContainsAny(u, ": \t\r\n@") {
		return invalidParam(21240, "The Username %q contains a character SIP digest authentication cannot carry (':', '@' or whitespace)", u)
	}
	return nil
}

// ha1 is the digest HA1 for realm (RFC 2617 section 3.2.2.2).
func ha1(username, realm, password string) string {
	sum := md5.Sum([]byte(username + ":" + realm + ":" + password))
	return hex.EncodeToString(sum[:])
}

// setDigests replaces a credential's HA1 values with one per domain of its
// account (fresh: a new credential, which has none yet). The password is not
// kept: a domain created (or renamed) later has no HA1 for this credential
// until its password is set again. It runs inside a group commit, so its
// statements are prepared and not bound to one request's context.
func (s *Sandbox) setDigests(tx *sql.Tx, credSID, account, username, password string, fresh bool) error {
	if !fresh {
		if _, err := s.txExec(tx, `DELETE FROM credential_digests WHERE credential_sid = ?`, credSID); err != nil {
			return err
		}
	}
	st, err := s.stmt(`SELECT sid, domain_name FROM domains WHERE account_sid = ?`)
	if err != nil {
		return err
	}
	rows, err := tx.Stmt(st).Query(account)
	if err != nil {
		return err
	}
	type dom struct{ sid, name string }
	var doms []dom
	for rows.Next() {
		var d dom
		if err := rows.Scan(&d.sid, &d.name); err != nil {
			rows.Close()
			return err
		}
		doms = append(doms, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, d := range doms {
		if _, err := s.txExec(tx, `INSERT INTO credential_digests (credential_sid, domain_sid, ha1) VALUES (?, ?, ?)`,
			credSID, d.sid, ha1(username, strings.ToLower(d.name), password)); err != nil {
			return err
		}
	}
	return nil
}

func (h *handler) credentialRoutes() {
	lists := accountPath("SIP/CredentialLists")
	h.handle("GET "+lists, true, func(c *call) (int, any, error) {
		p, err := parsePage(c)
		if err != nil {
			return 0, nil, err
		}
		items, seqs, err := queryList(c, h.s.db, p,
			`SELECT `+credentialListColumns+` FROM credential_lists WHERE account_sid = ? AND seq > ?`, []any{c.account},
			func(r *sql.Rows) (int64, any, error) { return scanCredentialList(r) })
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, listBody(c, p, "credential_lists", items, seqs, nil), nil
	})
	h.handle("POST "+lists, true, func(c *call) (int, any, error) {
		name, _ := c.form("FriendlyName")
		if name == "" || utf8.RuneCountInString(name) > 64 {
			return 0, nil, invalidParam(21240, "A FriendlyName of 1 to 64 characters is required")
		}
		sid := newSID("CL")
		now := h.s.now().Unix()
		_, err := h.s.db.ExecContext(c.ctx, `INSERT INTO credential_lists (sid, account_sid, friendly_name, created, updated) VALUES (?, ?, ?, ?, ?)`,
			sid, c.account, name, now, now)
		if isUnique(err) {
			return 0, nil, invalidParam(21240, "A Credential List with the FriendlyName %q already exists", name)
		}
		if err != nil {
			return 0, nil, err
		}
		l, err := h.getCredentialList(c, sid)
		return http.StatusCreated, l, err
	})
	h.handle("GET "+lists+"/{Sid}", true, func(c *call) (int, any, error) {
		l, err := h.getCredentialList(c, c.param("Sid"))
		return http.StatusOK, l, err
	})
	h.handle("POST "+lists+"/{Sid}", true, func(c *call) (int, any, error) {
		name, _ := c.form("FriendlyName")
		if name == "" || utf8.RuneCountInString(name) > 64 {
			return 0, nil, invalidParam(21240, "A FriendlyName of 1 to 64 characters is required")
		}
		res, err := h.s.db.ExecContext(c.ctx, `UPDATE credential_lists SET friendly_name = ?, updated = ? WHERE sid = ? AND account_sid = ?`,
			name, h.s.now().Unix(), c.param("Sid"), c.account)
		if isUnique(err) {
			return 0, nil, invalidParam(21240, "A Credential List with the FriendlyName %q already exists", name)
		}
		if err != nil {
			return 0, nil, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return 0, nil, notFound(c.r)
		}
		l, err := h.getCredentialList(c, c.param("Sid"))
		return http.StatusOK, l, err
	})
	h.handle("DELETE "+lists+"/{Sid}", true, func(c *call) (int, any, error) {
		return h.deleteWhere(c, `DELETE FROM credential_lists WHERE sid = ? AND account_sid = ?`, c.param("Sid"), c.account)
	})

	creds := lists + "/{CredentialListSid}/Credentials"
	h.handle("GET "+creds, true, func(c *call) (int, any, error) {
		p, err := parsePage(c)
		if err != nil {
			return 0, nil, err
		}
		if _, err := h.getCredentialList(c, c.param("CredentialListSid")); err != nil {
			return 0, nil, err
		}
		items, seqs, err := queryList(c, h.s.db, p,
			`SELECT `+credentialColumns+` FROM credentials WHERE list_sid = ? AND account_sid = ? AND seq > ?`,
			[]any{c.param("CredentialListSid"), c.account},
			func(r *sql.Rows) (int64, any, error) { return scanCredential(r) })
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, listBody(c, p, "credentials", items, seqs, nil), nil
	})
	h.handle("POST "+creds, true, func(c *call) (int, any, error) {
		listSID := c.param("CredentialListSid")
		user, _ := c.form("Username")
		pass, _ := c.form("Password")
		if err := checkUsername(user); err != nil {
			return 0, nil, err
		}
		if err := checkPassword(pass); err != nil {
			return 0, nil, err
		}
		sid := newSID("CR")
		now := h.s.now().Unix()
		err := h.s.tx(c.ctx, func(tx *sql.Tx) error {
			var n int
			if err := h.s.txQueryRow(tx, `SELECT COUNT(*) FROM credential_lists WHERE sid = ? AND account_sid = ?`, listSID, c.account).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return notFound(c.r)
			}
			_, err := h.s.txExec(tx, `INSERT INTO credentials (sid, account_sid, list_sid, username, created, updated) VALUES (?, ?, ?, ?, ?, ?)`,
				sid, c.account, listSID, user, now, now)
			if isUnique(err) {
				return invalidParam(21240, "The Username %q already exists in this Credential List", user)
			}
			if err != nil {
				return err
			}
			return h.s.setDigests(tx, sid, c.account, user, pass, true)
		})
		if err != nil {
			return 0, nil, err
		}
		// The row as committed: nothing else writes a credential it has
		// just been given.
		return http.StatusCreated, credentialOf(sid, c.account, listSID, user, now, now), nil
	})
	h.handle("GET "+creds+"/{Sid}", true, func(c *call) (int, any, error) {
		cr, err := h.getCredential(c, c.param("CredentialListSid"), c.param("Sid"))
		return http.StatusOK, cr, err
	})
	h.handle("POST "+creds+"/{Sid}", true, func(c *call) (int, any, error) {
		listSID, sid := c.param("CredentialListSid"), c.param("Sid")
		pass, ok := c.form("Password")
		if ok {
			if err := checkPassword(pass); err != nil {
				return 0, nil, err
			}
		}
		err := h.s.tx(c.ctx, func(tx *sql.Tx) error {
			var user string
			err := h.s.txQueryRow(tx, `SELECT username FROM credentials WHERE sid = ? AND list_sid = ? AND account_sid = ?`,
				sid, listSID, c.account).Scan(&user)
			if errors.Is(err, sql.ErrNoRows) {
				return notFound(c.r)
			}
			if err != nil || !ok {
				return err
			}
			if _, err := h.s.txExec(tx, `UPDATE credentials SET updated = ? WHERE sid = ?`, h.s.now().Unix(), sid); err != nil {
				return err
			}
			return h.s.setDigests(tx, sid, c.account, user, pass, false)
		})
		if err != nil {
			return 0, nil, err
		}
		cr, err := h.getCredential(c, listSID, sid)
		return http.StatusOK, cr, err
	})
	h.handle("DELETE "+creds+"/{Sid}", true, func(c *call) (int, any, error) {
		return h.deleteWhere(c, `DELETE FROM credentials WHERE sid = ? AND list_sid = ? AND account_sid = ?`,
			c.param("Sid"), c.param("CredentialListSid"), c.account)
	})
}
