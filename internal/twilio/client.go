// Package twilio is a typed client for Twilio's REST API (2010-04-01): HTTP
// Basic auth, form-encoded requests, JSON responses decoded into typed
// structs, pagination as iterators, typed errors, and bounded retries.
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
	"time"

	"github.com/sipctl/sipctl/internal/httpapi"
	"github.com/sipctl/sipctl/internal/httpsafe"
	"github.com/sipctl/sipctl/internal/provider"
)

// DefaultBaseURL is Twilio's API host.
const DefaultBaseURL = "https://api.twilio.com"

// APIVersion prefixes every path of the 2010 API.
const APIVersion = "/2010-04-01"

// Options configures a Client.
type Options struct {
	// BaseURL is the API host (scheme and host, optionally a path prefix).
	// Plain http is accepted only for loopback hosts.
	BaseURL string
	// AccountSID is the account requests act on (the {AccountSid} in paths).
	AccountSID string
	// Username is the Account SID or an API Key SID (SK...).
	Username string
	// Secret is the Auth Token or API Key Secret.
	Secret string
	// HTTPClient carries requests; its Transport may be the in-process sandbox.
	HTTPClient *http.Client
	// UserAgent identifies sipctl and its version.
	UserAgent string
	// Debug, when set, receives a redacted log of each request and response.
	Debug io.Writer
	// MaxConcurrency bounds requests in flight through this client (and its
	// WithAccount copies). Default 100, Twilio's default account limit.
	MaxConcurrency int
	// MaxRetries bounds retries of a request after 429 or 5xx. Default 4;
	// negative disables retries.
	MaxRetries int
	// ProviderName is what Name reports: "twilio" or "sandbox".
	ProviderName string
	// MaxRetryTime bounds, with MaxRetries, how long a request keeps being
	// retried: no retry starts later than this after the first attempt.
	// Default DefaultMaxRetryTime. A caller's provider.RetryBudget replaces both.
	MaxRetryTime time.Duration
	// RequestTimeout bounds each attempt of a request (headers and body);
	// waits between retries are not counted. Default 30s.
	RequestTimeout time.Duration
	// OnWait, when set, is told before the client waits d to retry a request
	// the server answered with err (429 or 5xx), so a terminal can show it.
	OnWait func(d time.Duration, err error)
	// PageSize is the page lists ask for; default (and at most) MaxPageSize.
	// Conformance tests make it small to prove paging.
	PageSize int
}

// DefaultMaxRetryTime is how long a request is retried at most by default:
// room for one wait of the longest Retry-After honoured, and no more.
const DefaultMaxRetryTime = httpsafe.MaxRetryAfter

// Client talks to one Twilio account.
type Client struct {
	base       *url.URL
	accountSID string
	username   string
	secret     string
	http       *http.Client
	userAgent  string
	debug      *debugLog
	sem        chan struct{}
	maxRetries int
	retryTime  time.Duration
	name       string
	timeout    time.Duration
	onWait     func(time.Duration, error)
	pageSize   int
	// sleep waits between retries; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error
	// domains remembers the domains this process has read or written, by
	// account and name, so naming a domain again costs no request;
	// attached, the credential lists attached to each domain (by SID), so
	// a bulk create after a listing starts without reading them again.
	domains  *memo[provider.Domain]
	attached *memo[[]AttachedList]
}

// New validates the options and returns a client.
func New(o Options) (*Client, error) {
	if o.BaseURL == "" {
		o.BaseURL = DefaultBaseURL
	}
	base, err := ParseBaseURL(o.BaseURL)
	if err != nil {
		return nil, err
	}
	if !ValidAccountSID(o.AccountSID) {
		return nil, fmt.Errorf("invalid account SID %q: expected AC followed by 32 hex digits", o.AccountSID)
	}
	if o.Username == "" {
		o.Username = o.AccountSID
	}
	if !ValidAccountSID(o.Username) && !IsSID(PrefixAPIKey, o.Username) {
		return nil, fmt.Errorf("invalid API username %q: expected an Account SID (AC…) or API Key SID (SK…)", o.Username)
	}
	if o.Secret == "" {
		return nil, errors.New("no API secret (auth token or API key secret) was given")
	}
	// Every request, page link and redirect stays on the configured origin.
	o.HTTPClient = httpsafe.Client(o.HTTPClient, httpsafe.OriginOf(base))
	if o.MaxConcurrency <= 0 {
		o.MaxConcurrency = 100
	}
	if o.MaxRetries == 0 {
		o.MaxRetries = 4
	} else if o.MaxRetries < 0 {
		o.MaxRetries = 0
	}
	if o.MaxRetryTime <= 0 {
		o.MaxRetryTime = DefaultMaxRetryTime
	}
	if o.ProviderName == "" {
		o.ProviderName = "twilio"
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = 30 * time.Second
	}
	if o.UserAgent == "" {
		o.UserAgent = "sipctl"
	}
	c := &Client{
		domains:    &memo[provider.Domain]{},
		attached:   &memo[[]AttachedList]{},
		base:       base,
		accountSID: o.AccountSID,
		username:   o.Username,
		secret:     o.Secret,
		http:       o.HTTPClient,
		userAgent:  o.UserAgent,
		sem:        make(chan struct{}, o.MaxConcurrency),
		maxRetries: o.MaxRetries,
		retryTime:  o.MaxRetryTime,
		name:       o.ProviderName,
		timeout:    o.RequestTimeout,
		onWait:     o.OnWait,
		pageSize:   o.PageSize,
		sleep:      sleepCtx,
	}
	if o.Debug != nil {
		c.debug = &debugLog{httpapi.NewDebugLog(o.Debug, o.Secret)}
	}
	return c, nil
}

// ParseBaseURL checks an API base URL: https anywhere, http only on loopback.
func ParseBaseURL(raw string) (*url.URL, error) { return httpapi.ParseBaseURL(raw) }

// Name is the provider's name as profiles spell it.
func (c *Client) Name() string { return c.name }

// AccountSID is the account this client acts on.
func (c *Client) AccountSID() string { return c.accountSID }

// ForAccount returns a copy acting on another account (a subaccount) with the
// same credentials, HTTP client and concurrency limit.
func (c *Client) ForAccount(sid string) *Client {
	cp := *c
	cp.accountSID = sid
	return &cp
}

// AccountPath is the path of elem under the client's account, e.g.
// AccountPath("SIP/Domains.json").
func (c *Client) AccountPath(elem string) string {
	return APIVersion + "/Accounts/" + url.PathEscape(c.accountSID) + "/" + strings.TrimLeft(elem, "/")
}

// Request is one API call.
type Request struct {
	Method string
	// Path is absolute from the API host, e.g. /2010-04-01/Accounts/AC…/SIP/Domains.json;
	// it may carry a query string (as next_page_uri does).
	Path string
	// Form is the query for GET and DELETE, and the form body for POST.
	Form url.Values
	// Idempotent marks a POST safe to repeat after a 5xx (for example setting
	// a password to a value already decided). GET and DELETE always are.
	Idempotent bool
}

// Do performs one call and decodes a JSON answer into out (when non-nil).
func (c *Client) Do(ctx context.Context, method, path string, form url.Values, out any) error {
	return c.DoRequest(ctx, Request{Method: method, Path: path, Form: form}, out)
}

// DoRequest performs r with retries and decodes a JSON answer into out.
// Retries draw on the context's provider.RetryBudget when the caller put
// one there (one budget per write), else on one of MaxRetries within
// MaxRetryTime for this request; none starts after ctx ends.
func (c *Client) DoRequest(ctx context.Context, r Request, out any) error {
	// The account may come from a listing (a subaccount): one that is not
	// an Account SID never reaches a request path.
	if !ValidAccountSID(c.accountSID) {
		return &InvalidIDError{What: "account", ID: c.accountSID}
	}
	safe := r.Idempotent || r.Method == http.MethodGet || r.Method == http.MethodDelete || r.Method == http.MethodHead
	budget := provider.RetryBudgetOr(ctx, c.maxRetries, c.retryTime)
	for attempt := 0; ; attempt++ {
		a, err := c.attempt(ctx, r)
		if err != nil {
			return err
		}
		if a.status < 300 {
			defer a.release()
			if out != nil && len(a.body) > 0 {
				if err := json.Unmarshal(a.body, out); err != nil {
					return fmt.Errorf("decoding %s %s response: %w", r.Method, pathOnly(r.Path), err)
				}
			}
			return nil
		}
		apiErr := decodeError(a.status, a.body, r)
		a.release()
		if a.status == http.StatusTooManyRequests {
			provider.ObserveThrottle(ctx)
		}
		// 429 means the request was not processed, so any method may repeat it.
		retryable := a.status == http.StatusTooManyRequests || (a.status >= 500 && safe)
		if !retryable {
			return apiErr
		}
		wait := backoff(attempt)
		if d, ok := httpsafe.RetryAfter(a.header, time.Now()); ok {
			if d > httpsafe.MaxRetryAfter {
				return &httpsafe.RetryAfterError{Wait: d, Err: apiErr}
			}
			wait = d
		}
		if !budget.Spend(wait) {
			return apiErr
		}
		if c.onWait != nil {
			c.onWait(wait, apiErr)
		}
		if err := c.sleep(ctx, wait); err != nil {
			return apiErr
		}
	}
}

// answer is one attempt's answer; release frees its body's share of the
// run's answer buffer (httpapi.ReadAnswer).
type answer struct {
	body    []byte
	release func()
	status  int
	header  http.Header
}

// attempt is one try, bounded by the request timeout unless the caller's
// deadline is sooner.
func (c *Client) attempt(ctx context.Context, r Request) (answer, error) {
	if err := ctx.Err(); err != nil {
		return answer{}, &UnreachableError{Host: c.base.Host, Err: err}
	}
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return answer{}, &UnreachableError{Host: c.base.Host, Err: ctx.Err()}
	}
	defer func() { <-c.sem }()
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	a, err := c.once(actx, r)
	if err != nil && ctx.Err() == nil && errors.Is(actx.Err(), context.DeadlineExceeded) {
		// This attempt's own time ran out: the host said nothing in time.
		if u, ok := err.(*UnreachableError); ok {
			u.Timeout = c.timeout
		} else if !httpapi.IsTooLarge(err) {
			err = &UnreachableError{Host: c.base.Host, Err: err, Timeout: c.timeout, Written: true}
		}
	}
	return a, err
}

func (c *Client) once(ctx context.Context, r Request) (answer, error) {
	u, err := httpsafe.ResolveLink(c.base, r.Path, "request")
	if err != nil {
		return answer{}, err
	}
	var body io.Reader
	var encoded string
	if len(r.Form) > 0 {
		encoded = r.Form.Encode()
		if r.Method == http.MethodPost || r.Method == http.MethodPut {
			body = strings.NewReader(encoded)
		} else {
			q := u.Query()
			for k, vs := range r.Form {
				for _, v := range vs {
					q.Add(k, v)
				}
			}
			u.RawQuery = q.Encode()
		}
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, u.String(), body)
	if err != nil {
		return answer{}, err
	}
	req.SetBasicAuth(c.username, c.secret)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	c.debug.request(req, body != nil, r.Form)

	start := time.Now()
	// Send tells a failure before the request was written (nothing
	// applied) from one after (maybe applied); a deadline is no answer too.
	resp, err := httpapi.Send(c.http, req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	data, release, err := httpapi.ReadAnswer(ctx, resp.Body, r.Method, r.Path)
	if err != nil {
		return answer{}, httpapi.BodyError(u.Host, err)
	}
	c.debug.response(resp, data, time.Since(start))
	return answer{body: data, release: release, status: resp.StatusCode, header: resp.Header}, nil
}

// backoff is exponential with full jitter, capped; a Retry-After wins.
func backoff(attempt int) time.Duration {
	return httpapi.Backoff(attempt, "")
}

func sleepCtx(ctx context.Context, d time.Duration) error { return httpapi.Sleep(ctx, d) }

func pathOnly(p string) string {
	p, _, _ = strings.Cut(p, "?")
	return p
}
