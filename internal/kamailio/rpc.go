package kamailio

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sipctl/sipctl/internal/httpapi"
)

// rpcClient speaks JSON-RPC 2.0 to Kamailio's jsonrpcs module over xhttp.
type rpcClient struct {
	url string
	hc  *http.Client
	id  atomic.Int64
}

// RPCError is an error answer from Kamailio ("AOR not found in location table").
type RPCError struct {
	Method  string
	Code    int
	Message string
}

func (e *RPCError) Error() string {
	return fmt.Sprintf("kamailio RPC %s: %s (%d)", e.Method, e.Message, e.Code)
}

// ParseRPCURL checks an RPC URL: https, or http only to loopback unless
// allowHTTP (the profile's rpc_allow_http) says otherwise.
func ParseRPCURL(raw string, allowHTTP bool) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("invalid RPC URL %q: expected http://127.0.0.1:PORT/RPC (jsonrpcs over xhttp)", raw)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) && !allowHTTP {
			return nil, fmt.Errorf("refusing plain http RPC URL %q: http is allowed only to loopback addresses; use https, or opt in with --rpc-allow-http", raw)
		}
	default:
		return nil, fmt.Errorf("invalid RPC URL %q: scheme must be http or https", raw)
	}
	if u.User != nil {
		return nil, fmt.Errorf("refusing an RPC URL with credentials in it (%s)", u.Redacted())
	}
	if u.Path == "" {
		u.Path = "/RPC"
	}
	return u, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func newRPC(raw string, allowHTTP bool, hc *http.Client) (*rpcClient, error) {
	u, err := ParseRPCURL(raw, allowHTTP)
	if err != nil {
		return nil, err
	}
	if hc == nil {
		hc = &http.Client{Timeout: 15 * time.Second}
	}
	return &rpcClient{url: u.String(), hc: hc}, nil
}

// maxRPCAnswer is the longest JSON-RPC answer read.
const maxRPCAnswer = 256 << 20

// call runs method with params and decodes the result into out (nil
// discards it).
func (r *rpcClient) call(ctx context.Context, method string, out any, params ...any) error {
	if params == nil {
		params = []any{}
	}
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": method, "params": params, "id": r.id.Add(1)})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := r.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &UnreachableError{What: "RPC endpoint", Target: r.url, Err: err}
	}
	defer res.Body.Close()
	// A registrar's whole location table can be large (ul.dump), so the
	// limit is above httpapi's; past it the answer is refused, never cut.
	data, err := io.ReadAll(io.LimitReader(res.Body, maxRPCAnswer+1))
	if err != nil {
		return &UnreachableError{What: "RPC endpoint", Target: r.url, Err: err}
	}
	if len(data) > maxRPCAnswer {
		return &httpapi.TooLargeError{Method: "RPC", Path: method, Limit: maxRPCAnswer}
	}
	var env struct {
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(data, &env); err != nil {
		return fmt.Errorf("kamailio RPC endpoint %s answered HTTP %d with no JSON-RPC (is it jsonrpcs over xhttp?)", r.url, res.StatusCode)
	}
	if env.Error != nil {
		return &RPCError{Method: method, Code: env.Error.Code, Message: env.Error.Message}
	}
	if out == nil || len(env.Result) == 0 {
		return nil
	}
	if err := json.Unmarshal(env.Result, out); err != nil {
		return fmt.Errorf("kamailio RPC %s: unexpected result: %w", method, err)
	}
	return nil
}

// reload runs a reload method after a table change, saying what was
// changed when it fails, so the user knows the table and the cache differ.
func (c *Client) reload(ctx context.Context, method, changed string) error {
	if c.rpc == nil {
		return fmt.Errorf("%s, but Kamailio was not told to reload (%s): %w", changed, method, errNoRPC)
	}
	err := c.rpc.call(ctx, method, nil)
	// permissions refuses a reload within reload_delta seconds (default 5)
	// of the last one: "ongoing reload". Wait for it.
	for wait := 250 * time.Millisecond; isOngoingReload(err) && wait < 16*time.Second; wait *= 2 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		err = c.rpc.call(ctx, method, nil)
	}
	if err != nil {
		var ue *UnreachableError
		if errors.As(err, &ue) {
			return &UnreachableError{What: ue.What, Target: ue.Target, Err: fmt.Errorf("%s, but %s failed: %w", changed, method, ue.Err)}
		}
		return fmt.Errorf("%s, but %s failed: %w; run it with `kamcli rpc %s`", changed, method, err, method)
	}
	return nil
}

// preflight checks the RPC endpoint before a change that needs a reload, so
// an unreachable Kamailio fails the command before any row changes.
func (c *Client) preflight(ctx context.Context, method string) error {
	if c.rpc == nil {
		return fmt.Errorf("cannot run %s after the change: %w", method, errNoRPC)
	}
	_, err := c.Ping(ctx)
	return err
}

func isOngoingReload(err error) bool {
	var re *RPCError
	return errors.As(err, &re) && strings.Contains(strings.ToLower(re.Message), "ongoing reload")
}
