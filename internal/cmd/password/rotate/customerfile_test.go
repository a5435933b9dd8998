package rotate

import (
	"path/filepath"
	"testing"

	"github.com/sipctl/sipctl/internal/rotate"
)

// Every per-customer file is a direct child of --output-dir, whatever SID
// and name a listing brings.
func TestCustomerFileStaysInOutputDir(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []rotate.Customer{
		{SID: "AC/../../../x", Name: "Evil"},
		{SID: "..", Name: "Dots"},
		{SID: "", Name: "Empty"},
		{SID: "AC\\..\\x", Name: "Back"},
	} {
		if p, err := customerFile(dir, c, "csv"); err == nil {
			t.Errorf("SID %q: accepted as %s", c.SID, p)
		}
	}
	p, err := customerFile(dir, rotate.Customer{SID: "ACdeadbeefdeadbeefdeadbeefdeadbeef", Name: "../../Acme Dental/.."}, "json")
	if err != nil || filepath.Dir(p) != dir {
		t.Fatalf("%s, %v", p, err)
	}
}
