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
