package output

import (
	"bytes"
	"testing"
)

// A declared field that the value leaves out as empty (omitempty) prints as
// null instead of failing after the work is done; an undeclared one is
// refused by CheckFields, naming the declared ones.
func TestDeclaredEmptyFieldIsNull(t *testing.T) {
	type rec struct {
		User     string `json:"username"`
		Verified string `json:"verified,omitempty"`
	}
	e := &Exporter{Known: FieldsOf(rec{})}
	if err := e.Prepare("username,verified", true); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := e.Write(&buf, []rec{{User: "alice"}}); err != nil {
		t.Fatal(err)
	}
	if want := "[\n  {\n    \"username\": \"alice\",\n    \"verified\": null\n  }\n]\n"; buf.String() != want {
		t.Errorf("got %q, want %q", buf.String(), want)
	}
	if err := e.CheckFields([]string{"username"}); err == nil || err.Error() != `unknown JSON field "verified"; available fields: username` {
		t.Errorf("CheckFields: %v", err)
	}
	bad := &Exporter{Known: FieldsOf(rec{})}
	if err := bad.Prepare("bogus", true); err == nil || err.Error() != `unknown JSON field "bogus"; available fields: username, verified` {
		t.Errorf("Prepare: %v", err)
	}
}
