package sandbox

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// schemaTelnyxAccounts is schema version 4: the Telnyx face's managed
// accounts (each with its own API key, acting on its own connections and
// profiles: the owner columns) and its IP connections with their IPs.
const schemaTelnyxAccounts = `
CREATE TABLE telnyx_managed_accounts (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	id TEXT NOT NULL UNIQUE,
	email TEXT NOT NULL UNIQUE,
	organization_name TEXT NOT NULL,
	api_key TEXT NOT NULL UNIQUE,
	api_token TEXT NOT NULL,
	rollup_billing INTEGER NOT NULL DEFAULT 0,
	custom_pricing INTEGER NOT NULL DEFAULT 0,
	disabled INTEGER NOT NULL DEFAULT 0,
	created INTEGER NOT NULL,
	updated INTEGER NOT NULL
);
ALTER TABLE telnyx_connections ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE telnyx_profiles ADD COLUMN owner TEXT NOT NULL DEFAULT '';
CREATE TABLE telnyx_ip_connections (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	id TEXT NOT NULL UNIQUE,
	owner TEXT NOT NULL DEFAULT '',
	connection_name TEXT NOT NULL,
	active INTEGER NOT NULL DEFAULT 1,
	created INTEGER NOT NULL,
	updated INTEGER NOT NULL
);
CREATE TABLE telnyx_ips (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	id TEXT NOT NULL UNIQUE,
	owner TEXT NOT NULL DEFAULT '',
	connection_id TEXT NOT NULL DEFAULT '',
	ip_address TEXT NOT NULL,
	port INTEGER NOT NULL DEFAULT 5060,
	created INTEGER NOT NULL,
	updated INTEGER NOT NULL
);
`

// managedKeyPrefix starts every managed account's sandbox API key.
const managedKeyPrefix = "KEYSANDBOXMA"

type txManaged struct {
	ID, Email, Org, Key, Token string
	Rollup, Custom, Disabled   bool
	Created, Updated           int64
}

const managedColumns = `id, email, organization_name, api_key, api_token, rollup_billing, custom_pricing, disabled, created, updated`

func scanManaged(sc interface{ Scan(...any) error }) (txManaged, error) {
	var m txManaged
	err := sc.Scan(&m.ID, &m.Email, &m.Org, &m.Key, &m.Token, &m.Rollup, &m.Custom, &m.Disabled, &m.Created, &m.Updated)
	return m, err
}

// newUUID is a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// managerID is the sandbox account's id as the manager of managed accounts.
func (h *txHandler) managerID() string {
	sum := sha256.Sum256([]byte("sipctl sandbox telnyx manager\x00" + h.s.tok))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	x := hex.EncodeToString(b)
	return x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:]
}

// managedJSON is a ManagedAccount; full adds the keys, which Telnyx's
// single-account answers carry and its listing leaves out.
func (h *txHandler) managedJSON(m txManaged, full bool) map[string]any {
	out := map[string]any{
		"record_type": "managed_account", "id": m.ID, "email": m.Email, "api_user": m.Email,
		"manager_account_id": h.managerID(), "organization_name": m.Org,
		"rollup_billing": m.Rollup, "managed_account_allow_custom_pricing": m.Custom,
		"created_at": iso8601(m.Created), "updated_at": iso8601(m.Updated),
	}
	if full {
		out["api_key"], out["api_token"] = m.Key, m.Token
		if !m.Rollup {
			out["balance"] = map[string]any{"record_type": "balance", "balance": "0.00", "credit_limit": "0.00",
				"available_credit": "0.00", "currency": "USD"}
		}
	}
	return out
}

func (h *txHandler) managedRoutes() {
	p := TelnyxPrefix + "/managed_accounts"
	h.handle("GET "+p, h.managerOnly(h.listManaged))
	h.handle("POST "+p, h.managerOnly(h.createManaged))
	h.handle("GET "+p+"/{id}", h.managerOnly(h.getManaged))
	h.handle("POST "+p+"/{id}/actions/disable", h.managerOnly(func(r *http.Request) (int, any, error) { return h.setManaged(r, true) }))
	h.handle("POST "+p+"/{id}/actions/enable", h.managerOnly(func(r *http.Request) (int, any, error) { return h.setManaged(r, false) }))
}

// managerOnly refuses a managed account's key: managed accounts manage no
// accounts of their own.
func (h *txHandler) managerOnly(ep txEndpoint) txEndpoint {
	return func(r *http.Request) (int, any, error) {
		if owner(r) != "" {
			return 0, nil, txErr(http.StatusForbidden, "10010", "Authorization failed", "Only a manager account can manage accounts.")
		}
		return ep(r)
	}
}

func (h *txHandler) managed(ctx context.Context, id string) (txManaged, error) {
	m, err := scanManaged(h.s.db.QueryRowContext(ctx, `SELECT `+managedColumns+` FROM telnyx_managed_accounts WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return m, txNotFound()
	}
	return m, err
}

func (h *txHandler) listManaged(r *http.Request) (int, any, error) {
	q := r.URL.Query()
	number, size, err := txPage(q.Get("page[number]"), q.Get("page[size]"), 20)
	if err != nil {
		return 0, nil, err
	}
	where, args := "1=1", []any{}
	switch v := q.Get("filter[status][eq]"); v {
	case "", "all", "active":
	case "enabled":
		where += " AND disabled = 0"
	case "disabled", "blocked":
		where += " AND disabled = 1"
	case "cancelled":
		where += " AND 0"
	default:
		return 0, nil, txBadParam("filter[status][eq]", "filter[status][eq] must be one of all, active, enabled, cancelled, disabled, blocked.")
	}
	for _, f := range []struct{ param, col string }{{"email", "email"}, {"organization_name", "organization_name"}} {
		if v := q.Get("filter[" + f.param + "][eq]"); v != "" {
			where += " AND " + f.col + " = ?"
			args = append(args, v)
		}
		if v := q.Get("filter[" + f.param + "][contains]"); v != "" {
			where += " AND instr(lower(" + f.col + "), lower(?)) > 0"
			args = append(args, v)
		}
	}
	var total int
	if err := h.s.db.QueryRowContext(r.Context(), `SELECT COUNT(*) FROM telnyx_managed_accounts WHERE `+where, args...).Scan(&total); err != nil {
		return 0, nil, err
	}
	rows, err := h.s.db.QueryContext(r.Context(), `SELECT `+managedColumns+` FROM telnyx_managed_accounts WHERE `+where+
		fmt.Sprintf(` ORDER BY created DESC, seq DESC LIMIT %d OFFSET %d`, size, (number-1)*size), args...)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	data := []any{}
	for rows.Next() {
		m, err := scanManaged(rows)
		if err != nil {
			return 0, nil, err
		}
		data = append(data, h.managedJSON(m, false))
	}
	if err := rows.Err(); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"data": data, "meta": map[string]int{
		"page_number": number, "page_size": size, "total_pages": (total + size - 1) / size, "total_results": total}}, nil
}

// txPage reads page[number] and page[size] (1 to 250, default def).
func txPage(numberParam, sizeParam string, def int) (number, size int, err error) {
	number, size = 1, def
	for _, f := range []struct {
		name, v  string
		dst      *int
		min, max int
	}{{"page[number]", numberParam, &number, 1, 1 << 30}, {"page[size]", sizeParam, &size, 1, 250}} {
		if f.v == "" {
			continue
		}
		n, err := strconv.Atoi(f.v)
		if err != nil || n < f.min || n > f.max {
			return 0, 0, txBadParam(f.name, fmt.Sprintf("%s must be an integer from %d to %d.", f.name, f.min, f.max))
		}
		*f.dst = n
	}
	return number, size, nil
}

func (h *txHandler) createManaged(r *http.Request) (int, any, error) {
	var b struct {
		BusinessName *string `json:"business_name"`
		Email        *string `json:"email"`
		Rollup       *bool   `json:"rollup_billing"`
		Custom       *bool   `json:"managed_account_allow_custom_pricing"`
		Password     *string `json:"password"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20)).Decode(&b); err != nil {
		return 0, nil, txErr(http.StatusBadRequest, "10015", "Bad Request", "The request body is not valid JSON for this resource.")
	}
	if b.BusinessName == nil || strings.TrimSpace(*b.BusinessName) == "" {
		e := txErr(http.StatusUnprocessableEntity, "10004", "Missing required parameter", "business_name is required.")
		e.Source = map[string]string{"pointer": "/business_name"}
		return 0, nil, e
	}
	now := h.s.now().Unix()
	var key, tok [16]byte
	rand.Read(key[:])
	rand.Read(tok[:])
	m := txManaged{ID: newUUID(), Org: *b.BusinessName, Created: now, Updated: now,
		Key: managedKeyPrefix + strings.ToUpper(hex.EncodeToString(key[:])), Token: hex.EncodeToString(tok[:])}
	m.Email = "sandbox+" + m.ID[:8] + "@example.com"
	if b.Email != nil && *b.Email != "" {
		if !strings.Contains(*b.Email, "@") {
			return 0, nil, txInvalid("/email", "email must be an email address.")
		}
		m.Email = *b.Email
	}
	if b.Rollup != nil {
		m.Rollup = *b.Rollup
	}
	if b.Custom != nil {
		m.Custom = *b.Custom
	}
	h.s.writeMu.Lock()
	defer h.s.writeMu.Unlock()
	_, err := h.s.db.ExecContext(r.Context(), `INSERT INTO telnyx_managed_accounts (`+managedColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ID, m.Email, m.Org, m.Key, m.Token, m.Rollup, m.Custom, m.Disabled, m.Created, m.Updated)
	if isUnique(err) {
		return 0, nil, txInvalid("/email", "email has already been taken.")
	}
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"data": h.managedJSON(m, true)}, nil
}

func (h *txHandler) getManaged(r *http.Request) (int, any, error) {
	m, err := h.managed(r.Context(), r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"data": h.managedJSON(m, true)}, nil
}

func (h *txHandler) setManaged(r *http.Request, disabled bool) (int, any, error) {
	h.s.writeMu.Lock()
	defer h.s.writeMu.Unlock()
	m, err := h.managed(r.Context(), r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	m.Disabled, m.Updated = disabled, h.s.now().Unix()
	if _, err := h.s.db.ExecContext(r.Context(), `UPDATE telnyx_managed_accounts SET disabled = ?, updated = ? WHERE id = ?`, m.Disabled, m.Updated, m.ID); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"data": h.managedJSON(m, true)}, nil
}
