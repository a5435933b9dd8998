package telnyx

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/url"
	"strconv"

	"github.com/sipctl/sipctl/internal/httpsafe"
)

// MaxPageSize is the largest page Telnyx serves (page[size] ≤ 250).
const MaxPageSize = 250

// maxPages bounds a listing: a server that never reports the last page
// cannot keep sipctl paging for ever (250 × 4000 = a million rows).
const maxPages = 4000

// Meta is Telnyx's pagination block.
type Meta struct {
	PageNumber   int `json:"page_number"`
	PageSize     int `json:"page_size"`
	TotalPages   int `json:"total_pages"`
	TotalResults int `json:"total_results"`
}

// List iterates over a list endpoint page by page (page[number],
// page[size]), following meta; only one page is in memory. It stops at
// the last page meta names, at an empty page, at a page the server repeats
// (it ignored page[number]), with an error at a page that brings no item
// earlier pages had not, and after maxPages.
func List[T any](ctx context.Context, c *Client, path string, query url.Values, pageSize int) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		if pageSize <= 0 || pageSize > MaxPageSize {
			pageSize = MaxPageSize
		}
		q := url.Values{}
		for k, v := range query {
			q[k] = v
		}
		q.Set("page[size]", strconv.Itoa(pageSize))
		lastSeen := 0
		var pages httpsafe.Pages
		for number := 1; ; number++ {
			if number > maxPages {
				yield(zero, fmt.Errorf("listing %s: stopped after %d pages; narrow the listing", path, maxPages))
				return
			}
			q.Set("page[number]", strconv.Itoa(number))
			var page struct {
				Data []json.RawMessage `json:"data"`
				Meta *Meta             `json:"meta"`
			}
			if err := c.Do(ctx, Request{Method: "GET", Path: path, Query: q}, &page); err != nil {
				yield(zero, err)
				return
			}
			if page.Meta != nil && page.Meta.PageNumber != 0 {
				if page.Meta.PageNumber <= lastSeen {
					// The server answered an earlier page again.
					return
				}
				lastSeen = page.Meta.PageNumber
			}
			items := make([]T, len(page.Data))
			raws := make([][]byte, len(page.Data))
			for i, raw := range page.Data {
				raws[i] = raw
				if err := json.Unmarshal(raw, &items[i]); err != nil {
					yield(zero, fmt.Errorf("decoding the %s page: %w", path, err))
					return
				}
			}
			// A page repeating only earlier items (a server ignoring
			// page[number] without saying so) ends the listing with an error.
			if _, err := pages.Fresh(raws); err != nil {
				yield(zero, fmt.Errorf("listing %s: %w", path, err))
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if len(page.Data) == 0 || page.Meta == nil || page.Meta.TotalPages <= number ||
				(page.Meta.PageNumber != 0 && page.Meta.PageNumber >= page.Meta.TotalPages) {
				return
			}
		}
	}
}
