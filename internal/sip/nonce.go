package sip

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"time"
)

// nonceSigner issues stateless nonces: an issue time plus an HMAC over it and
// the realm. The registrar keeps no per-challenge state, so a flood of
// unauthenticated REGISTERs costs no memory, and a nonce from one domain is
// useless for another.
type nonceSigner struct {
	key []byte
	ttl time.Duration
}

const nonceMACLen = 16

func newNonceSigner(ttl time.Duration) (*nonceSigner, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	return &nonceSigner{key: key, ttl: ttl}, nil
}

func (s *nonceSigner) mac(issued []byte, realm string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write(issued)
	m.Write([]byte(realm))
	return m.Sum(nil)[:nonceMACLen]
}

func (s *nonceSigner) issue(realm string, now time.Time) string {
	buf := make([]byte, 8, 8+nonceMACLen)
	binary.BigEndian.PutUint64(buf, uint64(now.UnixNano()))
	buf = append(buf, s.mac(buf, realm)...)
	return base64.RawURLEncoding.EncodeToString(buf)
}

// check reports whether nonce was issued by this registrar for realm, and
// whether it has expired (a valid but expired nonce earns stale=true).
func (s *nonceSigner) check(nonce, realm string, now time.Time) (valid, expired bool) {
	raw, err := base64.RawURLEncoding.DecodeString(nonce)
	if err != nil || len(raw) != 8+nonceMACLen {
		return false, false
	}
	if !hmac.Equal(raw[8:], s.mac(raw[:8], realm)) {
		return false, false
	}
	issued := time.Unix(0, int64(binary.BigEndian.Uint64(raw[:8])))
	age := now.Sub(issued)
	// A nonce from the future means a clock step; treat it as expired so the
	// client simply retries with a fresh one.
	return true, age > s.ttl || age < -time.Minute
}
