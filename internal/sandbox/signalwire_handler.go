package sandbox

import (
	"bytes"
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
)

// SignalWire's documented API rate limit: POST, PUT and PATCH requests,
// 13,800 per 10 seconds; GET and DELETE "effectively unlimited".
const (
	SignalWireWriteLimit  = 13800
	SignalWireLimitWindow = 10 * time.Second
)

// swHandler is the SignalWire face: the relay REST SIP endpoints sipctl
// manages, with SignalWire's shapes, errors, HTTP Basic (project ID and API
// token), pagination by page links, and its documented write rate limit, on
// the same store and registrar as the other faces.
type swHandler struct {
	s   *Sandbox
	o   HandlerOptions
	sem chan struct{}
	mux *http.ServeMux
	// The rate limit's fixed window.
	mu          sync.Mutex
	windowStart time.Time
	writes      int
}

func newSWHandler(s *Sandbox, o HandlerOptions, sem chan struct{}) *swHandler {
	h := &swHandler{s: s, o: o, sem: sem, mux: http.NewServeMux()}
	p := "/api/relay/rest/endpoints/sip"
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { writeSW(w, http.StatusNotFound, swMessage("Not Found")) })
	h.handle("GET "+p, h.list)
	h.handle("POST "+p, h.create)
	h.handle("GET "+p+"/{id}", h.get)
	h.handle("PUT "+p+"/{id}", h.update)
	h.handle("DELETE "+p+"/{id}", h.delete)
	return h
}

// swError is an answer in one of SignalWire's error shapes.
type swError struct {
	status int
	body   any
}

func (e *swError) Error() string { return fmt.Sprintf("HTTP %d", e.status) }

func swMessage(msg string) map[string]string { return map[string]string{"error": msg} }

func swNotFound() *swError { return &swError{http.StatusNotFound, swMessage("Not Found")} }

// swInvalid is the relay REST API's validation error (422).
func swInvalid(detail string) *swError {
	return &swError{http.StatusUnprocessableEntity, map[string]any{"errors": []map[string]string{
		{"detail": detail, "status": "422", "title": "Invalid Attribute", "code": "422"}}}}
}

func writeSW(w http.ResponseWriter, status int, body any) {
	if status == http.StatusNoContent {
		w.WriteHeader(status)
		return
	}
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

func writeSWError(w http.ResponseWriter, err error) {
	var se *swError
	if !errors.As(err, &se) {
		se = &swError{http.StatusInternalServerError, swMessage("Internal Server Error")}
	}
	writeSW(w, se.status, se.body)
}

func (h *swHandler) handle(pattern string, ep func(r *http.Request) (int, any, error)) {
	h.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		status, body, err := ep(r)
		if err != nil {
			writeSWError(w, err)
			return
		}
		writeSW(w, status, body)
	})
}

// allowWrite counts a write against the window; when the window is spent it
// says how long until the next one.
func (h *swHandler) allowWrite(now time.Time) (remaining int, retry time.Duration, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if now.Sub(h.windowStart) >= SignalWireLimitWindow {
		h.windowStart, h.writes = now, 0
	}
	if h.writes >= SignalWireWriteLimit {
		return 0, h.windowStart.Add(SignalWireLimitWindow).Sub(now), false
	}
	h.writes++
	return SignalWireWriteLimit - h.writes, 0, true
}

func (h *swHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.sem != nil {
		select {
		case h.sem <- struct{}{}:
			defer func() { <-h.sem }()
		default:
			writeSW(w, http.StatusTooManyRequests, swMessage("Too Many Requests"))
			return
		}
	}
	if h.o.Latency > 0 {
		t := time.NewTimer(h.o.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if h.o.FailRate > 0 && rand.Float64() < h.o.FailRate {
		writeSW(w, http.StatusInternalServerError, swMessage("Internal Server Error"))
		return
	}
	user, token, ok := r.BasicAuth()
	project, want := h.s.SignalWireProject()
	if !ok || subtle.ConstantTimeCompare([]byte(user), []byte(project)) != 1 || subtle.ConstantTimeCompare([]byte(token), []byte(want)) != 1 {
		writeSW(w, http.StatusUnauthorized, swMessage("Unauthorized"))
		return
	}
	if r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch {
		remaining, retry, ok := h.allowWrite(time.Now())
		w.Header().Set("X-RateLimit-Limit", strconv.Itoa(SignalWireWriteLimit))
		w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
		if !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(retry/time.Second)+1))
			writeSW(w, http.StatusTooManyRequests, swMessage("Too Many Requests"))
			return
		}
	}
	h.mux.ServeHTTP(w, r)
}

// endpointJSON is an endpoint as SignalWire writes it (never the password):
// every field the document requires, the call handler ones unset.
func endpointJSON(e swEndpoint) map[string]any {
	m := map[string]any{
		"type": "sip_endpoint", "id": e.ID, "username": e.Username, "caller_id": e.CallerID, "send_as": e.SendAs,
		"ciphers": swList(e.Ciphers), "codecs": swList(e.Codecs), "encryption": e.Encryption,
	}
	for _, k := range []string{"call_handler", "calling_handler_resource_id", "call_request_url", "call_request_method",
		"call_fallback_url", "call_fallback_method", "call_status_callback_url", "call_status_callback_method",
		"call_laml_application_id", "call_dialogflow_agent_id", "call_relay_topic", "call_relay_topic_status_callback_url",
		"call_relay_context", "call_relay_context_status_callback_url", "call_relay_application", "call_video_room_id",
		"call_relay_script_url"} {
		m[k] = nil
	}
	return m
}

func swList(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// list is GET …/endpoints/sip: page_size (1 to 1000, default 50),
// page_number (from 0) with the page_token of the page before, which the
// links carry; filter_username and filter_caller_id match part of a value.
// Links are paths on this server, so they stay right behind a proxy.
func (h *swHandler) list(r *http.Request) (int, any, error) {
	q := r.URL.Query()
	size, number := 50, 0
	if v := q.Get("page_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return 0, nil, swInvalid("page_size must be an integer from 1 to 1000")
		}
		size = n
	}
	if v := q.Get("page_number"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, nil, swInvalid("page_number must be an integer of 0 or more")
		}
		number = n
	}
	after := int64(0)
	if number > 0 {
		tok, ok := strings.CutPrefix(q.Get("page_token"), "PA")
		n, err := strconv.ParseInt(tok, 10, 64)
		if !ok || err != nil || n < 0 {
			return 0, nil, swInvalid("page_token is required when page_number is more than 0: follow the links")
		}
		after = n
	}
	where, args := "seq > ?", []any{after}
	for _, f := range []struct{ param, column string }{{"filter_username", "username"}, {"filter_caller_id", "caller_id"}} {
		if v := q.Get(f.param); v != "" {
			where += " AND instr(lower(" + f.column + "), lower(?)) > 0"
			args = append(args, v)
		}
	}
	rows, err := h.s.db.QueryContext(r.Context(), `SELECT `+swColumns+` FROM signalwire_endpoints WHERE `+where+
		fmt.Sprintf(` ORDER BY seq LIMIT %d`, size+1), args...)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	var page []swEndpoint
	for rows.Next() {
		e, err := scanSW(rows)
		if err != nil {
			return 0, nil, err
		}
		page = append(page, e)
	}
	if err := rows.Err(); err != nil {
		return 0, nil, err
	}
	link := func(n int, token int64) string {
		v := url.Values{}
		for _, k := range []string{"filter_username", "filter_caller_id"} {
			if s := q.Get(k); s != "" {
				v.Set(k, s)
			}
		}
		v.Set("page_size", strconv.Itoa(size))
		v.Set("page_number", strconv.Itoa(n))
		if n > 0 {
			v.Set("page_token", "PA"+strconv.FormatInt(token, 10))
		}
		return r.URL.Path + "?" + v.Encode()
	}
	links := map[string]string{"self": link(number, after), "first": link(0, 0)}
	if len(page) > size {
		page = page[:size]
		links["next"] = link(number+1, page[len(page)-1].seq)
	}
	if number > 0 {
		prev, err := h.pageStartBefore(r.Context(), after, size, where[len("seq > ?"):], args[1:])
		if err != nil {
			return 0, nil, err
		}
		links["prev"] = link(number-1, prev)
	}
	data := make([]any, len(page))
	for i, e := range page {
		data[i] = endpointJSON(e)
	}
	return http.StatusOK, map[string]any{"links": links, "data": data}, nil
}

// pageStartBefore is the token of the page before the one after token: the
// seq just before its first row, or 0.
func (h *swHandler) pageStartBefore(ctx context.Context, token int64, size int, filter string, args []any) (int64, error) {
	var seq sql.NullInt64
	err := h.s.db.QueryRowContext(ctx, `SELECT seq FROM signalwire_endpoints WHERE seq <= ?`+filter+
		fmt.Sprintf(` ORDER BY seq DESC LIMIT 1 OFFSET %d`, size), append([]any{token}, args...)...).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return seq.Int64, err
}

func (h *swHandler) endpoint(ctx context.Context, id string) (swEndpoint, error) {
	e, err := scanSW(h.s.db.QueryRowContext(ctx, `SELECT `+swColumns+` FROM signalwire_endpoints WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return e, swNotFound()
	}
	return e, err
}

func (h *swHandler) get(r *http.Request) (int, any, error) {
	e, err := h.endpoint(r.Context(), r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, endpointJSON(e), nil
}

// swBody is the part of Create/UpdateSipEndpointRequest the sandbox keeps;
// the call handler fields are accepted and ignored.
type swBody struct {
	Username   *string   `json:"username"`
	Password   *string   `json:"password"`
	CallerID   *string   `json:"caller_id"`
	SendAs     *string   `json:"send_as"`
	Codecs     *[]string `json:"codecs"`
	Ciphers    *[]string `json:"ciphers"`
	Encryption *string   `json:"encryption"`
}

var (
	swCodecs  = []string{"PCMU", "PCMA", "G722", "G729", "OPUS", "OPUS@48000H@20I", "OPUS@24000H@20I", "OPUS@16000H@20I", "OPUS@8000H@20I", "VP8", "H264"}
	swCiphers = []string{"AEAD_AES_256_GCM_8", "AES_256_CM_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_80", "AES_256_CM_HMAC_SHA1_32", "AES_CM_128_HMAC_SHA1_32"}
)

func readSWBody(r *http.Request) (swBody, error) {
	var b swBody
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return b, err
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return b, &swError{http.StatusBadRequest, swMessage("Bad Request")}
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		return b, swInvalid("the request body is not valid JSON for a SIP endpoint: " + err.Error())
	}
	return b, nil
}

// apply validates b and writes it onto e; it returns the new HA1 when the
// password changes.
func (b swBody) apply(e *swEndpoint, creating bool) (digest string, err error) {
	if creating && (b.Username == nil || *b.Username == "") {
		return "", swInvalid("Username can't be blank")
	}
	if creating && (b.Password == nil || *b.Password == "") {
		return "", swInvalid("Password can't be blank")
	}
	if b.Username != nil {
		u := *b.Username
		if u == "" || strings.ContainsFunc(u, unicode.IsSpace) || strings.Contains(u, "@") {
			return "", swInvalid("Username must not contain white space characters or @")
		}
		if !creating && u != e.Username && b.Password == nil {
			return "", swInvalid("Password is required to change the username (the sandbox keeps only digests)")
		}
		e.Username = u
	}
	if b.Password != nil {
		if *b.Password == "" {
			return "", swInvalid("Password can't be blank")
		}
		digest = ha1(e.Username, SignalWireRealm, *b.Password)
	}
	if b.CallerID != nil {
		e.CallerID = b.CallerID
	}
	if b.SendAs != nil {
		if v := *b.SendAs; v != "random" && !isE164(v) {
			return "", swInvalid("Send as must be random or a purchased or verified number in E.164")
		}
		e.SendAs = *b.SendAs
	}
	for _, l := range []struct {
		what    string
		in      *[]string
		allowed []string
		dst     *[]string
	}{{"Codecs", b.Codecs, swCodecs, &e.Codecs}, {"Ciphers", b.Ciphers, swCiphers, &e.Ciphers}} {
		if l.in == nil {
			continue
		}
		for _, v := range *l.in {
			if !slices.Contains(l.allowed, v) {
				return "", swInvalid(fmt.Sprintf("%s are invalid: %q is not one of %s", l.what, v, strings.Join(l.allowed, ", ")))
			}
		}
		// An empty list is the project's defaults.
		*l.dst = *l.in
		if len(*l.in) == 0 {
			*l.dst = slices.Clone(map[string][]string{"Codecs": {"OPUS", "G722", "PCMU", "PCMA", "G729", "VP8", "H264"}, "Ciphers": swCiphers}[l.what])
		}
	}
	if b.Encryption != nil {
		if !slices.Contains([]string{"default", "required", "optional"}, *b.Encryption) {
			return "", swInvalid("Encryption must be one of default, required, optional")
		}
		e.Encryption = *b.Encryption
	}
	return digest, nil
}

func (h *swHandler) create(r *http.Request) (int, any, error) {
	b, err := readSWBody(r)
	if err != nil {
		return 0, nil, err
	}
	e := swEndpoint{ID: newUUID(), SendAs: "random", Encryption: "default",
		Codecs: []string{"OPUS", "G722", "PCMU", "PCMA", "G729", "VP8", "H264"}, Ciphers: swCiphers}
	digest, err := b.apply(&e, true)
	if err != nil {
		return 0, nil, err
	}
	codecs, _ := json.Marshal(e.Codecs)
	ciphers, _ := json.Marshal(e.Ciphers)
	now := h.s.now().Unix()
	err = h.s.tx(r.Context(), func(tx *sql.Tx) error {
		_, err := h.s.txExec(tx, `INSERT INTO signalwire_endpoints (id, username, ha1, caller_id, send_as, codecs, ciphers, encryption, created, updated)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.ID, e.Username, digest, e.CallerID, e.SendAs, string(codecs), string(ciphers), e.Encryption, now, now)
		return err
	})
	if isUnique(err) {
		return 0, nil, swInvalid("Username has already been taken")
	}
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, endpointJSON(e), nil
}

func (h *swHandler) update(r *http.Request) (int, any, error) {
	b, err := readSWBody(r)
	if err != nil {
		return 0, nil, err
	}
	var out swEndpoint
	err = h.s.tx(r.Context(), func(tx *sql.Tx) error {
		e, err := scanSW(h.s.txQueryRow(tx, `SELECT `+swColumns+` FROM signalwire_endpoints WHERE id = ?`, r.PathValue("id")))
		if errors.Is(err, sql.ErrNoRows) {
			return swNotFound()
		}
		if err != nil {
			return err
		}
		digest, err := b.apply(&e, false)
		if err != nil {
			return err
		}
		codecs, _ := json.Marshal(e.Codecs)
		ciphers, _ := json.Marshal(e.Ciphers)
		if digest != "" {
			_, err = h.s.txExec(tx, `UPDATE signalwire_endpoints SET username = ?, ha1 = ?, caller_id = ?, send_as = ?, codecs = ?, ciphers = ?, encryption = ?, updated = ? WHERE id = ?`,
				e.Username, digest, e.CallerID, e.SendAs, string(codecs), string(ciphers), e.Encryption, h.s.now().Unix(), e.ID)
		} else {
			_, err = h.s.txExec(tx, `UPDATE signalwire_endpoints SET caller_id = ?, send_as = ?, codecs = ?, ciphers = ?, encryption = ?, updated = ? WHERE id = ?`,
				e.CallerID, e.SendAs, string(codecs), string(ciphers), e.Encryption, h.s.now().Unix(), e.ID)
		}
		out = e
		return err
	})
	if isUnique(err) {
		return 0, nil, swInvalid("Username has already been taken")
	}
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, endpointJSON(out), nil
}

func (h *swHandler) delete(r *http.Request) (int, any, error) {
	var n int64
	err := h.s.tx(r.Context(), func(tx *sql.Tx) error {
		res, err := h.s.txExec(tx, `DELETE FROM signalwire_endpoints WHERE id = ?`, r.PathValue("id"))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, nil, err
	}
	if n == 0 {
		return 0, nil, swNotFound()
	}
	return http.StatusNoContent, nil, nil
}
