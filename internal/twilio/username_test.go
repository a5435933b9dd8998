package twilio

import (
	"strings"
	"testing"
)

// Twilio's rule is RFC 3261's user characters (provider.CheckSIPUser) and
// Twilio's documented 32-character limit, without ';' and '%' escapes.
func TestValidateUsername(t *testing.T) {
	for _, tc := range []struct {
		user string
		rule string
	}{
		{"alice", ""},
		{"101", ""},
		{strings.Repeat("a", 32), ""},
		{"x!y~z*'()&=+$,", ""},
		{strings.Repeat("a", 33), "Twilio allows at most 32"},
		{"a;b", "Twilio compares SIP usernames literally"},
		{"a%40b", "Twilio compares SIP usernames literally"},
		{"a<b>", "RFC 3261"},
		{`a"b`, "RFC 3261"},
		{"a/b#c?", "RFC 3261"},
		{"\U0001F600", "not ASCII"},
		{"j\u00fcrgen", "not ASCII"},
		{"a b", "whitespace"},
		{"a@b", "USER@DOMAIN"},
		{"", "empty"},
	} {
		err := ValidateUsername(tc.user)
		if tc.rule == "" && err != nil {
			t.Errorf("ValidateUsername(%q): %v", tc.user, err)
		}
		if tc.rule != "" && (err == nil || !strings.Contains(err.Error(), tc.rule)) {
			t.Errorf("ValidateUsername(%q) = %v, want an error naming %q", tc.user, err, tc.rule)
		}
	}
	c := &Client{}
	if c.ValidateUsername("a<b>") == nil {
		t.Error("(*Client).ValidateUsername is not the same rule")
	}
}
