package sandbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/sipctl/sipctl/internal/telnyx"
)

// schemaTelnyxProfiles is schema version 3: the Telnyx face's outbound
// voice profiles.
const schemaTelnyxProfiles = `
CREATE TABLE telnyx_profiles (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	id TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	enabled INTEGER NOT NULL DEFAULT 1,
	destinations TEXT NOT NULL DEFAULT '["US","CA"]',
	daily_spend_limit TEXT NOT NULL DEFAULT '',
	daily_spend_limit_enabled INTEGER NOT NULL DEFAULT 0,
	concurrent_call_limit INTEGER,
	created INTEGER NOT NULL,
	updated INTEGER NOT NULL
);
`

type txProfile struct {
	ID           string
	Name         string
	Enabled      bool
	Destinations []string
	Spend        string
	SpendOn      bool
	Concurrent   *int
	Created      int64
	Updated      int64
}

const profileColumns = `id, name, enabled, destinations, daily_spend_limit, daily_spend_limit_enabled, concurrent_call_limit, created, updated`

func scanProfile(sc interface{ Scan(...any) error }) (txProfile, error) {
	var p txProfile
	var dest string
	var conc sql.NullInt64
	err := sc.Scan(&p.ID, &p.Name, &p.Enabled, &dest, &p.Spend, &p.SpendOn, &conc, &p.Created, &p.Updated)
	if err != nil {
		return p, err
	}
	json.Unmarshal([]byte(dest), &p.Destinations)
	if conc.Valid {
		n := int(conc.Int64)
		p.Concurrent = &n
	}
	return p, nil
}

func (h *txHandler) profileJSON(ctx context.Context, p txProfile) map[string]any {
	var n int
	h.s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM telnyx_connections WHERE outbound_voice_profile_id = ? AND owner = ?`, p.ID, ownerOf(ctx)).Scan(&n)
	dest := p.Destinations
	if dest == nil {
		dest = []string{}
	}
	m := map[string]any{
		"id": p.ID, "record_type": "outbound_voice_profile", "name": p.Name, "enabled": p.Enabled,
		"whitelisted_destinations": dest, "daily_spend_limit_enabled": p.SpendOn, "connections_count": n,
		"concurrent_call_limit": nil, "billing_group_id": nil, "tags": []string{},
		"created_at": iso8601(p.Created), "updated_at": iso8601(p.Updated),
	}
	if p.Spend != "" {
		m["daily_spend_limit"] = p.Spend
	}
	if p.Concurrent != nil {
		m["concurrent_call_limit"] = *p.Concurrent
	}
	return m
}

func (h *txHandler) profileRoutes() {
	p := TelnyxPrefix + "/outbound_voice_profiles"
	h.handle("GET "+p, h.listProfiles)
	h.handle("POST "+p, func(r *http.Request) (int, any, error) { return h.writeProfile(r, "") })
	h.handle("GET "+p+"/{id}", h.getProfile)
	h.handle("PATCH "+p+"/{id}", func(r *http.Request) (int, any, error) { return h.writeProfile(r, r.PathValue("id")) })
	h.handle("DELETE "+p+"/{id}", h.deleteProfile)
}

func (h *txHandler) profile(ctx context.Context, id string) (txProfile, error) {
	p, err := scanProfile(h.s.db.QueryRowContext(ctx, `SELECT `+profileColumns+` FROM telnyx_profiles WHERE id = ? AND owner = ?`, id, ownerOf(ctx)))
	if errors.Is(err, sql.ErrNoRows) {
		return p, txNotFound()
	}
	return p, err
}

func (h *txHandler) listProfiles(r *http.Request) (int, any, error) {
	q := r.URL.Query()
	number, size := 1, 20
	for _, f := range []struct {
		name     string
		dst      *int
		min, max int
	}{{"page[number]", &number, 1, 1 << 30}, {"page[size]", &size, 1, 250}} {
		if v := q.Get(f.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < f.min || n > f.max {
				return 0, nil, txBadParam(f.name, fmt.Sprintf("%s must be an integer from %d to %d.", f.name, f.min, f.max))
			}
			*f.dst = n
		}
	}
	var total int
	if err := h.s.db.QueryRowContext(r.Context(), `SELECT COUNT(*) FROM telnyx_profiles WHERE owner = ?`, owner(r)).Scan(&total); err != nil {
		return 0, nil, err
	}
	rows, err := h.s.db.QueryContext(r.Context(), `SELECT `+profileColumns+` FROM telnyx_profiles WHERE owner = ? ORDER BY created, seq LIMIT ? OFFSET ?`, owner(r), size, (number-1)*size)
	if err != nil {
		return 0, nil, err
	}
	var ps []txProfile
	for rows.Next() {
		p, err := scanProfile(rows)
		if err != nil {
			rows.Close()
			return 0, nil, err
		}
		ps = append(ps, p)
	}
	rows.Close()
	data := []any{}
	for _, p := range ps {
		data = append(data, h.profileJSON(r.Context(), p))
	}
	return http.StatusOK, map[string]any{"data": data, "meta": map[string]int{
		"page_number": number, "page_size": size, "total_pages": (total + size - 1) / size, "total_results": total}}, nil
}

func (h *txHandler) getProfile(r *http.Request) (int, any, error) {
	p, err := h.profile(r.Context(), r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"data": h.profileJSON(r.Context(), p)}, nil
}

// writeProfile creates (id "") or updates a profile; both require a name,
// as Telnyx's document says.
func (h *txHandler) writeProfile(r *http.Request, id string) (int, any, error) {
	var b telnyx.ProfileParams
	if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20)).Decode(&b); err != nil {
		return 0, nil, txErr(http.StatusBadRequest, "10015", "Bad Request", "The request body is not valid JSON for this resource.")
	}
	if b.Name == nil || *b.Name == "" {
		e := txErr(http.StatusUnprocessableEntity, "10004", "Missing required parameter", "name is required.")
		e.Source = map[string]string{"pointer": "/name"}
		return 0, nil, e
	}
	if err := b.Validate(); err != nil {
		return 0, nil, txInvalid("/whitelisted_destinations", err.Error())
	}
	h.s.writeMu.Lock()
	defer h.s.writeMu.Unlock()
	now := h.s.now().Unix()
	p := txProfile{ID: newTelnyxID(), Enabled: true, Destinations: []string{"US", "CA"}, Created: now}
	if id != "" {
		var err error
		if p, err = h.profile(r.Context(), id); err != nil {
			return 0, nil, err
		}
	}
	p.Name, p.Updated = *b.Name, now
	if b.Enabled != nil {
		p.Enabled = *b.Enabled
	}
	if b.WhitelistedDestinations != nil {
		p.Destinations = b.WhitelistedDestinations
	}
	if b.DailySpendLimit != nil {
		p.Spend = *b.DailySpendLimit
	}
	if b.DailySpendLimitEnabled != nil {
		p.SpendOn = *b.DailySpendLimitEnabled
	}
	if b.ConcurrentCallLimit != nil {
		p.Concurrent = b.ConcurrentCallLimit
	}
	dest, _ := json.Marshal(p.Destinations)
	_, err := h.s.db.ExecContext(r.Context(), `INSERT INTO telnyx_profiles (owner, `+profileColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, enabled = excluded.enabled, destinations = excluded.destinations,
		daily_spend_limit = excluded.daily_spend_limit, daily_spend_limit_enabled = excluded.daily_spend_limit_enabled,
		concurrent_call_limit = excluded.concurrent_call_limit, updated = excluded.updated`,
		owner(r), p.ID, p.Name, p.Enabled, string(dest), p.Spend, p.SpendOn, p.Concurrent, p.Created, p.Updated)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"data": h.profileJSON(r.Context(), p)}, nil
}

func (h *txHandler) deleteProfile(r *http.Request) (int, any, error) {
	h.s.writeMu.Lock()
	defer h.s.writeMu.Unlock()
	p, err := h.profile(r.Context(), r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	if _, err := h.s.db.ExecContext(r.Context(), `DELETE FROM telnyx_profiles WHERE id = ?`, p.ID); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"data": h.profileJSON(r.Context(), p)}, nil
}
