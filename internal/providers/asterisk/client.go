// Package asterisk is sipctl's Asterisk provider. It administers PJSIP
// realtime (the ps_* tables Asterisk's alembic migrations create, mapped in
// sorcery.conf) through database/sql on PostgreSQL, MySQL/MariaDB or SQLite,
// sharing the SQL layer of internal/sqldb with the Kamailio provider:
//
//   - an account is three rows with the same id, written in one transaction:
//     ps_endpoints (auth and aors naming the other two, plus the profile's
//     context/transport/codecs or a template endpoint's settings), ps_auths
//     and ps_aors;
//   - passwords are digests only: auth_type md5, md5_cred =
//     MD5(username:realm:password) with an explicit realm (the profile's,
//     default "asterisk"), the plain password column empty; where the schema
//     has Asterisk's newer password_digest column it holds the same digest;
//   - registration status comes from ps_contacts, or over AMI when the
//     database keeps no contacts; after a password change the AMI, when
//     configured, expires Asterisk's cached copy of the auth object;
//   - IP authentication (ps_endpoint_id_ips) identifies one endpoint by
//     address; it does not map onto IP ACLs shared by domains, so the
//     client says so through provider.Explainer;
//   - the domain is the profile's registrar, with ps_domain_aliases.
package asterisk

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"database/sql"

	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/sqldb"
)

// Name is the provider's name in profiles.
const Name = "asterisk"

// DefaultRealm is Asterisk's own default realm (pjsip.conf's default_realm).
const DefaultRealm = "asterisk"

// Endpoint are the settings a new account's ps_endpoints row gets when no
// template is named; empty ones are left to Asterisk's defaults.
type Endpoint struct {
	Context   string // dialplan context
	Transport string // transport object name
	Allow     string // codecs (disallow=all is written with them)
}

// Options configure a Client.
type Options struct {
	// DBURL is the database URL without a password.
	DBURL string
	// DBPassword authenticates to PostgreSQL or MySQL; unused for SQLite.
	DBPassword string
	// Registrar is HOST:PORT phones register to (UDP and TCP); its host is
	// the accounts' domain. Required.
	Registrar string
	// Realm is the digest realm (default "asterisk").
	Realm string
	// Template names an existing endpoint whose settings new endpoints copy.
	Template string
	// Endpoint are settings for new endpoints when there is no template.
	Endpoint Endpoint
	// MaxContacts and RemoveExisting go to new ps_aors rows (default 1 and
	// yes: one phone per account, a new registration replacing the old).
	MaxContacts    int
	RemoveExisting string
	// AMI, when set, is the Asterisk Manager Interface the client asks for
	// registration status (when the database keeps no contacts) and tells
	// to expire cached auth objects after a password change.
	AMI *AMIOptions
	// Warn receives notes that do not stop the work (a cache not expired).
	Warn func(format string, args ...any)
	// PageSize is how many endpoints one listing query reads (default 500).
	PageSize int
}

// Client is the Asterisk provider.
type Client struct {
	db        *sql.DB
	url       sqldb.URL
	registrar provider.Registrar
	domain    string
	realm     string
	template  string
	endpoint  Endpoint
	maxCont   int
	removeEx  string
	pageSize  int
	warn      func(string, ...any)
	ami       *AMIOptions

	schema schema
	batch  *sqldb.Batcher[*pwWrite]

	amiMu   sync.Mutex
	amiConn *AMI
}

var (
	_ provider.SIPAccounts   = (*Client)(nil)
	_ provider.Explainer     = (*Client)(nil)
	_ provider.PasswordBatch = (*Client)(nil)
	_ provider.Expiry        = (*Client)(nil)
	_ provider.Domains       = (*Client)(nil)
	_ provider.Registrations = (*Client)(nil)
)

// UnreachableError is an unreachable database or AMI (exit 6).
type UnreachableError struct {
	What   string // "database" or "AMI"
	Target string
	Err    error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("asterisk %s %s did not answer: %s", e.What, e.Target, sqldb.OneLine(e.Err.Error()))
}
func (e *UnreachableError) Unwrap() error { return e.Err }

// NoAnswer marks the error for exit status 6.
func (e *UnreachableError) NoAnswer() bool { return true }

// Open connects to the database and checks it has the PJSIP realtime tables
// sipctl writes, with the columns it uses.
func Open(ctx context.Context, o Options) (*Client, error) {
	u, err := sqldb.Parse(o.DBURL)
	if err != nil {
		return nil, err
	}
	if u.NeedsPassword() && o.DBPassword == "" {
		return nil, fmt.Errorf("no password for database %s: run `sipctl auth login --provider asterisk` or set SIPCTL_DB_PASSWORD", u)
	}
	if o.Registrar == "" {
		return nil, errors.New("an asterisk profile needs the registrar phones use: `sipctl auth login --provider asterisk --registrar HOST:PORT`")
	}
	reg, err := ParseRegistrar(o.Registrar)
	if err != nil {
		return nil, err
	}
	c := &Client{url: u, registrar: reg, domain: strings.ToLower(reg.Host), realm: o.Realm, template: o.Template,
		endpoint: o.Endpoint, maxCont: o.MaxContacts, removeEx: o.RemoveExisting, pageSize: o.PageSize, warn: o.Warn, ami: o.AMI}
	if c.realm == "" {
		c.realm = DefaultRealm
	}
	if c.maxCont <= 0 {
		c.maxCont = 1
	}
	switch c.removeEx {
	case "":
		c.removeEx = "yes"
	case "yes", "no":
	default:
		return nil, fmt.Errorf("invalid remove_existing %q: yes or no", o.RemoveExisting)
	}
	if c.pageSize <= 0 {
		c.pageSize = 500
	}
	if c.warn == nil {
		c.warn = func(string, ...any) {}
	}
	if c.db, err = u.Open(o.DBPassword); err != nil {
		return nil, err
	}
	c.batch = sqldb.NewBatcher(func(ctx context.Context, ws []*pwWrite) ([]error, error) { return c.applyWrites(ctx, ws, false) })
	if err := c.db.PingContext(ctx); err != nil {
		c.db.Close()
		return nil, c.dbError(err)
	}
	if err := c.readSchema(ctx); err != nil {
		c.db.Close()
		return nil, err
	}
	if c.template != "" {
		if err := c.checkTemplate(ctx, c.template); err != nil {
			c.db.Close()
			return nil, err
		}
	}
	return c, nil
}

// ParseRegistrar reads HOST:PORT as the registrar phones use over UDP and TCP.
func ParseRegistrar(hostport string) (provider.Registrar, error) {
	return provider.ParseRegistrar(hostport)
}

// Close stops the writer, the AMI session and the database.
func (c *Client) Close() error {
	c.batch.Close()
	c.amiMu.Lock()
	if c.amiConn != nil {
		c.amiConn.Close()
		c.amiConn = nil
	}
	c.amiMu.Unlock()
	return c.db.Close()
}

// Name is "asterisk".
func (c *Client) Name() string { return Name }

// DB is the database handle (tests and benchmarks read the tables).
func (c *Client) DB() *sql.DB { return c.db }

// Realm is the digest realm the client writes.
func (c *Client) Realm() string { return c.realm }

// Lacks says what Asterisk has instead of a missing capability.
func (c *Client) Lacks(what string) string {
	switch what {
	case provider.WhatCredentialLists, provider.WhatCredentials:
		return "an account is an endpoint with its own auth and aor"
	case provider.WhatMappings:
		return "IP authentication belongs to an endpoint (ps_endpoint_id_ips), not to a domain"
	case provider.WhatDomainSettings:
		return "the domain is the profile's registrar; its settings are pjsip.conf's"
	case provider.WhatSubaccounts:
		return "one database is one Asterisk; make a profile per instance"
	case provider.WhatCallerIDs:
		return "caller IDs are endpoint settings (callerid) and dialplan"
	case provider.WhatIPACLs:
		return "IP authentication is per endpoint (ps_endpoint_id_ips rows match addresses to one endpoint), not a list domains share; edit those rows or pjsip.conf's identify sections"
	case provider.WhatRegistrations:
		return "the database keeps no ps_contacts and the profile has no AMI (`sipctl auth login --provider asterisk --ami HOST:PORT --ami-user NAME`)"
	}
	return ""
}

// dbError names the database in an error, as unreachable when the
// connection failed.
func (c *Client) dbError(err error) error {
	return sqldb.Describe(c.url, err, func(e error) error { return &UnreachableError{What: "database", Target: c.url.String(), Err: e} })
}

func (c *Client) q(query string) string { return c.url.Rebind(query) }

// placeholders is "?, ?, ?" for n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

func contains(list []string, s string) bool { return slices.Contains(list, s) }

func refused(err error) error { return sqldb.Refused(err) }
