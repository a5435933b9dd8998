package sandbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
)

// The Telnyx face's IP authentication: IP connections and their /ips.

type txIPConn struct {
	ID, Name         string
	Active           bool
	Created, Updated int64
}

type txIP struct {
	ID, ConnectionID, Address string
	Port                      int
	Created, Updated          int64
}

func ipConnJSON(c txIPConn) map[string]any {
	return map[string]any{
		"id": c.ID, "record_type": "ip_connection", "active": c.Active, "connection_name": c.Name,
		"anchorsite_override": "Latency", "transport_protocol": "UDP", "dtmf_type": "RFC 2833",
		"default_on_hold_comfort_noise_enabled": true, "encode_contact_header_enabled": false,
		"onnet_t38_passthrough_enabled": false, "call_cost_in_webhooks": false, "webhook_api_version": "1",
		"webhook_timeout_secs": nil, "tags": []string{},
		"created_at": iso8601(c.Created), "updated_at": iso8601(c.Updated),
	}
}

func ipJSON(ip txIP) map[string]any {
	return map[string]any{"id": ip.ID, "record_type": "ip", "connection_id": ip.ConnectionID, "ip_address": ip.Address,
		"port": ip.Port, "created_at": iso8601(ip.Created), "updated_at": iso8601(ip.Updated)}
}

func (h *txHandler) ipRoutes() {
	c, i := TelnyxPrefix+"/ip_connections", TelnyxPrefix+"/ips"
	h.handle("GET "+c, h.listIPConns)
	h.handle("POST "+c, h.createIPConn)
	h.handle("GET "+c+"/{id}", h.getIPConn)
	h.handle("DELETE "+c+"/{id}", h.deleteIPConn)
	h.handle("GET "+i, h.listIPs)
	h.handle("POST "+i, h.createIP)
	h.handle("GET "+i+"/{id}", h.getIP)
	h.handle("DELETE "+i+"/{id}", h.deleteIP)
}

func (h *txHandler) ipConn(ctx context.Context, id string) (txIPConn, error) {
	var c txIPConn
	err := h.s.db.QueryRowContext(ctx, `SELECT id, connection_name, active, created, updated FROM telnyx_ip_connections WHERE id = ? AND owner = ?`,
		id, ownerOf(ctx)).Scan(&c.ID, &c.Name, &c.Active, &c.Created, &c.Updated)
	if errors.Is(err, sql.ErrNoRows) {
		return c, txNotFound()
	}
	return c, err
}

func (h *txHandler) ip(ctx context.Context, id string) (txIP, error) {
	var ip txIP
	err := h.s.db.QueryRowContext(ctx, `SELECT id, connection_id, ip_address, port, created, updated FROM telnyx_ips WHERE id = ? AND owner = ?`,
		id, ownerOf(ctx)).Scan(&ip.ID, &ip.ConnectionID, &ip.Address, &ip.Port, &ip.Created, &ip.Updated)
	if errors.Is(err, sql.ErrNoRows) {
		return ip, txNotFound()
	}
	return ip, err
}

// page runs a counted, paged listing of table rows matching where.
func (h *txHandler) page(r *http.Request, table, columns, where string, args []any, scan func(*sql.Rows) (any, error)) (int, any, error) {
	q := r.URL.Query()
	number, size, err := txPage(q.Get("page[number]"), q.Get("page[size]"), 250)
	if err != nil {
		return 0, nil, err
	}
	var total int
	if err := h.s.db.QueryRowContext(r.Context(), `SELECT COUNT(*) FROM `+table+` WHERE `+where, args...).Scan(&total); err != nil {
		return 0, nil, err
	}
	rows, err := h.s.db.QueryContext(r.Context(), `SELECT `+columns+` FROM `+table+` WHERE `+where+
		fmt.Sprintf(` ORDER BY created, seq LIMIT %d OFFSET %d`, size, (number-1)*size), args...)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	data := []any{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return 0, nil, err
		}
		data = append(data, v)
	}
	if err := rows.Err(); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"data": data, "meta": map[string]int{
		"page_number": number, "page_size": size, "total_pages": (total + size - 1) / size, "total_results": total}}, nil
}

func (h *txHandler) listIPConns(r *http.Request) (int, any, error) {
	return h.page(r, "telnyx_ip_connections", "id, connection_name, active, created, updated", "owner = ?", []any{owner(r)},
		func(rows *sql.Rows) (any, error) {
			var c txIPConn
			err := rows.Scan(&c.ID, &c.Name, &c.Active, &c.Created, &c.Updated)
			return ipConnJSON(c), err
		})
}

func (h *txHandler) listIPs(r *http.Request) (int, any, error) {
	where, args := "owner = ?", []any{owner(r)}
	if v := r.URL.Query().Get("filter[connection_id]"); v != "" {
		where, args = where+" AND connection_id = ?", append(args, v)
	}
	return h.page(r, "telnyx_ips", "id, connection_id, ip_address, port, created, updated", where, args,
		func(rows *sql.Rows) (any, error) {
			var ip txIP
			err := rows.Scan(&ip.ID, &ip.ConnectionID, &ip.Address, &ip.Port, &ip.Created, &ip.Updated)
			return ipJSON(ip), err
		})
}

func decodeTx(r *http.Request, v any) error {
	if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20)).Decode(v); err != nil {
		return txErr(http.StatusBadRequest, "10015", "Bad Request", "The request body is not valid JSON for this resource.")
	}
	return nil
}

func (h *txHandler) createIPConn(r *http.Request) (int, any, error) {
	var b struct {
		Name   *string `json:"connection_name"`
		Active *bool   `json:"active"`
	}
	if err := decodeTx(r, &b); err != nil {
		return 0, nil, err
	}
	now := h.s.now().Unix()
	c := txIPConn{ID: newTelnyxID(), Active: true, Created: now, Updated: now}
	if b.Name != nil {
		c.Name = *b.Name
	}
	if strings.TrimSpace(c.Name) == "" {
		return 0, nil, txInvalid("/connection_name", "connection_name can't be blank.")
	}
	if b.Active != nil {
		c.Active = *b.Active
	}
	h.s.writeMu.Lock()
	defer h.s.writeMu.Unlock()
	if _, err := h.s.db.ExecContext(r.Context(), `INSERT INTO telnyx_ip_connections (id, owner, connection_name, active, created, updated) VALUES (?, ?, ?, ?, ?, ?)`,
		c.ID, owner(r), c.Name, c.Active, c.Created, c.Updated); err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, map[string]any{"data": ipConnJSON(c)}, nil
}

func (h *txHandler) getIPConn(r *http.Request) (int, any, error) {
	c, err := h.ipConn(r.Context(), r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"data": ipConnJSON(c)}, nil
}

func (h *txHandler) deleteIPConn(r *http.Request) (int, any, error) {
	c, err := h.ipConn(r.Context(), r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	err = h.s.tx(r.Context(), func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(r.Context(), `DELETE FROM telnyx_ips WHERE connection_id = ? AND owner = ?`, c.ID, owner(r)); err != nil {
			return err
		}
		_, err = tx.ExecContext(r.Context(), `DELETE FROM telnyx_ip_connections WHERE id = ?`, c.ID)
		return err
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"data": ipConnJSON(c)}, nil
}

func (h *txHandler) createIP(r *http.Request) (int, any, error) {
	var b struct {
		Address      *string `json:"ip_address"`
		ConnectionID *string `json:"connection_id"`
		Port         *int    `json:"port"`
	}
	if err := decodeTx(r, &b); err != nil {
		return 0, nil, err
	}
	if b.Address == nil || net.ParseIP(*b.Address) == nil {
		return 0, nil, txInvalid("/ip_address", "ip_address must be an IP address.")
	}
	now := h.s.now().Unix()
	ip := txIP{ID: newUUID(), Address: *b.Address, Port: 5060, Created: now, Updated: now}
	if b.Port != nil {
		if *b.Port < 1 || *b.Port > 65535 {
			return 0, nil, txInvalid("/port", "port must be from 1 to 65535.")
		}
		ip.Port = *b.Port
	}
	h.s.writeMu.Lock()
	defer h.s.writeMu.Unlock()
	if b.ConnectionID != nil && *b.ConnectionID != "" {
		if _, err := h.ipConn(r.Context(), *b.ConnectionID); err != nil {
			return 0, nil, txInvalid("/connection_id", "connection_id must name an IP connection of this account.")
		}
		ip.ConnectionID = *b.ConnectionID
	}
	if _, err := h.s.db.ExecContext(r.Context(), `INSERT INTO telnyx_ips (id, owner, connection_id, ip_address, port, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		ip.ID, owner(r), ip.ConnectionID, ip.Address, ip.Port, ip.Created, ip.Updated); err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, map[string]any{"data": ipJSON(ip)}, nil
}

func (h *txHandler) getIP(r *http.Request) (int, any, error) {
	ip, err := h.ip(r.Context(), r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"data": ipJSON(ip)}, nil
}

func (h *txHandler) deleteIP(r *http.Request) (int, any, error) {
	h.s.writeMu.Lock()
	defer h.s.writeMu.Unlock()
	ip, err := h.ip(r.Context(), r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	if _, err := h.s.db.ExecContext(r.Context(), `DELETE FROM telnyx_ips WHERE id = ?`, ip.ID); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"data": ipJSON(ip)}, nil
}
