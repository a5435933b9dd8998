package asterisk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sipctl/sipctl/internal/provider"
)

// RegistrationStatus reads the accounts' contacts from ps_contacts when the
// database has the table (sorcery.conf maps contacts to realtime), else asks
// the AMI (PJSIPShowContacts). A contact whose expiration_time has passed
// does not count.
func (c *Client) RegistrationStatus(ctx context.Context, accounts []provider.SIPAccount) (map[string]provider.Registration, error) {
	aors := map[string]string{} // aor → account ref
	for _, a := range accounts {
		aor := a.Attributes["aors"]
		if aor == "" || strings.Contains(aor, ",") {
			aor = a.Ref
		}
		aors[aor] = a.Ref
	}
	var contacts []contact
	var err error
	switch {
	case c.schema.has("ps_contacts"):
		contacts, err = c.dbContacts(ctx, aors)
	case c.ami != nil && len(accounts) == 1:
		// One account (accounts show): ask about its endpoint only.
		contacts, err = c.endpointContacts(ctx, accounts[0].Ref)
	case c.ami != nil:
		contacts, err = c.amiContacts(ctx)
	default:
		// Nowhere to ask: unknown, not an error, so listings still work.
		out := make(map[string]provider.Registration, len(accounts))
		for _, a := range accounts {
			out[a.Ref] = provider.Registration{State: provider.RegistrationUnknown}
		}
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	out := make(map[string]provider.Registration, len(accounts))
	for _, a := range accounts {
		out[a.Ref] = provider.Registration{State: provider.NotRegistered}
	}
	now := time.Now()
	for _, ct := range contacts {
		ref, ok := aors[ct.aor]
		if !ok || (!ct.expires.IsZero() && ct.expires.Before(now)) {
			continue
		}
		if cur := out[ref]; cur.State == provider.Registered && cur.Expires.After(ct.expires) {
			continue
		}
		out[ref] = provider.Registration{State: provider.Registered, Contact: ct.uri, UserAgent: ct.userAgent,
			Source: ct.source, Expires: ct.expires}
	}
	return out, nil
}

type contact struct {
	aor, uri, userAgent, source string
	expires                     time.Time
}

// aorOf is the AoR of a contact id ("alice;@0123abcd").
func aorOf(id string) string {
	aor, _, _ := strings.Cut(id, ";@")
	return aor
}

func (c *Client) dbContacts(ctx context.Context, aors map[string]string) ([]contact, error) {
	if len(aors) == 0 {
		return nil, nil
	}
	cols := "id, uri, user_agent, expiration_time"
	via := c.schema.hasColumn("ps_contacts", "via_addr") && c.schema.hasColumn("ps_contacts", "via_port")
	if via {
		cols += ", via_addr, via_port"
	}
	var conds []string
	var args []any
	for aor := range aors {
		conds = append(conds, "id LIKE ?")
		args = append(args, aor+";@%")
	}
	rows, err := c.db.QueryContext(ctx, c.q("SELECT "+cols+" FROM ps_contacts WHERE "+strings.Join(conds, " OR ")), args...)
	if err != nil {
		return nil, c.dbError(err)
	}
	defer rows.Close()
	var out []contact
	for rows.Next() {
		var id, uri, ua, exp, addr, port sql.NullString
		dest := []any{&id, &uri, &ua, &exp}
		if via {
			dest = append(dest, &addr, &port)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, c.dbError(err)
		}
		ct := contact{aor: aorOf(id.String), uri: uri.String, userAgent: ua.String, expires: unixTime(exp.String)}
		if addr.String != "" {
			ct.source = addr.String
			if port.String != "" && port.String != "0" {
				ct.source = fmt.Sprintf("%s:%s", addr.String, port.String)
			}
		}
		out = append(out, ct)
	}
	return out, c.dbError(rows.Err())
}

func (c *Client) amiContacts(ctx context.Context) ([]contact, error) {
	_, events, err := c.amiAction(ctx, "PJSIPShowContacts")
	if err != nil {
		return nil, err
	}
	var out []contact
	for _, e := range events {
		if !strings.EqualFold(e.Get("Event"), "ContactList") {
			continue
		}
		ct := contact{aor: aorOf(e.Get("ObjectName")), uri: e.Get("Uri"), userAgent: e.Get("UserAgent"),
			expires: unixTime(e.Get("ExpirationTime"))}
		if addr := e.Get("ViaAddress"); addr != "" {
			ct.source = addr
			if p := e.Get("ViaPort"); p != "" && p != "0" {
				ct.source = addr + ":" + p
			}
		}
		out = append(out, ct)
	}
	return out, nil
}

// endpointContacts asks the AMI about one endpoint (PJSIPShowEndpoint):
// its contacts are the ContactStatusDetail events.
func (c *Client) endpointContacts(ctx context.Context, id string) ([]contact, error) {
	_, events, err := c.amiAction(ctx, "PJSIPShowEndpoint", [2]string{"Endpoint", id})
	var ae *AMIError
	if errors.As(err, &ae) {
		return nil, nil // Asterisk has not loaded it: no contacts
	}
	if err != nil {
		return nil, err
	}
	var out []contact
	for _, e := range events {
		if !strings.EqualFold(e.Get("Event"), "ContactStatusDetail") {
			continue
		}
		aor := e.Get("AOR")
		if aor == "" {
			aor = aorOf(e.Get("ID"))
		}
		out = append(out, contact{aor: aor, uri: e.Get("URI"), userAgent: e.Get("UserAgent"),
			expires: unixTime(e.Get("RegExpire")), source: e.Get("ViaAddress")})
	}
	return out, nil
}

func unixTime(s string) time.Time {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}
	}
	return time.Unix(n, 0).UTC()
}
