// Package sip holds sipctl's SIP side: the registrar that `sandbox serve`
// runs, and the REGISTER probe behind `sipctl accounts check`.
package sip

import (
	"context"
	"errors"
)

// Sentinel errors a CredentialStore returns so the registrar can answer 404
// rather than 500. Wrap them freely; the registrar matches with errors.Is.
var (
	// ErrUnknownDomain: no SIP domain with that name (the To/request-URI host).
	ErrUnknownDomain = errors.New("sip: unknown domain")
	// ErrUnknownUser: the domain exists but has no credential with that username.
	ErrUnknownUser = errors.New("sip: unknown user")
)

// CredentialStore is where the registrar finds digest credentials. The
// sandbox's SQLite store implements it.
//
// LookupHA1 returns the lowercase hex MD5 of "username:domainName:password"
// (the digest HA1 with realm = domain name). It returns an error wrapping
// ErrUnknownDomain or ErrUnknownUser when the account does not exist; any
// other error makes the registrar answer 500. It must be safe for concurrent
// use and should honour ctx (the registrar bounds each lookup).
type CredentialStore interface {
	LookupHA1(ctx context.Context, domainName, username string) (string, error)
}
