package sandbox

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// plHandler is the Plivo face: the subset of Plivo's API v1 sipctl uses
// (endpoints and subaccounts), with Plivo's shapes, errors and limit/offset
// pages, on the same store and registrar as the other faces.
type plHandler struct {
	s   *Sandbox
	o   HandlerOptions
	sem chan struct{}
	mux *http.ServeMux
	// buckets are the per-account request allowances when
	// HandlerOptions.PlivoRateLimit is set.
	mu      sync.Mutex
	buckets map[string]*bucket
}

func newPlHandler(s *Sandbox, o HandlerOptions, sem chan struct{}) *plHandler {
	h := &plHandler{s: s, o: o, sem: sem, mux: http.NewServeMux(), buckets: map[string]*bucket{}}
	h.routes()
	return h
}

// plError is Plivo's error answer.
type plError struct {
	status int
	msg    string
}

func (e *plError) Error() string { return e.msg }

func plErr(status int, format string, args ...any) *plError {
	return &plError{status: status, msg: fmt.Sprintf(format, args...)}
}

func plNotFound() *plError { return plErr(http.StatusNotFound, "not found") }

func apiID() string {
	var b [16]byte
	rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func writePl(w http.ResponseWriter, status int, body map[string]any) {
	if status == http.StatusNoContent {
		w.WriteHeader(status)
		return
	}
	if body == nil {
		body = map[string]any{}
	}
	body["api_id"] = apiID()
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

func writePlError(w http.ResponseWriter, err error) {
	var pe *plError
	if !errors.As(err, &pe) {
		pe = plErr(http.StatusInternalServerError, "internal server error")
	}
	writePl(w, pe.status, map[string]any{"error": pe.msg})
}

// bucket allows Plivo's documented 300 requests per 5 seconds: 300 at
// once, refilled at 60 a second.
type bucket struct {
	tokens float64
	last   time.Time
}

const (
	plivoBurst = 300
	plivoRate  = 300.0 / 5
)

func (h *plHandler) allow(account string) (ok bool, retry time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := time.Now()
	b := h.buckets[account]
	if b == nil {
		b = &bucket{tokens: plivoBurst, last: now}
		h.buckets[account] = b
	}
	b.tokens = min(plivoBurst, b.tokens+now.Sub(b.last).Seconds()*plivoRate)
	b.last = now
	if b.tokens < 1 {
		return false, time.Duration((1 - b.tokens) / plivoRate * float64(time.Second))
	}
	b.tokens--
	return true, 0
}

func (h *plHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.sem != nil {
		select {
		case h.sem <- struct{}{}:
			defer func() { <-h.sem }()
		default:
			writePlError(w, plErr(http.StatusTooManyRequests, "too many requests in progress (sandbox --max-concurrency)"))
			return
		}
	}
	if h.o.Latency > 0 {
		lw := withLatency(w, r, h.o.Latency)
		defer lw.flush()
		w = lw
	}
	if h.o.FailRate > 0 && mrand.Float64() < h.o.FailRate {
		writePlError(w, plErr(http.StatusInternalServerError, "internal server error (injected by --fail-rate)"))
		return
	}
	who, err := h.authenticate(r)
	if err != nil {
		writePlError(w, err)
		return
	}
	if h.o.PlivoRateLimit {
		if ok, retry := h.allow(who); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(retry/time.Second)+1))
			writePlError(w, plErr(http.StatusTooManyRequests, "too many requests: the limit is 300 requests per 5 seconds"))
			return
		}
	}
	// Plivo's paths end in '/'; one without it names the same resource.
	r2 := r
	if !strings.HasSuffix(r.URL.Path, "/") {
		r2 = r.Clone(r.Context())
		r2.URL.Path += "/"
		r2.URL.RawPath = ""
	}
	h.mux.ServeHTTP(w, r2.WithContext(context.WithValue(r2.Context(), ownerKey{}, who)))
}

// authenticate checks HTTP Basic credentials (the main account's, or an
// enabled subaccount's own) and that the path's account is theirs.
func (h *plHandler) authenticate(r *http.Request) (string, error) {
	unauth := plErr(http.StatusUnauthorized, "authentication failed: check your Auth ID and Auth Token")
	id, token, ok := r.BasicAuth()
	if !ok {
		return "", unauth
	}
	want := ""
	if subtle.ConstantTimeCompare([]byte(id), []byte(h.s.PlivoAuthID())) == 1 {
		want = h.s.PlivoAuthToken()
	} else {
		var enabled bool
		err := h.s.db.QueryRowContext(r.Context(), `SELECT auth_token, enabled FROM plivo_subaccounts WHERE auth_id = ?`, id).Scan(&want, &enabled)
		if errors.Is(err, sql.ErrNoRows) {
			return "", unauth
		}
		if err != nil {
			return "", err
		}
		if subtle.ConstantTimeCompare([]byte(token), []byte(want)) == 1 && !enabled {
			return "", plErr(http.StatusUnauthorized, "authentication failed: this subaccount is disabled")
		}
	}
	if subtle.ConstantTimeCompare([]byte(token), []byte(want)) != 1 {
		return "", unauth
	}
	rest := strings.TrimPrefix(r.URL.Path, PlivoPrefix)
	pathID, _, _ := strings.Cut(rest, "/")
	if pathID != id {
		return "", plErr(http.StatusUnauthorized, "the Auth ID in the URL is not the one authenticated")
	}
	return id, nil
}

type plEndpoint func(r *http.Request) (int, map[string]any, error)

func (h *plHandler) handle(pattern string, ep plEndpoint) {
	h.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		status, body, err := ep(r)
		if err != nil {
			writePlError(w, err)
			return
		}
		writePl(w, status, body)
	})
}

func (h *plHandler) routes() {
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { writePlError(w, plNotFound()) })
	p := PlivoPrefix + "{auth}"
	h.handle("GET "+p+"/Endpoint/{$}", h.listEndpoints)
	h.handle("POST "+p+"/Endpoint/{$}", h.createEndpoint)
	h.handle("GET "+p+"/Endpoint/{id}/{$}", h.getEndpoint)
	h.handle("POST "+p+"/Endpoint/{id}/{$}", h.updateEndpoint)
	h.handle("DELETE "+p+"/Endpoint/{id}/{$}", h.deleteEndpoint)
	h.handle("GET "+p+"/Subaccount/{$}", h.listSubaccounts)
	h.handle("POST "+p+"/Subaccount/{$}", h.createSubaccount)
	h.handle("GET "+p+"/Subaccount/{sub}/{$}", h.getSubaccount)
	h.handle("POST "+p+"/Subaccount/{sub}/{$}", h.updateSubaccount)
	h.handle("DELETE "+p+"/Subaccount/{sub}/{$}", h.deleteSubaccount)
}

// params reads a JSON body (as Plivo's libraries send) or a form.
func plParams(r *http.Request) (map[string]any, error) {
	out := map[string]any{}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			return nil, err
		}
		if len(strings.TrimSpace(string(raw))) == 0 {
			return out, nil
		}
		if err := json.Unmarshal(raw, &out); err != nil {
			return nil, plErr(http.StatusBadRequest, "invalid JSON body: %v", err)
		}
		return out, nil
	}
	if err := r.ParseForm(); err != nil {
		return nil, plErr(http.StatusBadRequest, "invalid form body: %v", err)
	}
	for k, v := range r.PostForm {
		out[k] = v[0]
	}
	return out, nil
}

// str reads a string parameter; ok is false when absent.
func plStr(p map[string]any, name string) (string, bool, error) {
	v, ok := p[name]
	if !ok || v == nil {
		return "", false, nil
	}
	s, isStr := v.(string)
	if !isStr {
		return "", false, plErr(http.StatusBadRequest, "%s must be a string", name)
	}
	return s, true, nil
}

func plBool(p map[string]any, name string) (bool, bool, error) {
	v, ok := p[name]
	if !ok || v == nil {
		return false, false, nil
	}
	switch x := v.(type) {
	case bool:
		return x, true, nil
	case string:
		if b, err := strconv.ParseBool(x); err == nil {
			return b, true, nil
		}
	}
	return false, false, plErr(http.StatusBadRequest, "%s must be true or false", name)
}

// page reads limit (1 to 20, default 20) and offset.
func plPage(r *http.Request) (limit, offset int, err error) {
	q := r.URL.Query()
	limit = 20
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 20 {
			return 0, 0, plErr(http.StatusBadRequest, "limit must be an integer from 1 to 20")
		}
	}
	if v := q.Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			return 0, 0, plErr(http.StatusBadRequest, "offset must be a non-negative integer")
		}
	}
	return limit, offset, nil
}

func pageMeta(path string, limit, offset, total int) map[string]any {
	link := func(off int) any {
		return fmt.Sprintf("%s?limit=%d&offset=%d", path, limit, off)
	}
	m := map[string]any{"limit": limit, "offset": offset, "total_count": total, "next": nil, "previous": nil}
	if offset+limit < total {
		m["next"] = link(offset + limit)
	}
	if offset > 0 {
		m["previous"] = link(max(0, offset-limit))
	}
	return m
}

// plEndpointRow is a stored endpoint.
type plEndpointRow struct {
	ID, Owner, Username, Alias, AppID string
	Created, Updated                  int64
}

const plColumns = `id, owner, username, alias, app_id, created, updated`

func scanPl(sc interface{ Scan(...any) error }) (plEndpointRow, error) {
	var e plEndpointRow
	err := sc.Scan(&e.ID, &e.Owner, &e.Username, &e.Alias, &e.AppID, &e.Created, &e.Updated)
	return e, err
}

func (h *plHandler) endpointJSON(e plEndpointRow) map[string]any {
	base := PlivoPrefix + e.Owner + "/"
	out := map[string]any{
		"alias":          e.Alias,
		"application":    nil,
		"endpoint_id":    e.ID,
		"resource_uri":   base + "Endpoint/" + e.ID + "/",
		"sip_registered": "false",
		"sip_uri":        "sip:" + e.Username + "@" + PlivoRealm,
		"sub_account":    nil,
		"username":       e.Username,
	}
	if e.AppID != "" {
		out["application"] = base + "Application/" + e.AppID + "/"
	}
	if e.Owner != h.s.PlivoAuthID() {
		out["sub_account"] = e.Owner
	}
	if h.o.Bindings != nil {
		if bs := h.o.Bindings(PlivoRealm, e.Username); len(bs) > 0 {
			b := bs[0]
			for _, x := range bs[1:] {
				if x.Updated.After(b.Updated) {
					b = x
				}
			}
			out["sip_registered"] = "true"
			out["sip_contact"] = b.Contact
			out["sip_expires"] = time.Now().Add(time.Duration(b.Expires) * time.Second).UTC().Format(time.DateTime)
		}
	}
	return out
}

func (h *plHandler) listEndpoints(r *http.Request) (int, map[string]any, error) {
	limit, offset, err := plPage(r)
	if err != nil {
		return 0, nil, err
	}
	var total int
	who := owner(r)
	if err := h.s.db.QueryRowContext(r.Context(), `SELECT COUNT(*) FROM plivo_endpoints WHERE owner = ?`, who).Scan(&total); err != nil {
		return 0, nil, err
	}
	rows, err := h.s.db.QueryContext(r.Context(), `SELECT `+plColumns+` FROM plivo_endpoints WHERE owner = ? ORDER BY seq LIMIT ? OFFSET ?`, who, limit, offset)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	objects := []any{}
	for rows.Next() {
		e, err := scanPl(rows)
		if err != nil {
			return 0, nil, err
		}
		objects = append(objects, h.endpointJSON(e))
	}
	if err := rows.Err(); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"meta": pageMeta(PlivoPrefix+who+"/Endpoint/", limit, offset, total), "objects": objects}, nil
}

func validPlUsername(u string) bool {
	if u == "" || len(u) > 25 || !(u[0] >= 'a' && u[0] <= 'z' || u[0] >= 'A' && u[0] <= 'Z') {
		return false
	}
	for i := 0; i < len(u); i++ {
		if !isAlnumByte(u[i]) {
			return false
		}
	}
	return true
}

func isAlnumByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func validPlAlias(a string) bool {
	if a == "" {
		return false
	}
	for i := 0; i < len(a); i++ {
		if !isAlnumByte(a[i]) && a[i] != '-' && a[i] != '_' {
			return false
		}
	}
	return true
}

func (h *plHandler) createEndpoint(r *http.Request) (int, map[string]any, error) {
	p, err := plParams(r)
	if err != nil {
		return 0, nil, err
	}
	user, okU, err := plStr(p, "username")
	if err != nil {
		return 0, nil, err
	}
	pw, okP, err := plStr(p, "password")
	if err != nil {
		return 0, nil, err
	}
	alias, okA, err := plStr(p, "alias")
	if err != nil {
		return 0, nil, err
	}
	appID, _, err := plStr(p, "app_id")
	if err != nil {
		return 0, nil, err
	}
	switch {
	case !okU || !okP || !okA:
		return 0, nil, plErr(http.StatusBadRequest, "username, password and alias are required")
	case !validPlUsername(user):
		return 0, nil, plErr(http.StatusBadRequest, "invalid username: only alphanumeric characters, starting with a letter, 1 to 25 characters")
	case len([]rune(pw)) < 5:
		return 0, nil, plErr(http.StatusBadRequest, "invalid password: it should be at least five characters long")
	case !validPlAlias(alias):
		return 0, nil, plErr(http.StatusBadRequest, "invalid alias: letters, numbers, '-' and '_' only")
	}
	now := h.s.now().Unix()
	e := plEndpointRow{Owner: owner(r), Alias: alias, AppID: appID, Created: now, Updated: now}
	for try := 0; ; try++ {
		e.ID = strconv.FormatInt(1e13+mrand.Int64N(9e13), 10)
		e.Username = user + randomDigits(12)
		err = h.s.tx(r.Context(), func(tx *sql.Tx) error {
			_, err := h.s.txExec(tx, `INSERT INTO plivo_endpoints (`+plColumns+`, ha1) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				e.ID, e.Owner, e.Username, e.Alias, e.AppID, e.Created, e.Updated, ha1(e.Username, PlivoRealm, pw))
			return err
		})
		if !isUnique(err) || try == 5 {
			break
		}
	}
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, map[string]any{"username": e.Username, "alias": e.Alias, "message": "created", "endpoint_id": e.ID}, nil
}

func (h *plHandler) endpoint(ctx context.Context, id string) (plEndpointRow, error) {
	e, err := scanPl(h.s.db.QueryRowContext(ctx, `SELECT `+plColumns+` FROM plivo_endpoints WHERE id = ? AND owner = ?`, id, ownerOf(ctx)))
	if errors.Is(err, sql.ErrNoRows) {
		return e, plNotFound()
	}
	return e, err
}

func (h *plHandler) getEndpoint(r *http.Request) (int, map[string]any, error) {
	e, err := h.endpoint(r.Context(), r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, h.endpointJSON(e), nil
}

func (h *plHandler) updateEndpoint(r *http.Request) (int, map[string]any, error) {
	p, err := plParams(r)
	if err != nil {
		return 0, nil, err
	}
	pw, okP, err := plStr(p, "password")
	if err != nil {
		return 0, nil, err
	}
	alias, okA, err := plStr(p, "alias")
	if err != nil {
		return 0, nil, err
	}
	appID, okApp, err := plStr(p, "app_id")
	if err != nil {
		return 0, nil, err
	}
	if okP && len([]rune(pw)) < 5 {
		return 0, nil, plErr(http.StatusBadRequest, "invalid password: it should be at least five characters long")
	}
	if okA && !validPlAlias(alias) {
		return 0, nil, plErr(http.StatusBadRequest, "invalid alias: letters, numbers, '-' and '_' only")
	}
	err = h.s.tx(r.Context(), func(tx *sql.Tx) error {
		e, err := scanPl(h.s.txQueryRow(tx, `SELECT `+plColumns+` FROM plivo_endpoints WHERE id = ? AND owner = ?`, r.PathValue("id"), owner(r)))
		if errors.Is(err, sql.ErrNoRows) {
			return plNotFound()
		}
		if err != nil {
			return err
		}
		if okA {
			e.Alias = alias
		}
		if okApp {
			e.AppID = appID
		}
		digest := ""
		if okP {
			digest = ha1(e.Username, PlivoRealm, pw)
		}
		_, err = h.s.txExec(tx, `UPDATE plivo_endpoints SET alias = ?, app_id = ?, updated = ?, ha1 = CASE WHEN ? = '' THEN ha1 ELSE ? END WHERE id = ?`,
			e.Alias, e.AppID, h.s.now().Unix(), digest, digest, e.ID)
		return err
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusAccepted, map[string]any{"message": "changed"}, nil
}

func (h *plHandler) deleteEndpoint(r *http.Request) (int, map[string]any, error) {
	err := h.s.tx(r.Context(), func(tx *sql.Tx) error {
		res, err := h.s.txExec(tx, `DELETE FROM plivo_endpoints WHERE id = ? AND owner = ?`, r.PathValue("id"), owner(r))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return plNotFound()
		}
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}

// Subaccounts: only the main account manages them.

type plSub struct {
	AuthID, Token, Name string
	Enabled             bool
	Created             int64
	Modified            sql.NullInt64
}

func (h *plHandler) subJSON(s plSub) map[string]any {
	main := h.s.PlivoAuthID()
	out := map[string]any{
		"account":      PlivoPrefix + main + "/",
		"auth_id":      s.AuthID,
		"auth_token":   s.Token,
		"name":         s.Name,
		"enabled":      s.Enabled,
		"created":      time.Unix(s.Created, 0).UTC().Format(time.DateOnly),
		"modified":     nil,
		"resource_uri": PlivoPrefix + main + "/Subaccount/" + s.AuthID + "/",
	}
	if s.Modified.Valid {
		out["modified"] = time.Unix(s.Modified.Int64, 0).UTC().Format(time.DateOnly)
	}
	return out
}

func (h *plHandler) mainOnly(r *http.Request) error {
	if owner(r) != h.s.PlivoAuthID() {
		return plErr(http.StatusForbidden, "subaccounts cannot manage subaccounts")
	}
	return nil
}

const plSubColumns = `auth_id, auth_token, name, enabled, created, modified`

func scanSub(sc interface{ Scan(...any) error }) (plSub, error) {
	var s plSub
	err := sc.Scan(&s.AuthID, &s.Token, &s.Name, &s.Enabled, &s.Created, &s.Modified)
	return s, err
}

func (h *plHandler) listSubaccounts(r *http.Request) (int, map[string]any, error) {
	if err := h.mainOnly(r); err != nil {
		return 0, nil, err
	}
	limit, offset, err := plPage(r)
	if err != nil {
		return 0, nil, err
	}
	var total int
	if err := h.s.db.QueryRowContext(r.Context(), `SELECT COUNT(*) FROM plivo_subaccounts`).Scan(&total); err != nil {
		return 0, nil, err
	}
	rows, err := h.s.db.QueryContext(r.Context(), `SELECT `+plSubColumns+` FROM plivo_subaccounts ORDER BY seq LIMIT ? OFFSET ?`, limit, offset)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	objects := []any{}
	for rows.Next() {
		s, err := scanSub(rows)
		if err != nil {
			return 0, nil, err
		}
		objects = append(objects, h.subJSON(s))
	}
	if err := rows.Err(); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"meta": pageMeta(PlivoPrefix+owner(r)+"/Subaccount/", limit, offset, total), "objects": objects}, nil
}

func (h *plHandler) createSubaccount(r *http.Request) (int, map[string]any, error) {
	if err := h.mainOnly(r); err != nil {
		return 0, nil, err
	}
	p, err := plParams(r)
	if err != nil {
		return 0, nil, err
	}
	name, ok, err := plStr(p, "name")
	if err != nil {
		return 0, nil, err
	}
	if !ok || strings.TrimSpace(name) == "" {
		return 0, nil, plErr(http.StatusBadRequest, "name is required")
	}
	enabled, _, err := plBool(p, "enabled")
	if err != nil {
		return 0, nil, err
	}
	s := plSub{AuthID: "SA" + randomUpperAlnum(18), Token: randomToken(), Name: name, Enabled: enabled, Created: h.s.now().Unix()}
	err = h.s.tx(r.Context(), func(tx *sql.Tx) error {
		_, err := h.s.txExec(tx, `INSERT INTO plivo_subaccounts (`+plSubColumns+`) VALUES (?, ?, ?, ?, ?, NULL)`, s.AuthID, s.Token, s.Name, s.Enabled, s.Created)
		return err
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, map[string]any{"auth_id": s.AuthID, "auth_token": s.Token, "message": "created"}, nil
}

func randomToken() string {
	var b [30]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])[:40]
}

func (h *plHandler) sub(ctx context.Context, id string) (plSub, error) {
	s, err := scanSub(h.s.db.QueryRowContext(ctx, `SELECT `+plSubColumns+` FROM plivo_subaccounts WHERE auth_id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return s, plNotFound()
	}
	return s, err
}

func (h *plHandler) getSubaccount(r *http.Request) (int, map[string]any, error) {
	if err := h.mainOnly(r); err != nil {
		return 0, nil, err
	}
	s, err := h.sub(r.Context(), r.PathValue("sub"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, h.subJSON(s), nil
}

func (h *plHandler) updateSubaccount(r *http.Request) (int, map[string]any, error) {
	if err := h.mainOnly(r); err != nil {
		return 0, nil, err
	}
	p, err := plParams(r)
	if err != nil {
		return 0, nil, err
	}
	name, okN, err := plStr(p, "name")
	if err != nil {
		return 0, nil, err
	}
	if !okN || strings.TrimSpace(name) == "" {
		return 0, nil, plErr(http.StatusBadRequest, "name is required")
	}
	enabled, okE, err := plBool(p, "enabled")
	if err != nil {
		return 0, nil, err
	}
	err = h.s.tx(r.Context(), func(tx *sql.Tx) error {
		res, err := h.s.txExec(tx, `UPDATE plivo_subaccounts SET name = ?, enabled = CASE WHEN ? THEN ? ELSE enabled END, modified = ? WHERE auth_id = ?`,
			name, okE, enabled, h.s.now().Unix(), r.PathValue("sub"))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return plNotFound()
		}
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusAccepted, map[string]any{"message": "changed"}, nil
}

// deleteSubaccount deletes a subaccount; its endpoints go with it when
// cascade is true, and move to the main account otherwise, as on Plivo.
func (h *plHandler) deleteSubaccount(r *http.Request) (int, map[string]any, error) {
	if err := h.mainOnly(r); err != nil {
		return 0, nil, err
	}
	cascade := false
	if v := r.URL.Query().Get("cascade"); v != "" {
		cascade, _ = strconv.ParseBool(v)
	} else if r.ContentLength > 0 {
		p, err := plParams(r)
		if err != nil {
			return 0, nil, err
		}
		if cascade, _, err = plBool(p, "cascade"); err != nil {
			return 0, nil, err
		}
	}
	id := r.PathValue("sub")
	err := h.s.tx(r.Context(), func(tx *sql.Tx) error {
		res, err := h.s.txExec(tx, `DELETE FROM plivo_subaccounts WHERE auth_id = ?`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return plNotFound()
		}
		if cascade {
			_, err = h.s.txExec(tx, `DELETE FROM plivo_endpoints WHERE owner = ?`, id)
		} else {
			_, err = h.s.txExec(tx, `UPDATE plivo_endpoints SET owner = ? WHERE owner = ?`, h.s.PlivoAuthID(), id)
		}
		return err
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}
