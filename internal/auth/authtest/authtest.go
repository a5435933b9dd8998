// Package authtest impersonates the one Twilio call login and status make,
// fetching the account, for tests of sipctl's auth commands.
package authtest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// Server answers GET /2010-04-01/Accounts/{SID}.json for one account and
// one username/secret pair, as Twilio does: 200 with the account, or 401
// with error 20003 for other credentials. Any other request fails the test.
type Server struct {
	URL string
	// Calls counts requests, accepted or refused.
	Calls atomic.Int32
}

// NewServer starts the server; it stops when the test ends.
func NewServer(t testing.TB, accountSID, username, secret, friendlyName string) *Server {
	t.Helper()
	s := &Server{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		if r.Method != http.MethodGet || r.URL.Path != "/2010-04-01/Accounts/"+accountSID+".json" {
			t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
			w.WriteHeader(http.StatusNotFound)
			json.NewEncoder(w).Encode(map[string]any{"code": 20404, "message": "The requested resource was not found", "status": 404})
			return
		}
		u, p, ok := r.BasicAuth()
		if !ok || u != username || p != secret {
			w.WriteHeader(http.StatusUnauthorized)
			json.NewEncoder(w).Encode(map[string]any{"code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401})
			return
		}
		json.NewEncoder(w).Encode(map[string]any{
			"sid": accountSID, "friendly_name": friendlyName, "status": "active", "type": "Full",
			"owner_account_sid": accountSID, "auth_token": "a-token-sipctl-must-not-keep",
			"date_created": "Thu, 01 Jan 2015 00:00:00 +0000",
		})
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}
