// Package telnyx is a typed client for Telnyx's API v2: a bearer API key,
// JSON bodies, page[number]/page[size] pagination as iterators, Telnyx's
// error shape as typed errors, bounded retries, and rate-limit answers
// reported to bulk work (provider.ObserveThrottle). Its SIP accounts are
// credential connections, whose registrar is sip.telnyx.com.
package telnyx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sipctl/sipctl/internal/httpapi"
	"github.com/sipctl/sipctl/internal/httpsafe"
	"github.com/sipctl/sipctl/internal/provider"
)

// DefaultBaseURL is Telnyx's API v2 root.
const DefaultBaseURL = "https://api.telnyx.com/v2"

// EnvAPIKey is the variable Telnyx's own SDKs read the API key from.
const EnvAPIKey = "TELNYX_API_KEY"

// Options configures a Client.
type Options struct {
	// BaseURL is the API root including /v2. Plain http is accepted only for
	// loopback hosts (the sandbox).
	BaseURL string
	// APIKey is the bearer token (KEY…); never print it.
	APIKey string
	// HTTPClient carries requests; its Transport may be the in-process sandbox.
	HTTPClient *http.Client
	// UserAgent identifies sipctl and its version.
	UserAgent string
	// Debug, when set, receives a redacted log of each request and response.
	Debug io.Writer
	// MaxConcurrency bounds requests in flight through this client. Default 50.
	MaxConcurrency int
	// MaxRetries bounds retries after 429 or a 5xx. Default 4; negative
	// disables retries.
	MaxRetries int
	// MaxRetryTime bounds, with MaxRetries, how long a request keeps being
	// retried: no retry starts later than this after the first attempt.
	// Default DefaultMaxRetryTime. A caller's provider.RetryBudget replaces both.
	MaxRetryTime time.Duration
	// RequestTimeout applies when the caller's context has no deadline.
	// Default 30s.
	RequestTimeout time.Duration
	// ProviderName is what Name reports: "telnyx", or "sandbox" for the
	// sandbox's Telnyx face.
	ProviderName string
	// StatusConcurrency bounds concurrent registration-status checks.
	// Default 16.
	StatusConcurrency int
	// PageSize is the page[size] listings ask for; default (and at most)
	// MaxPageSize.
	PageSize int
}

// DefaultMaxRetryTime is how long a request is retried at most by default:
// room for one wait of the longest Retry-After honoured, and no more.
const DefaultMaxRetryTime = httpsafe.MaxRetryAfter

// Client talks to one Telnyx account.
type Client struct {
	base        *url.URL
	key         string
	http        *http.Client
	userAgent   string
	debug       *httpapi.DebugLog
	sem         chan struct{}
	maxRetries  int
	retryTime   time.Duration
	timeout     time.Duration
	name        string
	statusLimit int
	pageSize    int
	// managed is the managed account this client acts in ("" for the key's
	// own); parent is the manager's client, which fetches its key.
	managed string
	parent  *Client
	keyMu   *keyCache
	// sleep waits between retries; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error
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
	if strings.TrimSpace(o.APIKey) == "" {
		return nil, errors.New("no Telnyx API key was given")
	}
	if strings.ContainsAny(o.APIKey, " \t\r\n") {
		return nil, errors.New("the Telnyx API key contains whitespace: copy it again from the portal (API Keys)")
	}
	// Requests stay on the configured origin, redirects included: the
	// same guard (httpsafe) as the Twilio client's.
	hc := httpsafe.Client(o.HTTPClient, httpsafe.OriginOf(base))
	if o.MaxConcurrency <= 0 {
		o.MaxConcurrency = 50
	}
	if o.MaxRetries == 0 {
		o.MaxRetries = 4
	} else if o.MaxRetries < 0 {
		o.MaxRetries = 0
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = 30 * time.Second
	}
	if o.MaxRetryTime <= 0 {
		o.MaxRetryTime = DefaultMaxRetryTime
	}
	if o.UserAgent == "" {
		o.UserAgent = "sipctl"
	}
	if o.ProviderName == "" {
		o.ProviderName = "telnyx"
	}
	if o.StatusConcurrency <= 0 {
		o.StatusConcurrency = 16
	}
	return &Client{
		base:        base,
		key:         o.APIKey,
		http:        hc,
		userAgent:   o.UserAgent,
		debug:       httpapi.NewDebugLog(o.Debug, o.APIKey),
		sem:         make(chan struct{}, o.MaxConcurrency),
		maxRetries:  o.MaxRetries,
		retryTime:   o.MaxRetryTime,
		timeout:     o.RequestTimeout,
		name:        o.ProviderName,
		statusLimit: o.StatusConcurrency,
		pageSize:    o.PageSize,
		sleep:       httpapi.Sleep,
	}, nil
}

// Name is the provider's name as profiles spell it.
func (c *Client) Name() string { return c.name }

// Request is one API call.
type Request struct {
	Method string
	// Path is relative to the API root, e.g. /credential_connections/123.
	Path  string
	Query url.Values
	// Body is encoded as JSON (POST, PATCH).
	Body any
	// Idempotent marks a POST or PATCH safe to repeat after a 5xx (setting a
	// password already decided). GET and DELETE always are.
	Idempotent bool
}

// Do performs r with retries and decodes a JSON answer into out (when non-nil).
func (c *Client) Do(ctx context.Context, r Request, out any) error {
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
	safe := r.Idempotent || r.Method == http.MethodGet || r.Method == http.MethodDelete || r.Method == http.MethodHead
	// Retries draw on the caller's provider.RetryBudget when it put one in
	// ctx (one per write), else on MaxRetries within MaxRetryTime.
	budget := provider.RetryBudgetOr(ctx, c.maxRetries, c.retryTime)
	for attempt := 0; ; attempt++ {
		a, err := c.once(ctx, r, payload)
		if err != nil {
			return err
		}
		if lowOnQuota(a.header) {
			provider.ObserveThrottle(ctx)
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
		// 429 means the request was not processed, so any method may repeat it.
		retryable := apiErr.RateLimited() || (a.status >= 500 && safe)
		if !retryable {
			return apiErr
		}
		// A server asking for a longer wait than httpsafe's cap fails the
		// request as temporary, for bulk work to retry later, as Twilio's does.
		if d, ok := httpsafe.RetryAfter(a.header, time.Now()); ok && d > httpsafe.MaxRetryAfter {
			return &httpsafe.RetryAfterError{Wait: d, Err: apiErr}
		}
		wait := httpapi.Backoff(attempt, retryAfter(a.header))
		if !budget.Spend(wait) {
			return apiErr
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

// lowOnQuota reports an answer saying the rate-limit window is spent
// (x-ratelimit-remaining: 0): bulk work lowers its concurrency before the
// 429s come.
func lowOnQuota(h http.Header) bool {
	rem := h.Get("X-Ratelimit-Remaining")
	if rem == "" {
		return false
	}
	n, err := strconv.Atoi(strings.TrimSpace(rem))
	return err == nil && n <= 0
}

// retryAfter is Retry-After, or the seconds until x-ratelimit-reset.
func retryAfter(h http.Header) string {
	if ra := h.Get("Retry-After"); ra != "" {
		return ra
	}
	if reset := strings.TrimSpace(h.Get("X-Ratelimit-Reset")); reset != "" {
		if n, err := strconv.ParseInt(reset, 10, 64); err == nil && n >= 0 {
			// A Unix time, or (small values) seconds from now.
			if n > 1_000_000_000 {
				n = max(0, n-time.Now().Unix())
			}
			return strconv.FormatInt(min(n, 60), 10)
		}
	}
	return ""
}

func (c *Client) once(ctx context.Context, r Request, payload []byte) (answer, error) {
	// No request starts after a cancel, a retry included.
	if err := ctx.Err(); err != nil {
		return answer{}, &UnreachableError{Host: c.base.Host, Err: err}
	}
	// A managed account's key is fetched before taking a slot: the fetch
	// takes one of its own.
	key, err := c.apiKey(ctx)
	if err != nil {
		return answer{}, err
	}
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return answer{}, &UnreachableError{Host: c.base.Host, Err: ctx.Err()}
	}
	defer func() { <-c.sem }()

	u, err := c.url(r.Path, r.Query)
	if err != nil {
		return answer{}, err
	}
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, u.String(), body)
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
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

// url joins the API root and path, and refuses anything that would leave
// the configured origin (an absolute or scheme-relative path).
func (c *Client) url(path string, q url.Values) (*url.URL, error) {
	if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") || strings.Contains(path, "://") {
		return nil, fmt.Errorf("invalid request path %q: expected a path under the API root", path)
	}
	u, err := url.Parse(c.base.String() + path)
	if err != nil {
		return nil, fmt.Errorf("invalid request path %q: %w", path, err)
	}
	if !httpapi.SameOrigin(c.base, u) {
		return nil, fmt.Errorf("refusing a request off the configured origin %s", c.base.Host)
	}
	if len(q) > 0 {
		u.RawQuery = encodeQuery(q)
	}
	return u, nil
}

// encodeQuery is url.Values.Encode keeping the brackets of Telnyx's
// deepObject parameters (page[number], filter[connection_name][contains])
// readable; they are valid in a query and Telnyx documents them so.
func encodeQuery(q url.Values) string {
	s := q.Encode()
	return strings.NewReplacer("%5B", "[", "%5D", "]").Replace(s)
}

// keyCache holds a managed account's API key once fetched.
type keyCache struct {
	sync.Mutex
	key string
}

// UnreachableError says the API host gave no answer, and why: the
// provider-neutral *provider.UnavailableError, whose Written tells a request
// that never left from one that may have been applied.
type UnreachableError = provider.UnavailableError
