package twilio

import (
	"encoding/json"
	"fmt"

	"github.com/sipctl/sipctl/internal/output"
	"github.com/sipctl/sipctl/internal/provider"
)

// Two-letter SID prefixes of the resources sipctl works with.
const (
	PrefixAccount        = "AC"
	PrefixAPIKey         = "SK"
	PrefixDomain         = "SD"
	PrefixCredentialList = "CL"
	PrefixCredential     = "CR"
	PrefixIPACL          = "AL"
	PrefixIPAddress      = "IP"
	PrefixCallerID       = "PN"
)

// IsSID reports whether s is a Twilio SID: the given two-letter prefix (any
// two upper-case letters when prefix is "") followed by 32 hex digits.
func IsSID(prefix, s string) bool {
	if len(s) != 34 {
		return false
	}
	if prefix != "" {
		if s[:2] != prefix {
			return false
		}
	} else if !isUpper(s[0]) || !isUpper(s[1]) {
		return false
	}
	for i := 2; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }

// ValidAccountSID reports whether s looks like an Account SID.
func ValidAccountSID(s string) bool { return IsSID(PrefixAccount, s) }

// InvalidIDError is a SID from an answer (or an account to act in) that is
// not a SID: a hostile or broken API naming a subaccount "AC/../../x". It
// is refused before it reaches a request path or a file name.
type InvalidIDError struct {
	What string // "account", "domains", …: the field or listing it came in
	ID   string
}

func (e *InvalidIDError) Error() string {
	return fmt.Sprintf("refusing %s ID %q from the API: a Twilio SID is two letters and 32 hex digits (nothing was done with it)", e.What, output.Escape(e.ID))
}

// ErrorCode is Invalid.
func (e *InvalidIDError) ErrorCode() provider.Code { return provider.Invalid }

// ErrorHint says where such an ID comes from.
func (e *InvalidIDError) ErrorHint() string {
	return "the API answered with a malformed identifier; if the profile's API URL is right, the server is misbehaving"
}

// sidFields are the fields of a listed item that hold SIDs sipctl may put
// in a request path or a file name.
type sidFields struct {
	SID               string `json:"sid"`
	AccountSID        string `json:"account_sid"`
	OwnerAccountSID   string `json:"owner_account_sid"`
	DomainSID         string `json:"domain_sid"`
	CredentialListSID string `json:"credential_list_sid"`
	IPACLSID          string `json:"ip_access_control_list_sid"`
}

// checkSIDs refuses a listed item whose SID fields are not SIDs.
func checkSIDs(key string, raw []byte) error {
	var f sidFields
	if json.Unmarshal(raw, &f) != nil {
		return nil // not an object: the item's own decoding says what is wrong
	}
	for _, sid := range []string{f.SID, f.AccountSID, f.OwnerAccountSID, f.DomainSID, f.CredentialListSID, f.IPACLSID} {
		if sid != "" && !IsSID("", sid) {
			return &InvalidIDError{What: key, ID: sid}
		}
	}
	return nil
}
