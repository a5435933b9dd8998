// Package faultproxy is a reverse proxy for tests that forwards every
// request to an upstream API and then, for the writes it is told to
// fault, spoils the answer the way networks and load balancers do after
// the upstream has already applied the write: it closes the connection,
// resets it, or answers 404, 500, a malformed body or a huge one.
//
// Faults are drawn from a seeded generator, so a failing run is replayed
// with the same seed (see Seed).
package faultproxy

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// Fault is what the proxy does to one answer.
type Fault int

const (
	// Pass forwards the upstream's answer as it is.
	Pass Fault = iota
	// Close closes the connection without an answer (EOF at the client).
	Close
	// Reset resets the connection (RST: "connection reset by peer").
	Reset
	// NotFound answers 404 with a Twilio-shaped error body.
	NotFound
	// ServerError answers 500.
	ServerError
	// Malformed answers 200 with a body that is not JSON.
	Malformed
	// Huge answers 200 with a body larger than any client accepts.
	Huge
	nFaults
)

func (f Fault) String() string {
	return [...]string{"pass", "close", "reset", "404", "500", "malformed", "huge"}[f]
}

// HugeSize is the size of a Huge answer: over the 64 MiB clients read.
const HugeSize = 65<<20 + 1

// Env is the variable that replays a seed: SIPCTL_FAULT_SEED=1234 go test ….
const Env = "SIPCTL_FAULT_SEED"

// Seed is the seed to use for run i of a test: derived from SIPCTL_FAULT_SEED
// when set (that one run replays it), else from i.
func Seed(t testing.TB, i int) (seed uint64, only bool) {
	if s := os.Getenv(Env); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q: not a number", Env, s)
		}
		return n, true
	}
	return uint64(1000 + i), false
}

// Proxy is a running fault-injecting proxy.
type Proxy struct {
	// URL is the proxy's base URL.
	URL string
	srv *httptest.Server

	mu  sync.Mutex
	rnd *rand.Rand
	// rate is the probability that a matching write is faulted.
	rate float64
	// match says which requests may be faulted (nil: every write).
	match func(*http.Request) bool
	// Counts of what was done, by fault.
	counts [nFaults]atomic.Int64
	// started counts requests forwarded.
	started atomic.Int64
}

// Options configure a proxy.
type Options struct {
	Seed uint64
	// Rate is the probability in [0,1] that a write is faulted.
	Rate float64
	// Match limits faults to some writes (nil: every POST, PUT, PATCH and
	// DELETE).
	Match func(*http.Request) bool
}

// Start runs a proxy to upstream (a base URL) until the test ends.
func Start(t testing.TB, upstream string, o Options) *Proxy {
	t.Helper()
	up, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{rnd: rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15)), rate: o.Rate, match: o.Match}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 256
	client := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.started.Add(1)
		body, _ := io.ReadAll(r.Body)
		out, err := http.NewRequestWithContext(r.Context(), r.Method, up.Scheme+"://"+up.Host+r.URL.RequestURI(), bytes.NewReader(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		out.Header = r.Header.Clone()
		resp, err := client.Do(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		f := p.draw(r)
		p.counts[f].Add(1)
		p.answer(w, f, resp, data)
	}))
	t.Cleanup(p.srv.Close)
	p.URL = p.srv.URL
	return p
}

func isWrite(r *http.Request) bool {
	switch r.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

func (p *Proxy) draw(r *http.Request) Fault {
	if !isWrite(r) || (p.match != nil && !p.match(r)) {
		return Pass
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.rnd.Float64() >= p.rate {
		return Pass
	}
	return Fault(1 + p.rnd.IntN(int(nFaults)-1))
}

func (p *Proxy) answer(w http.ResponseWriter, f Fault, resp *http.Response, data []byte) {
	switch f {
	case Close, Reset:
		hj, ok := w.(http.Hijacker)
		if !ok {
			panic("faultproxy: the server cannot hijack")
		}
		conn, _, err := hj.Hijack()
		if err != nil {
			return
		}
		if tc, ok := conn.(*net.TCPConn); ok && f == Reset {
			tc.SetLinger(0)
		}
		conn.Close()
	case NotFound:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"code": 20404, "message": "The requested resource was not found", "status": 404}`)
	case ServerError:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, `{"code": 20500, "message": "Internal Server Error", "status": 500}`)
	case Malformed:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(resp.StatusCode)
		fmt.Fprint(w, `{"sid": "CR`+strings.Repeat("0", 8)+`", "username": <html>`)
	case Huge:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(resp.StatusCode)
		w.Write([]byte(`{"padding": "`))
		chunk := bytes.Repeat([]byte("x"), 1<<20)
		for n := 0; n < HugeSize; n += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
		w.Write([]byte(`"}`))
	default:
		for k, vs := range resp.Header {
			for _, v := range vs {
				w.Header().Add(k, v)
			}
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(resp.StatusCode)
		w.Write(data)
	}
}

// Faults says how many answers got each fault so far ("close=3 reset=1 …").
func (p *Proxy) Faults() string {
	var parts []string
	for f := Close; f < nFaults; f++ {
		if n := p.counts[f].Load(); n > 0 {
			parts = append(parts, fmt.Sprintf("%s=%d", f, n))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " ")
}

// Faulted is how many answers were spoiled so far.
func (p *Proxy) Faulted() int64 {
	var n int64
	for f := Close; f < nFaults; f++ {
		n += p.counts[f].Load()
	}
	return n
}

// Requests is how many requests the proxy forwarded.
func (p *Proxy) Requests() int64 { return p.started.Load() }

// SetRate changes the fault probability (0 stops faults).
func (p *Proxy) SetRate(rate float64) {
	p.mu.Lock()
	p.rate = rate
	p.mu.Unlock()
}

// Reset starts a new sequence of faults from seed at rate.
func (p *Proxy) Reset(seed uint64, rate float64) {
	p.mu.Lock()
	p.rnd = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	p.rate = rate
	p.mu.Unlock()
	for i := range p.counts {
		p.counts[i].Store(0)
	}
}
