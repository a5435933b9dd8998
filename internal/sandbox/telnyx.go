package sandbox

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/sipctl/sipctl/internal/sip"
)

// TelnyxRealm is the registrar and digest realm of the sandbox's Telnyx
// face, as on Telnyx: every credential connection registers at
// sip.telnyx.com.
const TelnyxRealm = "sip.telnyx.com"

// TelnyxPrefix is where the Telnyx face's API v2 lives on the sandbox's
// HTTP server (the Twilio face is under /2010-04-01).
const TelnyxPrefix = "/v2"

// schemaTelnyx is schema version 2: the Telnyx face's credential
// connections, each with the HA1 of its user name for realm sip.telnyx.com
// (never the password).
const schemaTelnyx = `
CREATE TABLE telnyx_connections (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	id TEXT NOT NULL UNIQUE,
	user_name TEXT NOT NULL UNIQUE,
	ha1 TEXT,
	connection_name TEXT NOT NULL,
	active INTEGER NOT NULL DEFAULT 1,
	inbound_channel_limit INTEGER,
	outbound_channel_limit INTEGER,
	ani_override TEXT NOT NULL DEFAULT '',
	ani_override_type TEXT NOT NULL DEFAULT 'always',
	outbound_voice_profile_id TEXT NOT NULL DEFAULT '',
	tags TEXT NOT NULL DEFAULT '[]',
	created INTEGER NOT NULL,
	updated INTEGER NOT NULL
);
`

// TelnyxAPIKey is the bearer key of the sandbox's Telnyx face, derived
// from the sandbox account's token: a local test secret, stable across
// runs, shown by `sandbox status --json`.
func (s *Sandbox) TelnyxAPIKey() string {
	sum := sha256.Sum256([]byte("sipctl sandbox telnyx api key\x00" + s.tok))
	return "KEYSANDBOX" + strings.ToUpper(hex.EncodeToString(sum[:16]))
}

// txConnection is a stored credential connection.
type txConnection struct {
	seq            int64
	ID             string
	UserName       string
	hasDigest      bool
	ConnectionName string
	Active         bool
	InboundLimit   *int
	OutboundLimit  *int
	ANIOverride    string
	ANIOverrideTyp string
	ProfileID      string
	Tags           []string
	Created        int64
	Updated        int64
}

const txColumns = `seq, id, user_name, ha1 IS NOT NULL, connection_name, active, inbound_channel_limit, outbound_channel_limit,
	ani_override, ani_override_type, outbound_voice_profile_id, tags, created, updated`

func scanTx(sc interface{ Scan(...any) error }) (txConnection, error) {
	var c txConnection
	var in, out sql.NullInt64
	var tags string
	err := sc.Scan(&c.seq, &c.ID, &c.UserName, &c.hasDigest, &c.ConnectionName, &c.Active, &in, &out,
		&c.ANIOverride, &c.ANIOverrideTyp, &c.ProfileID, &tags, &c.Created, &c.Updated)
	if err != nil {
		return c, err
	}
	if in.Valid {
		n := int(in.Int64)
		c.InboundLimit = &n
	}
	if out.Valid {
		n := int(out.Int64)
		c.OutboundLimit = &n
	}
	json.Unmarshal([]byte(tags), &c.Tags)
	return c, nil
}

// newTelnyxID is an id as Telnyx writes them: a positive int64 in decimal.
func newTelnyxID() string {
	var b [8]byte
	rand.Read(b[:])
	n := binary.BigEndian.Uint64(b[:]) & (1<<63 - 1)
	if n < 1e18 {
		n += 1e18
	}
	return strconv.FormatUint(n, 10)
}

// lookupTelnyxHA1 is LookupHA1 for realm sip.telnyx.com: the HA1 of an
// active credential connection with that user name.
func (s *Sandbox) lookupTelnyxHA1(ctx context.Context, username string) (string, error) {
	var digest sql.NullString
	var active bool
	err := s.db.QueryRowContext(ctx, `SELECT ha1, active FROM telnyx_connections WHERE user_name = ?`, username).Scan(&digest, &active)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("%w: %s@%s", sip.ErrUnknownUser, username, TelnyxRealm)
	}
	if err != nil {
		return "", err
	}
	if !active {
		return "", fmt.Errorf("%w: %s@%s: the credential connection is not active", sip.ErrUnknownUser, username, TelnyxRealm)
	}
	if !digest.Valid {
		return "", fmt.Errorf("%w: %s@%s: the user name changed after the password was set; set the password again", sip.ErrUnknownUser, username, TelnyxRealm)
	}
	return digest.String, nil
}
