package plivo

import (
	"context"
	"fmt"
	"iter"
	"net/url"
	"strconv"
	"strings"

	"github.com/sipctl/sipctl/internal/httpsafe"
)

// MaxPageSize is the largest limit Plivo's listings take.
const MaxPageSize = 20

// Endpoint is a Plivo SIP endpoint as the API returns it. Plivo returns
// the password only as an MD5 hash; sipctl never reads it.
type Endpoint struct {
	EndpointID    string `json:"endpoint_id"`
	Username      string `json:"username"`
	Alias         string `json:"alias"`
	SIPURI        string `json:"sip_uri"`
	Application   string `json:"application"`
	SubAccount    string `json:"sub_account"`
	ResourceURI   string `json:"resource_uri"`
	SIPRegistered string `json:"sip_registered"`
	SIPContact    string `json:"sip_contact"`
	SIPExpires    string `json:"sip_expires"`
	SIPUserAgent  string `json:"sip_user_agent"`
}

// Meta is Plivo's pagination block.
type Meta struct {
	Limit      int     `json:"limit"`
	Offset     int     `json:"offset"`
	Next       *string `json:"next"`
	Previous   *string `json:"previous"`
	TotalCount int     `json:"total_count"`
}

// EndpointParams creates or updates an endpoint; nil fields are left out.
type EndpointParams struct {
	Username *string `json:"username,omitempty"`
	Password *string `json:"password,omitempty"`
	Alias    *string `json:"alias,omitempty"`
	AppID    *string `json:"app_id,omitempty"`
}

// createAnswer is what Plivo answers a create with: the username it made.
type createAnswer struct {
	Username   string `json:"username"`
	Alias      string `json:"alias"`
	EndpointID string `json:"endpoint_id"`
	Message    string `json:"message"`
	APIID      string `json:"api_id"`
}

// ValidID reports whether s is an endpoint id (digits).
func ValidID(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func endpointPath(id string) (string, error) {
	if !ValidID(id) {
		return "", fmt.Errorf("%q is not a Plivo endpoint id (digits)", id)
	}
	return "/Endpoint/" + id + "/", nil
}

// list pages through path with limit/offset, following meta.next; only
// one page is in memory. A next link must stay on the origin and under
// this account.
func list[T any](ctx context.Context, c *Client, path string, pageSize int) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		u, err := c.url(path, url.Values{"limit": {strconv.Itoa(pageSize)}, "offset": {"0"}})
		if err != nil {
			yield(zero, err)
			return
		}
		var pages httpsafe.Pages
		for {
			if err := pages.Next(u); err != nil {
				yield(zero, err)
				return
			}
			var page struct {
				Meta    Meta `json:"meta"`
				Objects []T  `json:"objects"`
			}
			if err := c.do(ctx, Request{Method: "GET", Path: path}, u, &page); err != nil {
				yield(zero, err)
				return
			}
			for _, o := range page.Objects {
				if !yield(o, nil) {
					return
				}
			}
			next := page.Meta.Next
			if next == nil || *next == "" || len(page.Objects) == 0 {
				return
			}
			if u, err = httpsafe.ResolveLink(c.base, *next, "page link"); err != nil {
				yield(zero, err)
				return
			}
			if !strings.HasPrefix(u.Path, c.accountPath()+"/") {
				yield(zero, fmt.Errorf("refusing a page link to %s: it is not under this account's path %s", u.Path, c.accountPath()))
				return
			}
		}
	}
}

// ListEndpoints streams the account's endpoints.
func (c *Client) ListEndpoints(ctx context.Context) iter.Seq2[Endpoint, error] {
	return list[Endpoint](ctx, c, "/Endpoint/", c.pageSize)
}

// GetEndpoint fetches one endpoint.
func (c *Client) GetEndpoint(ctx context.Context, id string) (Endpoint, error) {
	p, err := endpointPath(id)
	if err != nil {
		return Endpoint{}, err
	}
	var e Endpoint
	err = c.Do(ctx, Request{Method: "GET", Path: p}, &e)
	return e, err
}

// CreateEndpoint creates an endpoint and returns it as Plivo made it
// (the username with Plivo's digits appended).
func (c *Client) CreateEndpoint(ctx context.Context, p EndpointParams) (Endpoint, error) {
	var a createAnswer
	if err := c.Do(ctx, Request{Method: "POST", Path: "/Endpoint/", Body: p}, &a); err != nil {
		return Endpoint{}, err
	}
	if a.EndpointID == "" || a.Username == "" {
		return Endpoint{}, fmt.Errorf("Plivo answered the create without an endpoint_id and username")
	}
	e := Endpoint{EndpointID: a.EndpointID, Username: a.Username, Alias: a.Alias}
	e.SIPURI = "sip:" + a.Username + "@" + Registrar
	return e, nil
}

// UpdateEndpoint changes an endpoint's password, alias or application.
// Setting the same values again is harmless.
func (c *Client) UpdateEndpoint(ctx context.Context, id string, p EndpointParams) error {
	path, err := endpointPath(id)
	if err != nil {
		return err
	}
	return c.Do(ctx, Request{Method: "POST", Path: path, Body: p, Idempotent: true}, nil)
}

// DeleteEndpoint deletes an endpoint.
func (c *Client) DeleteEndpoint(ctx context.Context, id string) error {
	path, err := endpointPath(id)
	if err != nil {
		return err
	}
	return c.Do(ctx, Request{Method: "DELETE", Path: path}, nil)
}
