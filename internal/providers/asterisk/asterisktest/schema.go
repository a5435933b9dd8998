// Package asterisktest gives the Asterisk provider's tests what they run
// against: the PJSIP realtime tables (our own DDL, written from the column
// lists of Asterisk's documentation and alembic migrations; not Asterisk's
// code) on SQLite, PostgreSQL and MariaDB (internal/sqldb/sqldbtest), and a
// real Kamailio whose auth_db authenticates REGISTERs against ps_auths, so
// the digests sipctl stores are proven by a SIP server. No Asterisk runs.
package asterisktest

import (
	"strings"

	"github.com/sipctl/sipctl/internal/providers/asterisk"
	"github.com/sipctl/sipctl/internal/sqldb"
)

// AlembicVersion is the version the test schema records.
const AlembicVersion = "sipctltest01"

// Schema is the DDL of the PJSIP realtime tables for a dialect. Asterisk's
// PostgreSQL schema uses enum types (yesno_values, the auth types), MySQL
// inline ENUMs, SQLite plain text; the PostgreSQL and MariaDB schemas are
// the newer ones, with ps_auths.password_digest, the SQLite one the older.
func Schema(d sqldb.Dialect) []string {
	yesno, authType := "VARCHAR(3)", "VARCHAR(12)"
	var stmts []string
	switch d {
	case sqldb.Postgres:
		stmts = append(stmts,
			"CREATE TYPE yesno_values AS ENUM ('yes', 'no')",
			"CREATE TYPE pjsip_auth_type_values_v2 AS ENUM ('md5', 'userpass', 'google_oauth', 'digest')")
		yesno, authType = "yesno_values", "pjsip_auth_type_values_v2"
	case sqldb.MySQL:
		yesno, authType = "ENUM('yes','no')", "ENUM('md5','userpass','google_oauth','digest')"
	}
	q := func(s string) string {
		if d == sqldb.MySQL {
			return "`" + s + "`"
		}
		return `"` + s + `"`
	}
	digest := ""
	if d != sqldb.SQLite {
		digest = ", password_digest VARCHAR(1024), supported_algorithms_uac VARCHAR(1024), supported_algorithms_uas VARCHAR(1024)"
	}
	r := strings.NewReplacer("YESNO", yesno, "AUTHTYPE", authType, "REL100", q("100rel"), "MATCH", q("match"), "DIGEST", digest)
	for _, s := range []string{
		`CREATE TABLE ps_endpoints (id VARCHAR(255) NOT NULL PRIMARY KEY, transport VARCHAR(40), aors VARCHAR(2048),
			auth VARCHAR(255), context VARCHAR(40), disallow VARCHAR(200), allow VARCHAR(200), direct_media YESNO,
			dtmf_mode VARCHAR(20), force_rport YESNO, rewrite_contact YESNO, rtp_symmetric YESNO, ice_support YESNO,
			mailboxes VARCHAR(40), outbound_auth VARCHAR(255), callerid VARCHAR(40), REL100 VARCHAR(10),
			identify_by VARCHAR(80), language VARCHAR(40), set_var TEXT, device_state_busy_at INTEGER,
			timers_sess_expires INTEGER, from_domain VARCHAR(40))`,
		`CREATE TABLE ps_auths (id VARCHAR(255) NOT NULL PRIMARY KEY, auth_type AUTHTYPE, nonce_lifetime INTEGER,
			md5_cred VARCHAR(40), password VARCHAR(80), realm VARCHAR(40), username VARCHAR(40),
			refresh_token VARCHAR(255), oauth_clientid VARCHAR(255), oauth_secret VARCHAR(255)DIGEST)`,
		`CREATE TABLE ps_aors (id VARCHAR(255) NOT NULL PRIMARY KEY, contact VARCHAR(255), default_expiration INTEGER,
			mailboxes VARCHAR(80), max_contacts INTEGER, minimum_expiration INTEGER, remove_existing YESNO,
			qualify_frequency INTEGER, authenticate_qualify YESNO, maximum_expiration INTEGER,
			outbound_proxy VARCHAR(255), support_path YESNO, qualify_timeout FLOAT, voicemail_extension VARCHAR(40),
			remove_unavailable YESNO)`,
		`CREATE TABLE ps_contacts (id VARCHAR(255) NOT NULL PRIMARY KEY, uri VARCHAR(511), expiration_time BIGINT,
			qualify_frequency INTEGER, outbound_proxy VARCHAR(255), path TEXT, user_agent VARCHAR(255),
			qualify_timeout FLOAT, reg_server VARCHAR(255), authenticate_qualify YESNO, via_addr VARCHAR(40),
			via_port INTEGER, call_id VARCHAR(255), endpoint VARCHAR(255), prune_on_boot YESNO)`,
		`CREATE TABLE ps_endpoint_id_ips (id VARCHAR(255) NOT NULL PRIMARY KEY, endpoint VARCHAR(255), MATCH VARCHAR(80),
			srv_lookups YESNO, match_header VARCHAR(255))`,
		`CREATE TABLE ps_domain_aliases (id VARCHAR(255) NOT NULL PRIMARY KEY, domain VARCHAR(255))`,
		`CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)`,
		`INSERT INTO alembic_version (version_num) VALUES ('` + AlembicVersion + `')`,
		asterisk.ExpiryDDL,
	} {
		stmts = append(stmts, r.Replace(s))
	}
	return stmts
}
