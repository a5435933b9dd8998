package rotate

import (
	"testing"

	"github.com/sipctl/sipctl/internal/journal"
)

// A handover row names the username the provider made (Plivo's digits)
// when the journal has one, and the one asked for otherwise.
func TestRecordOfUsesTheMadeUsername(t *testing.T) {
	e := journal.Entry{Username: "frontdesk", Made: "frontdesk131031145958", Domain: "phone.plivo.com", Ref: "37371860103666", Password: "x"}
	if r := RecordOf(e); r.Username != "frontdesk131031145958" || r.SID != "37371860103666" {
		t.Errorf("RecordOf = %+v", r)
	}
	e.Made = ""
	if r := RecordOf(e); r.Username != "frontdesk" {
		t.Errorf("RecordOf without a made username = %+v", r)
	}
}
