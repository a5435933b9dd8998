// Package httpsafe keeps an API client's requests on the origin it was
// configured with and bounds what a server can make it do: page links and
// redirects that point at another scheme, host or port are refused (so the
// credentials and request bodies never leave the origin), a Retry-After is
// honoured only up to a cap, and pagination cannot loop forever.
//
// Every provider's HTTP client uses it: Client wraps an *http.Client with an
// origin-checking transport and CheckRedirect, ResolveLink turns a link a
// server returned into a request URL on the origin, Pages detects repeated
// page links, and RetryAfter parses the header against MaxRetryAfter.
package httpsafe

import (
	"errors"
	"fmt"
	"hash/fnv"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Origin is a URL's scheme, host and port: what a request may not leave.
type Origin struct {
	Scheme string // lower case
	Host   string // lower-case host name or IP, without brackets
	Port   string // explicit, or the scheme's default
}

// OriginOf is u's origin, with the default port made explicit so
// https://h and https://h:443 are one origin.
func OriginOf(u *url.URL) Origin {
	o := Origin{Scheme: strings.ToLower(u.Scheme), Host: strings.ToLower(u.Hostname()), Port: u.Port()}
	if o.Port == "" {
		switch o.Scheme {
		case "https":
			o.Port = "443"
		case "http":
			o.Port = "80"
		}
	}
	return o
}

// Contains reports whether u is on the origin.
func (o Origin) Contains(u *url.URL) bool { return OriginOf(u) == o }

// String is scheme://host:port.
func (o Origin) String() string {
	return o.Scheme + "://" + net.JoinHostPort(o.Host, o.Port)
}

// OffOriginError is a request, page link or redirect that would leave the
// configured origin. It is never followed.
type OffOriginError struct {
	What   string // "page link", "redirect", "request"
	Target *url.URL
	Origin Origin
}

func (e *OffOriginError) Error() string {
	return fmt.Sprintf("refusing to follow a %s to %s: the configured API origin is %s, and credentials never leave it",
		e.What, hostOf(e.Target), e.Origin)
}

// hostOf names where a URL points, scheme included when it is the only
// difference worth seeing (https→http).
func hostOf(u *url.URL) string {
	if u == nil {
		return "?"
	}
	return u.Scheme + "://" + u.Host
}

// ResolveLink turns a link a server returned (a path, a scheme-relative
// //host/path, or an absolute URL) into an absolute URL, and refuses one
// that leaves base's origin. A path-only link is taken as relative to base's
// origin root with base's path prefix kept (as APIs served under a prefix
// return links without it); what = "page link" names it in the error.
func ResolveLink(base *url.URL, link, what string) (*url.URL, error) {
	if strings.ContainsAny(link, "\x00\r\n\\") {
		return nil, fmt.Errorf("refusing a %s with control characters or backslashes", what)
	}
	ref, err := url.Parse(link)
	if err != nil {
		return nil, fmt.Errorf("invalid %s %q: %w", what, link, err)
	}
	if ref.Scheme != "" || ref.Host != "" || strings.HasPrefix(link, "//") {
		abs := base.ResolveReference(ref)
		if !OriginOf(base).Contains(abs) || abs.User != nil {
			return nil, &OffOriginError{What: what, Target: abs, Origin: OriginOf(base)}
		}
		return abs, nil
	}
	if !strings.HasPrefix(ref.Path, "/") {
		return nil, fmt.Errorf("invalid %s %q: expected an absolute path", what, link)
	}
	u := *base
	u.Path = strings.TrimRight(base.Path, "/") + ref.Path
	u.RawPath = ""
	u.RawQuery = ref.RawQuery
	u.Fragment = ""
	return &u, nil
}

// pooled is net/http's default transport keeping as many idle connections
// per host as sipctl keeps requests in flight: the default keeps 2, so a
// bulk run at 100 in flight would dial a new connection for nearly every
// request.
var pooled = func() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 0
	t.MaxIdleConnsPerHost = MaxInFlight
	return t
}()

// Pooled is the transport Client uses when given none, for a wrapper that
// must keep its connection pool.
func Pooled() http.RoundTripper { return pooled }

// MaxInFlight is how many idle connections per host are kept: above
// --concurrency's useful range (Twilio allows 100 in flight), so a bulk run
// reuses its connections.
const MaxInFlight = 256

// Client returns a copy of c (nil: a default client) whose requests cannot
// leave origin: a redirect elsewhere is refused before it is sent (so the
// Authorization header and a 307/308 body go nowhere), and the transport
// refuses any other request to another origin as a second line. Redirects
// within the origin are followed as net/http does, at most maxRedirects.
func Client(c *http.Client, origin Origin) *http.Client {
	var cp http.Client
	if c != nil {
		cp = *c
	}
	base := cp.Transport
	if base == nil {
		base = pooled
	}
	cp.Transport = &guard{base: base, origin: origin}
	next := cp.CheckRedirect
	cp.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if !origin.Contains(req.URL) {
			return &OffOriginError{What: "redirect", Target: req.URL, Origin: origin}
		}
		if len(via) >= maxRedirects {
			return fmt.Errorf("stopped after %d redirects", maxRedirects)
		}
		if next != nil {
			return next(req, via)
		}
		return nil
	}
	return &cp
}

const maxRedirects = 5

type guard struct {
	base   http.RoundTripper
	origin Origin
}

func (g *guard) RoundTrip(r *http.Request) (*http.Response, error) {
	if !g.origin.Contains(r.URL) {
		if r.Body != nil {
			r.Body.Close()
		}
		return nil, &OffOriginError{What: "request", Target: r.URL, Origin: g.origin}
	}
	return g.base.RoundTrip(r)
}

// MaxRetryAfter is the longest Retry-After a client waits for. A server
// asking for more fails the request as temporary instead: bulk work records
// it and its retry command picks it up later, rather than stalling silently.
const MaxRetryAfter = 60 * time.Second

// RetryAfter parses a Retry-After header (delay-seconds or an HTTP date).
// ok is false when the header is absent or unreadable.
func RetryAfter(h http.Header, now time.Time) (d time.Duration, ok bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s < 0 {
			return 0, false
		}
		if s > int64(24*time.Hour/time.Second)*365 {
			s = int64(24*time.Hour/time.Second) * 365
		}
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// RetryAfterError is a request the server asked to repeat later than
// MaxRetryAfter. It is temporary, so bulk work lists it among the items to
// retry, but not rate limiting to back off from within the run.
type RetryAfterError struct {
	Wait time.Duration
	Err  error // the server's answer (e.g. the 429 API error)
}

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("%v; the API asked to retry after %s, longer than the %s sipctl waits: try again later",
		e.Err, e.Wait.Round(time.Second), MaxRetryAfter)
}

func (e *RetryAfterError) Unwrap() error { return e.Err }

// Temporary: worth retrying later.
func (e *RetryAfterError) Temporary() bool { return true }

// RateLimited is false: waiting within the run is exactly what was refused.
func (e *RetryAfterError) RateLimited() bool { return false }

// MaxPages bounds one listing. At 1,000 items a page it is ten million
// items; a server that keeps handing out pages beyond it is broken.
const MaxPages = 10_000

// Pages tracks the page links one listing has followed, to stop on a link
// that repeats (a loop, which would otherwise never end) and past MaxPages,
// and the items its pages brought, to stop at a page that brings none new
// (a loop on fresh page links).
type Pages struct {
	seen  map[string]bool
	n     int
	items map[uint64]struct{}
}

// Fresh records the items of the page just read (each as the bytes the
// server sent for it) and returns nil when at least one is new. A page
// whose items were all on earlier pages is an error wrapping ErrPagination:
// the server is looping on fresh page links. An empty page brings nothing
// new either, but ends a listing quietly (done is true): it has nothing more
// to give.
func (p *Pages) Fresh(items [][]byte) (done bool, err error) {
	if len(items) == 0 {
		return true, nil
	}
	if p.items == nil {
		p.items = map[uint64]struct{}{}
	}
	fresh := 0
	for _, it := range items {
		h := fnv.New64a()
		h.Write(it)
		k := h.Sum64()
		if _, ok := p.items[k]; !ok {
			p.items[k] = struct{}{}
			fresh++
		}
	}
	if fresh == 0 {
		return true, fmt.Errorf("%w: page %d brought no items that earlier pages had not; the API keeps returning next-page links to the same items", ErrPagination, p.n)
	}
	return false, nil
}

// ErrPagination is wrapped by every error Pages returns.
var ErrPagination = errors.New("pagination stopped")

// Next records u as the next page to fetch, or says why it must not be.
func (p *Pages) Next(u *url.URL) error {
	if p.seen == nil {
		p.seen = map[string]bool{}
	}
	key := u.String()
	if p.seen[key] {
		return fmt.Errorf("%w: the API returned a page link it had already returned (%s), which would loop forever", ErrPagination, u.Path)
	}
	p.n++
	if p.n > MaxPages {
		return fmt.Errorf("%w: more than %d pages; the API keeps returning next-page links", ErrPagination, MaxPages)
	}
	p.seen[key] = true
	return nil
}
