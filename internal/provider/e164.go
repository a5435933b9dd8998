package provider

// IsE164 reports whether s is a phone number in E.164 form: a plus sign, a
// non-zero digit, and at most 15 digits in all.
func IsE164(s string) bool {
	if len(s) < 3 || len(s) > 16 || s[0] != '+' || s[1] < '1' || s[1] > '9' {
		return false
	}
	for i := 2; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
