package provider

import "context"

// PasswordChange is one account's new password in a batch.
type PasswordChange struct {
	Account  SIPAccount
	Password string
}

// PasswordBatch is the optional capability of setting many passwords at
// once, all or nothing (Kamailio: one database transaction). A rotation
// engine that has journaled a batch's passwords can hand it over whole;
// providers without it are called once per account with SetSIPPassword.
type PasswordBatch interface {
	// SetSIPPasswords applies every change or none. An account that does
	// not exist fails the batch with an error matching ErrNotFound.
	SetSIPPasswords(ctx context.Context, changes []PasswordChange) error
}

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
