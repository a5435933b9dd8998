package sipctlcmd

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestBinaryRefusesPathShapedSubaccountSIDs: a hostile API lists a
// subaccount whose SID is a path. It never reaches a request path or a file
// name: nothing is written outside --output-dir, and no request carries it.
func TestBinaryRefusesPathShapedSubaccountSIDs(t *testing.T) {
	const good = "AC22222222222222222222222222222222"
	for _, evil := range []string{"AC/../../../x", "../../../../tmp/x", "AC22222222222222222222222222222222/../x", "AC%2F..%2Fx"} {
		t.Run(evil, func(t *testing.T) {
			var mu sync.Mutex
			var paths []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				paths = append(paths, r.URL.EscapedPath())
				mu.Unlock()
				w.Header().Set("Content-Type", "application/json")
				switch {
				case r.URL.Path == "/2010-04-01/Accounts.json":
					fmt.Fprintf(w, `{"accounts":[{"sid":%q,"friendly_name":"Good","status":"active","owner_account_sid":%q},{"sid":%q,"friendly_name":"../../Evil","status":"active","owner_account_sid":%q}],"next_page_uri":null}`,
						good, e2eSID, evil, e2eSID)
				case strings.HasSuffix(r.URL.Path, "/SIP/Domains.json"):
					fmt.Fprint(w, `{"domains":[],"next_page_uri":null}`)
				case strings.HasSuffix(r.URL.Path, "/SIP/CredentialLists.json"):
					fmt.Fprint(w, `{"credential_lists":[],"next_page_uri":null}`)
				case strings.HasPrefix(r.URL.Path, "/2010-04-01/Accounts/") && strings.HasSuffix(r.URL.Path, ".json") && strings.Count(r.URL.Path, "/") == 3:
					sid := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/2010-04-01/Accounts/"), ".json")
					fmt.Fprintf(w, `{"sid":%q,"friendly_name":"Parent","status":"active"}`, sid)
				default:
					w.WriteHeader(404)
					fmt.Fprint(w, `{"code":20404,"message":"not found","status":404}`)
				}
			}))
			defer srv.Close()
			parent := t.TempDir()
			dir := filepath.Join(parent, "handovers")
			r := run(t, hostileEnv(t, srv.URL), "", "password", "rotate", "--all-subaccounts", "--output-dir", dir, "-y")
			if r.code == 0 {
				t.Fatalf("exit 0 with a path-shaped subaccount SID: %+v", r)
			}
			t.Logf("exit %d: %s", r.code, r.stderr)
			if !strings.Contains(r.stderr, "refusing") {
				t.Errorf("stderr %q, want the refusal", r.stderr)
			}
			// Nothing beside the output directory, nothing anywhere above it.
			entries, _ := os.ReadDir(parent)
			for _, e := range entries {
				if e.Name() != "handovers" {
					t.Errorf("%s written outside --output-dir", e.Name())
				}
			}
			filepath.WalkDir(filepath.Dir(parent), func(p string, d os.DirEntry, err error) error {
				if err == nil && d.Name() == "x" {
					t.Errorf("%s written", p)
				}
				return nil
			})
			mu.Lock()
			defer mu.Unlock()
			for _, p := range paths {
				if strings.Contains(p, "..") || strings.Contains(p, "/x/") || strings.Contains(strings.ToLower(p), "%2f") {
					t.Errorf("request path %s carries the hostile SID", p)
				}
			}
		})
	}
}
