package sandbox

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/sipctl/sipctl/internal/sip"
)

// SignalWireSpace is the space the sandbox's SignalWire face plays: its SIP
// endpoints register at SignalWireRealm, as on SignalWire every endpoint of
// space NAME registers at NAME.sip.signalwire.com.
const (
	SignalWireSpace = "sandbox"
	SignalWireRealm = SignalWireSpace + ".sip.signalwire.com"
)

// SignalWirePrefix is where the SignalWire face's REST API lives on the
// sandbox's HTTP server, as on SignalWire (https://SPACE.signalwire.com/api/…):
// a SignalWire client's base URL is the server's root.
const SignalWirePrefix = "/api/"

// schemaSignalWire is schema version 5: the SignalWire face's relay REST
// SIP endpoints, each with the HA1 of its username for SignalWireRealm
// (never the password).
const schemaSignalWire = `
CREATE TABLE signalwire_endpoints (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	id TEXT NOT NULL UNIQUE,
	username TEXT NOT NULL UNIQUE,
	ha1 TEXT NOT NULL,
	caller_id TEXT,
	send_as TEXT NOT NULL DEFAULT 'random',
	codecs TEXT NOT NULL DEFAULT '["OPUS","G722","PCMU","PCMA","G729","VP8","H264"]',
	ciphers TEXT NOT NULL DEFAULT '["AEAD_AES_256_GCM_8","AES_256_CM_HMAC_SHA1_80","AES_CM_128_HMAC_SHA1_80","AES_256_CM_HMAC_SHA1_32","AES_CM_128_HMAC_SHA1_32"]',
	encryption TEXT NOT NULL DEFAULT 'default',
	created INTEGER NOT NULL,
	updated INTEGER NOT NULL
);
`

// SignalWireProject is the project ID and API token of the sandbox's
// SignalWire face, derived from the sandbox account's token: local test
// secrets, stable across runs, shown by `sandbox status --json`.
func (s *Sandbox) SignalWireProject() (projectID, token string) {
	sum := sha256.Sum256([]byte("sipctl sandbox signalwire project\x00" + s.tok))
	h := hex.EncodeToString(sum[:16])
	projectID = h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
	tsum := sha256.Sum256([]byte("sipctl sandbox signalwire token\x00" + s.tok))
	return projectID, "PT" + hex.EncodeToString(tsum[:24])
}

// swEndpoint is a stored SIP endpoint.
type swEndpoint struct {
	seq        int64
	ID         string
	Username   string
	CallerID   *string
	SendAs     string
	Codecs     []string
	Ciphers    []string
	Encryption string
}

const swColumns = `seq, id, username, caller_id, send_as, codecs, ciphers, encryption`

func scanSW(sc interface{ Scan(...any) error }) (swEndpoint, error) {
	var e swEndpoint
	var callerID sql.NullString
	var codecs, ciphers string
	if err := sc.Scan(&e.seq, &e.ID, &e.Username, &callerID, &e.SendAs, &codecs, &ciphers, &e.Encryption); err != nil {
		return e, err
	}
	if callerID.Valid {
		e.CallerID = &callerID.String
	}
	json.Unmarshal([]byte(codecs), &e.Codecs)
	json.Unmarshal([]byte(ciphers), &e.Ciphers)
	return e, nil
}

// lookupSignalWireHA1 is LookupHA1 for SignalWireRealm.
func (s *Sandbox) lookupSignalWireHA1(ctx context.Context, username string) (string, error) {
	var digest string
	err := s.db.QueryRowContext(ctx, `SELECT ha1 FROM signalwire_endpoints WHERE username = ?`, username).Scan(&digest)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("%w: %s@%s", sip.ErrUnknownUser, username, SignalWireRealm)
	}
	return digest, err
}

func isSignalWireRealm(domain string) bool { return strings.EqualFold(domain, SignalWireRealm) }
