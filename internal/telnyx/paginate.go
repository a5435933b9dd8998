package telnyx

import (
	"context"
	"fmt"
	"iter"
	"net/url"
	"strconv"
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
// (it ignored page[number]), and after maxPages.
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
		for number := 1; ; number++ {
			if number > maxPages {
				yield(zero, fmt.Errorf("listing %s: stopped after %d pages; narrow the listing", path, maxPages))
				return
			}
			q.Set("page[number]", strconv.Itoa(number))
			var page struct {
				Data []T   `json:"data"`
				Meta *Meta `json:"meta"`
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
			for _, it := range page.Data {
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
