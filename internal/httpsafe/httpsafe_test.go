package httpsafe

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"
)

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestResolveLink(t *testing.T) {
	base := mustURL(t, "https://api.example.com/prefix")
	for link, want := range map[string]string{
		"/2010-04-01/x.json?Page=1":                     "https://api.example.com/prefix/2010-04-01/x.json?Page=1",
		"https://api.example.com/2010-04-01/x.json":     "https://api.example.com/2010-04-01/x.json",
		"https://API.example.com:443/2010-04-01/x.json": "https://API.example.com:443/2010-04-01/x.json",
		"//api.example.com/y":                           "https://api.example.com/y",
	} {
		u, err := ResolveLink(base, link, "page link")
		if err != nil || u.String() != want {
			t.Errorf("ResolveLink(%q) = %v, %v; want %s", link, u, err, want)
		}
	}
	for _, link := range []string{
		"https://evil.example.com/x", "//evil.example.com/x", "https://api.example.com:8443/x",
		"http://api.example.com/x", "https://user@api.example.com/x", "relative/x", "/x\r\nHost: evil", `/\evil.example.com`,
	} {
		if _, err := ResolveLink(base, link, "page link"); err == nil {
			t.Errorf("ResolveLink(%q) accepted", link)
		}
	}
	var off *OffOriginError
	_, err := ResolveLink(base, "//127.0.0.2:29999/stolen", "page link")
	if !errors.As(err, &off) || off.Target.Host != "127.0.0.2:29999" {
		t.Fatalf("err = %v", err)
	}
}

func TestPagesStopOnRepeatAndCount(t *testing.T) {
	var p Pages
	a, b := mustURL(t, "https://h/x?Page=1"), mustURL(t, "https://h/x?Page=2")
	if p.Next(a) != nil || p.Next(b) != nil {
		t.Fatal("fresh pages refused")
	}
	if err := p.Next(a); !errors.Is(err, ErrPagination) {
		t.Fatalf("a repeated page was accepted: %v", err)
	}
	var q Pages
	var err error
	for i := 0; err == nil; i++ {
		err = q.Next(mustURL(t, "https://h/x?Page="+strconv.Itoa(i)))
		if i > MaxPages+1 {
			t.Fatal("no page limit")
		}
	}
	if !errors.Is(err, ErrPagination) || q.n != MaxPages+1 {
		t.Fatalf("stopped at %d: %v", q.n, err)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"5":      5 * time.Second,
		"100000": 100000 * time.Second,
		now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second,
		now.Add(-time.Hour).Format(http.TimeFormat):       0,
	} {
		d, ok := RetryAfter(http.Header{"Retry-After": {v}}, now)
		if !ok || d != want {
			t.Errorf("RetryAfter(%q) = %v, %v; want %v", v, d, ok, want)
		}
	}
	for _, v := range []string{"", "-1", "soon"} {
		if _, ok := RetryAfter(http.Header{"Retry-After": {v}}, now); ok {
			t.Errorf("RetryAfter(%q) accepted", v)
		}
	}
	if d, _ := RetryAfter(http.Header{"Retry-After": {"99999999999999999"}}, now); d <= 0 {
		t.Errorf("overflowing Retry-After gave %v", d)
	}
}

func TestOriginOfMakesDefaultPortsExplicit(t *testing.T) {
	if OriginOf(mustURL(t, "https://h")) != OriginOf(mustURL(t, "https://H:443/x")) {
		t.Error("https://h and https://H:443 differ")
	}
	if OriginOf(mustURL(t, "http://h")) == OriginOf(mustURL(t, "https://h")) {
		t.Error("http and https are one origin")
	}
}
