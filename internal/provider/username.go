package provider

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// UserCharacters describes the characters CheckSIPUser allows, for messages.
const UserCharacters = `letters, digits and - _ . ! ~ * ' ( ) & = + $ , ; or %XX escapes`

// CheckSIPUser checks a username against RFC 3261's "user" rule, which every
// provider's ValidateUsername applies before its own limits:
//
//	user            = 1*( unreserved / escaped / user-unreserved )
//	unreserved      = alphanum / "-" / "_" / "." / "!" / "~" / "*" / "'" / "(" / ")"
//	user-unreserved = "&" / "=" / "+" / "$" / "," / ";" / "?" / "/"
//	escaped         = "%" HEXDIG HEXDIG
//
// "?" and "/" are left out: phones and registrars split URIs on them. So are
// whitespace, control characters and anything outside ASCII (a provider that
// documents more checks those itself). The error names the first offending
// character and the rule.
func CheckSIPUser(u string) error {
	if u == "" {
		return fmt.Errorf("empty username")
	}
	if strings.Contains(u, "@") {
		return fmt.Errorf("username %q contains '@': write the account as USER@DOMAIN, or give --domain with the bare username (RFC 3261 user characters: %s)", u, UserCharacters)
	}
	for i := 0; i < len(u); {
		r, size := utf8.DecodeRuneInString(u[i:])
		switch {
		case r == '%':
			if i+2 >= len(u) || !isHex(u[i+1]) || !isHex(u[i+2]) {
				return fmt.Errorf("username %q: '%%' must start an escape such as %%40 (RFC 3261 user characters: %s)", u, UserCharacters)
			}
			i += 3
			continue
		case r == utf8.RuneError && size == 1:
			return fmt.Errorf("username %q is not valid UTF-8 (RFC 3261 user characters: %s)", u, UserCharacters)
		case r <= ' ' || r == 0x7f:
			return fmt.Errorf("username %q contains whitespace or a control character (RFC 3261 user characters: %s)", u, UserCharacters)
		case r > 0x7f:
			return fmt.Errorf("username %q: %q is not ASCII (RFC 3261 user characters: %s)", u, r, UserCharacters)
		case !isUserChar(byte(r)):
			return fmt.Errorf("username %q: %q is not allowed (RFC 3261 user characters: %s)", u, r, UserCharacters)
		}
		i += size
	}
	return nil
}

func isUserChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-_.!~*'()&=+$,;", c) >= 0
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
