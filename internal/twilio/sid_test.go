package twilio

import "testing"

func TestIsSID(t *testing.T) {
	hex := "0123456789abcdefABCDEF0123456789"
	cases := []struct {
		prefix, s string
		want      bool
	}{
		{"SD", "SD" + hex, true},
		{"", "CL" + hex, true},
		{"SD", "CL" + hex, false},
		{"SD", "SD" + hex[:31], false},
		{"SD", "SD" + hex + "0", false},
		{"SD", "SD" + hex[:31] + "g", false},
		{"", "sd" + hex, false},
		{"", "", false},
	}
	for _, c := range cases {
		if got := IsSID(c.prefix, c.s); got != c.want {
			t.Errorf("IsSID(%q, %q) = %v", c.prefix, c.s, got)
		}
	}
}
