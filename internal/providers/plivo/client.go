// Package plivo is a client for Plivo's REST API (v1) as sipctl uses it: a
// SIP account is a Plivo Endpoint (/v1/Account/{auth_id}/Endpoint/), which
// registers at phone.plivo.com; subaccounts are the reseller capability.
// Requests carry HTTP Basic auth (the Auth ID and Auth Token), JSON bodies,
// and are paced under Plivo's documented rate limit (300 requests per 5
// seconds); listings follow limit/offset pages.
package plivo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/sipctl/sipctl/internal/httpapi"
	"github.com/sipctl/sipctl/internal/httpsafe"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/redact"
)

// DefaultBaseURL is Plivo's API origin; paths begin with /v1/Account/.
const DefaultBaseURL = "https://api.plivo.com"

// The environment variables Plivo's own SDKs read.
const (
	EnvAuthID    = "PLIVO_AUTH_ID"
	EnvAuthToken = "PLIVO_AUTH_TOKEN"
)

// RateLimit is Plivo's documented API rate limit: 300 requests per 5
// seconds per account, for call and non-call APIs alike.
const (
	RateLimitRequests = 300
	RateLimitWindow   = 5 * time.Second
)

// Options configures a Client.
type Options struct {
	// BaseURL is the API origin (no path). Plain http is accepted only for
	// loopback hosts (the sandbox).
	BaseURL string
	// AuthID is the account's Auth ID (MA… or SA…), AuthToken its Auth
	// Token; never print the token.
	AuthID, AuthToken string
	// HTTPClient carries requests; its Transport may be the in-process sandbox.
	HTTPClient *http.Client
	UserAgent  string
	// Debug, when set, receives a redacted log of each request and response.
	Debug io.Writer
	// MaxConcurrency bounds requests in flight. Default 20.
	MaxConcurrency int
	// MaxRetries bounds retries after 429 or a 5xx. Default 4; negative
	// disables retries.
	MaxRetries int
	// MaxRetryTime bounds, with MaxRetries, how long a request keeps being
	// retried. Default httpsafe.MaxRetryAfter. A caller's
	// provider.RetryBudget replaces both.
	MaxRetryTime time.Duration
	// RequestTimeout applies when the caller's context has no deadline.
	// Default 30s.
	RequestTimeout time.Duration
	// RatePerSecond paces requests (with a burst of one second's worth);
	// default Plivo's documented limit, RateLimitRequests per
	// RateLimitWindow. Negative: no pacing.
	RatePerSecond float64
	// ProviderName is what Name reports: "plivo".
	ProviderName string
	// PageSize is the limit listings ask for; default (and at most) MaxPageSize.
	PageSize int
	// OnWait is told before a wait to retry (429, a failing server).
	OnWait func(time.Duration, error)
}

// Client talks to one Plivo account (the main account or a subaccount).
type Client struct {
	base       *url.URL
	authID     string
	token      string
	http       *http.Client
	userAgent  string
	debug      *httpapi.DebugLog
	sem        chan struct{}
	maxRetries int
	retryTime  time.Duration
	timeout    time.Duration
	name       string
	pageSize   int
	pace       *pacer
	onWait     func(time.Duration, error)
	// parent is the main account's client when this one acts inside a
	// subaccount whose token it fetches (sub.token).
	parent *Client
	sub    *subToken
	sleep  func(ctx context.Context, d time.Duration) error
}

type subToken struct {
	sync.Mutex
	token string
}

// New validates the options and returns a client.
func New(o Options) (*Client, error) {
	if o.BaseURL == "" {
		o.BaseURL = DefaultBaseURL
	}
	base, err := httpapi.ParseBaseURL(o.BaseURL)
	if err != nil {
		return nil, err
	}
	if err := ValidateAuthID(o.AuthID); err != nil {
		return nil, err
	}
	if strings.TrimSpace(o.AuthToken) == "" {
		return nil, errors.New("no Plivo Auth Token was given")
	}
	if strings.ContainsAny(o.AuthToken, " \t\r\n") {
		return nil, errors.New("the Plivo Auth Token contains whitespace: copy it again from the Plivo console (Account > Settings > Credentials)")
	}
	redact.Add(o.AuthToken)
	if o.MaxConcurrency <= 0 {
		o.MaxConcurrency = 20
	}
	if o.MaxRetries == 0 {
		o.MaxRetries = 4
	} else if o.MaxRetries < 0 {
		o.MaxRetries = 0
	}
	if o.MaxRetryTime <= 0 {
		o.MaxRetryTime = httpsafe.MaxRetryAfter
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = 30 * time.Second
	}
	if o.UserAgent == "" {
		o.UserAgent = "sipctl"
	}
	if o.ProviderName == "" {
		o.ProviderName = "plivo"
	}
	if o.PageSize <= 0 || o.PageSize > MaxPageSize {
		o.PageSize = MaxPageSize
	}
	rate := o.RatePerSecond
	if rate == 0 {
		rate = RateLimitRequests / RateLimitWindow.Seconds()
	}
	c := &Client{
		base:       base,
		authID:     o.AuthID,
		token:      o.AuthToken,
		http:       httpsafe.Client(o.HTTPClient, httpsafe.OriginOf(base)),
		userAgent:  o.UserAgent,
		debug:      httpapi.NewDebugLog(o.Debug, o.AuthToken),
		sem:        make(chan struct{}, o.MaxConcurrency),
		maxRetries: o.MaxRetries,
		retryTime:  o.MaxRetryTime,
		timeout:    o.RequestTimeout,
		name:       o.ProviderName,
		pageSize:   o.PageSize,
		onWait:     o.OnWait,
		sleep:      httpapi.Sleep,
	}
	if rate > 0 {
		c.pace = newPacer(rate)
	}
	return c, nil
}

// Name is the provider's name as profiles spell it.
func (c *Client) Name() string { return c.name }

// AuthID is the account this client acts in.
func (c *Client) AuthID() string { return c.authID }

// Request is one API call.
type Request struct {
	Method string
	// Path is relative to the account, e.g. /Endpoint/123/ (the client
	// adds /v1/Account/{auth_id}).
	Path  string
	Query url.Values
	// Body is encoded as JSON (POST).
	Body any
	// Idempotent marks a POST safe to repeat after a 5xx (setting a
	// password). GET and DELETE always are.
	Idempotent bool
}

// Do performs r with pacing and retries and decodes a JSON answer into out.
func (c *Client) Do(ctx context.Context, r Request, out any) error {
	u, err := c.url(r.Path, r.Query)
	if err != nil {
		return err
	}
	return c.do(ctx, r, u, out)
}

func (c *Client) do(ctx context.Context, r Request, u *url.URL, out any) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	var payload []byte
	if r.Body != nil {
		var err error
		if payload, err = json.Marshal(r.Body); err != nil {
			return fmt.Errorf("encoding the %s %s request: %w", r.Method, r.Path, err)
		}
	}
	safe := r.Idempotent || r.Method == http.MethodGet || r.Method == http.MethodDelete
	// Retries draw on the caller's provider.RetryBudget when it put one in
	// ctx (one per write), else on MaxRetries within MaxRetryTime.
	budget := provider.RetryBudgetOr(ctx, c.maxRetries, c.retryTime)
	for attempt := 0; ; attempt++ {
		a, err := c.once(ctx, r, u, payload)
		if err != nil {
			return err
		}
		if a.status < 300 {
			defer a.release()
			if out != nil && len(a.body) > 0 {
				if err := json.Unmarshal(a.body, out); err != nil {
					return fmt.Errorf("decoding the %s %s response: %w", r.Method, r.Path, err)
				}
			}
			return nil
		}
		apiErr := decodeError(a.status, a.body, r)
		a.release()
		if apiErr.RateLimited() {
			provider.ObserveThrottle(ctx)
		}
		// A 429 was not processed, so any method may repeat it.
		retryable := apiErr.RateLimited() || (a.status >= 500 && safe)
		if !retryable {
			return apiErr
		}
		if d, ok := httpsafe.RetryAfter(a.header, time.Now()); ok && d > httpsafe.MaxRetryAfter {
			return &httpsafe.RetryAfterError{Wait: d, Err: apiErr}
		}
		wait := httpapi.Backoff(attempt, a.header.Get("Retry-After"))
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

func (c *Client) once(ctx context.Context, r Request, u *url.URL, payload []byte) (answer, error) {
	// No request starts after a cancel, a retry included.
	if err := ctx.Err(); err != nil {
		return answer{}, &provider.UnavailableError{Host: u.Host, Err: err}
	}
	// A subaccount's token is fetched (through the main account) before
	// taking a slot: the fetch takes one of its own.
	token, err := c.authToken(ctx)
	if err != nil {
		return answer{}, err
	}
	if err := c.pace.wait(ctx); err != nil {
		return answer{}, &provider.UnavailableError{Host: u.Host, Err: err}
	}
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return answer{}, &provider.UnavailableError{Host: u.Host, Err: ctx.Err()}
	}
	defer func() { <-c.sem }()
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, u.String(), body)
	if err != nil {
		return answer{}, err
	}
	req.SetBasicAuth(c.authID, token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	logged := ""
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
		logged = httpapi.RedactJSON(payload)
	}
	c.debug.Request(req, logged)
	start := time.Now()
	// Send tells a failure before the request was written (nothing
	// applied) from one after (maybe applied).
	resp, err := httpapi.Send(c.http, req)
	if err != nil {
		if off := (*httpsafe.OffOriginError)(nil); errors.As(err, &off) {
			return answer{}, fmt.Errorf("%s %s: %w", r.Method, r.Path, err)
		}
		return answer{}, err
	}
	defer resp.Body.Close()
	data, release, err := httpapi.ReadAnswer(ctx, resp.Body, r.Method, r.Path)
	if err != nil {
		return answer{}, httpapi.BodyError(u.Host, err)
	}
	c.debug.Response(resp, data, time.Since(start))
	return answer{body: data, release: release, status: resp.StatusCode, header: resp.Header}, nil
}

// accountPath is /v1/Account/{auth_id}.
func (c *Client) accountPath() string { return "/v1/Account/" + c.authID }

// url joins the origin, the account's path and path, refusing anything
// that would leave the configured origin.
func (c *Client) url(path string, q url.Values) (*url.URL, error) {
	if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") || strings.Contains(path, "://") || strings.Contains(path, "..") {
		return nil, fmt.Errorf("invalid request path %q: expected a path under the account", path)
	}
	u, err := url.Parse(c.base.String() + c.accountPath() + path)
	if err != nil {
		return nil, fmt.Errorf("invalid request path %q: %w", path, err)
	}
	if !httpapi.SameOrigin(c.base, u) {
		return nil, fmt.Errorf("refusing a request off the configured origin %s", c.base.Host)
	}
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	return u, nil
}

// authToken is the token requests carry: the client's own, or a
// subaccount's, fetched once through the main account.
func (c *Client) authToken(ctx context.Context) (string, error) {
	if c.parent == nil {
		return c.token, nil
	}
	c.sub.Lock()
	defer c.sub.Unlock()
	if c.sub.token != "" {
		return c.sub.token, nil
	}
	s, err := c.parent.GetSubaccount(ctx, c.authID)
	if err != nil {
		return "", fmt.Errorf("subaccount %s: %w", c.authID, err)
	}
	if s.AuthToken == "" {
		return "", fmt.Errorf("Plivo returned no Auth Token for subaccount %s: acting inside it needs one", c.authID)
	}
	c.sub.token = s.AuthToken
	return s.AuthToken, nil
}

// pacer spaces requests at a steady rate with a burst of one second's
// worth, so a bulk run stays under Plivo's limit instead of meeting 429s.
type pacer struct {
	mu       sync.Mutex
	interval time.Duration
	burst    time.Duration
	next     time.Time
}

func newPacer(perSecond float64) *pacer {
	iv := time.Duration(float64(time.Second) / perSecond)
	return &pacer{interval: iv, burst: time.Second}
}

// wait takes the next slot, sleeping until it comes.
func (p *pacer) wait(ctx context.Context) error {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	now := time.Now()
	if earliest := now.Add(-p.burst); p.next.Before(earliest) {
		p.next = earliest
	}
	at := p.next
	p.next = p.next.Add(p.interval)
	p.mu.Unlock()
	if d := at.Sub(now); d > 0 {
		return httpapi.Sleep(ctx, d)
	}
	return nil
}
