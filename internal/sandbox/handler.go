package sandbox

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sipctl/sipctl/internal/sip"
)

// HandlerOptions are the benchmark and fault knobs of `sandbox serve`.
type HandlerOptions struct {
	// Latency is the least time every answer takes, the handler's own work
	// inside it, as a distant API's does.
	Latency time.Duration
	// MaxConcurrency bounds requests in progress; beyond it the handler
	// answers 429 with Twilio's code 20429. Zero means no bound.
	MaxConcurrency int
	// FailRate is the fraction (0..1) of requests answered with a 500
	// (code 20500) before doing anything.
	FailRate float64
	// Bindings, when set, reports the registrar's current contacts of
	// user@domain: the Telnyx face's registration status comes from it.
	Bindings func(domain, user string) []sip.Binding
	// PlivoRateLimit makes the Plivo face answer 429 beyond Plivo's
	// documented 300 requests per 5 seconds per account.
	PlivoRateLimit bool
}

const apiPrefix = "/2010-04-01"

// Handler is the Twilio-compatible API with no latency or faults.
func (s *Sandbox) Handler() http.Handler { return s.HandlerWith(HandlerOptions{}) }

// HandlerWith is the API with the given latency, concurrency bound and
// failure rate.
func (s *Sandbox) HandlerWith(o HandlerOptions) http.Handler {
	h := &handler{s: s, o: o, mux: http.NewServeMux()}
	if o.MaxConcurrency > 0 {
		h.sem = make(chan struct{}, o.MaxConcurrency)
	}
	h.routes()
	h.telnyx = newTxHandler(s, o, h.sem)
	h.plivo = newPlHandler(s, o, h.sem)
	h.signalwire = newSWHandler(s, o, h.sem)
	return h
}

type handler struct {
	s   *Sandbox
	o   HandlerOptions
	sem chan struct{}
	mux *http.ServeMux
	// telnyx is the Telnyx face, under TelnyxPrefix.
	telnyx http.Handler
	// plivo is the Plivo face, under PlivoPrefix.
	plivo http.Handler
	// signalwire is the SignalWire face, under SignalWirePrefix.
	signalwire http.Handler
}

// apiError is Twilio's error body.
type apiError struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
	Status   int    `json:"status"`
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %d: %s", e.Status, e.Code, e.Message) }

func newError(status, code int, format string, args ...any) *apiError {
	return &apiError{
		Code:     code,
		Message:  fmt.Sprintf(format, args...),
		MoreInfo: fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code),
		Status:   status,
	}
}

func notFound(r *http.Request) *apiError {
	return newError(http.StatusNotFound, 20404, "The requested resource %s was not found", r.URL.Path)
}

func invalidParam(code int, format string, args ...any) *apiError {
	return newError(http.StatusBadRequest, code, format, args...)
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, TelnyxPrefix+"/") {
		h.telnyx.ServeHTTP(w, r)
		return
	}
	if strings.HasPrefix(r.URL.Path, PlivoPrefix) {
		h.plivo.ServeHTTP(w, r)
		return
	}
	if strings.HasPrefix(r.URL.Path, SignalWirePrefix) {
		h.signalwire.ServeHTTP(w, r)
		return
	}
	if h.sem != nil {
		select {
		case h.sem <- struct{}{}:
			defer func() { <-h.sem }()
		default:
			writeError(w, newError(http.StatusTooManyRequests, 20429, "Too Many Requests"))
			return
		}
	}
	if h.o.Latency > 0 {
		lw := withLatency(w, r, h.o.Latency)
		defer lw.flush()
		w = lw
	}
	if h.o.FailRate > 0 && rand.Float64() < h.o.FailRate {
		writeError(w, newError(http.StatusInternalServerError, 20500, "Internal Server Error (injected by --fail-rate)"))
		return
	}
	// Twilio's paths end in .json; the mux's wildcards need whole segments.
	r2 := r.Clone(r.Context())
	r2.URL.Path = strings.TrimSuffix(r.URL.Path, ".json")
	r2.URL.RawPath = ""
	if err := r2.ParseForm(); err != nil {
		writeError(w, invalidParam(20001, "Unable to parse the request: %v", err))
		return
	}
	h.mux.ServeHTTP(w, r2)
}

// endpoint is one API operation; it returns the status and the body to write.
type endpoint func(c *call) (int, any, error)

// call is one authenticated request on one account.
type call struct {
	r       *http.Request
	ctx     context.Context
	account string // the {AccountSid} the path names
	auth    string // the authenticated account
	path    string // the request path as sent, with .json
}

func (c *call) param(k string) string { return c.r.PathValue(k) }

// form is the POST body (or the query for GET and DELETE).
func (c *call) form(k string) (string, bool) {
	vs, ok := c.r.Form[k]
	if !ok || len(vs) == 0 {
		return "", false
	}
	return vs[0], true
}

func (h *handler) handle(pattern string, accountScoped bool, ep endpoint) {
	h.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		authSID, aerr := h.authenticate(r)
		if aerr != nil {
			w.Header().Set("WWW-Authenticate", `Basic realm="Twilio API"`)
			writeError(w, aerr)
			return
		}
		c := &call{r: r, ctx: r.Context(), auth: authSID, path: r.URL.Path + ".json"}
		if accountScoped {
			c.account = r.PathValue("AccountSid")
			if err := h.authorize(c.ctx, authSID, c.account); err != nil {
				writeAnyError(w, err)
				return
			}
		}
		status, body, err := ep(c)
		if err != nil {
			writeAnyError(w, err)
			return
		}
		if status == http.StatusNoContent {
			w.WriteHeader(status)
			return
		}
		writeJSON(w, status, body)
	})
}

// authenticate checks Basic auth: an account SID and its auth token.
func (h *handler) authenticate(r *http.Request) (string, *apiError) {
	user, pass, ok := r.BasicAuth()
	unauth := newError(http.StatusUnauthorized, 20003, "Authenticate")
	if !ok || user == "" {
		return "", unauth
	}
	var token, status string
	err := h.s.queryRow(r.Context(), `SELECT auth_token, status FROM accounts WHERE sid = ?`, user).Scan(&token, &status)
	if err != nil || subtle.ConstantTimeCompare([]byte(token), []byte(pass)) != 1 || status == "closed" {
		return "", unauth
	}
	return user, nil
}

// authorize lets an account act on itself and on its subaccounts.
func (h *handler) authorize(ctx context.Context, auth, target string) error {
	if auth == target {
		return nil
	}
	var owner sql.NullString
	err := h.s.queryRow(ctx, `SELECT owner_sid FROM accounts WHERE sid = ?`, target).Scan(&owner)
	if errors.Is(err, sql.ErrNoRows) {
		return newError(http.StatusNotFound, 20404, "The requested resource /2010-04-01/Accounts/%s was not found", target)
	}
	if err != nil {
		return err
	}
	if !owner.Valid || owner.String != auth {
		return newError(http.StatusForbidden, 20003, "Authenticated account %s cannot act on account %s", auth, target)
	}
	return nil
}

func writeError(w http.ResponseWriter, e *apiError) { writeJSON(w, e.Status, e) }

// writeAnyError answers an *apiError as it is, and anything else (a database
// failure) as Twilio's 500.
func writeAnyError(w http.ResponseWriter, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = newError(http.StatusInternalServerError, 20500, "Internal Server Error: %v", err)
	}
	writeError(w, ae)
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	b, err := json.Marshal(body)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(newError(status, 20500, "encoding the response: %v", err))
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

// Dates are RFC 2822 in GMT, as Twilio writes them.
func rfc2822(unix int64) string { return time.Unix(unix, 0).UTC().Format(time.RFC1123Z) }

// nullable renders "" as JSON null, as Twilio does for unset fields.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func boolParam(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean", v)
}

// page is a list request's position: Twilio's PageSize, Page and PageToken.
// The token is "PA" and the sequence number of the previous page's last row,
// so a client deleting what it lists still gets every remaining row.
type page struct {
	size, index int
	after       int64
	token       bool
}

func parsePage(c *call) (page, error) {
	p := page{size: 50}
	if v, ok := c.form("PageSize"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return p, invalidParam(20001, "PageSize must be an integer from 1 to 1000, not %q", v)
		}
		p.size = n
	}
	if v, ok := c.form("Page"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return p, invalidParam(20001, "Page must be a non-negative integer, not %q", v)
		}
		p.index = n
	}
	if v, ok := c.form("PageToken"); ok && v != "" {
		n, err := strconv.ParseInt(strings.TrimPrefix(v, "PA"), 10, 64)
		if err != nil || !strings.HasPrefix(v, "PA") || n < 0 {
			return p, invalidParam(20001, "Invalid PageToken %q", v)
		}
		p.after, p.token = n, true
	}
	return p, nil
}

// sqlTail is the ORDER/LIMIT clause of a page's query, whose first column
// is seq and whose WHERE ends with "AND seq > ?" (bound to p.after). One
// extra row tells whether a next page exists.
func (p page) sqlTail() string {
	off := 0
	if !p.token {
		off = p.index * p.size
	}
	return fmt.Sprintf(" ORDER BY 1 LIMIT %d OFFSET %d", p.size+1, off)
}

// listBody is a Twilio list page: the items under key and the paging fields.
func listBody(c *call, p page, key string, items []any, seqs []int64, filters url.Values) map[string]any {
	more := len(items) > p.size
	if more {
		items, seqs = items[:p.size], seqs[:p.size]
	}
	pageURI := func(index int, token string) string {
		q := url.Values{}
		for k, v := range filters {
			q[k] = v
		}
		q.Set("PageSize", strconv.Itoa(p.size))
		q.Set("Page", strconv.Itoa(index))
		if token != "" {
			q.Set("PageToken", token)
		}
		return c.path + "?" + q.Encode()
	}
	token := ""
	if p.token {
		token = "PA" + strconv.FormatInt(p.after, 10)
	}
	start := p.index * p.size
	body := map[string]any{
		key:                 nonNil(items),
		"first_page_uri":    pageURI(0, ""),
		"next_page_uri":     nil,
		"previous_page_uri": nil,
		"page":              p.index,
		"page_size":         p.size,
		"start":             start,
		"end":               start + max(len(items)-1, 0),
		"uri":               pageURI(p.index, token),
	}
	if more {
		body["next_page_uri"] = pageURI(p.index+1, "PA"+strconv.FormatInt(seqs[len(seqs)-1], 10))
	}
	if p.index > 0 {
		body["previous_page_uri"] = pageURI(p.index-1, "")
	}
	return body
}

func nonNil(items []any) []any {
	if items == nil {
		return []any{}
	}
	return items
}

// queryList runs a page query, scanning each row with scan, which returns
// the row's seq and its JSON body.
func queryList(c *call, db *sql.DB, p page, query string, args []any, scan func(*sql.Rows) (int64, any, error)) ([]any, []int64, error) {
	rows, err := db.QueryContext(c.ctx, query+p.sqlTail(), append(args, p.after)...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var items []any
	var seqs []int64
	for rows.Next() {
		seq, item, err := scan(rows)
		if err != nil {
			return nil, nil, err
		}
		items = append(items, item)
		seqs = append(seqs, seq)
	}
	return items, seqs, rows.Err()
}

// isUnique reports a UNIQUE constraint failure.
func isUnique(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

func (h *handler) routes() {
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		r.URL.Path += ".json"
		writeError(w, notFound(r))
	})
	h.accountRoutes()
	h.domainRoutes()
	h.credentialRoutes()
	h.ipACLRoutes()
	h.mappingRoutes()
	h.callerIDRoutes()
}

func accountPath(sub string) string { return apiPrefix + "/Accounts/{AccountSid}/" + sub }
