// Package kamailiotest starts the real peers the Kamailio provider is tested
// against: Debian's Kamailio with a test kamailio.cfg of ours, on a SQLite
// database, a throwaway PostgreSQL cluster or a throwaway MariaDB server
// (internal/sqldb/sqldbtest). Schemas are Kamailio's own
// (/usr/share/kamailio), never written by hand. A missing peer skips locally
// and fails under CI=true.
package kamailiotest

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/kamailio"
	"github.com/sipctl/sipctl/internal/sqldb/sqldbtest"
	"github.com/sipctl/sipctl/internal/testenv"
)

// SchemaDir is where Debian's kamailio package keeps the database schemas.
const SchemaDir = "/usr/share/kamailio"

// Modules are the schema files a sipctl database needs, in load order.
// avpops is kamdbctl's too (usr_preferences, where sipctl records account
// expiry).
var Modules = []string{"standard", "auth_db", "domain", "permissions", "usrloc", "avpops"}

// DB is a database a test Kamailio (and sipctl) can use.
type DB struct{ *sqldbtest.DB }

// Options are sipctl's provider options for this database.
func (d *DB) Options() kamailio.Options {
	return kamailio.Options{DBURL: d.URL, DBPassword: d.Password}
}

// LoadSchema runs Kamailio's *-create.sql files for the modules given.
func LoadSchema(t testing.TB, db *sql.DB, dialect kamailio.Dialect, modules ...string) {
	t.Helper()
	dir := map[kamailio.Dialect]string{kamailio.SQLite: "db_sqlite", kamailio.Postgres: "postgres", kamailio.MySQL: "mysql"}[dialect]
	for _, m := range modules {
		path := filepath.Join(SchemaDir, dir, m+"-create.sql")
		data, err := os.ReadFile(path)
		if err != nil {
			testenv.Missing(t, "Kamailio's schema "+path+" (Debian package kamailio)")
		}
		for _, stmt := range strings.Split(string(data), ";\n") {
			if strings.TrimSpace(stmt) == "" {
				continue
			}
			if _, err := db.Exec(stmt); err != nil {
				t.Fatalf("%s: %v\n%s", path, err, stmt)
			}
		}
	}
}

func withSchema(t testing.TB, d *sqldbtest.DB) *DB {
	t.Helper()
	LoadSchema(t, d.Open(t), d.Dialect, Modules...)
	return &DB{d}
}

// SQLite is a fresh SQLite database with Kamailio's schema.
func SQLite(t testing.TB) *DB { return withSchema(t, sqldbtest.SQLite(t, "kamailio")) }

// Postgres is a throwaway PostgreSQL cluster with a database "kamailio"
// owned by user "kamailio" and Kamailio's schema loaded.
func Postgres(t testing.TB) *DB { return withSchema(t, sqldbtest.Postgres(t, "kamailio")) }

// MariaDB is a throwaway MariaDB server with a database "kamailio" for user
// "kamailio" and Kamailio's schema loaded.
func MariaDB(t testing.TB) *DB { return withSchema(t, sqldbtest.MariaDB(t, "kamailio")) }

// FreePort is a loopback port free for both TCP and UDP.
func FreePort(t testing.TB) int { return sqldbtest.FreePort(t) }
