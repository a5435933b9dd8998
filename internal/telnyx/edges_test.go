package telnyx

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/httpapi"
	"github.com/sipctl/sipctl/internal/httpsafe"
	"github.com/sipctl/sipctl/internal/provider"
)

// TestListingStopsWhenPagesBringNothingNew: a server that numbers its pages
// as asked but serves the same items on each is stopped at the second.
func TestListingStopsWhenPagesBringNothingNew(t *testing.T) {
	var calls atomic.Int32
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		n := r.URL.Query().Get("page[number]")
		fmt.Fprintf(w, `{"data":[{"id":"1","user_name":"a"}],"meta":{"page_number":%s,"page_size":1,"total_pages":4000,"total_results":4000}}`, n)
	}, Options{})
	var err error
	for _, e := range c.ListConnections(context.Background(), ConnectionQuery{PageSize: 1}) {
		if e != nil {
			err = e
		}
	}
	if !errors.Is(err, httpsafe.ErrPagination) || calls.Load() != 2 {
		t.Fatalf("err = %v after %d requests, want a pagination error after 2", err, calls.Load())
	}
}

func TestA429StormIsBoundedAndCancelStopsIt(t *testing.T) {
	var calls, after atomic.Int32
	var cancelled atomic.Bool
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if cancelled.Load() {
			after.Add(1)
		}
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(429)
		fmt.Fprint(w, `{"errors":[{"code":"10011","title":"Too many requests"}]}`)
	}, Options{MaxRetries: 1000, MaxRetryTime: 5 * time.Second})
	var waited time.Duration
	c.sleep = func(context.Context, time.Duration) error { waited += time.Second; return nil }
	err := c.Do(context.Background(), Request{Method: "GET", Path: "/credential_connections"}, nil)
	if provider.ErrorCode(err) != provider.RateLimited || calls.Load() > 6 {
		t.Fatalf("err = %v after %d requests, want rate limited after at most 6", err, calls.Load())
	}
	calls.Store(0)
	c.sleep = func(ctx context.Context, d time.Duration) error {
		cancelled.Store(true)
		cancel()
		return nil // even a wait that ends as the cancel comes starts nothing
	}
	err = c.Do(ctx, Request{Method: "GET", Path: "/credential_connections"}, nil)
	if err == nil || calls.Load() != 1 || after.Load() != 0 {
		t.Fatalf("err = %v; %d requests, %d after the cancel; want 1 and none", err, calls.Load(), after.Load())
	}
}

func TestAnOversizedAnswerSaysSo(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"data":[],"x":"`)
		chunk := strings.Repeat("a", 1<<20)
		for range httpapi.MaxAnswer>>20 + 1 {
			if _, err := fmt.Fprint(w, chunk); err != nil {
				return
			}
		}
	}, Options{})
	err := c.Do(context.Background(), Request{Method: "GET", Path: "/credential_connections"}, &struct{}{})
	if !httpapi.IsTooLarge(err) || !strings.Contains(err.Error(), "larger than 64 MiB") {
		t.Fatalf("err = %v, want an answer-too-large error", err)
	}
}
