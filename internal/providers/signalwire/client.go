// Package signalwire is sipctl's client for SignalWire's REST API: HTTP
// Basic with a project ID and an API token, JSON bodies, pages followed by
// their links.next (on the configured origin only), SignalWire's error
// shapes as typed errors, bounded retries, and rate-limit answers reported
// to bulk work (provider.ObserveThrottle).
//
// Its SIP accounts are the relay REST SIP endpoints
// (/api/relay/rest/endpoints/sip): of the three SIP endpoint resources in
// SignalWire's OpenAPI document, it is the only one whose create and update
// take a password (the fabric sip_endpoints and the subscribers'
// sip_endpoints do not in that document), and without setting a password
// sipctl cannot keep custody of one. Phones register at the space's SIP
// domain, SPACE.sip.signalwire.com. See docs/signalwire.md.
package signalwire

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/sipctl/sipctl/internal/httpapi"
	"github.com/sipctl/sipctl/internal/httpsafe"
	"github.com/sipctl/sipctl/internal/provider"
)

// Environment variables SignalWire's own SDKs and examples use.
const (
	EnvProjectID = "SIGNALWIRE_PROJECT_ID"
	EnvAPIToken  = "SIGNALWIRE_API_TOKEN"
	EnvSpaceURL  = "SIGNALWIRE_SPACE_URL"
)

// SpaceDomain is what a space's API host ends with (NAME.signalwire.com);
// SIPDomainSuffix is what its SIP domain ends with (NAME.sip.signalwire.com).
const (
	SpaceDomain     = "signalwire.com"
	SIPDomainSuffix = ".sip.signalwire.com"
)

// spacePattern is a space name: one DNS label, as in NAME.signalwire.com.
var spacePattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// projectPattern is a project ID: a UUID.
var projectPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// ValidSpace checks a space name (example, in example.signalwire.com).
func ValidSpace(name string) error {
	if !spacePattern.MatchString(name) {
		return fmt.Errorf("invalid SignalWire space %q: the space is the NAME of NAME.signalwire.com (lower-case letters, digits and hyphens, at most 63)", name)
	}
	return nil
}

// ValidProjectID checks a project ID (a UUID, as the space's API page shows it).
func ValidProjectID(id string) error {
	if !projectPattern.MatchString(id) {
		return fmt.Errorf("invalid SignalWire project ID %q: expected a UUID such as 1b5a0c6e-7d1f-4f5e-9c1a-2b3c4d5e6f70 (the space's API page)", id)
	}
	return nil
}

// SpaceFromURL reads a space name from what SIGNALWIRE_SPACE_URL holds:
// NAME.signalwire.com, with or without https://, or the bare NAME.
func SpaceFromURL(raw string) (string, error) {
	s := strings.ToLower(strings.TrimSpace(raw))
	s = strings.TrimPrefix(s, "https://")
	s = strings.TrimSuffix(s, "/")
	s = strings.TrimSuffix(s, "."+SpaceDomain)
	if err := ValidSpace(s); err != nil {
		return "", fmt.Errorf("invalid SignalWire space URL %q: expected NAME.signalwire.com", raw)
	}
	return s, nil
}

// Options configures a Client.
type Options struct {
	// Space is the space's name: requests go to https://SPACE.signalwire.com
	// and phones register at SPACE.sip.signalwire.com.
	Space string
	// BaseURL replaces https://SPACE.signalwire.com (a `sandbox serve`).
	// Plain http is accepted only for loopback hosts.
	BaseURL string
	// ProjectID and Token are the HTTP Basic user and password.
	ProjectID string
	Token     string
	// HTTPClient carries requests; its Transport may be the in-process sandbox.
	HTTPClient *http.Client
	UserAgent  string
	// Debug, when set, receives a redacted log of each request and response.
	Debug io.Writer
	// MaxConcurrency bounds requests in flight through this client. Default 100.
	MaxConcurrency int
	// MaxRetries bounds retries after 429 or a 5xx. Default 4; negative
	// disables retries.
	MaxRetries int
	// RequestTimeout applies when the caller's context has no deadline.
	// Default 30s.
	RequestTimeout time.Duration
	// ProviderName is what Name reports; default "signalwire".
	ProviderName string
	// PageSize is the page_size listings ask for (1 to 1000); default 1000.
	PageSize int
	// OnWait is told before each wait to retry (a notice on a terminal).
	OnWait func(time.Duration, error)
}

// Client talks to one SignalWire project in one space.
type Client struct {
	base       *url.URL
	space      string
	project    string
	token      string
	http       *http.Client
	userAgent  string
	debug      *httpapi.DebugLog
	sem        chan struct{}
	maxRetries int
	timeout    time.Duration
	name       string
	pageSize   int
	onWait     func(time.Duration, error)
	// sleep waits between retries; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error
}

// New validates the options and returns a client; it sends nothing.
func New(o Options) (*Client, error) {
	if err := ValidSpace(o.Space); err != nil {
		return nil, err
	}
	if err := ValidProjectID(o.ProjectID); err != nil {
		return nil, err
	}
	if strings.TrimSpace(o.Token) == "" {
		return nil, errors.New("no SignalWire API token was given")
	}
	if strings.ContainsAny(o.Token, " \t\r\n") {
		return nil, errors.New("the SignalWire API token contains whitespace: copy it again from the space's API page")
	}
	if o.BaseURL == "" {
		o.BaseURL = "https://" + o.Space + "." + SpaceDomain
	}
	base, err := httpapi.ParseBaseURL(o.BaseURL)
	if err != nil {
		return nil, err
	}
	hc := httpsafe.Client(o.HTTPClient, httpsafe.OriginOf(base))
	if o.MaxConcurrency <= 0 {
		o.MaxConcurrency = 100
	}
	if o.MaxRetries == 0 {
		o.MaxRetries = 4
	} else if o.MaxRetries < 0 {
		o.MaxRetries = 0
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = 30 * time.Second
	}
	if o.UserAgent == "" {
		o.UserAgent = "sipctl"
	}
	if o.ProviderName == "" {
		o.ProviderName = "signalwire"
	}
	if o.PageSize <= 0 || o.PageSize > MaxPageSize {
		o.PageSize = MaxPageSize
	}
	return &Client{
		base: base, space: o.Space, project: o.ProjectID, token: o.Token, http: hc, userAgent: o.UserAgent,
		debug: httpapi.NewDebugLog(o.Debug, o.Token), sem: make(chan struct{}, o.MaxConcurrency),
		maxRetries: o.MaxRetries, timeout: o.RequestTimeout, name: o.ProviderName, pageSize: o.PageSize,
		onWait: o.OnWait, sleep: httpapi.Sleep,
	}, nil
}

// Name is the provider's name as profiles spell it.
func (c *Client) Name() string { return c.name }

// Space is the space's name.
func (c *Client) Space() string { return c.space }

// SIPDomain is where the space's endpoints register: SPACE.sip.signalwire.com.
func (c *Client) SIPDomain() string { return c.space + SIPDomainSuffix }

// request is one API call: a path under the origin, or a page link already
// resolved onto it.
type request struct {
	method string
	path   string
	query  url.Values
	link   *url.URL
	body   any
	// idempotent marks a PUT safe to repeat after a 5xx (setting a password
	// already decided). GET and DELETE always are.
	idempotent bool
}

func (r request) what() string {
	if r.link != nil {
		return r.method + " " + r.link.Path
	}
	return r.method + " " + r.path
}

// do performs r with retries and decodes a JSON answer into out.
func (c *Client) do(ctx context.Context, r request, out any) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	var payload []byte
	if r.body != nil {
		var err error
		if payload, err = json.Marshal(r.body); err != nil {
			return fmt.Errorf("encoding the %s request: %w", r.what(), err)
		}
	}
	safe := r.idempotent || r.method == http.MethodGet || r.method == http.MethodDelete
	// Retries draw on the caller's provider.RetryBudget when it put one in
	// ctx (one per write), else on MaxRetries within httpsafe's cap.
	budget := provider.RetryBudgetOr(ctx, c.maxRetries, httpsafe.MaxRetryAfter)
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
					return fmt.Errorf("decoding the %s response: %w", r.what(), err)
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
		// A wait longer than httpsafe's cap fails the request as temporary,
		// for bulk work to retry later.
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

// lowOnQuota reports an answer saying the rate-limit window is spent.
func lowOnQuota(h http.Header) bool {
	rem := h.Get("X-Ratelimit-Remaining")
	if rem == "" {
		return false
	}
	n, err := strconv.Atoi(strings.TrimSpace(rem))
	return err == nil && n <= 0
}

func (c *Client) once(ctx context.Context, r request, payload []byte) (answer, error) {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return answer{}, &UnreachableError{Host: c.base.Host, Err: ctx.Err()}
	}
	defer func() { <-c.sem }()

	u := r.link
	if u == nil {
		var err error
		if u, err = c.url(r.path, r.query); err != nil {
			return answer{}, err
		}
	}
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), body)
	if err != nil {
		return answer{}, err
	}
	req.SetBasicAuth(c.project, c.token)
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
			return answer{}, fmt.Errorf("%s: %w", r.what(), off)
		}
		return answer{}, err
	}
	defer resp.Body.Close()
	data, release, err := httpapi.ReadAnswer(ctx, resp.Body, r.method, u.Path)
	if err != nil {
		return answer{}, httpapi.BodyError(u.Host, err)
	}
	c.debug.Response(resp, data, time.Since(start))
	return answer{body: data, release: release, status: resp.StatusCode, header: resp.Header}, nil
}

// url joins the origin and path, refusing anything that would leave it.
func (c *Client) url(path string, q url.Values) (*url.URL, error) {
	if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") || strings.Contains(path, "://") {
		return nil, fmt.Errorf("invalid request path %q: expected a path under the API root", path)
	}
	u, err := url.Parse(strings.TrimRight(c.base.String(), "/") + path)
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

// UnreachableError says the API host gave no answer, and why: the
// provider-neutral *provider.UnavailableError, whose Written tells a request
// that never left from one that may have been applied.
type UnreachableError = provider.UnavailableError
