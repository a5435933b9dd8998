// Package sqldb is the SQL layer the self-hosted providers share (Kamailio's
// tables, Asterisk's PJSIP realtime tables): the database URL sipctl is given
// (sqlite://, postgres://, mysql://, never with a password), opening it with
// the drivers sipctl uses, placeholders per dialect, and the classes of driver
// errors providers turn into their one-line messages.
package sqldb

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// Dialect is the SQL database a URL names.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
	MySQL    Dialect = "mysql"
)

// URL is a parsed database URL, spelled as Kamailio's db_url: sqlite:///abs/path.db,
// postgres://user@host[:port]/db or mysql://user@host[:port]/db. It never
// holds a password: that comes from hidden input, the keyring or
// SIPCTL_DB_PASSWORD.
type URL struct {
	Dialect Dialect
	Path    string // SQLite: the database file
	User    string
	Host    string // host:port, the default port filled in
	Name    string // database name
	raw     string
}

// String is the URL as the user gave it (it has no password).
func (u URL) String() string { return u.raw }

// Parse reads a database URL as Kamailio's db_url parameter spells it. A URL
// carrying a password is refused: the password would end up in the config
// file, in argv and in shell history.
func Parse(raw string) (URL, error) {
	raw = strings.TrimSpace(raw)
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return URL{}, fmt.Errorf("invalid database URL %q: expected sqlite:///abs/path.db, postgres://user@host/db or mysql://user@host/db", raw)
	}
	switch strings.ToLower(scheme) {
	case "sqlite":
		// sqlite:///abs/path.db; Kamailio's own db_sqlite spells an absolute
		// path with a fourth slash (sqlite:////abs/path.db), read the same.
		if !strings.HasPrefix(rest, "/") || !filepath.IsAbs(rest) {
			return URL{}, fmt.Errorf("invalid database URL %q: a SQLite URL names an absolute path, sqlite:///abs/path.db", raw)
		}
		return URL{Dialect: SQLite, Path: filepath.Clean(rest), raw: raw}, nil
	case "postgres", "postgresql", "mysql":
	default:
		return URL{}, fmt.Errorf("invalid database URL %q: scheme %q is not sqlite, postgres or mysql", raw, scheme)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return URL{}, fmt.Errorf("invalid database URL %q: expected %s://user@host[:port]/database", raw, scheme)
	}
	if _, has := u.User.Password(); has {
		return URL{}, fmt.Errorf("refusing a database URL with a password in it (%s): give the password at `sipctl auth login` (hidden input or --with-token) or in SIPCTL_DB_PASSWORD", redact(u))
	}
	d := URL{Dialect: Postgres, User: u.User.Username(), Name: strings.Trim(u.Path, "/"), raw: raw}
	port := "5432"
	if strings.EqualFold(scheme, "mysql") {
		d.Dialect, port = MySQL, "3306"
	}
	if d.User == "" {
		return URL{}, fmt.Errorf("invalid database URL %q: name the database user, %s://user@host/database", raw, scheme)
	}
	if d.Name == "" || strings.Contains(d.Name, "/") {
		return URL{}, fmt.Errorf("invalid database URL %q: name one database after the host, %s://user@host/database", raw, scheme)
	}
	d.Host = u.Host
	if u.Port() == "" {
		d.Host = net.JoinHostPort(u.Hostname(), port)
	}
	return d, nil
}

func redact(u *url.URL) string {
	cp := *u
	if cp.User != nil {
		cp.User = url.UserPassword(cp.User.Username(), "xxxxx")
	}
	return cp.String()
}

// NeedsPassword says whether the database authenticates with a password
// (SQLite does not).
func (u URL) NeedsPassword() bool { return u.Dialect != SQLite }

// Open returns a database handle for u; nothing is contacted yet.
func (u URL) Open(password string) (*sql.DB, error) {
	switch u.Dialect {
	case SQLite:
		q := url.Values{}
		// The SIP server has the file open too: wait for its locks rather than fail.
		q.Add("_pragma", "busy_timeout(10000)")
		q.Set("mode", "rw") // never create an empty database by mistake
		// Transactions that read, then write (create checks, then inserts)
		// take the write lock when they begin: a deferred one would fail at
		// once with SQLITE_BUSY, without waiting, when another process
		// (twenty CI jobs creating accounts at once) writes meanwhile.
		q.Set("_txlock", "immediate")
		db, err := sql.Open("sqlite", "file:"+u.Path+"?"+q.Encode())
		if err != nil {
			return nil, err
		}
		// One writer at a time is all SQLite allows; one connection keeps
		// the group commit from contending with itself.
		db.SetMaxOpenConns(1)
		return db, nil
	case Postgres:
		cfg, err := pgx.ParseConfig(fmt.Sprintf("postgres://%s@%s/%s", url.PathEscape(u.User), u.Host, url.PathEscape(u.Name)))
		if err != nil {
			return nil, fmt.Errorf("database URL %s: %w", u.raw, err)
		}
		cfg.Password = password
		db := stdlib.OpenDB(*cfg)
		db.SetMaxOpenConns(8)
		return db, nil
	case MySQL:
		cfg := mysql.NewConfig()
		cfg.User, cfg.Passwd, cfg.Net, cfg.Addr, cfg.DBName = u.User, password, "tcp", u.Host, u.Name
		// Rows matched, not rows changed: setting the same password twice
		// must still find the row.
		cfg.ClientFoundRows = true
		cfg.AllowNativePasswords = true
		var c driver.Connector
		c, err := mysql.NewConnector(cfg)
		if err != nil {
			return nil, err
		}
		db := sql.OpenDB(c)
		db.SetMaxOpenConns(8)
		return db, nil
	}
	return nil, errors.New("unknown database dialect")
}

// Rebind turns ? placeholders into PostgreSQL's $n.
func (u URL) Rebind(q string) string {
	if u.Dialect != Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Quote quotes an identifier (a column such as ps_endpoints' "100rel", which
// starts with a digit) the dialect's way.
func (u URL) Quote(ident string) string {
	if u.Dialect == MySQL {
		return "`" + strings.ReplaceAll(ident, "`", "``") + "`"
	}
	return `"` + strings.ReplaceAll(ident, `"`, `""`) + `"`
}
