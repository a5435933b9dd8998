package twilio

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
