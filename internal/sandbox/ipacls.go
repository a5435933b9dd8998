package sandbox

import (
	"database/sql"
	"errors"
	"net/http"
	"net/netip"
	"strconv"
	"unicode/utf8"
)

type ipACLJSON struct {
	AccountSID      string            `json:"account_sid"`
	DateCreated     string            `json:"date_created"`
	DateUpdated     string            `json:"date_updated"`
	FriendlyName    string            `json:"friendly_name"`
	SID             string            `json:"sid"`
	SubresourceURIs map[string]string `json:"subresource_uris"`
	URI             string            `json:"uri"`
}

type ipAddressJSON struct {
	AccountSID       string `json:"account_sid"`
	CIDRPrefixLength int    `json:"cidr_prefix_length"`
	DateCreated      string `json:"date_created"`
	DateUpdated      string `json:"date_updated"`
	FriendlyName     string `json:"friendly_name"`
	IPACLSID         string `json:"ip_access_control_list_sid"`
	IPAddress        string `json:"ip_address"`
	SID              string `json:"sid"`
	URI              string `json:"uri"`
}

const ipACLColumns = `seq, sid, account_sid, friendly_name, created, updated`

func scanIPACL(row interface{ Scan(...any) error }) (int64, ipACLJSON, error) {
	var seq, created, updated int64
	var a ipACLJSON
	if err := row.Scan(&seq, &a.SID, &a.AccountSID, &a.FriendlyName, &created, &updated); err != nil {
		return 0, a, err
	}
	a.DateCreated, a.DateUpdated = rfc2822(created), rfc2822(updated)
	base := apiPrefix + "/Accounts/" + a.AccountSID + "/SIP/IpAccessControlLists/" + a.SID
	a.URI = base + ".json"
	a.SubresourceURIs = map[string]string{"ip_addresses": base + "/IpAddresses.json"}
	return seq, a, nil
}

const ipAddressColumns = `seq, sid, account_sid, acl_sid, friendly_name, ip_address, cidr_prefix_length, created, updated`

func scanIPAddress(row interface{ Scan(...any) error }) (int64, ipAddressJSON, error) {
	var seq, created, updated int64
	var a ipAddressJSON
	if err := row.Scan(&seq, &a.SID, &a.AccountSID, &a.IPACLSID, &a.FriendlyName, &a.IPAddress, &a.CIDRPrefixLength, &created, &updated); err != nil {
		return 0, a, err
	}
	a.DateCreated, a.DateUpdated = rfc2822(created), rfc2822(updated)
	a.URI = apiPrefix + "/Accounts/" + a.AccountSID + "/SIP/IpAccessControlLists/" + a.IPACLSID + "/IpAddresses/" + a.SID + ".json"
	return seq, a, nil
}

func (h *handler) getIPACL(c *call, sid string) (ipACLJSON, error) {
	_, a, err := scanIPACL(h.s.db.QueryRowContext(c.ctx,
		`SELECT `+ipACLColumns+` FROM ip_acls WHERE sid = ? AND account_sid = ?`, sid, c.account))
	if errors.Is(err, sql.ErrNoRows) {
		return a, notFound(c.r)
	}
	return a, err
}

func (h *handler) getIPAddress(c *call, aclSID, sid string) (ipAddressJSON, error) {
	_, a, err := scanIPAddress(h.s.db.QueryRowContext(c.ctx,
		`SELECT `+ipAddressColumns+` FROM ip_addresses WHERE sid = ? AND acl_sid = ? AND account_sid = ?`, sid, aclSID, c.account))
	if errors.Is(err, sql.ErrNoRows) {
		return a, notFound(c.r)
	}
	return a, err
}

func friendlyName(c *call, required bool) (string, bool, error) {
	name, ok := c.form("FriendlyName")
	if (required || ok) && (name == "" || utf8.RuneCountInString(name) > 255) {
		return "", ok, invalidParam(20001, "A FriendlyName of 1 to 255 characters is required")
	}
	return name, ok, nil
}

// ipChanges reads IpAddress and CidrPrefixLength (Twilio takes IPv4 only).
func ipChanges(c *call, set map[string]any) error {
	if v, ok := c.form("IpAddress"); ok {
		a, err := netip.ParseAddr(v)
		if err != nil || !a.Is4() {
			return invalidParam(20001, "IpAddress must be an IPv4 address, not %q", v)
		}
		set["ip_address"] = a.String()
	}
	if v, ok := c.form("CidrPrefixLength"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 32 {
			return invalidParam(20001, "CidrPrefixLength must be an integer from 0 to 32, not %q", v)
		}
		set["cidr_prefix_length"] = n
	}
	return nil
}

// refuseDuplicateIP answers 400 when the list already holds the same range
// (the same network once host bits are dropped), as Twilio refuses a
// duplicate entry, so removing "the address" is never ambiguous.
func (h *handler) refuseDuplicateIP(c *call, aclSID, addr string, prefix int) error {
	want := ipNetwork(addr, prefix)
	rows, err := h.s.db.QueryContext(c.ctx, `SELECT ip_address, cidr_prefix_length FROM ip_addresses WHERE acl_sid = ? AND account_sid = ?`, aclSID, c.account)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var a string
		var n int
		if err := rows.Scan(&a, &n); err != nil {
			return err
		}
		if ipNetwork(a, n) == want {
			return invalidParam(20001, "The IP address %s/%d is already in this IP Access Control List", addr, prefix)
		}
	}
	return rows.Err()
}

// ipNetwork is addr/prefix with host bits dropped; /0 is taken as /32, one address.
func ipNetwork(addr string, prefix int) string {
	if prefix == 0 {
		prefix = 32
	}
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	p, err := a.Prefix(prefix)
	if err != nil {
		return addr
	}
	return p.String()
}

func (h *handler) ipACLRoutes() {
	acls := accountPath("SIP/IpAccessControlLists")
	h.handle("GET "+acls, true, func(c *call) (int, any, error) {
		p, err := parsePage(c)
		if err != nil {
			return 0, nil, err
		}
		items, seqs, err := queryList(c, h.s.db, p,
			`SELECT `+ipACLColumns+` FROM ip_acls WHERE account_sid = ? AND seq > ?`, []any{c.account},
			func(r *sql.Rows) (int64, any, error) { return scanIPACL(r) })
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, listBody(c, p, "ip_access_control_lists", items, seqs, nil), nil
	})
	h.handle("POST "+acls, true, func(c *call) (int, any, error) {
		name, _, err := friendlyName(c, true)
		if err != nil {
			return 0, nil, err
		}
		sid := newSID("AL")
		now := h.s.now().Unix()
		_, err = h.s.db.ExecContext(c.ctx, `INSERT INTO ip_acls (sid, account_sid, friendly_name, created, updated) VALUES (?, ?, ?, ?, ?)`,
			sid, c.account, name, now, now)
		if isUnique(err) {
			return 0, nil, invalidParam(20001, "An IP Access Control List with the FriendlyName %q already exists", name)
		}
		if err != nil {
			return 0, nil, err
		}
		a, err := h.getIPACL(c, sid)
		return http.StatusCreated, a, err
	})
	h.handle("GET "+acls+"/{Sid}", true, func(c *call) (int, any, error) {
		a, err := h.getIPACL(c, c.param("Sid"))
		return http.StatusOK, a, err
	})
	h.handle("POST "+acls+"/{Sid}", true, func(c *call) (int, any, error) {
		name, _, err := friendlyName(c, true)
		if err != nil {
			return 0, nil, err
		}
		res, err := h.s.db.ExecContext(c.ctx, `UPDATE ip_acls SET friendly_name = ?, updated = ? WHERE sid = ? AND account_sid = ?`,
			name, h.s.now().Unix(), c.param("Sid"), c.account)
		if isUnique(err) {
			return 0, nil, invalidParam(20001, "An IP Access Control List with the FriendlyName %q already exists", name)
		}
		if err != nil {
			return 0, nil, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return 0, nil, notFound(c.r)
		}
		a, err := h.getIPACL(c, c.param("Sid"))
		return http.StatusOK, a, err
	})
	h.handle("DELETE "+acls+"/{Sid}", true, func(c *call) (int, any, error) {
		return h.deleteWhere(c, `DELETE FROM ip_acls WHERE sid = ? AND account_sid = ?`, c.param("Sid"), c.account)
	})

	addrs := acls + "/{IpAccessControlListSid}/IpAddresses"
	h.handle("GET "+addrs, true, func(c *call) (int, any, error) {
		p, err := parsePage(c)
		if err != nil {
			return 0, nil, err
		}
		if _, err := h.getIPACL(c, c.param("IpAccessControlListSid")); err != nil {
			return 0, nil, err
		}
		items, seqs, err := queryList(c, h.s.db, p,
			`SELECT `+ipAddressColumns+` FROM ip_addresses WHERE acl_sid = ? AND account_sid = ? AND seq > ?`,
			[]any{c.param("IpAccessControlListSid"), c.account},
			func(r *sql.Rows) (int64, any, error) { return scanIPAddress(r) })
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, listBody(c, p, "ip_addresses", items, seqs, nil), nil
	})
	h.handle("POST "+addrs, true, func(c *call) (int, any, error) {
		aclSID := c.param("IpAccessControlListSid")
		name, _, err := friendlyName(c, true)
		if err != nil {
			return 0, nil, err
		}
		set := map[string]any{"cidr_prefix_length": 32}
		if err := ipChanges(c, set); err != nil {
			return 0, nil, err
		}
		if _, ok := set["ip_address"]; !ok {
			return 0, nil, invalidParam(20001, "An IpAddress is required")
		}
		if _, err := h.getIPACL(c, aclSID); err != nil {
			return 0, nil, err
		}
		if err := h.refuseDuplicateIP(c, aclSID, set["ip_address"].(string), set["cidr_prefix_length"].(int)); err != nil {
			return 0, nil, err
		}
		sid := newSID("IP")
		now := h.s.now().Unix()
		_, err = h.s.db.ExecContext(c.ctx, `INSERT INTO ip_addresses (sid, account_sid, acl_sid, friendly_name, ip_address, cidr_prefix_length, created, updated)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, sid, c.account, aclSID, name, set["ip_address"], set["cidr_prefix_length"], now, now)
		if err != nil {
			return 0, nil, err
		}
		a, err := h.getIPAddress(c, aclSID, sid)
		return http.StatusCreated, a, err
	})
	h.handle("GET "+addrs+"/{Sid}", true, func(c *call) (int, any, error) {
		a, err := h.getIPAddress(c, c.param("IpAccessControlListSid"), c.param("Sid"))
		return http.StatusOK, a, err
	})
	h.handle("POST "+addrs+"/{Sid}", true, func(c *call) (int, any, error) {
		aclSID, sid := c.param("IpAccessControlListSid"), c.param("Sid")
		set := map[string]any{}
		name, ok, err := friendlyName(c, false)
		if err != nil {
			return 0, nil, err
		}
		if ok {
			set["friendly_name"] = name
		}
		if err := ipChanges(c, set); err != nil {
			return 0, nil, err
		}
		if _, err := h.getIPAddress(c, aclSID, sid); err != nil {
			return 0, nil, err
		}
		if len(set) > 0 {
			set["updated"] = h.s.now().Unix()
			assign, args := updateParts(set)
			if _, err := h.s.db.ExecContext(c.ctx, `UPDATE ip_addresses SET `+assign+` WHERE sid = ?`, append(args, sid)...); err != nil {
				return 0, nil, err
			}
		}
		a, err := h.getIPAddress(c, aclSID, sid)
		return http.StatusOK, a, err
	})
	h.handle("DELETE "+addrs+"/{Sid}", true, func(c *call) (int, any, error) {
		return h.deleteWhere(c, `DELETE FROM ip_addresses WHERE sid = ? AND acl_sid = ? AND account_sid = ?`,
			c.param("Sid"), c.param("IpAccessControlListSid"), c.account)
	})
}
