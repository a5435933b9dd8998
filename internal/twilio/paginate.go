package twilio

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/url"
	"strconv"

	"github.com/sipctl/sipctl/internal/httpsafe"
)

// MaxPageSize is the largest page Twilio serves.
const MaxPageSize = 1000

// List iterates over a list resource, following next_page_uri. key is the
// JSON field holding the page's items (e.g. "domains"). Only one page is
// held in memory at a time. A PageSize in query is kept; otherwise the
// largest page is asked for, to make the fewest round trips.
func List[T any](ctx context.Context, c *Client, path string, query url.Values, key string) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		q := url.Values{}
		for k, v := range query {
			q[k] = v
		}
		if q.Get("PageSize") == "" {
			n := MaxPageSize
			if c.pageSize > 0 && c.pageSize < n {
				n = c.pageSize
			}
			q.Set("PageSize", strconv.Itoa(n))
		}
		next := path
		form := q
		var pages httpsafe.Pages
		for next != "" {
			// A page link must stay on the API origin and must not repeat:
			// a hostile or broken server could otherwise collect the
			// credentials elsewhere or keep the listing going forever.
			u, err := httpsafe.ResolveLink(c.base, next, "page link")
			if err == nil {
				if len(form) > 0 {
					u.RawQuery = form.Encode()
				}
				err = pages.Next(u)
			}
			if err != nil {
				var zero T
				yield(zero, fmt.Errorf("listing %s: %w", key, err))
				return
			}
			var page map[string]json.RawMessage
			if err := c.Do(ctx, "GET", next, form, &page); err != nil {
				var zero T
				yield(zero, err)
				return
			}
			var raws []json.RawMessage
			if raw, ok := page[key]; ok {
				if err := json.Unmarshal(raw, &raws); err != nil {
					var zero T
					yield(zero, fmt.Errorf("decoding %s page: %w", key, err))
					return
				}
			}
			items := make([]T, len(raws))
			seen := make([][]byte, len(raws))
			for i, raw := range raws {
				seen[i] = raw
				// An identifier from the answer is checked before it can
				// reach a path or a file name.
				if err := checkSIDs(key, raw); err != nil {
					var zero T
					yield(zero, fmt.Errorf("listing %s: %w", key, err))
					return
				}
				if err := json.Unmarshal(raw, &items[i]); err != nil {
					var zero T
					yield(zero, fmt.Errorf("decoding %s page: %w", key, err))
					return
				}
			}
			// A page with nothing new ends the listing: empty, quietly;
			// repeating earlier items (a loop on fresh links), as an error.
			done, err := pages.Fresh(seen)
			if err != nil {
				var zero T
				yield(zero, fmt.Errorf("listing %s: %w", key, err))
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			next = ""
			if raw, ok := page["next_page_uri"]; ok {
				var s *string
				if json.Unmarshal(raw, &s) == nil && s != nil {
					next = *s
				}
			}
			if done {
				// An empty page ends the listing; a link it carries off the
				// origin is still refused, as the server's fault to see.
				if next != "" {
					if _, err := httpsafe.ResolveLink(c.base, next, "page link"); err != nil {
						var zero T
						yield(zero, fmt.Errorf("listing %s: %w", key, err))
					}
				}
				return
			}
			// next_page_uri already carries the query.
			form = nil
		}
	}
}
