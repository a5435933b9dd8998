package provision

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Realm is the HTTP authentication realm of `provision serve`; stored
// hashes are bound to it.
const Realm = "sipctl-provisioning"

// SharedUser is the username of the one shared credential, when the user
// chooses one instead of a credential per device.
const SharedUser = "provisioning"

// Credential is how a device's password is kept: the HTTP Digest HA1
// hashes (RFC 7616) of user:realm:password, which check Basic too. The
// password itself is shown once and never stored.
type Credential struct {
	HA1MD5    string    `json:"ha1_md5"`
	HA1SHA256 string    `json:"ha1_sha256"`
	Created   time.Time `json:"created"`
}

// Credentials are the credentials of `provision serve`, by username (a
// device's name, or SharedUser).
type Credentials struct {
	Users map[string]Credential `json:"users"`
}

// CredentialsPath is where the credentials live in the state directory.
func CredentialsPath(stateDir string) string {
	return filepath.Join(stateDir, "provision-credentials.json")
}

// HA1 is the digest hash of user:realm:password with alg ("MD5" or
// "SHA-256").
func HA1(alg, user, password string) string {
	s := user + ":" + Realm + ":" + password
	if alg == "SHA-256" {
		sum := sha256.Sum256([]byte(s))
		return hex.EncodeToString(sum[:])
	}
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// NewCredential hashes a new password for user.
func NewCredential(user, password string, now time.Time) Credential {
	return Credential{HA1MD5: HA1("MD5", user, password), HA1SHA256: HA1("SHA-256", user, password), Created: now.UTC()}
}

var credMu sync.Mutex

// ReadCredentials reads the credentials file; none yet is empty.
func ReadCredentials(path string) (*Credentials, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return &Credentials{Users: map[string]Credential{}}, nil
	}
	if err != nil {
		return nil, err
	}
	var c Credentials
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if c.Users == nil {
		c.Users = map[string]Credential{}
	}
	return &c, nil
}

// SetCredential records user's credential (replacing an older one), with
// the file written atomically at 0600.
func SetCredential(path, user string, c Credential) error {
	credMu.Lock()
	defer credMu.Unlock()
	cs, err := ReadCredentials(path)
	if err != nil {
		return err
	}
	cs.Users[user] = c
	data, err := json.MarshalIndent(cs, "", " ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	if err := writeAtomic(filepath.Dir(path), filepath.Base(path), data); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}
