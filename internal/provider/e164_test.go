package provider

import "testing"

func TestIsE164(t *testing.T) {
	for s, want := range map[string]bool{
		"+14155550100": true, "+442071838750": true, "+12": true, "+123456789012345": true,
		"+1234567890123456": false, "14155550100": false, "+04155550100": false, "+1 415 555 0100": false,
		"+1415555010a": false, "+1": false, "": false, "+": false,
	} {
		if got := IsE164(s); got != want {
			t.Errorf("IsE164(%q) = %v, want %v", s, got, want)
		}
	}
}
