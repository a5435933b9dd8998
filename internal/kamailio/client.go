// Package kamailio is sipctl's Kamailio provider. It administers Kamailio's
// own tables through database/sql (the db_url Kamailio uses: SQLite,
// PostgreSQL or MySQL/MariaDB) and asks the running Kamailio to reload them
// over JSON-RPC (jsonrpcs over xhttp, the /RPC endpoint):
//
//   - accounts are rows of the subscriber table (auth_db): ha1 and ha1b are
//     written, the password column is left empty unless the profile stores
//     plain text for configs that run calculate_ha1;
//   - domains are rows of the domain table (domain module), followed by
//     domain.reload;
//   - IP ACLs are address groups of the address table (permissions module,
//     allow_source_address): an ACL's SID and name are its grp number, an
//     address's friendly name is its tag; changes are followed by
//     permissions.addressReload;
//   - registration status comes from usrloc (ul.lookup, ul.dump).
//
// Kamailio has no credential lists, mappings, caller IDs or subaccounts; the
// client says so through provider.Explainer.
package kamailio

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/sqldb"
)

// Name is the provider's name in profiles.
const Name = "kamailio"

// Options configure a Client.
type Options struct {
	// DBURL is Kamailio's db_url without a password.
	DBURL string
	// DBPassword authenticates to PostgreSQL or MySQL; unused for SQLite.
	DBPassword string
	// RPCURL is the jsonrpcs endpoint, e.g. http://127.0.0.1:5071/RPC. Empty
	// disables reloads and registration status (with an error saying so).
	RPCURL string
	// AllowHTTP permits plain http to a non-loopback RPC host.
	AllowHTTP bool
	// Registrar is HOST:PORT phones register to (UDP and TCP).
	Registrar string
	// StorePlaintext also writes the password column, for configs that run
	// auth_db with calculate_ha1.
	StorePlaintext bool
	// HTTPClient carries JSON-RPC calls; nil is a client with a timeout.
	HTTPClient *http.Client
	// PageSize is how many subscribers one listing query reads (default
	// 500); tests make it small so listings span pages.
	PageSize int
}

// Client is the Kamailio provider.
type Client struct {
	db        *sql.DB
	url       DBURL
	rpc       *rpcClient
	registrar provider.Registrar
	plaintext bool
	tables    map[string]int // table name → version, from the version table
	pageSize  int

	dumpMu sync.Mutex
	dump   map[string]ulRecord // the last ul.dump, by AoR
	dumpAt time.Time

	batch *sqldb.Batcher[*pwWrite] // SetSIPPassword's group commit
}

var (
	_ provider.SIPAccounts   = (*Client)(nil)
	_ provider.Domains       = (*Client)(nil)
	_ provider.IPACLs        = (*Client)(nil)
	_ provider.Registrations = (*Client)(nil)
	_ provider.Explainer     = (*Client)(nil)
	_ provider.PasswordBatch = (*Client)(nil)
	_ provider.Identifiers   = (*Client)(nil)
)

// knownVersions are the table versions sipctl understands, by table: the
// schema of Kamailio 5.x (kamdbctl / the *-create.sql files).
var knownVersions = map[string][]int{
	"subscriber": {7},
	"domain":     {2},
	"address":    {6},
}

// UnreachableError is an unreachable database or RPC endpoint (exit 6).
type UnreachableError struct {
	What   string // "database" or "RPC endpoint"
	Target string // the URL, without secrets
	Err    error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("kamailio %s %s did not answer: %s", e.What, e.Target, oneLine(e.Err.Error()))
}
func (e *UnreachableError) Unwrap() error { return e.Err }

// NoAnswer marks the error for exit status 6.
func (e *UnreachableError) NoAnswer() bool { return true }

// ErrorCode is the neutral class: Unavailable.
func (e *UnreachableError) ErrorCode() provider.Code { return provider.Unavailable }

// ErrorHint says what to check.
func (e *UnreachableError) ErrorHint() string {
	return "check that the database and the RPC endpoint are up and the profile names them (`sipctl profile show`)"
}

// Open connects to the database, checks Kamailio's version table, and
// checks the RPC URL's form (it is contacted on first use; see Ping).
func Open(ctx context.Context, o Options) (*Client, error) {
	u, err := ParseDBURL(o.DBURL)
	if err != nil {
		return nil, err
	}
	if u.NeedsPassword() && o.DBPassword == "" {
		return nil, fmt.Errorf("no password for database %s: run `sipctl auth login` or set SIPCTL_DB_PASSWORD", u)
	}
	c := &Client{url: u, plaintext: o.StorePlaintext, pageSize: o.PageSize}
	c.batch = sqldb.NewBatcher(func(ctx context.Context, ws []*pwWrite) ([]error, error) { return c.applyWrites(ctx, ws, false) })
	if c.pageSize <= 0 {
		c.pageSize = defaultPageSize
	}
	if o.RPCURL != "" {
		c.rpc, err = newRPC(o.RPCURL, o.AllowHTTP, o.HTTPClient)
		if err != nil {
			return nil, err
		}
	}
	if o.Registrar != "" {
		c.registrar, err = ParseRegistrar(o.Registrar)
		if err != nil {
			return nil, err
		}
	}
	c.db, err = u.open(o.DBPassword)
	if err != nil {
		return nil, err
	}
	if err := c.db.PingContext(ctx); err != nil {
		c.db.Close()
		return nil, c.dbError(err)
	}
	if err := c.readVersions(ctx); err != nil {
		c.db.Close()
		return nil, err
	}
	return c, nil
}

// ParseRegistrar reads HOST:PORT as the registrar phones use over UDP and TCP.
func ParseRegistrar(hostport string) (provider.Registrar, error) {
	return provider.ParseRegistrar(hostport)
}

// Close stops the writer and closes the database.
func (c *Client) Close() error {
	c.batch.Close()
	return c.db.Close()
}

// Name is "kamailio".
func (c *Client) Name() string { return Name }

// DB is the database handle (tests and benchmarks read the tables).
func (c *Client) DB() *sql.DB { return c.db }

// Dialect is the database kind.
func (c *Client) Dialect() Dialect { return c.url.Dialect }

// Lacks says what Kamailio has instead of a missing capability.
func (c *Client) Lacks(what string) string {
	switch what {
	case provider.WhatCredentialLists, provider.WhatCredentials:
		return "accounts belong to a domain"
	case provider.WhatMappings:
		return "accounts belong to a domain, and IP ACLs are address groups the config checks with allow_source_address"
	case provider.WhatDomainSettings:
		return whyNoDomainSettings
	case provider.WhatSubaccounts:
		return "one database is one Kamailio; make a profile per instance"
	case provider.WhatCallerIDs:
		return "caller IDs are routing logic in kamailio.cfg"
	}
	return ""
}

// IsID says which references are IDs rather than names: an IP ACL's group
// number and an address row's id.
func (c *Client) IsID(what, ref string) bool {
	switch what {
	case provider.WhatIPACLs:
		_, err := parseGroup(ref)
		return err == nil
	case provider.WhatIPAddresses:
		_, err := strconv.ParseInt(ref, 10, 64)
		return err == nil
	}
	return false
}

// Ping checks that the RPC endpoint answers (core.version).
func (c *Client) Ping(ctx context.Context) (string, error) {
	if c.rpc == nil {
		return "", errNoRPC
	}
	var v string
	if err := c.rpc.call(ctx, "core.version", &v); err != nil {
		return "", err
	}
	return strings.TrimSpace(v), nil
}

var errNoRPC = errors.New("the profile has no RPC URL: run `sipctl auth login --provider kamailio --rpc-url http://127.0.0.1:5071/RPC` (jsonrpcs over xhttp)")

func (c *Client) readVersions(ctx context.Context) error {
	rows, err := c.db.QueryContext(ctx, "SELECT table_name, table_version FROM version")
	if err != nil {
		if isMissingTable(err) {
			return fmt.Errorf("database %s has no Kamailio version table: is it a Kamailio database? (create one with kamdbctl create)", c.url)
		}
		return c.dbError(err)
	}
	defer rows.Close()
	c.tables = map[string]int{}
	for rows.Next() {
		var name string
		var v int
		if err := rows.Scan(&name, &v); err != nil {
			return c.dbError(err)
		}
		c.tables[name] = v
	}
	if err := rows.Err(); err != nil {
		return c.dbError(err)
	}
	if _, ok := c.tables["subscriber"]; !ok {
		return fmt.Errorf("database %s has no subscriber table in its version table: load auth_db's schema (kamdbctl create)", c.url)
	}
	var unknown []string
	for t, known := range knownVersions {
		if v, ok := c.tables[t]; ok && !slices.Contains(known, v) {
			unknown = append(unknown, fmt.Sprintf("%s version %d (known: %s)", t, v, joinInts(known)))
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return fmt.Errorf("database %s has table versions sipctl does not know: %s; refusing to write to them", c.url, strings.Join(unknown, ", "))
	}
	return nil
}

// requireTable fails when the version table does not list t.
func (c *Client) requireTable(t, module string) error {
	if _, ok := c.tables[t]; !ok {
		return fmt.Errorf("database %s has no %s table: load the %s module's schema (kamdbctl create)", c.url, t, module)
	}
	return nil
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}

// dbError names the database in an error, as unreachable when the
// connection failed.
func (c *Client) dbError(err error) error {
	return sqldb.Describe(c.url.URL, err, func(e error) error { return &UnreachableError{What: "database", Target: c.url.String(), Err: e} })
}

func isMissingTable(err error) bool { return sqldb.IsMissingTable(err) }

func isUniqueViolation(err error) bool { return sqldb.IsUniqueViolation(err) }

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// oneLine collapses a driver's multi-line message into one line.
func oneLine(s string) string { return sqldb.OneLine(s) }
