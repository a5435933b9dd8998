package asterisk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/sipctl/sipctl/internal/provider"
)

// idMax is the width sipctl allows an account's id and username: ps_auths'
// username column is VARCHAR(40) in Asterisk's migrations.
const idMax = 40

// MD5Cred is md5(username:realm:password), what ps_auths.md5_cred holds.
func MD5Cred(user, realm, password string) string { return provider.HA1(user, realm, password) }

// ValidateUsername checks RFC 3261's user characters (provider.CheckSIPUser),
// the column width, and the characters sorcery gives a meaning (',' separates
// aors, ';' starts a contact's suffix).
func (c *Client) ValidateUsername(username string) error {
	if len(username) > idMax {
		return fmt.Errorf("username %q is %d bytes; Asterisk's ps_auths.username column holds %d", short(username), len(username), idMax)
	}
	if strings.ContainsAny(username, ",;") {
		return fmt.Errorf("username %q has ',' or ';', which PJSIP realtime reads as list separators in aors and contacts", short(username))
	}
	return provider.CheckSIPUser(username)
}

// CanonicalDomain lower-cases a domain and checks it looks like a host
// name. The profile's registrar host is the accounts' domain; the names in
// ps_domain_aliases reach the same accounts.
func (c *Client) CanonicalDomain(name string) (string, error) {
	d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(name)), ".")
	switch {
	case d == "":
		return "", fmt.Errorf("a domain is required (an Asterisk profile's accounts are on its registrar, %s)", c.domain)
	case len(d) > 253:
		return "", fmt.Errorf("domain %q is %d bytes; a host name has at most 253", short(d), len(d))
	}
	if err := provider.CheckHostChars(d); err != nil {
		return "", err
	}
	return d, nil
}

func short(s string) string { return provider.Short(s) }

// served says whether d reaches this Asterisk: the registrar's host or a
// ps_domain_aliases name.
func (c *Client) served(ctx context.Context, d string) (bool, error) {
	if d == c.domain {
		return true, nil
	}
	if !c.schema.has("ps_domain_aliases") {
		return false, nil
	}
	var n int
	if err := c.db.QueryRowContext(ctx, c.q("SELECT COUNT(*) FROM ps_domain_aliases WHERE id = ?"), d).Scan(&n); err != nil {
		return false, c.dbError(err)
	}
	return n > 0, nil
}

func (c *Client) notServed(d string) error {
	return &provider.NotFoundError{What: provider.WhatDomains, Name: d,
		Where: fmt.Sprintf("on this Asterisk (its registrar is %s; other names are rows of ps_domain_aliases)", c.domain)}
}

// row is an endpoint as listing and lookups read it.
type row struct {
	id, auth, aors                   string
	realm, authType, plain, authUser sql.NullString
	authFound                        bool
	expires                          sql.NullString
}

func (c *Client) account(r row, domain string) provider.SIPAccount {
	a := provider.SIPAccount{Ref: r.id, Username: r.id, Domain: domain, Registrar: c.registrar,
		Attributes: map[string]string{"endpoint": r.id, "auth": r.auth, "aors": r.aors}}
	if r.realm.Valid {
		a.Attributes["realm"] = r.realm.String
	}
	if p := c.problem(r); p != "" {
		a.Attributes["problem"] = p
	}
	a.ExpiresAt = parseExpiry(r.expires)
	return a
}

// problem names what is wrong with an endpoint's auth, or "".
func (c *Client) problem(r row) string {
	switch {
	case r.auth == "":
		return "the endpoint has no auth"
	case strings.Contains(r.auth, ","):
		return "the endpoint has several auths (" + r.auth + ")"
	case !r.authFound:
		return "its auth " + r.auth + " has no ps_auths row"
	case r.plain.String != "":
		return "a plain-text password is stored; the next rotation converts it to a digest"
	case r.realm.String == "":
		return "its auth has no realm, so md5_cred depends on Asterisk's default_realm"
	case r.realm.String != c.realm:
		return fmt.Sprintf("its auth's realm is %q, the profile's %q", r.realm.String, c.realm)
	}
	return ""
}

const selectRow = "SELECT e.id, e.auth, e.aors, a.id, a.realm, a.auth_type, a.password, a.username"

func (c *Client) fromRows() string {
	return " FROM ps_endpoints e LEFT JOIN ps_auths a ON a.id = e.auth"
}

func scanRow(s interface{ Scan(...any) error }, r *row) error {
	var auth, aors, authID sql.NullString
	if err := s.Scan(&r.id, &auth, &aors, &authID, &r.realm, &r.authType, &r.plain, &r.authUser, &r.expires); err != nil {
		return err
	}
	r.auth, r.aors, r.authFound = auth.String, aors.String, authID.Valid
	return nil
}

// ListSIPAccounts streams the endpoints that have an auth, by id, one page
// in memory at a time.
func (c *Client) ListSIPAccounts(ctx context.Context, q provider.AccountQuery) iter.Seq2[provider.SIPAccount, error] {
	return func(yield func(provider.SIPAccount, error) bool) {
		for k := range q.Options {
			yield(provider.SIPAccount{}, fmt.Errorf("asterisk accounts have no option %q", k))
			return
		}
		domain := c.domain
		if q.Domain != "" {
			d, err := c.CanonicalDomain(q.Domain)
			if err != nil {
				yield(provider.SIPAccount{}, err)
				return
			}
			ok, err := c.served(ctx, d)
			if err != nil {
				yield(provider.SIPAccount{}, err)
				return
			}
			if !ok {
				return
			}
			domain = d
		}
		after := ""
		first := true
		for {
			page, err := c.listPage(ctx, after, first)
			if err != nil {
				yield(provider.SIPAccount{}, err)
				return
			}
			for _, r := range page {
				if !yield(c.account(r, domain), nil) {
					return
				}
			}
			if len(page) < c.pageSize {
				return
			}
			after, first = page[len(page)-1].id, false
		}
	}
}

func (c *Client) listPage(ctx context.Context, after string, first bool) ([]row, error) {
	query := selectRow + c.expirySelect() + c.fromRows() + " WHERE e.auth IS NOT NULL AND e.auth <> ''"
	var args []any
	if !first {
		query += " AND e.id > ?"
		args = append(args, after)
	}
	query += " ORDER BY e.id LIMIT " + fmt.Sprint(c.pageSize)
	rows, err := c.db.QueryContext(ctx, c.q(query), args...)
	if err != nil {
		return nil, c.dbError(err)
	}
	defer rows.Close()
	page := make([]row, 0, c.pageSize)
	for rows.Next() {
		var r row
		if err := scanRow(rows, &r); err != nil {
			return nil, c.dbError(err)
		}
		page = append(page, r)
	}
	return page, c.dbError(rows.Err())
}

func (c *Client) notFound(username, domain string) error {
	return &provider.NotFoundError{What: provider.WhatAccount, Name: username, Where: "on " + domain + " (no ps_endpoints row)"}
}

// GetSIPAccount finds the endpoint named username.
func (c *Client) GetSIPAccount(ctx context.Context, username, domain string) (provider.SIPAccount, error) {
	d, err := c.CanonicalDomain(domain)
	if err != nil {
		return provider.SIPAccount{}, err
	}
	if err := c.ValidateUsername(username); err != nil {
		return provider.SIPAccount{}, err
	}
	ok, err := c.served(ctx, d)
	if err != nil {
		return provider.SIPAccount{}, err
	}
	if !ok {
		return provider.SIPAccount{}, c.notFound(username, d)
	}
	var r row
	err = scanRow(c.db.QueryRowContext(ctx, c.q(selectRow+c.expirySelect()+c.fromRows()+" WHERE e.id = ?"), username), &r)
	if errors.Is(err, sql.ErrNoRows) {
		return provider.SIPAccount{}, c.notFound(username, d)
	}
	if err != nil {
		return provider.SIPAccount{}, c.dbError(err)
	}
	return c.account(r, d), nil
}

// prepareCreate checks a new account before any write: its names, options,
// template, expiry table and domain.
func (c *Client) prepareCreate(ctx context.Context, a provider.NewSIPAccount) (d, template string, expires time.Time, err error) {
	d, err = c.CanonicalDomain(a.Domain)
	if err != nil {
		return "", "", time.Time{}, err
	}
	if err := c.ValidateUsername(a.Username); err != nil {
		return "", "", time.Time{}, err
	}
	if a.Password == "" {
		return "", "", time.Time{}, errors.New("a password is required")
	}
	for k := range a.Options {
		if k != provider.OptionExpires && k != provider.OptionEndpointTemplate {
			return "", "", time.Time{}, fmt.Errorf("asterisk accounts have no option %q", k)
		}
	}
	template = c.template
	if t := a.Options[provider.OptionEndpointTemplate]; t != "" {
		if err := c.checkTemplate(ctx, t); err != nil {
			return "", "", time.Time{}, err
		}
		template = t
	}
	expires, err = provider.ExpiryOption(a.Options)
	if err != nil {
		return "", "", time.Time{}, err
	}
	if !expires.IsZero() {
		if err := c.requireExpiry(); err != nil {
			return "", "", time.Time{}, err
		}
	}
	ok, err := c.served(ctx, d)
	if err != nil {
		return "", "", time.Time{}, err
	}
	if !ok {
		return "", "", time.Time{}, c.notServed(d)
	}
	return d, template, expires, nil
}

// CreateSIPAccount writes the endpoint, its auth and its aor, all with the
// username as id, in one transaction.
func (c *Client) CreateSIPAccount(ctx context.Context, a provider.NewSIPAccount) (provider.SIPAccount, error) {
	d, template, expires, err := c.prepareCreate(ctx, a)
	if err != nil {
		return provider.SIPAccount{}, refused(err) // nothing written yet
	}
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return provider.SIPAccount{}, c.dbError(err)
	}
	defer tx.Rollback()
	if err := c.taken(ctx, tx, a.Username); err != nil {
		return provider.SIPAccount{}, err
	}
	if err := c.insertRows(ctx, tx, a.Username, a.Password, template); err != nil {
		return provider.SIPAccount{}, err
	}
	if err := c.setExpiry(ctx, tx, a.Username, expires); err != nil {
		return provider.SIPAccount{}, err
	}
	if err := tx.Commit(); err != nil {
		return provider.SIPAccount{}, c.insertError(a.Username, err)
	}
	acct := c.account(row{id: a.Username, auth: a.Username, aors: a.Username, authFound: true,
		realm: sql.NullString{String: c.realm, Valid: true}}, d)
	acct.ExpiresAt = expires
	acct.Created = time.Now().UTC()
	return acct, nil
}

// taken says whether any of the three rows is there, naming leftovers of a
// partial account so the person knows what to remove.
func (c *Client) taken(ctx context.Context, tx *sql.Tx, id string) error {
	var found []string
	for _, t := range []string{"ps_endpoints", "ps_auths", "ps_aors"} {
		var n int
		if err := tx.QueryRowContext(ctx, c.q("SELECT COUNT(*) FROM "+t+" WHERE id = ?"), id).Scan(&n); err != nil {
			return c.dbError(err)
		}
		if n > 0 {
			found = append(found, t)
		}
	}
	switch {
	case len(found) == 0:
		return nil
	case len(found) == 3 || found[0] == "ps_endpoints":
		return fmt.Errorf("endpoint %s %w", id, provider.ErrExists)
	}
	return fmt.Errorf("username %s is taken in part (%s has a row %s but ps_endpoints has none): remove the leftover rows or choose another username: %w",
		id, strings.Join(found, " and "), id, provider.ErrExists)
}

func (c *Client) insertError(id string, err error) error {
	if isUnique(err) {
		return fmt.Errorf("endpoint %s %w", id, provider.ErrExists)
	}
	return c.dbError(err)
}

func (c *Client) insertRows(ctx context.Context, tx *sql.Tx, id, password, template string) error {
	cred := MD5Cred(id, c.realm, password)
	cols := []string{"id", "auth_type", "username", "realm", "md5_cred", "password"}
	args := []any{id, "md5", id, c.realm, cred, ""}
	if c.schema.hasColumn("ps_auths", "password_digest") {
		cols, args = append(cols, "password_digest"), append(args, passwordDigest(cred))
	}
	if _, err := tx.ExecContext(ctx, c.q("INSERT INTO ps_auths ("+strings.Join(cols, ", ")+") VALUES ("+placeholders(len(cols))+")"), args...); err != nil {
		return c.insertError(id, err)
	}
	if _, err := tx.ExecContext(ctx, c.q("INSERT INTO ps_aors (id, max_contacts, remove_existing) VALUES (?, ?, ?)"), id, c.maxCont, c.removeEx); err != nil {
		return c.insertError(id, err)
	}
	if template != "" {
		copied := c.templateColumns()
		q := "INSERT INTO ps_endpoints (id, auth, aors" + prefixed(copied, ", ") + ") SELECT ?, ?, ?" + prefixed(copied, ", ") +
			" FROM ps_endpoints WHERE id = ?"
		res, err := tx.ExecContext(ctx, c.q(q), id, id, id, template)
		if err != nil {
			return c.insertError(id, err)
		}
		if n, err := res.RowsAffected(); err == nil && n == 0 {
			return fmt.Errorf("template endpoint %q is gone from ps_endpoints: name another (--template, or `sipctl profile set endpoint_template NAME`)", template)
		}
		return nil
	}
	cols, args = []string{"id", "auth", "aors"}, []any{id, id, id}
	for col, v := range map[string]string{"context": c.endpoint.Context, "transport": c.endpoint.Transport, "allow": c.endpoint.Allow} {
		if v == "" {
			continue
		}
		if !c.schema.hasColumn("ps_endpoints", col) {
			return fmt.Errorf("database %s: ps_endpoints has no %s column for the profile's endpoint_%s", c.url, col, col)
		}
		cols, args = append(cols, col), append(args, v)
	}
	if c.endpoint.Allow != "" && c.schema.hasColumn("ps_endpoints", "disallow") {
		cols, args = append(cols, "disallow"), append(args, "all")
	}
	_, err := tx.ExecContext(ctx, c.q("INSERT INTO ps_endpoints ("+strings.Join(cols, ", ")+") VALUES ("+placeholders(len(cols))+")"), args...)
	if err != nil {
		return c.insertError(id, err)
	}
	return nil
}

// templateColumns are ps_endpoints' columns a new endpoint copies from the
// template: all but its name and the objects it points to.
func (c *Client) templateColumns() []string {
	var cols []string
	for _, col := range c.schema.columns["ps_endpoints"] {
		switch col {
		case "id", "auth", "aors", "outbound_auth":
			continue
		}
		cols = append(cols, c.url.Quote(col))
	}
	return cols
}

func prefixed(cols []string, sep string) string {
	if len(cols) == 0 {
		return ""
	}
	return sep + strings.Join(cols, sep)
}

// checkTemplate refuses a template that is not an endpoint.
func (c *Client) checkTemplate(ctx context.Context, name string) error {
	var n int
	if err := c.db.QueryRowContext(ctx, c.q("SELECT COUNT(*) FROM ps_endpoints WHERE id = ?"), name).Scan(&n); err != nil {
		return c.dbError(err)
	}
	if n == 0 {
		return fmt.Errorf("template endpoint %q is not in ps_endpoints: name an existing endpoint whose settings new accounts copy (--template, or the profile's endpoint_template)", name)
	}
	return nil
}

// passwordDigest is the digest in the form of Asterisk's password_digest
// column: ALGORITHM:HASH.
func passwordDigest(md5Cred string) string { return "MD5:" + md5Cred }

// DeleteSIPAccount removes the endpoint, and its auth and aor when no other
// endpoint uses them, with its identify rows and expiry.
func (c *Client) DeleteSIPAccount(ctx context.Context, a provider.SIPAccount) error {
	id := a.Ref
	if id == "" {
		id = a.Username
	}
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return c.dbError(err)
	}
	defer tx.Rollback()
	var auth, aors sql.NullString
	err = tx.QueryRowContext(ctx, c.q("SELECT auth, aors FROM ps_endpoints WHERE id = ?"), id).Scan(&auth, &aors)
	if errors.Is(err, sql.ErrNoRows) {
		return c.notFound(id, a.Domain)
	}
	if err != nil {
		return c.dbError(err)
	}
	if _, err := tx.ExecContext(ctx, c.q("DELETE FROM ps_endpoints WHERE id = ?"), id); err != nil {
		return c.dbError(err)
	}
	for _, ref := range []struct{ table, col, ids string }{{"ps_auths", "auth", auth.String}, {"ps_aors", "aors", aors.String}} {
		for _, name := range strings.Split(ref.ids, ",") {
			if name = strings.TrimSpace(name); name == "" {
				continue
			}
			var users int
			if err := tx.QueryRowContext(ctx, c.q("SELECT COUNT(*) FROM ps_endpoints WHERE "+ref.col+" = ?"), name).Scan(&users); err != nil {
				return c.dbError(err)
			}
			if users > 0 {
				continue
			}
			if _, err := tx.ExecContext(ctx, c.q("DELETE FROM "+ref.table+" WHERE id = ?"), name); err != nil {
				return c.dbError(err)
			}
		}
	}
	if c.schema.has("ps_endpoint_id_ips") {
		if _, err := tx.ExecContext(ctx, c.q("DELETE FROM ps_endpoint_id_ips WHERE endpoint = ?"), id); err != nil {
			return c.dbError(err)
		}
	}
	if err := c.setExpiry(ctx, tx, id, time.Time{}); err != nil {
		return err
	}
	return c.dbError(tx.Commit())
}
