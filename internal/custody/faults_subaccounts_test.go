package custody_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/handover"
	"github.com/sipctl/sipctl/internal/journal"
	"github.com/sipctl/sipctl/internal/sandbox"
	"github.com/sipctl/sipctl/internal/sip"
	"github.com/sipctl/sipctl/internal/testenv"
	"github.com/sipctl/sipctl/internal/testenv/faultproxy"
)

// customer is a subaccount the reseller test makes, with its accounts.
type customer struct {
	sid, domain string
	users       []string
}

// seedCustomers makes n subaccounts of the sandbox's account, each with a
// registrable domain and per accounts, in the store before it is served.
func seedCustomers(t *testing.T, n, per int) (func(env *testenv.Env), *[]customer) {
	var made []customer
	return func(env *testenv.Env) {
		dir := filepath.Join(env.StateHome, "sipctl")
		os.MkdirAll(dir, 0o700)
		sb, err := sandbox.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer sb.Close()
		parent, tok := sb.Account()
		h := sb.Handler()
		post := func(path string, form url.Values) string {
			req := httptest.NewRequest("POST", "/2010-04-01/"+path+".json", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth(parent, tok)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code >= 300 {
				t.Fatalf("POST %s: %d %s", path, rec.Code, rec.Body.String())
			}
			var out struct {
				SID string `json:"sid"`
			}
			json.Unmarshal(rec.Body.Bytes(), &out)
			return out.SID
		}
		for i := range n {
			c := customer{domain: fmt.Sprintf("cust%d.sip.twilio.com", i)}
			c.sid = post("Accounts", url.Values{"FriendlyName": {fmt.Sprintf("Customer %d", i)}})
			base := "Accounts/" + c.sid + "/SIP/"
			dom := post(base+"Domains", url.Values{"DomainName": {c.domain}, "SipRegistration": {"true"}})
			list := post(base+"CredentialLists", url.Values{"FriendlyName": {"phones"}})
			post(base+"Domains/"+dom+"/Auth/Registrations/CredentialListMappings", url.Values{"CredentialListSid": {list}})
			for k := range per {
				u := fmt.Sprintf("ext%d", k)
				post(base+"CredentialLists/"+list+"/Credentials", url.Values{"Username": {u}, "Password": {fmt.Sprintf("Old-Password-%d-%dx", i, k)}})
				c.users = append(c.users, u)
			}
			made = append(made, c)
		}
	}, &made
}

// TestFaultsAllSubaccounts: `password rotate --all-subaccounts` through the
// fault proxy, 20 seeds; afterwards every account of every customer
// registers with a password on record (its customer's file, or a journal).
func TestFaultsAllSubaccounts(t *testing.T) {
	seed, customers := seedCustomers(t, 3, 3)
	w := newWorld(t, serveOpts{seed: seed})
	outDir := filepath.Join(w.dir, "customers")
	invariant := func(w *world, when string) {
		w.t.Helper()
		cands := map[string][]string{}
		files, _ := filepath.Glob(filepath.Join(outDir, "*.json"))
		for _, f := range files {
			rs, err := handover.ReadHandover(f)
			if err != nil {
				w.t.Fatal(err)
			}
			for _, r := range rs {
				cands[r.Username+"@"+r.Domain] = append(cands[r.Username+"@"+r.Domain], r.Password)
			}
		}
		for _, p := range journals(w) {
			j, err := journal.Read(p)
			if err != nil {
				w.t.Fatal(err)
			}
			for _, e := range j.Entries() {
				cands[e.Username+"@"+e.Domain] = append(cands[e.Username+"@"+e.Domain], e.Password)
			}
		}
		for _, c := range *customers {
			for _, u := range c.users {
				ok := false
				for _, pw := range cands[u+"@"+c.domain] {
					res, err := sip.Check(context.Background(), sip.CheckOptions{Username: u, Password: pw, Domain: c.domain,
						Registrar: w.sip, Transport: "udp", Timeout: 5 * time.Second})
					if err == nil && res.Outcome == sip.Accepted {
						ok = true
						break
					}
				}
				if !ok {
					w.t.Errorf("%s: %s@%s registers with no password on record (%d candidates)", when, u, c.domain, len(cands[u+"@"+c.domain]))
				}
			}
		}
	}
	faultRunsIn(w, t, func(w *world, fp *faultproxy.Proxy, seed uint64) (string, int) {
		fp.Reset(seed, faultRate)
		_, errOut, code := w.run("", "password", "rotate", "--all-subaccounts", "--output-dir", outDir, "--output-format", "json", "-y")
		return errOut, code
	}, invariant)
}
