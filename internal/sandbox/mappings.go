package sandbox

import (
	"database/sql"
	"errors"
	"net/http"
)

// A mapping's SID is the SID of the attached list, as in Twilio.
type mappingJSON struct {
	AccountSID   string  `json:"account_sid"`
	DateCreated  string  `json:"date_created"`
	DateUpdated  string  `json:"date_updated"`
	DomainSID    *string `json:"domain_sid,omitempty"` // legacy endpoints only
	FriendlyName string  `json:"friendly_name"`
	SID          string  `json:"sid"`
	URI          *string `json:"uri,omitempty"` // legacy endpoints only
}

// mappingKind describes one family of mapping endpoints.
type mappingKind struct {
	path     string // under SIP/Domains/{DomainSid}/
	table    string // cl_mappings or ipacl_mappings
	target   string // the mapped list's column
	lists    string // the mapped lists' table
	kind     string // cl_mappings.kind; "" for IP ACLs
	formKey  string // the create form field
	legacy   bool   // the older endpoints also render domain_sid and uri
	typeName string // for error messages
	listKey  string // the list page's item key
}

var mappingKinds = []mappingKind{
	{"Auth/Calls/CredentialListMappings", "cl_mappings", "list_sid", "credential_lists", "calls", "CredentialListSid", false, "Credential List", "contents"},
	{"Auth/Registrations/CredentialListMappings", "cl_mappings", "list_sid", "credential_lists", "registrations", "CredentialListSid", false, "Credential List", "contents"},
	{"Auth/Calls/IpAccessControlListMappings", "ipacl_mappings", "acl_sid", "ip_acls", "", "IpAccessControlListSid", false, "IP Access Control List", "contents"},
	// The older endpoints: Twilio applies them to calls.
	{"CredentialListMappings", "cl_mappings", "list_sid", "credential_lists", "calls", "CredentialListSid", true, "Credential List", "credential_list_mappings"},
	{"IpAccessControlListMappings", "ipacl_mappings", "acl_sid", "ip_acls", "", "IpAccessControlListSid", true, "IP Access Control List", "ip_access_control_list_mappings"},
}

func (k mappingKind) where() string {
	if k.kind == "" {
		return ""
	}
	return " AND m.kind = '" + k.kind + "'"
}

func (k mappingKind) selectSQL() string {
	return `SELECT m.seq, m.account_sid, m.domain_sid, m.` + k.target + `, l.friendly_name, m.created, m.updated
		FROM ` + k.table + ` m JOIN ` + k.lists + ` l ON l.sid = m.` + k.target + `
		WHERE m.domain_sid = ? AND m.account_sid = ?` + k.where()
}

func (k mappingKind) scan(row interface{ Scan(...any) error }) (int64, mappingJSON, error) {
	var seq, created, updated int64
	var m mappingJSON
	var domainSID string
	if err := row.Scan(&seq, &m.AccountSID, &domainSID, &m.SID, &m.FriendlyName, &created, &updated); err != nil {
		return 0, m, err
	}
	m.DateCreated, m.DateUpdated = rfc2822(created), rfc2822(updated)
	if k.legacy {
		uri := apiPrefix + "/Accounts/" + m.AccountSID + "/SIP/Domains/" + domainSID + "/" + k.path + "/" + m.SID + ".json"
		m.DomainSID, m.URI = &domainSID, &uri
	}
	return seq, m, nil
}

func (h *handler) getMapping(c *call, k mappingKind, domainSID, sid string) (mappingJSON, error) {
	_, m, err := k.scan(h.s.db.QueryRowContext(c.ctx, k.selectSQL()+` AND m.`+k.target+` = ?`, domainSID, c.account, sid))
	if errors.Is(err, sql.ErrNoRows) {
		return m, notFound(c.r)
	}
	return m, err
}

func (h *handler) mappingRoutes() {
	for _, k := range mappingKinds {
		base := accountPath("SIP/Domains/{DomainSid}/" + k.path)
		h.handle("GET "+base, true, func(c *call) (int, any, error) {
			p, err := parsePage(c)
			if err != nil {
				return 0, nil, err
			}
			if _, err := h.getDomain(c, c.param("DomainSid")); err != nil {
				return 0, nil, err
			}
			items, seqs, err := queryList(c, h.s.db, p, k.selectSQL()+` AND m.seq > ?`, []any{c.param("DomainSid"), c.account},
				func(r *sql.Rows) (int64, any, error) { return k.scan(r) })
			if err != nil {
				return 0, nil, err
			}
			return http.StatusOK, listBody(c, p, k.listKey, items, seqs, nil), nil
		})
		h.handle("POST "+base, true, func(c *call) (int, any, error) {
			domainSID := c.param("DomainSid")
			target, _ := c.form(k.formKey)
			if target == "" {
				return 0, nil, invalidParam(20001, "A %s is required", k.formKey)
			}
			err := h.s.tx(c.ctx, func(tx *sql.Tx) error {
				var n int
				if err := tx.QueryRowContext(c.ctx, `SELECT COUNT(*) FROM domains WHERE sid = ? AND account_sid = ?`, domainSID, c.account).Scan(&n); err != nil {
					return err
				}
				if n == 0 {
					return notFound(c.r)
				}
				if err := tx.QueryRowContext(c.ctx, `SELECT COUNT(*) FROM `+k.lists+` WHERE sid = ? AND account_sid = ?`, target, c.account).Scan(&n); err != nil {
					return err
				}
				if n == 0 {
					return newError(http.StatusNotFound, 20404, "The %s %s was not found in account %s", k.typeName, target, c.account)
				}
				now := h.s.now().Unix()
				var err error
				if k.kind != "" {
					_, err = tx.ExecContext(c.ctx, `INSERT INTO cl_mappings (account_sid, domain_sid, list_sid, kind, created, updated) VALUES (?, ?, ?, ?, ?, ?)`,
						c.account, domainSID, target, k.kind, now, now)
				} else {
					_, err = tx.ExecContext(c.ctx, `INSERT INTO ipacl_mappings (account_sid, domain_sid, acl_sid, created, updated) VALUES (?, ?, ?, ?, ?)`,
						c.account, domainSID, target, now, now)
				}
				if isUnique(err) {
					return invalidParam(21231, "The %s %s is already mapped to this domain", k.typeName, target)
				}
				return err
			})
			if err != nil {
				return 0, nil, err
			}
			m, err := h.getMapping(c, k, domainSID, target)
			return http.StatusCreated, m, err
		})
		h.handle("GET "+base+"/{Sid}", true, func(c *call) (int, any, error) {
			m, err := h.getMapping(c, k, c.param("DomainSid"), c.param("Sid"))
			return http.StatusOK, m, err
		})
		h.handle("DELETE "+base+"/{Sid}", true, func(c *call) (int, any, error) {
			q := `DELETE FROM ` + k.table + ` WHERE domain_sid = ? AND account_sid = ? AND ` + k.target + ` = ?`
			if k.kind != "" {
				q += ` AND kind = '` + k.kind + `'`
			}
			return h.deleteWhere(c, q, c.param("DomainSid"), c.account, c.param("Sid"))
		})
	}
}
