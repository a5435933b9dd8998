package httpapi

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/sipctl/sipctl/internal/provider"
)

// limits lowers the answer limits for one test.
func limits(t *testing.T, small, most int64, slots int) {
	t.Helper()
	oldSmall, oldMax, oldLarge, oldWait := smallAnswer, maxAnswer, large, onLargeWait
	smallAnswer, maxAnswer, large = small, most, make(chan struct{}, slots)
	held.Store(0)
	peak.Store(0)
	t.Cleanup(func() { smallAnswer, maxAnswer, large, onLargeWait = oldSmall, oldMax, oldLarge, oldWait })
}

func TestAnAnswerOverTheLimitSaysSo(t *testing.T) {
	limits(t, 1<<10, 64<<10, 2)
	body, release, err := ReadAnswer(context.Background(), bytes.NewReader(make([]byte, 64<<10+1)), "GET", "/v2/things?page=2")
	release()
	var tl *TooLargeError
	if body != nil || !errors.As(err, &tl) || !strings.Contains(err.Error(), "the answer to GET /v2/things is larger than") {
		t.Fatalf("err = %v, want a TooLargeError naming the request", err)
	}
	if !provider.MaybeApplied(err) || provider.ErrorCode(err) != provider.Unknown || provider.Hint(err) == "" {
		t.Errorf("a too-large answer: maybe applied %v, code %v, hint %q", provider.MaybeApplied(err), provider.ErrorCode(err), provider.Hint(err))
	}
	// Exactly the limit is read whole.
	body, release, err = ReadAnswer(context.Background(), bytes.NewReader(make([]byte, 64<<10)), "GET", "/")
	if err != nil || len(body) != 64<<10 {
		t.Fatalf("an answer of exactly the limit: %d bytes, %v", len(body), err)
	}
	release()
	if len(large) != 0 || held.Load() != 0 {
		t.Errorf("after release: %d large turns taken, %d bytes held", len(large), held.Load())
	}
}

// TestConcurrentLargeAnswersAreBounded reads six large answers at once:
// two read whole while four wait for a turn holding only their first
// small part, so what is buffered never reaches six large answers.
func TestConcurrentLargeAnswersAreBounded(t *testing.T) {
	const small, size, readers, slots = 1 << 10, 256 << 10, 6, 2
	limits(t, small, 1<<20, slots)
	waiting := make(chan struct{}, readers)
	onLargeWait = func() { waiting <- struct{}{} }
	type result struct {
		body    []byte
		release func()
		err     error
	}
	results := make(chan result, readers)
	for range readers {
		go func() {
			b, r, err := ReadAnswer(context.Background(), bytes.NewReader(make([]byte, size)), "GET", "/")
			results <- result{b, r, err}
		}()
	}
	var got []result
	for range slots {
		got = append(got, <-results)
	}
	for range readers - slots {
		<-waiting
	}
	bound := int64(slots*size + (readers-slots)*(small+1))
	if p := peak.Load(); p > bound {
		t.Fatalf("peak %d bytes buffered with %d answers waiting, want at most %d", p, readers-slots, bound)
	}
	// Each answer released lets a waiting one read.
	for done := 0; done < readers; done++ {
		r := got[0]
		if r.err != nil || len(r.body) != size {
			t.Errorf("answer: %d bytes, %v", len(r.body), r.err)
		}
		r.release()
		got = got[1:]
		if done+slots < readers {
			got = append(got, <-results)
		}
	}
	if p := peak.Load(); p > bound {
		t.Errorf("peak %d bytes, want at most %d", p, bound)
	}
}

func TestWaitingForATurnEndsWithTheContext(t *testing.T) {
	limits(t, 1<<10, 1<<20, 1)
	_, release, err := ReadAnswer(context.Background(), bytes.NewReader(make([]byte, 4<<10)), "GET", "/")
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	ctx, cancel := context.WithCancel(context.Background())
	onLargeWait = cancel
	if _, _, err := ReadAnswer(ctx, bytes.NewReader(make([]byte, 4<<10)), "GET", "/"); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want cancelled", err)
	}
}

func TestSendTellsWrittenFromNotWritten(t *testing.T) {
	// Nothing listens: the request never left.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	req, _ := http.NewRequest("POST", "http://"+dead+"/x", strings.NewReader("a=b"))
	_, err = Send(http.DefaultClient, req)
	var u *provider.UnavailableError
	if !errors.As(err, &u) || u.Written || !provider.NotWritten(err) || provider.MaybeApplied(err) {
		t.Fatalf("refused dial: err = %v (%#v), want unavailable and not written", err, u)
	}

	// The server reads the whole request, then drops the connection: it
	// may have applied it.
	var mu sync.Mutex
	gotBody := ""
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		gotBody = string(b)
		mu.Unlock()
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	defer srv.Close()
	req, _ = http.NewRequest("POST", srv.URL+"/x", strings.NewReader("a=b"))
	_, err = Send(srv.Client(), req)
	if !errors.As(err, &u) || !u.Written || provider.NotWritten(err) || !provider.MaybeApplied(err) || provider.ErrorCode(err) != provider.Unavailable {
		t.Fatalf("closed after the request: err = %v, want unavailable and written", err)
	}
	mu.Lock()
	if gotBody != "a=b" {
		t.Errorf("server read %q", gotBody)
	}
	mu.Unlock()

	// Cancelled before sending: nothing leaves, and no connection is made.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req, _ = http.NewRequestWithContext(ctx, "POST", srv.URL+"/x", strings.NewReader("a=b"))
	if _, err = Send(srv.Client(), req); !provider.NotWritten(err) || !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: err = %v, want not written and cancelled", err)
	}
}
