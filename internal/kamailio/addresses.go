package kamailio

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net"
	"strconv"
	"strings"

	"github.com/sipctl/sipctl/internal/provider"
)

// IP ACLs on Kamailio are the address groups of the permissions module's
// address table, which allow_source_address(GRP) checks. The mapping:
//
//	ACL name and SID  = the group number, in decimal ("1", "2", …);
//	                    "grp2" is read as "2"
//	address SID       = the address row's id
//	address name      = the row's tag
//	address / prefix  = ip_addr / mask (port 0: any port)
//
// A group exists while it has addresses; group 1, the address table's
// default and allow_source_address()'s, is always listed.

// DefaultGroup is the group allow_source_address() checks by default.
const DefaultGroup = 1

func parseGroup(name string) (int, error) {
	s := strings.TrimPrefix(strings.ToLower(strings.TrimSpace(name)), "grp")
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 1<<31-1 {
		return 0, fmt.Errorf("kamailio IP ACLs are address groups named by number (the address table's grp, as allow_source_address(\"1\") checks): %q is not a group number", name)
	}
	return n, nil
}

func ipacl(grp int) provider.IPACL {
	s := strconv.Itoa(grp)
	return provider.IPACL{SID: s, FriendlyName: s}
}

// ListIPACLs lists the address groups.
func (c *Client) ListIPACLs(ctx context.Context) iter.Seq2[provider.IPACL, error] {
	return func(yield func(provider.IPACL, error) bool) {
		if err := c.requireTable("address", "permissions"); err != nil {
			yield(provider.IPACL{}, err)
			return
		}
		rows, err := c.db.QueryContext(ctx, "SELECT DISTINCT grp FROM address ORDER BY grp")
		if err != nil {
			yield(provider.IPACL{}, c.dbError(err))
			return
		}
		groups := []int{}
		for rows.Next() {
			var g int
			if err := rows.Scan(&g); err != nil {
				rows.Close()
				yield(provider.IPACL{}, c.dbError(err))
				return
			}
			groups = append(groups, g)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			yield(provider.IPACL{}, c.dbError(err))
			return
		}
		if len(groups) == 0 || groups[0] > DefaultGroup {
			groups = append([]int{DefaultGroup}, groups...)
		} else if groups[0] < DefaultGroup && (len(groups) < 2 || groups[1] != DefaultGroup) {
			groups = append([]int{groups[0], DefaultGroup}, groups[1:]...)
		}
		for _, g := range groups {
			if !yield(ipacl(g), nil) {
				return
			}
		}
	}
}

// GetIPACL returns the group a number names (possibly empty).
func (c *Client) GetIPACL(ctx context.Context, sid string) (provider.IPACL, error) {
	if err := c.requireTable("address", "permissions"); err != nil {
		return provider.IPACL{}, err
	}
	g, err := parseGroup(sid)
	if err != nil {
		return provider.IPACL{}, err
	}
	return ipacl(g), nil
}

// CreateIPACL names a group; nothing is written until it gets an address.
func (c *Client) CreateIPACL(ctx context.Context, friendlyName string) (provider.IPACL, error) {
	return c.GetIPACL(ctx, friendlyName)
}

// DeleteIPACL removes every address of the group, then reloads.
func (c *Client) DeleteIPACL(ctx context.Context, sid string) error {
	a, err := c.GetIPACL(ctx, sid)
	if err != nil {
		return err
	}
	if err := c.preflight(ctx, "permissions.addressReload"); err != nil {
		return err
	}
	res, err := c.db.ExecContext(ctx, c.url.rebind("DELETE FROM address WHERE grp = ?"), atoi(a.SID))
	if err != nil {
		return c.dbError(err)
	}
	n, _ := res.RowsAffected()
	return c.reload(ctx, "permissions.addressReload", fmt.Sprintf("%d addresses of group %s were removed from the address table", n, a.SID))
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// ListIPAddresses lists a group's addresses.
func (c *Client) ListIPAddresses(ctx context.Context, aclSID string) iter.Seq2[provider.IPAddress, error] {
	return func(yield func(provider.IPAddress, error) bool) {
		a, err := c.GetIPACL(ctx, aclSID)
		if err != nil {
			yield(provider.IPAddress{}, err)
			return
		}
		rows, err := c.db.QueryContext(ctx, c.url.rebind("SELECT id, ip_addr, mask, tag FROM address WHERE grp = ? ORDER BY id"), atoi(a.SID))
		if err != nil {
			yield(provider.IPAddress{}, c.dbError(err))
			return
		}
		var all []provider.IPAddress
		for rows.Next() {
			var id int64
			var ip string
			var mask int
			var tag *string
			if err := rows.Scan(&id, &ip, &mask, &tag); err != nil {
				rows.Close()
				yield(provider.IPAddress{}, c.dbError(err))
				return
			}
			addr := provider.IPAddress{SID: strconv.FormatInt(id, 10), IPACLSID: a.SID, IPAddress: ip, CIDRPrefixLength: mask}
			if tag != nil {
				addr.FriendlyName = *tag
			}
			all = append(all, addr)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			yield(provider.IPAddress{}, c.dbError(err))
			return
		}
		for _, x := range all {
			if !yield(x, nil) {
				return
			}
		}
	}
}

// AddIPAddress adds ip/prefix to the group, then permissions.addressReload.
// cidrPrefixLength 0 means a single host (32 or 128).
func (c *Client) AddIPAddress(ctx context.Context, aclSID, friendlyName, ip string, cidrPrefixLength int) (provider.IPAddress, error) {
	a, err := c.GetIPACL(ctx, aclSID)
	if err != nil {
		return provider.IPAddress{}, err
	}
	parsed := net.ParseIP(strings.TrimSpace(ip))
	if parsed == nil {
		return provider.IPAddress{}, fmt.Errorf("%q is not an IP address", ip)
	}
	bits := 128
	if parsed.To4() != nil {
		bits = 32
		parsed = parsed.To4()
	}
	if cidrPrefixLength == 0 {
		cidrPrefixLength = bits
	}
	if cidrPrefixLength < 0 || cidrPrefixLength > bits {
		return provider.IPAddress{}, fmt.Errorf("prefix length %d is out of range for %s (0-%d)", cidrPrefixLength, parsed, bits)
	}
	if len(friendlyName) > columnMax {
		return provider.IPAddress{}, fmt.Errorf("name %q is %d bytes; the address table's tag column holds %d", short(friendlyName), len(friendlyName), columnMax)
	}
	if err := c.preflight(ctx, "permissions.addressReload"); err != nil {
		return provider.IPAddress{}, err
	}
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return provider.IPAddress{}, c.dbError(err)
	}
	defer tx.Rollback()
	g := atoi(a.SID)
	var n int
	if err := tx.QueryRowContext(ctx, c.url.rebind("SELECT COUNT(*) FROM address WHERE grp = ? AND ip_addr = ? AND mask = ?"), g, parsed.String(), cidrPrefixLength).Scan(&n); err != nil {
		return provider.IPAddress{}, c.dbError(err)
	}
	if n > 0 {
		return provider.IPAddress{}, fmt.Errorf("%s/%d %w in group %d", parsed, cidrPrefixLength, provider.ErrExists, g)
	}
	var tag any
	if friendlyName != "" {
		tag = friendlyName
	}
	args := []any{g, parsed.String(), cidrPrefixLength, tag}
	const ins = "INSERT INTO address (grp, ip_addr, mask, port, tag) VALUES (?, ?, ?, 0, ?)"
	var id int64
	if c.url.Dialect == Postgres {
		err = tx.QueryRowContext(ctx, c.url.rebind(ins+" RETURNING id"), args...).Scan(&id)
	} else {
		res, e := tx.ExecContext(ctx, ins, args...)
		if err = e; err == nil {
			id, err = res.LastInsertId()
		}
	}
	if err != nil {
		return provider.IPAddress{}, c.dbError(err)
	}
	if err := tx.Commit(); err != nil {
		return provider.IPAddress{}, c.dbError(err)
	}
	addr := provider.IPAddress{SID: strconv.FormatInt(id, 10), IPACLSID: a.SID, FriendlyName: friendlyName, IPAddress: parsed.String(), CIDRPrefixLength: cidrPrefixLength}
	return addr, c.reload(ctx, "permissions.addressReload", fmt.Sprintf("%s/%d was added to group %d", parsed, cidrPrefixLength, g))
}

// RemoveIPAddress deletes one address row of the group, then reloads.
func (c *Client) RemoveIPAddress(ctx context.Context, aclSID, sid string) error {
	a, err := c.GetIPACL(ctx, aclSID)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(sid, 10, 64)
	if err != nil {
		return fmt.Errorf("%q is not an address id (see `sipctl ipacls addresses list %s`)", sid, a.SID)
	}
	if err := c.preflight(ctx, "permissions.addressReload"); err != nil {
		return err
	}
	res, err := c.db.ExecContext(ctx, c.url.rebind("DELETE FROM address WHERE id = ? AND grp = ?"), id, atoi(a.SID))
	if err != nil {
		return c.dbError(err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("no address %d in group %s: %w", id, a.SID, provider.ErrNotFound)
	}
	return c.reload(ctx, "permissions.addressReload", fmt.Sprintf("address %d was removed from group %s", id, a.SID))
}

var _ = errors.New
