package sandbox

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/sipctl/sipctl/internal/sip"
)

// PlivoRealm is the registrar and digest realm of the sandbox's Plivo
// face, as on Plivo: every endpoint registers at phone.plivo.com.
const PlivoRealm = "phone.plivo.com"

// PlivoPrefix is where the Plivo face's API lives on the sandbox's HTTP
// server, as on Plivo: /v1/Account/{auth_id}/…
const PlivoPrefix = "/v1/Account/"

// schemaPlivo holds the Plivo face: subaccounts (each with its own token)
// and endpoints, each with the HA1 of the username Plivo made for realm
// phone.plivo.com (never the password). It is created when missing rather
// than by a schema version, so faces added side by side do not race for
// the next version number.
const schemaPlivo = `
CREATE TABLE IF NOT EXISTS plivo_subaccounts (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	auth_id TEXT NOT NULL UNIQUE,
	auth_token TEXT NOT NULL,
	name TEXT NOT NULL,
	enabled INTEGER NOT NULL,
	created INTEGER NOT NULL,
	modified INTEGER
);
CREATE TABLE IF NOT EXISTS plivo_endpoints (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	id TEXT NOT NULL UNIQUE,
	owner TEXT NOT NULL,
	username TEXT NOT NULL UNIQUE,
	alias TEXT NOT NULL,
	app_id TEXT NOT NULL DEFAULT '',
	ha1 TEXT NOT NULL,
	created INTEGER NOT NULL,
	updated INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS plivo_endpoints_owner ON plivo_endpoints (owner, seq);
`

// plivoTables are emptied by Reset.
var plivoTables = []string{"plivo_endpoints", "plivo_subaccounts"}

func (s *Sandbox) migratePlivo(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, schemaPlivo); err != nil {
		return fmt.Errorf("adding the Plivo face to the sandbox schema: %w", err)
	}
	return nil
}

// PlivoAuthID and PlivoAuthToken are the main account credentials of the
// sandbox's Plivo face, derived from the sandbox account's token: local
// test secrets, stable across runs, shown by `sandbox status --json`.
func (s *Sandbox) PlivoAuthID() string {
	sum := sha256.Sum256([]byte("sipctl sandbox plivo auth id\x00" + s.tok))
	return "MA" + upperAlnum(sum[:], 18)
}

// PlivoAuthToken: see PlivoAuthID.
func (s *Sandbox) PlivoAuthToken() string {
	sum := sha256.Sum256([]byte("sipctl sandbox plivo auth token\x00" + s.tok))
	return base64.RawStdEncoding.EncodeToString(sum[:30])
}

const upperAlnumChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func upperAlnum(b []byte, n int) string {
	var out strings.Builder
	for i := 0; i < n; i++ {
		out.WriteByte(upperAlnumChars[int(b[i%len(b)])%len(upperAlnumChars)])
	}
	return out.String()
}

func randomUpperAlnum(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return upperAlnum(b, n)
}

// randomDigits is n random decimal digits: what Plivo appends to a username.
func randomDigits(n int) string {
	var b strings.Builder
	for range n {
		d, _ := rand.Int(rand.Reader, big.NewInt(10))
		b.WriteByte(byte('0' + d.Int64()))
	}
	return b.String()
}

// lookupPlivoHA1 is LookupHA1 for realm phone.plivo.com: the HA1 of an
// endpoint with that (made) username, whose account is the main one or an
// enabled subaccount.
func (s *Sandbox) lookupPlivoHA1(ctx context.Context, username string) (string, error) {
	var digest, owner string
	err := s.db.QueryRowContext(ctx, `SELECT ha1, owner FROM plivo_endpoints WHERE username = ?`, username).Scan(&digest, &owner)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("%w: %s@%s", sip.ErrUnknownUser, username, PlivoRealm)
	}
	if err != nil {
		return "", err
	}
	if owner != s.PlivoAuthID() {
		var enabled bool
		err := s.db.QueryRowContext(ctx, `SELECT enabled FROM plivo_subaccounts WHERE auth_id = ?`, owner).Scan(&enabled)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return "", err
		}
		if !enabled {
			return "", fmt.Errorf("%w: %s@%s: its subaccount is disabled", sip.ErrUnknownUser, username, PlivoRealm)
		}
	}
	return digest, nil
}
