package plivo

import (
	"fmt"
	"strings"

	"github.com/sipctl/sipctl/internal/provider"
)

// Plivo's documented rules (Endpoint API, "Create an endpoint"): a
// username of letters and digits, starting with a letter, 1 to 25
// characters, to which Plivo appends a 12-digit number; a password of at
// least five characters; an alias of letters, digits, '-' and '_'.
const (
	MaxRequestedUsername = 25
	AppendedDigits       = 12
	MinPassword          = 5
	// MaxPassword is sipctl's bound: Plivo documents none.
	MaxPassword = 128
)

// ValidateRequestedUsername checks a username asked for at create.
func ValidateRequestedUsername(u string) error {
	if err := checkUsername(u); err != nil {
		return err
	}
	if len(u) > MaxRequestedUsername {
		return fmt.Errorf("username %q has %d characters: Plivo takes at most %d (and appends %d digits)", u, len(u), MaxRequestedUsername, AppendedDigits)
	}
	return nil
}

// ValidateUsername checks a username as asked for or as Plivo made it
// (at most 25 characters and Plivo's 12 digits).
func ValidateUsername(u string) error {
	if err := checkUsername(u); err != nil {
		return err
	}
	if len(u) > MaxRequestedUsername+AppendedDigits {
		return fmt.Errorf("username %q has %d characters: a Plivo username is at most %d, and %d with the digits Plivo appends",
			u, len(u), MaxRequestedUsername, MaxRequestedUsername+AppendedDigits)
	}
	return nil
}

func checkUsername(u string) error {
	if err := provider.CheckSIPUser(u); err != nil {
		return err
	}
	if c := u[0]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
		return fmt.Errorf("username %q: Plivo usernames start with a letter (letters and digits only)", u)
	}
	for i := 0; i < len(u); i++ {
		if !isAlnum(u[i]) {
			return fmt.Errorf("username %q: %q is not allowed: Plivo usernames are letters and digits only, starting with a letter", u, u[i])
		}
	}
	return nil
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// ValidatePassword checks Plivo's password rule before any request; the
// rule is named, the password never shown.
func ValidatePassword(pw string) error {
	n := len([]rune(pw))
	if n < MinPassword {
		return fmt.Errorf("password rejected: it has %d characters; Plivo requires at least %d", n, MinPassword)
	}
	if n > MaxPassword {
		return fmt.Errorf("password rejected: it has %d characters; sipctl sends at most %d to Plivo", n, MaxPassword)
	}
	return nil
}

// ValidateAlias checks an endpoint alias: letters, digits, '-' and '_'.
func ValidateAlias(a string) error {
	if a == "" {
		return fmt.Errorf("empty alias: a Plivo endpoint alias is letters, digits, '-' and '_'")
	}
	if len(a) > 100 {
		return fmt.Errorf("alias %q is longer than 100 characters", a)
	}
	for i := 0; i < len(a); i++ {
		if !isAlnum(a[i]) && a[i] != '-' && a[i] != '_' {
			return fmt.Errorf("alias %q: %q is not allowed: a Plivo endpoint alias is letters, digits, '-' and '_'", a, a[i])
		}
	}
	return nil
}

// ValidateAuthID checks an Auth ID's shape: MA (a main account) or SA (a
// subaccount) and 18 capital letters and digits, as Plivo's console shows
// them (MA2025RK4E639VJFZAGV).
func ValidateAuthID(id string) error {
	if id == "" {
		return fmt.Errorf("no Plivo Auth ID was given: it is at the top of the Plivo console's home page (MA… or SA…, 20 characters)")
	}
	ok := len(id) == 20 && (strings.HasPrefix(id, "MA") || strings.HasPrefix(id, "SA"))
	for i := 2; ok && i < len(id); i++ {
		c := id[i]
		ok = c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
	}
	if !ok {
		return fmt.Errorf("%q is not a Plivo Auth ID: it is MA (or SA for a subaccount) and 18 capital letters and digits, 20 characters", id)
	}
	return nil
}

// IsSubaccountID reports whether id has a subaccount's Auth ID shape.
func IsSubaccountID(id string) bool { return ValidateAuthID(id) == nil && strings.HasPrefix(id, "SA") }
