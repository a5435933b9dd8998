package twilio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/provider"
)

const (
	subSID      = "AC11111111111111111111111111111111"
	callerIDSID = "PN0123456789abcdef0123456789abcdef"
	callSID     = "CA0123456789abcdef0123456789abcdef"
)

// accountCase is like sipCase, with the full path: account resources live
// outside /Accounts/{AccountSid}/.
type accountCase struct {
	name     string
	method   string
	path     string // from the API host
	form     url.Values
	status   int
	response string
	call     func(context.Context, *Client) (any, error)
	want     any
}

func accountCases() []accountCase {
	acct := func(sid, owner, name, status string) string {
		return `{"sid":"` + sid + `","owner_account_sid":"` + owner + `","friendly_name":"` + name + `","status":"` + status +
			`","type":"Full","auth_token":"tok-secret-of-` + name + `","date_created":"` + sipDate + `","date_updated":"` + sipDate + `"}`
	}
	sub := provider.Account{SID: subSID, FriendlyName: "acme", Status: "active", Type: "Full", OwnerAccountSID: testSID, DateCreated: sipCreated, DateUpdated: sipCreated}
	suspended := sub
	suspended.Status = "suspended"
	callerJSON := `{"sid":"` + callerIDSID + `","account_sid":"` + testSID + `","phone_number":"+14158675310","friendly_name":"front desk","date_created":"` + sipDate + `","date_updated":"` + sipDate + `"}`
	caller := provider.CallerID{SID: callerIDSID, AccountSID: testSID, PhoneNumber: "+14158675310", FriendlyName: "front desk", DateCreated: sipCreated, DateUpdated: sipCreated}
	acctPath := "/2010-04-01/Accounts/" + testSID + "/"
	return []accountCase{
		{name: "GetAccount", method: "GET", path: "/2010-04-01/Accounts/" + subSID + ".json", response: acct(subSID, testSID, "acme", "active"), want: sub,
			call: func(ctx context.Context, c *Client) (any, error) { return c.GetAccount(ctx, subSID) }},
		{name: "ListSubaccounts leaves out the parent", method: "GET", path: "/2010-04-01/Accounts.json", form: url.Values{"PageSize": {"1000"}},
			response: `{"accounts":[` + acct(testSID, testSID, "parent", "active") + `,` + acct(subSID, testSID, "acme", "active") + `],"next_page_uri":null}`,
			want:     []provider.Account{sub},
			call:     func(ctx context.Context, c *Client) (any, error) { return collectSeq(c.ListSubaccounts(ctx)) }},
		{name: "CreateSubaccount", method: "POST", path: "/2010-04-01/Accounts.json", status: 201, form: url.Values{"FriendlyName": {"acme"}},
			response: acct(subSID, testSID, "acme", "active"), want: sub,
			call: func(ctx context.Context, c *Client) (any, error) { return c.CreateSubaccount(ctx, "acme") }},
		{name: "SetAccountStatus suspended", method: "POST", path: "/2010-04-01/Accounts/" + subSID + ".json", form: url.Values{"Status": {"suspended"}},
			response: acct(subSID, testSID, "acme", "suspended"), want: suspended,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.SetAccountStatus(ctx, subSID, StatusSuspended)
			}},
		{name: "SetAccountStatus closed", method: "POST", path: "/2010-04-01/Accounts/" + subSID + ".json", form: url.Values{"Status": {"closed"}},
			response: acct(subSID, testSID, "acme", "closed"),
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.SetAccountStatus(ctx, subSID, StatusClosed)
			}},

		{name: "ListCallerIDs", method: "GET", path: acctPath + "OutgoingCallerIds.json", form: url.Values{"PageSize": {"1000"}},
			response: `{"outgoing_caller_ids":[` + callerJSON + `],"next_page_uri":null}`, want: []provider.CallerID{caller},
			call: func(ctx context.Context, c *Client) (any, error) { return collectSeq(c.ListCallerIDs(ctx)) }},
		{name: "AddCallerID", method: "POST", path: acctPath + "OutgoingCallerIds.json", status: 200,
			form:     url.Values{"PhoneNumber": {"+14158675310"}, "FriendlyName": {"front desk"}},
			response: `{"account_sid":"` + testSID + `","call_sid":"` + callSID + `","friendly_name":"front desk","phone_number":"+14158675310","validation_code":"012345"}`,
			want:     provider.ValidationRequest{AccountSID: testSID, CallSID: callSID, FriendlyName: "front desk", PhoneNumber: "+14158675310", ValidationCode: "012345"},
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.AddCallerID(ctx, "+14158675310", "front desk")
			}},
		{name: "AddCallerID with a numeric code and no name", method: "POST", path: acctPath + "OutgoingCallerIds.json",
			form:     url.Values{"PhoneNumber": {"+14158675310"}},
			response: `{"account_sid":"` + testSID + `","call_sid":"` + callSID + `","friendly_name":null,"phone_number":"+14158675310","validation_code":987654}`,
			want:     provider.ValidationRequest{AccountSID: testSID, CallSID: callSID, PhoneNumber: "+14158675310", ValidationCode: "987654"},
			call:     func(ctx context.Context, c *Client) (any, error) { return c.AddCallerID(ctx, "+14158675310", "") }},
		{name: "RenameCallerID", method: "POST", path: acctPath + "OutgoingCallerIds/" + callerIDSID + ".json", form: url.Values{"FriendlyName": {"front desk"}},
			response: callerJSON, want: caller,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.RenameCallerID(ctx, callerIDSID, "front desk")
			}},
		{name: "RemoveCallerID", method: "DELETE", path: acctPath + "OutgoingCallerIds/" + callerIDSID + ".json", status: 204,
			call: func(ctx context.Context, c *Client) (any, error) { return nil, c.RemoveCallerID(ctx, callerIDSID) }},
	}
}

// accountConformanceOps are accountCases as rows of the Prism harness.
func accountConformanceOps() []conformanceOp {
	var ops []conformanceOp
	for _, tc := range accountCases() {
		ops = append(ops, conformanceOp{name: tc.name, call: func(ctx context.Context, c *Client) error {
			_, err := tc.call(ctx, c)
			return err
		}})
	}
	return ops
}

func TestAccountRequestsAndDecoding(t *testing.T) {
	for _, tc := range accountCases() {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls++
				checkAuth(t, r)
				if r.Method != tc.method || r.URL.Path != tc.path {
					t.Errorf("request = %s %s, want %s %s", r.Method, r.URL.Path, tc.method, tc.path)
				}
				var got url.Values
				if r.Method == "POST" {
					if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
						t.Errorf("Content-Type = %q", ct)
					}
					body, _ := io.ReadAll(r.Body)
					got, _ = url.ParseQuery(string(body))
				} else {
					got = r.URL.Query()
				}
				if fmt.Sprint(got) != fmt.Sprint(tc.form) && !(len(got) == 0 && len(tc.form) == 0) {
					t.Errorf("form = %v, want %v", got, tc.form)
				}
				status := tc.status
				if status == 0 {
					status = 200
				}
				w.WriteHeader(status)
				io.WriteString(w, tc.response)
			}), nil)
			got, err := tc.call(context.Background(), c)
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			if calls != 1 {
				t.Errorf("requests = %d, want 1", calls)
			}
			g, _ := json.Marshal(got)
			if strings.Contains(string(g), "tok-secret") {
				t.Errorf("result holds an account's auth token: %s", g)
			}
			if tc.want != nil {
				w, _ := json.Marshal(tc.want)
				if string(g) != string(w) {
					t.Errorf("result\n got %s\nwant %s", g, w)
				}
			}
		})
	}
}

func TestListSubaccountsFollowsPages(t *testing.T) {
	var uris []string
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		uris = append(uris, r.URL.RequestURI())
		checkAuth(t, r)
		page := r.URL.Query().Get("Page")
		if page == "" {
			page = "0"
		}
		next := "null"
		if page != "2" {
			next = `"/2010-04-01/Accounts.json?PageSize=1000&Page=` + map[string]string{"0": "1", "1": "2"}[page] + `"`
		}
		fmt.Fprintf(w, `{"accounts":[{"sid":"AC%032s","owner_account_sid":"%s","friendly_name":"s%s"}],"next_page_uri":%s}`, page, testSID, page, next)
	}), nil)
	var names []string
	for a, err := range c.ListSubaccounts(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, a.FriendlyName)
	}
	if strings.Join(names, ",") != "s0,s1,s2" || len(uris) != 3 || uris[0] != "/2010-04-01/Accounts.json?PageSize=1000" {
		t.Errorf("names = %v, requests = %v", names, uris)
	}
}

func TestSetAccountStatusRejectsBadInputBeforeRequest(t *testing.T) {
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
	}), nil)
	if _, err := c.SetAccountStatus(context.Background(), subSID, "deleted"); err == nil || !strings.Contains(err.Error(), "unknown account status") {
		t.Errorf("bad status: %v", err)
	}
	if _, err := c.SetAccountStatus(context.Background(), "acme", StatusActive); err == nil || !strings.Contains(err.Error(), "invalid account SID") {
		t.Errorf("bad SID: %v", err)
	}
}

func TestWithAccountActsInTheSubaccountWithParentCredentials(t *testing.T) {
	var paths []string
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		checkAuth(t, r) // parent's credentials
		paths = append(paths, r.URL.Path)
		io.WriteString(w, `{"outgoing_caller_ids":[],"next_page_uri":null}`)
	}), nil)
	sub := c.WithAccount(subSID).(*Client)
	if sub.AccountSID() != subSID || c.AccountSID() != testSID || sub.Name() != "twilio" {
		t.Fatalf("AccountSID = %s (parent %s), name %s", sub.AccountSID(), c.AccountSID(), sub.Name())
	}
	if _, err := collectSeq(sub.ListCallerIDs(context.Background())); err != nil {
		t.Fatal(err)
	}
	if want := "/2010-04-01/Accounts/" + subSID + "/OutgoingCallerIds.json"; len(paths) != 1 || paths[0] != want {
		t.Errorf("paths = %v, want %s", paths, want)
	}
}

func TestAccountErrorsAreTyped(t *testing.T) {
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(404)
		io.WriteString(w, `{"code":20404,"message":"The requested resource was not found","status":404}`)
	}), nil)
	_, err := c.GetAccount(context.Background(), subSID)
	if err == nil || !strings.Contains(err.Error(), "20404") {
		t.Fatalf("err = %v", err)
	}
	if !errors.Is(err, provider.ErrNotFound) {
		t.Errorf("errors.Is(err, provider.ErrNotFound) = false for %v", err)
	}
}

func TestCallerIDAndAccountErrorsHaveHints(t *testing.T) {
	for _, code := range []int{20005, 21211, 21450} {
		if Hint(code) == "" {
			t.Errorf("no hint for Twilio error %d", code)
		}
	}
}
