package sandbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/sipctl/sipctl/internal/sip"
)

// Reasons a registration is refused beyond the registrar's two sentinels.
// Each also matches sip.ErrUnknownDomain or sip.ErrUnknownUser (errors.Is),
// so the registrar answers them as it answers an unknown account.
var (
	// ErrRegistrationDisabled: the domain exists but SipRegistration is off.
	ErrRegistrationDisabled = errors.New("SIP registration is disabled on this domain")
	// ErrNotMapped: the username exists in the domain's account, but in no
	// credential list mapped to the domain for registrations.
	ErrNotMapped = errors.New("no credential list with this username is mapped to the domain for registrations")
	// ErrNoDigest: the credential's password was set before the domain
	// existed (or was renamed), so no HA1 for this realm was ever computed.
	// Setting the password again fixes it.
	ErrNoDigest = errors.New("the password was set before this domain existed or was renamed; set it again")
)

var _ sip.CredentialStore = (*Sandbox)(nil)

// LookupHA1 is the digest HA1 (realm = domain name) of username on the SIP
// domain domainName, for the registrar. The domain must allow registration
// and the username must be in a credential list mapped to it for
// registrations. When several mapped lists hold the username, the most
// recently changed credential wins.
func (s *Sandbox) LookupHA1(ctx context.Context, domainName, username string) (string, error) {
	if strings.EqualFold(domainName, TelnyxRealm) {
		return s.lookupTelnyxHA1(ctx, username)
	}
	if strings.EqualFold(domainName, PlivoRealm) {
		return s.lookupPlivoHA1(ctx, username)
	}
	if isSignalWireRealm(domainName) {
		return s.lookupSignalWireHA1(ctx, username)
	}
	var domainSID, account string
	var reg bool
	err := s.db.QueryRowContext(ctx, `SELECT sid, account_sid, sip_registration FROM domains WHERE domain_name = ?`,
		strings.ToLower(domainName)).Scan(&domainSID, &account, &reg)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("%w: %s", sip.ErrUnknownDomain, domainName)
	}
	if err != nil {
		return "", err
	}
	if !reg {
		return "", fmt.Errorf("%w: %s: %w", sip.ErrUnknownDomain, domainName, ErrRegistrationDisabled)
	}
	var credSID string
	var digest sql.NullString
	err = s.db.QueryRowContext(ctx, `
		SELECT c.sid, g.ha1 FROM credentials c
		JOIN cl_mappings m ON m.list_sid = c.list_sid AND m.domain_sid = ? AND m.kind = 'registrations'
		LEFT JOIN credential_digests g ON g.credential_sid = c.sid AND g.domain_sid = m.domain_sid
		WHERE c.username = ?
		ORDER BY g.ha1 IS NULL, c.updated DESC, c.seq DESC LIMIT 1`, domainSID, username).Scan(&credSID, &digest)
	if errors.Is(err, sql.ErrNoRows) {
		var n int
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM credentials WHERE account_sid = ? AND username = ?`, account, username).Scan(&n); err != nil {
			return "", err
		}
		if n > 0 {
			return "", fmt.Errorf("%w: %s@%s: %w", sip.ErrUnknownUser, username, domainName, ErrNotMapped)
		}
		return "", fmt.Errorf("%w: %s@%s", sip.ErrUnknownUser, username, domainName)
	}
	if err != nil {
		return "", err
	}
	if !digest.Valid {
		return "", fmt.Errorf("%w: %s@%s: %w", sip.ErrUnknownUser, username, domainName, ErrNoDigest)
	}
	return digest.String, nil
}

// DomainSIPRegistration reports whether the domain exists and accepts
// registrations.
func (s *Sandbox) DomainSIPRegistration(ctx context.Context, domainName string) (exists, enabled bool, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT sip_registration FROM domains WHERE domain_name = ?`, strings.ToLower(domainName)).Scan(&enabled)
	if errors.Is(err, sql.ErrNoRows) {
		return false, false, nil
	}
	return err == nil, enabled, err
}
