package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/sipctl/sipctl/internal/twilio"
)

// ErrRefused means the provider answered and rejected the credentials.
var ErrRefused = errors.New("provider refused the credentials")

// Account is what a verification call reached.
type Account struct {
	SID          string `json:"sid"`
	FriendlyName string `json:"friendly_name"`
	Status       string `json:"status"`
	// The API also returns the account's auth_token; there is deliberately no
	// field for it, so it is never held, printed or logged.
}

// VerifyOptions tunes Verify; the zero value talks to Twilio.
type VerifyOptions struct {
	APIURL     string
	UserAgent  string
	HTTPClient *http.Client
}

// Verify fetches the account (GET /2010-04-01/Accounts/{sid}.json) with c:
// one call that proves the credentials work and names the account. A 401 is
// ErrRefused (wrapping the API error); other failures come back as they are.
func Verify(ctx context.Context, c Credentials, o VerifyOptions) (Account, error) {
	client, err := twilio.New(twilio.Options{
		BaseURL:    o.APIURL,
		AccountSID: c.AccountSID,
		Username:   c.Username,
		Secret:     c.Secret,
		HTTPClient: o.HTTPClient,
		UserAgent:  o.UserAgent,
		// A wrong secret is the common failure; retrying it helps nobody.
		MaxRetries: -1,
	})
	if err != nil {
		return Account{}, err
	}
	var a Account
	err = client.Do(ctx, http.MethodGet, twilio.APIVersion+"/Accounts/"+url.PathEscape(c.AccountSID)+".json", nil, &a)
	var apiErr *twilio.APIError
	if errors.As(err, &apiErr) && apiErr.Unauthorized() {
		return Account{}, fmt.Errorf("%w: %w", ErrRefused, apiErr)
	}
	if err != nil {
		return Account{}, err
	}
	// Any 200 is not proof: a proxy, a captive portal or a stub server can
	// answer one. Working means the account asked for came back.
	if a.SID != c.AccountSID {
		got := a.SID
		if got == "" {
			got = "none"
		}
		return Account{}, fmt.Errorf("%w: the API answered, but not with account %s (account SID in the answer: %s); check the API URL", ErrUnexpectedAnswer, c.AccountSID, got)
	}
	return a, nil
}

// ErrUnexpectedAnswer means the API answered 2xx without the account asked for.
var ErrUnexpectedAnswer = errors.New("unexpected answer from the API")
