package signalwire

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"

	"github.com/sipctl/sipctl/internal/httpsafe"
)

// EndpointsPath is the relay REST SIP endpoints collection.
const EndpointsPath = "/api/relay/rest/endpoints/sip"

// MaxPageSize is the largest page_size the document allows.
const MaxPageSize = 1000

// Endpoint is a relay REST SIP endpoint as SignalWire answers it (the
// fields sipctl reads).
type Endpoint struct {
	Type       string   `json:"type"`
	ID         string   `json:"id"`
	Username   string   `json:"username"`
	CallerID   *string  `json:"caller_id"`
	SendAs     string   `json:"send_as"`
	Ciphers    []string `json:"ciphers"`
	Codecs     []string `json:"codecs"`
	Encryption string   `json:"encryption"`
}

// EndpointParams is a create or update body; nil fields are left out, so an
// update changes only what it names.
type EndpointParams struct {
	Username   *string   `json:"username,omitempty"`
	Password   *string   `json:"password,omitempty"`
	CallerID   *string   `json:"caller_id,omitempty"`
	SendAs     *string   `json:"send_as,omitempty"`
	Codecs     *[]string `json:"codecs,omitempty"`
	Encryption *string   `json:"encryption,omitempty"`
}

// pageLinks is the document's PaginationLinks.
type pageLinks struct {
	Self  string `json:"self"`
	First string `json:"first"`
	Next  string `json:"next"`
	Prev  string `json:"prev"`
}

// EndpointQuery narrows a listing: UsernameContains is filter_username
// (SignalWire matches part of the username).
type EndpointQuery struct {
	UsernameContains string
	PageSize         int
}

// ListEndpoints iterates over the project's SIP endpoints, one page in
// memory: the first page by page_size (and filter_username), the next ones
// by the links.next SignalWire returns, which must stay on the configured
// origin, never repeat, and end within httpsafe.MaxPages.
func (c *Client) ListEndpoints(ctx context.Context, q EndpointQuery) iter.Seq2[Endpoint, error] {
	return func(yield func(Endpoint, error) bool) {
		size := q.PageSize
		if size <= 0 || size > MaxPageSize {
			size = c.pageSize
		}
		query := url.Values{"page_size": {strconv.Itoa(size)}}
		if q.UsernameContains != "" {
			query.Set("filter_username", q.UsernameContains)
		}
		r := request{method: http.MethodGet, path: EndpointsPath, query: query}
		var pages httpsafe.Pages
		for {
			var page struct {
				Links pageLinks  `json:"links"`
				Data  []Endpoint `json:"data"`
			}
			if err := c.do(ctx, r, &page); err != nil {
				yield(Endpoint{}, err)
				return
			}
			for _, e := range page.Data {
				if !yield(e, nil) {
					return
				}
			}
			if page.Links.Next == "" || len(page.Data) == 0 {
				return
			}
			next, err := httpsafe.ResolveLink(c.base, page.Links.Next, "page link")
			if err != nil {
				yield(Endpoint{}, fmt.Errorf("listing SIP endpoints: %w", err))
				return
			}
			if err := pages.Next(next); err != nil {
				yield(Endpoint{}, fmt.Errorf("listing SIP endpoints: %w", err))
				return
			}
			r = request{method: http.MethodGet, link: next}
		}
	}
}

// GetEndpoint reads one endpoint by id.
func (c *Client) GetEndpoint(ctx context.Context, id string) (Endpoint, error) {
	var e Endpoint
	err := c.do(ctx, request{method: http.MethodGet, path: EndpointsPath + "/" + url.PathEscape(id)}, &e)
	return e, err
}

// CreateEndpoint creates an endpoint (username and password required).
func (c *Client) CreateEndpoint(ctx context.Context, p EndpointParams) (Endpoint, error) {
	var e Endpoint
	err := c.do(ctx, request{method: http.MethodPost, path: EndpointsPath, body: p}, &e)
	return e, err
}

// UpdateEndpoint changes the fields p names (PUT, which SignalWire applies
// as a partial update). Repeating it is harmless.
func (c *Client) UpdateEndpoint(ctx context.Context, id string, p EndpointParams) (Endpoint, error) {
	var e Endpoint
	err := c.do(ctx, request{method: http.MethodPut, path: EndpointsPath + "/" + url.PathEscape(id), body: p, idempotent: true}, &e)
	return e, err
}

// DeleteEndpoint deletes an endpoint (204).
func (c *Client) DeleteEndpoint(ctx context.Context, id string) error {
	return c.do(ctx, request{method: http.MethodDelete, path: EndpointsPath + "/" + url.PathEscape(id)}, nil)
}
