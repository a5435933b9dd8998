package twilio

import (
	"testing"
	"time"
)

func TestExpiryListName(t *testing.T) {
	at := time.Date(2026, 12, 1, 11, 59, 1, 0, time.FixedZone("CET", 3600))
	name := ExpiryListName("office.sip.twilio.com", at)
	if name != "office-exp-20261201T1100Z" {
		t.Fatalf("name %q: want the time in UTC, rounded up to the minute", name)
	}
	if got := ListExpiry(name, "office.sip.twilio.com"); !got.Equal(time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC)) {
		t.Fatalf("ListExpiry(%q) = %v", name, got)
	}
	for _, tc := range []struct{ list, domain string }{
		{name, "lab.sip.twilio.com"},                     // another domain's list
		{"office-users", "office.sip.twilio.com"},        // the ordinary list
		{"office-exp-tomorrow", "office.sip.twilio.com"}, // not a time
		{"x.office-exp-20261201T1100Z", "office.sip.twilio.com"},
	} {
		if got := ListExpiry(tc.list, tc.domain); !got.IsZero() {
			t.Errorf("ListExpiry(%q, %q) = %v, want none", tc.list, tc.domain, got)
		}
	}
}
