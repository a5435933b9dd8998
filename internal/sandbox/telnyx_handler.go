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
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
	sipreg "github.com/sipctl/sipctl/internal/sip"
)

// txHandler is the Telnyx face: the subset of Telnyx API v2 sipctl uses
// (credential connections and their registration status), with Telnyx's
// shapes, errors and pagination, on the same store as the Twilio face.
type txHandler struct {
	s   *Sandbox
	o   HandlerOptions
	sem chan struct{}
	mux *http.ServeMux
}

func newTxHandler(s *Sandbox, o HandlerOptions, sem chan struct{}) *txHandler {
	h := &txHandler{s: s, o: o, sem: sem, mux: http.NewServeMux()}
	h.routes()
	return h
}

// txError is Telnyx's error object.
type txError struct {
	Code   string            `json:"code"`
	Title  string            `json:"title"`
	Detail string            `json:"detail,omitempty"`
	Source map[string]string `json:"source,omitempty"`
	Meta   map[string]string `json:"meta,omitempty"`
	status int
}

func (e *txError) Error() string { return e.Code + " " + e.Title + ": " + e.Detail }

func txErr(status int, code, title, detail string) *txError {
	return &txError{Code: code, Title: title, Detail: detail, status: status,
		Meta: map[string]string{"url": "https://developers.telnyx.com/docs/overview/errors/" + code}}
}

func txInvalid(pointer, detail string) *txError {
	e := txErr(http.StatusUnprocessableEntity, "10015", "Invalid value", detail)
	e.Source = map[string]string{"pointer": pointer}
	return e
}

func txBadParam(param, detail string) *txError {
	e := txErr(http.StatusBadRequest, "10015", "Bad Request", detail)
	e.Source = map[string]string{"parameter": param}
	return e
}

func txNotFound() *txError {
	return txErr(http.StatusNotFound, "10005", "Resource not found", "The requested resource or URL could not be found.")
}

func writeTx(w http.ResponseWriter, status int, body any) {
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

func writeTxError(w http.ResponseWriter, err error) {
	var te *txError
	if !errors.As(err, &te) {
		te = txErr(http.StatusInternalServerError, "10007", "Unexpected error", "An unexpected error occurred.")
	}
	writeTx(w, te.status, map[string]any{"errors": []*txError{te}})
}

func (h *txHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.sem != nil {
		select {
		case h.sem <- struct{}{}:
			defer func() { <-h.sem }()
		default:
			w.Header().Set("X-Ratelimit-Limit", strconv.Itoa(cap(h.sem)))
			w.Header().Set("X-Ratelimit-Remaining", "0")
			writeTxError(w, txErr(http.StatusTooManyRequests, "10011", "Too many requests", "Too many requests in progress (sandbox --max-concurrency)."))
			return
		}
	}
	if h.o.Latency > 0 {
		lw := withLatency(w, r, h.o.Latency)
		defer lw.flush()
		w = lw
	}
	if h.o.FailRate > 0 && rand.Float64() < h.o.FailRate {
		writeTxError(w, txErr(http.StatusInternalServerError, "10007", "Unexpected error", "Injected by --fail-rate."))
		return
	}
	who, ok, err := h.authenticate(r)
	if err != nil {
		writeTxError(w, err)
		return
	}
	if !ok {
		writeTxError(w, txErr(http.StatusUnauthorized, "10009", "Authentication failed",
			"The required authentication headers were either invalid or not included in the request."))
		return
	}
	h.mux.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ownerKey{}, who)))
}

// authenticate says whose key a request carries: "" for the sandbox's
// own account, a managed account's id for its key (a disabled one is
// refused, as Telnyx forbids it its services).
func (h *txHandler) authenticate(r *http.Request) (string, bool, error) {
	key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return "", false, nil
	}
	key = strings.TrimSpace(key)
	if subtle.ConstantTimeCompare([]byte(key), []byte(h.s.TelnyxAPIKey())) == 1 {
		return "", true, nil
	}
	if !strings.HasPrefix(key, managedKeyPrefix) {
		return "", false, nil
	}
	var id string
	var disabled bool
	err := h.s.db.QueryRowContext(r.Context(), `SELECT id, disabled FROM telnyx_managed_accounts WHERE api_key = ?`, key).Scan(&id, &disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	if disabled {
		return "", false, txErr(http.StatusForbidden, "10010", "Authorization failed", "This managed account is disabled.")
	}
	return id, true, nil
}

type ownerKey struct{}

// owner is the account a request acts in: "" for the sandbox's own, or a
// managed account's id.
func owner(r *http.Request) string { return ownerOf(r.Context()) }

func ownerOf(ctx context.Context) string {
	s, _ := ctx.Value(ownerKey{}).(string)
	return s
}

type txEndpoint func(r *http.Request) (int, any, error)

func (h *txHandler) handle(pattern string, ep txEndpoint) {
	h.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		status, body, err := ep(r)
		if err != nil {
			writeTxError(w, err)
			return
		}
		writeTx(w, status, body)
	})
}

func (h *txHandler) routes() {
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { writeTxError(w, txNotFound()) })
	p := TelnyxPrefix + "/credential_connections"
	h.handle("GET "+p, h.listConnections)
	h.handle("POST "+p, h.createConnection)
	h.handle("GET "+p+"/{id}", h.getConnection)
	h.handle("PATCH "+p+"/{id}", h.updateConnection)
	h.handle("DELETE "+p+"/{id}", h.deleteConnection)
	h.handle("POST "+p+"/{id}/actions/check_registration_status", h.registrationStatus)
	h.profileRoutes()
	h.managedRoutes()
	h.ipRoutes()
}

// connectionJSON is a connection as Telnyx writes it (never the password).
func connectionJSON(c txConnection) map[string]any {
	inbound := map[string]any{
		"ani_number_format":           "E.164-national",
		"dnis_number_format":          "e164",
		"codecs":                      []string{"G722", "G711U", "G711A", "G729", "OPUS", "H.264"},
		"default_routing_method":      "sequential",
		"generate_ringback_tone":      false,
		"isup_headers_enabled":        false,
		"prack_enabled":               false,
		"shaken_stir_enabled":         false,
		"simultaneous_ringing":        "disabled",
		"sip_compact_headers_enabled": true,
		"timeout_1xx_secs":            3,
		"timeout_2xx_secs":            90,
	}
	if c.InboundLimit != nil {
		inbound["channel_limit"] = *c.InboundLimit
	}
	outbound := map[string]any{
		"ani_override":             c.ANIOverride,
		"ani_override_type":        c.ANIOverrideTyp,
		"call_parking_enabled":     false,
		"generate_ringback_tone":   false,
		"instant_ringback_enabled": true,
		"localization":             "US",
		"t38_reinvite_source":      "telnyx",
	}
	if c.OutboundLimit != nil {
		outbound["channel_limit"] = *c.OutboundLimit
	}
	if c.ProfileID != "" {
		outbound["outbound_voice_profile_id"] = c.ProfileID
	}
	tags := c.Tags
	if tags == nil {
		tags = []string{}
	}
	return map[string]any{
		"id":                                    c.ID,
		"record_type":                           "credential_connection",
		"active":                                c.Active,
		"user_name":                             c.UserName,
		"connection_name":                       c.ConnectionName,
		"anchorsite_override":                   "Latency",
		"sip_uri_calling_preference":            "disabled",
		"default_on_hold_comfort_noise_enabled": true,
		"dtmf_type":                             "RFC 2833",
		"encode_contact_header_enabled":         false,
		"encrypted_media":                       nil,
		"onnet_t38_passthrough_enabled":         false,
		"webhook_api_version":                   "1",
		"webhook_timeout_secs":                  nil,
		"android_push_credential_id":            nil,
		"ios_push_credential_id":                nil,
		"call_cost_in_webhooks":                 false,
		"tags":                                  tags,
		"created_at":                            iso8601(c.Created),
		"updated_at":                            iso8601(c.Updated),
		"inbound":                               inbound,
		"outbound":                              outbound,
		"rtcp_settings":                         map[string]any{"capture_enabled": false, "port": "rtp+1", "report_frequency_secs": 5},
	}
}

func iso8601(unix int64) string { return time.Unix(unix, 0).UTC().Format("2006-01-02T15:04:05.000Z") }

func (h *txHandler) listConnections(r *http.Request) (int, any, error) {
	q := r.URL.Query()
	number, size := 1, 250
	if v := q.Get("page[number]"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return 0, nil, txBadParam("page[number]", "page[number] must be an integer of 1 or more.")
		}
		number = n
	}
	if v := q.Get("page[size]"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 250 {
			return 0, nil, txBadParam("page[size]", "page[size] must be an integer from 1 to 250.")
		}
		size = n
	}
	where, args := "1=1", []any{}
	if v := q.Get("filter[connection_name][contains]"); v != "" {
		where += ` AND instr(lower(connection_name), lower(?)) > 0`
		args = append(args, v)
	}
	if v := q.Get("filter[outbound_voice_profile_id]"); v != "" {
		where += ` AND outbound_voice_profile_id = ?`
		args = append(args, v)
	}
	var total int
	where, args = where+` AND owner = ?`, append(args, owner(r))
	if err := h.s.db.QueryRowContext(r.Context(), `SELECT COUNT(*) FROM telnyx_connections WHERE `+where, args...).Scan(&total); err != nil {
		return 0, nil, err
	}
	rows, err := h.s.db.QueryContext(r.Context(), `SELECT `+txColumns+` FROM telnyx_connections WHERE `+where+
		fmt.Sprintf(` ORDER BY created, seq LIMIT %d OFFSET %d`, size, (number-1)*size), args...)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	data := []any{}
	for rows.Next() {
		c, err := scanTx(rows)
		if err != nil {
			return 0, nil, err
		}
		data = append(data, connectionJSON(c))
	}
	if err := rows.Err(); err != nil {
		return 0, nil, err
	}
	pages := (total + size - 1) / size
	return http.StatusOK, map[string]any{"data": data, "meta": map[string]int{
		"page_number": number, "page_size": size, "total_pages": pages, "total_results": total}}, nil
}

func (h *txHandler) connection(ctx context.Context, id string) (txConnection, error) {
	c, err := scanTx(h.s.db.QueryRowContext(ctx, `SELECT `+txColumns+` FROM telnyx_connections WHERE id = ? AND owner = ?`, id, ownerOf(ctx)))
	if errors.Is(err, sql.ErrNoRows) {
		return c, txNotFound()
	}
	return c, err
}

func (h *txHandler) getConnection(r *http.Request) (int, any, error) {
	c, err := h.connection(r.Context(), r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"data": connectionJSON(c)}, nil
}

// connectionBody is the subset of Create/UpdateCredentialConnectionRequest
// the sandbox keeps; other documented fields are accepted and ignored.
type connectionBody struct {
	UserName       *string   `json:"user_name"`
	Password       *string   `json:"password"`
	ConnectionName *string   `json:"connection_name"`
	Active         *bool     `json:"active"`
	Tags           *[]string `json:"tags"`
	Inbound        *struct {
		ChannelLimit *json.RawMessage `json:"channel_limit"`
	} `json:"inbound"`
	Outbound *struct {
		ChannelLimit           *json.RawMessage `json:"channel_limit"`
		ANIOverride            *string          `json:"ani_override"`
		ANIOverrideType        *string          `json:"ani_override_type"`
		OutboundVoiceProfileID *json.RawMessage `json:"outbound_voice_profile_id"`
	} `json:"outbound"`
}

func readBody(r *http.Request) (connectionBody, error) {
	var b connectionBody
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return b, err
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return b, nil
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		return b, txErr(http.StatusBadRequest, "10015", "Bad Request", "The request body is not valid JSON for this resource: "+err.Error())
	}
	return b, nil
}

func validUserName(u string) bool {
	if len(u) < 4 || len(u) > 32 {
		return false
	}
	for i := 0; i < len(u); i++ {
		c := u[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// limit reads a channel limit: a non-negative integer, or null for none.
func limit(raw *json.RawMessage, pointer string) (set bool, v *int, err error) {
	if raw == nil {
		return false, nil, nil
	}
	if string(*raw) == "null" {
		return true, nil, nil
	}
	var n int
	if json.Unmarshal(*raw, &n) != nil || n < 0 {
		return false, nil, txInvalid(pointer, "channel_limit must be a non-negative integer.")
	}
	return true, &n, nil
}

func isE164(s string) bool {
	if len(s) < 3 || len(s) > 16 || s[0] != '+' || s[1] < '1' || s[1] > '9' {
		return false
	}
	for i := 2; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// apply validates b and writes it onto c; creating says user_name,
// password and connection_name are required.
func (b connectionBody) apply(c *txConnection, creating bool) (newPassword *string, err error) {
	if creating {
		for _, f := range []struct {
			name string
			set  bool
		}{{"user_name", b.UserName != nil}, {"password", b.Password != nil}, {"connection_name", b.ConnectionName != nil}} {
			if !f.set {
				e := txErr(http.StatusUnprocessableEntity, "10004", "Missing required parameter", f.name+" is required.")
				e.Source = map[string]string{"pointer": "/" + f.name}
				return nil, e
			}
		}
	}
	if b.UserName != nil {
		if !validUserName(*b.UserName) {
			return nil, txInvalid("/user_name", "user_name must be 4 to 32 letters and digits.")
		}
		c.UserName = *b.UserName
	}
	if b.Password != nil {
		if n := len([]rune(*b.Password)); n < 8 || n > 128 {
			return nil, txInvalid("/password", "password must be 8 to 128 characters.")
		}
		newPassword = b.Password
	}
	if b.ConnectionName != nil {
		if strings.TrimSpace(*b.ConnectionName) == "" {
			return nil, txInvalid("/connection_name", "connection_name can't be blank.")
		}
		c.ConnectionName = *b.ConnectionName
	}
	if b.Active != nil {
		c.Active = *b.Active
	}
	if b.Tags != nil {
		c.Tags = *b.Tags
	}
	if b.Inbound != nil {
		set, v, err := limit(b.Inbound.ChannelLimit, "/inbound/channel_limit")
		if err != nil {
			return nil, err
		}
		if set {
			c.InboundLimit = v
		}
	}
	if o := b.Outbound; o != nil {
		set, v, err := limit(o.ChannelLimit, "/outbound/channel_limit")
		if err != nil {
			return nil, err
		}
		if set {
			c.OutboundLimit = v
		}
		if o.ANIOverride != nil {
			if *o.ANIOverride != "" && !isE164(*o.ANIOverride) {
				return nil, txInvalid("/outbound/ani_override", "ani_override must be a phone number in +E.164 format, or empty.")
			}
			c.ANIOverride = *o.ANIOverride
		}
		if o.ANIOverrideType != nil {
			switch *o.ANIOverrideType {
			case "always", "normal", "emergency":
				c.ANIOverrideTyp = *o.ANIOverrideType
			default:
				return nil, txInvalid("/outbound/ani_override_type", "ani_override_type must be one of always, normal, emergency.")
			}
		}
		if o.OutboundVoiceProfileID != nil {
			var id string
			if string(*o.OutboundVoiceProfileID) != "null" {
				if json.Unmarshal(*o.OutboundVoiceProfileID, &id) != nil {
					var n json.Number
					if json.Unmarshal(*o.OutboundVoiceProfileID, &n) != nil {
						return nil, txInvalid("/outbound/outbound_voice_profile_id", "outbound_voice_profile_id must be an id.")
					}
					id = n.String()
				}
			}
			c.ProfileID = id
		}
	}
	return newPassword, nil
}

func (c txConnection) columns() []any {
	tags, _ := json.Marshal(c.Tags)
	if c.Tags == nil {
		tags = []byte("[]")
	}
	return []any{c.UserName, c.ConnectionName, c.Active, c.InboundLimit, c.OutboundLimit, c.ANIOverride, c.ANIOverrideTyp, c.ProfileID, string(tags)}
}

func userNameTaken() *txError {
	return txInvalid("/user_name", "user_name has already been taken.")
}

func (h *txHandler) createConnection(r *http.Request) (int, any, error) {
	b, err := readBody(r)
	if err != nil {
		return 0, nil, err
	}
	now := h.s.now().Unix()
	c := txConnection{ID: newTelnyxID(), Active: true, ANIOverrideTyp: "always", Created: now, Updated: now}
	pw, err := b.apply(&c, true)
	if err != nil {
		return 0, nil, err
	}
	digest := ha1(c.UserName, TelnyxRealm, *pw)
	h.s.writeMu.Lock()
	defer h.s.writeMu.Unlock()
	_, err = h.s.db.ExecContext(r.Context(), `INSERT INTO telnyx_connections (id, owner, ha1, created, updated, user_name, connection_name, active,
		inbound_channel_limit, outbound_channel_limit, ani_override, ani_override_type, outbound_voice_profile_id, tags)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, append([]any{c.ID, owner(r), digest, now, now}, c.columns()...)...)
	if isUnique(err) {
		return 0, nil, userNameTaken()
	}
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, map[string]any{"data": connectionJSON(c)}, nil
}

func (h *txHandler) updateConnection(r *http.Request) (int, any, error) {
	b, err := readBody(r)
	if err != nil {
		return 0, nil, err
	}
	var out txConnection
	err = h.s.tx(r.Context(), func(tx *sql.Tx) error {
		c, err := scanTx(tx.QueryRowContext(r.Context(), `SELECT `+txColumns+` FROM telnyx_connections WHERE id = ? AND owner = ?`, r.PathValue("id"), owner(r)))
		if errors.Is(err, sql.ErrNoRows) {
			return txNotFound()
		}
		if err != nil {
			return err
		}
		oldUser := c.UserName
		pw, err := b.apply(&c, false)
		if err != nil {
			return err
		}
		c.Updated = h.s.now().Unix()
		digestSQL, args := "ha1", []any{}
		switch {
		case pw != nil:
			digestSQL, args = "?", []any{ha1(c.UserName, TelnyxRealm, *pw)}
		case c.UserName != oldUser:
			// The HA1 covers the user name; without a password it cannot be
			// recomputed, so the phone must be given the password again.
			digestSQL = "NULL"
		}
		args = append(args, c.Updated)
		args = append(args, c.columns()...)
		args = append(args, c.ID)
		_, err = tx.ExecContext(r.Context(), `UPDATE telnyx_connections SET ha1 = `+digestSQL+`, updated = ?, user_name = ?, connection_name = ?, active = ?,
			inbound_channel_limit = ?, outbound_channel_limit = ?, ani_override = ?, ani_override_type = ?, outbound_voice_profile_id = ?, tags = ?
			WHERE id = ?`, args...)
		if isUnique(err) {
			return userNameTaken()
		}
		out = c
		return err
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"data": connectionJSON(out)}, nil
}

func (h *txHandler) deleteConnection(r *http.Request) (int, any, error) {
	var c txConnection
	err := h.s.tx(r.Context(), func(tx *sql.Tx) error {
		var err error
		c, err = scanTx(tx.QueryRowContext(r.Context(), `SELECT `+txColumns+` FROM telnyx_connections WHERE id = ? AND owner = ?`, r.PathValue("id"), owner(r)))
		if errors.Is(err, sql.ErrNoRows) {
			return txNotFound()
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(r.Context(), `DELETE FROM telnyx_connections WHERE id = ?`, c.ID)
		return err
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"data": connectionJSON(c)}, nil
}

// registrationStatus answers from the registrar's bindings for
// user@sip.telnyx.com: Registered while a binding lasts, else Not
// Registered (the sandbox keeps no history of expired ones).
func (h *txHandler) registrationStatus(r *http.Request) (int, any, error) {
	c, err := h.connection(r.Context(), r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	st := map[string]any{"record_type": "registration_status", "sip_username": c.UserName, "status": "Not Registered"}
	var bs []sipreg.Binding
	if h.o.Bindings != nil {
		bs = h.o.Bindings(TelnyxRealm, c.UserName)
	}
	if len(bs) > 0 {
		b := bs[0]
		for _, x := range bs[1:] {
			if x.Updated.After(b.Updated) {
				b = x
			}
		}
		st["status"] = "Registered"
		if !b.Updated.IsZero() {
			st["last_registration"] = b.Updated.UTC().Format("2006-01-02T15:04:05")
		}
		var uri sip.Uri
		if sip.ParseUri(b.Contact, &uri) == nil {
			st["ip_address"] = uri.Host
			port := uri.Port
			if port == 0 {
				port = 5060
			}
			st["port"] = port
			transport := "UDP"
			if t, ok := uri.UriParams.Get("transport"); ok && t != "" {
				transport = strings.ToUpper(t)
			}
			st["transport"] = transport
			if ip := net.ParseIP(uri.Host); ip == nil {
				st["ip_address"] = uri.Host
			}
		}
	}
	return http.StatusOK, map[string]any{"data": st}, nil
}
