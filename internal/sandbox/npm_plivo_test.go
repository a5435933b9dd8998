package sandbox

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sync"
	"testing"

	"github.com/sipctl/sipctl/internal/testenv"
)

// TestOfficialPlivoNodeLibrary points Plivo's own Node library (pinned in
// test/npm, run by test/npm/sandbox_plivo.js) at the sandbox's Plivo face
// over loopback HTTP: endpoints made with the appended digits, pages of
// two, update, delete, and subaccounts.
func TestOfficialPlivoNodeLibrary(t *testing.T) {
	node := testenv.LookPath(t, "node")
	script := filepath.Join(testenv.NodeDir(), "sandbox_plivo.js")
	testenv.NodeFile(t, "plivo/package.json")

	s := openTest(t)
	var mu sync.Mutex
	var laterPages int // endpoint listings past the first page
	h := s.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o := r.URL.Query().Get("offset"); o != "" && o != "0" {
			mu.Lock()
			laterPages++
			mu.Unlock()
		}
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()

	cmd := exec.Command(node, script)
	cmd.Dir = testenv.NodeDir()
	cmd.Env = append(cmd.Environ(), "SANDBOX_PLIVO_URL="+srv.URL, "SANDBOX_PLIVO_AUTH_ID="+s.PlivoAuthID(), "SANDBOX_PLIVO_AUTH_TOKEN="+s.PlivoAuthToken())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node %s: %v\n%s", filepath.Base(script), err, stderr.String())
	}
	var out struct {
		Errors          map[string]int `json:"errors"`
		Created         []string       `json:"created"`
		Listed          []string       `json:"listed"`
		PageSizes       []int          `json:"pageSizes"`
		Alias           string         `json:"alias"`
		Subaccounts     []string       `json:"subaccounts"`
		InsideCount     int            `json:"insideCount"`
		MainCount       int            `json:"mainCount"`
		Disabled        bool           `json:"disabled"`
		SubaccountsLeft int            `json:"subaccountsLeft"`
		MadeInside      string         `json:"madeInside"`
		Remaining       int            `json:"remaining"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("script output %q: %v", stdout.String(), err)
	}
	wantErrors := map[string]int{"badUsername": 400, "shortPassword": 400, "deletedTwice": 404, "wrongToken": 401, "disabledSub": 401}
	if !reflect.DeepEqual(out.Errors, wantErrors) {
		t.Errorf("errors = %v, want %v", out.Errors, wantErrors)
	}
	if !reflect.DeepEqual(out.Listed, out.Created) || len(out.Created) != 5 {
		t.Errorf("listed %v, created %v", out.Listed, out.Created)
	}
	if want := []int{2, 2, 1}; !reflect.DeepEqual(out.PageSizes, want) || laterPages < 2 {
		t.Errorf("page sizes %v, %d later pages", out.PageSizes, laterPages)
	}
	if out.Alias != "renamed-by-npm" {
		t.Errorf("alias after update %q", out.Alias)
	}
	if !reflect.DeepEqual(out.Subaccounts, []string{"npm dental"}) || out.InsideCount != 1 || out.MainCount != 4 || !out.Disabled || out.SubaccountsLeft != 0 {
		t.Errorf("subaccounts %+v", out)
	}
	if !regexp.MustCompile(`^npmacme[0-9]{12}$`).MatchString(out.MadeInside) {
		t.Errorf("made inside the subaccount %q", out.MadeInside)
	}
	var n int
	s.db.QueryRow("SELECT COUNT(*) FROM plivo_endpoints").Scan(&n)
	if out.Remaining != 0 || n != 0 {
		t.Errorf("remaining %d, %d rows left (the cascade takes the subaccount's)", out.Remaining, n)
	}
}
