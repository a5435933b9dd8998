package asterisktest

import (
	_ "embed"
	"testing"

	"github.com/sipctl/sipctl/internal/kamailio/kamailiotest"
	"github.com/sipctl/sipctl/internal/providers/asterisk"
	"github.com/sipctl/sipctl/internal/sqldb"
	"github.com/sipctl/sipctl/internal/sqldb/sqldbtest"
)

// DB is a database with the PJSIP realtime tables.
type DB struct{ *sqldbtest.DB }

// Options are sipctl's provider options for this database, with the
// registrar given.
func (d *DB) Options(registrar string) asterisk.Options {
	return asterisk.Options{DBURL: d.URL, DBPassword: d.Password, Registrar: registrar}
}

func withSchema(t testing.TB, d *sqldbtest.DB) *DB {
	t.Helper()
	db := d.Open(t)
	for _, s := range Schema(d.Dialect) {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%v\n%s", err, s)
		}
	}
	return &DB{d}
}

// SQLite is a fresh SQLite database with the (older) PJSIP realtime tables.
func SQLite(t testing.TB) *DB { return withSchema(t, sqldbtest.SQLite(t, "asterisk")) }

// Postgres is a throwaway PostgreSQL cluster with the PJSIP realtime tables.
func Postgres(t testing.TB) *DB { return withSchema(t, sqldbtest.Postgres(t, "asterisk")) }

// MariaDB is a throwaway MariaDB server with the PJSIP realtime tables.
func MariaDB(t testing.TB) *DB { return withSchema(t, sqldbtest.MariaDB(t, "asterisk")) }

// Dialects are the three databases, by name, for table-driven tests.
var Dialects = []struct {
	Name  string
	Start func(testing.TB) *DB
}{{string(sqldb.SQLite), SQLite}, {string(sqldb.Postgres), Postgres}, {"mariadb", MariaDB}}

//go:embed kamailio.cfg.tmpl
var kamailioCfg string

// Kamailio starts a real Kamailio whose auth_db reads ps_auths
// (user_column username, password_column md5_cred, calculate_ha1 off,
// challenging with realm asterisk) and which, like an Asterisk with
// contact=realtime, writes each registration to ps_contacts. k.SIP is the
// registrar.
func Kamailio(t testing.TB, db *DB) *kamailiotest.Kamailio {
	t.Helper()
	return kamailiotest.StartConfig(t, &kamailiotest.DB{DB: db.DB}, kamailioCfg)
}
