package kamailio

import (
	"database/sql"

	"github.com/sipctl/sipctl/internal/sqldb"
)

// Dialect is the SQL database a Kamailio db_url names.
type Dialect = sqldb.Dialect

const (
	SQLite   = sqldb.SQLite
	Postgres = sqldb.Postgres
	MySQL    = sqldb.MySQL
)

// DBURL is a parsed Kamailio db_url (sqldb.URL): never with a password.
type DBURL struct{ sqldb.URL }

// ParseDBURL reads a db_url as Kamailio's db_url parameter spells it.
func ParseDBURL(raw string) (DBURL, error) {
	u, err := sqldb.Parse(raw)
	return DBURL{u}, err
}

func (u DBURL) open(password string) (*sql.DB, error) { return u.Open(password) }

func (u DBURL) rebind(q string) string { return u.Rebind(q) }
