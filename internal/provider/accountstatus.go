package provider

// AccountStatusRules is implemented by an Accounts provider that cannot
// make every status move (Telnyx cannot close a managed account through
// its API). Commands call it before any request; the error is a
// *MissingCapabilityError naming what to do instead.
type AccountStatusRules interface {
	CheckAccountStatus(status string) error
}
