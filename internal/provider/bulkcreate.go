package provider

import "context"

// CreateFunc creates one account on the domain it was prepared for, with
// the password given; ErrExists when the username is taken.
type CreateFunc func(ctx context.Context, username, password string) (SIPAccount, error)

// BatchCreator is the capability of creating many accounts on one domain
// without repeating the lookups each CreateSIPAccount makes: PrepareCreate
// resolves the domain (on Twilio, also the credential list it uses, made
// and attached when there is none) once, and the function it returns
// creates one account with a single write request. Bulk work (`apply`)
// uses it where a provider has it, and CreateSIPAccount otherwise.
type BatchCreator interface {
	PrepareCreate(ctx context.Context, domain string, options map[string]string) (CreateFunc, error)
}
