package provider

import (
	"strings"
	"testing"
)

func TestCheckSIPUser(t *testing.T) {
	for _, tc := range []struct {
		user string
		rule string // "" when valid
	}{
		{"alice", ""},
		{"101", ""},
		{"Alice.Smith-2_x", ""},
		{"x!y~z*'()", ""},
		{"a&b=c+d$e,f;g", ""},
		{"a%40b", ""},
		{"a%2Fb", ""},
		{"", "empty"},
		{"a b", "whitespace"},
		{"a\tb", "whitespace"},
		{"a\nb", "whitespace"},
		{"a\x00b", "control"},
		{"a\x7fb", "control"},
		{"a<b>", `'<' is not allowed`},
		{`a"b`, `'"' is not allowed`},
		{"a/b", `'/' is not allowed`},
		{"a#b", `'#' is not allowed`},
		{"a?b", `'?' is not allowed`},
		{"a:b", `':' is not allowed`},
		{"a[b]", `'[' is not allowed`},
		{"a\\b", `is not allowed`},
		{"a@b", "USER@DOMAIN"},
		{"a%zz", "escape"},
		{"a%4", "escape"},
		{"j\u00fcrgen", "not ASCII"},
		{"\U0001F600", "not ASCII"},
		{"a\xffb", "UTF-8"},
	} {
		err := CheckSIPUser(tc.user)
		switch {
		case tc.rule == "" && err != nil:
			t.Errorf("CheckSIPUser(%q): %v", tc.user, err)
		case tc.rule != "" && (err == nil || !strings.Contains(err.Error(), tc.rule)):
			t.Errorf("CheckSIPUser(%q) = %v, want an error naming %q", tc.user, err, tc.rule)
		case err != nil && tc.user != "" && !strings.Contains(err.Error(), "RFC 3261"):
			t.Errorf("CheckSIPUser(%q) = %v: the error should name RFC 3261", tc.user, err)
		}
	}
}
