package sandbox

import (
	"database/sql"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
)

type domainJSON struct {
	AccountSID                string            `json:"account_sid"`
	APIVersion                string            `json:"api_version"`
	AuthType                  *string           `json:"auth_type"`
	ByocTrunkSID              *string           `json:"byoc_trunk_sid"`
	DateCreated               string            `json:"date_created"`
	DateUpdated               string            `json:"date_updated"`
	DomainName                string            `json:"domain_name"`
	EmergencyCallerSID        *string           `json:"emergency_caller_sid"`
	EmergencyCallingEnabled   bool              `json:"emergency_calling_enabled"`
	FriendlyName              *string           `json:"friendly_name"`
	Secure                    bool              `json:"secure"`
	SID                       string            `json:"sid"`
	SIPRegistration           bool              `json:"sip_registration"`
	SubresourceURIs           map[string]string `json:"subresource_uris"`
	URI                       string            `json:"uri"`
	VoiceFallbackMethod       *string           `json:"voice_fallback_method"`
	VoiceFallbackURL          *string           `json:"voice_fallback_url"`
	VoiceMethod               *string           `json:"voice_method"`
	VoiceStatusCallbackMethod *string           `json:"voice_status_callback_method"`
	VoiceStatusCallbackURL    *string           `json:"voice_status_callback_url"`
	VoiceURL                  *string           `json:"voice_url"`
}

const domainColumns = `d.seq, d.sid, d.account_sid, d.domain_name, d.friendly_name, d.voice_url, d.voice_method,
	d.voice_fallback_url, d.voice_fallback_method, d.voice_status_callback_url, d.voice_status_callback_method,
	d.sip_registration, d.secure, d.emergency_calling_enabled, d.byoc_trunk_sid, d.emergency_caller_sid,
	d.created, d.updated,
	EXISTS (SELECT 1 FROM cl_mappings m WHERE m.domain_sid = d.sid AND m.kind = 'calls'),
	EXISTS (SELECT 1 FROM ipacl_mappings m WHERE m.domain_sid = d.sid)`

func scanDomain(row interface{ Scan(...any) error }) (int64, domainJSON, error) {
	var (
		seq, created, updated                                 int64
		d                                                     domainJSON
		friendly, vURL, vMethod, fURL, fMethod, sURL, sMethod string
		byoc, emergencyCaller                                 string
		hasCL, hasACL                                         bool
	)
	err := row.Scan(&seq, &d.SID, &d.AccountSID, &d.DomainName, &friendly, &vURL, &vMethod, &fURL, &fMethod, &sURL, &sMethod,
		&d.SIPRegistration, &d.Secure, &d.EmergencyCallingEnabled, &byoc, &emergencyCaller, &created, &updated, &hasCL, &hasACL)
	if err != nil {
		return 0, d, err
	}
	d.APIVersion = "2010-04-01"
	d.FriendlyName = nullable(friendly)
	d.VoiceURL, d.VoiceMethod = nullable(vURL), nullable(vMethod)
	d.VoiceFallbackURL, d.VoiceFallbackMethod = nullable(fURL), nullable(fMethod)
	d.VoiceStatusCallbackURL, d.VoiceStatusCallbackMethod = nullable(sURL), nullable(sMethod)
	d.ByocTrunkSID, d.EmergencyCallerSID = nullable(byoc), nullable(emergencyCaller)
	var auth []string
	if hasACL {
		auth = append(auth, "IP_ACL")
	}
	if hasCL {
		auth = append(auth, "CREDENTIAL_LIST")
	}
	d.AuthType = nullable(strings.Join(auth, ","))
	d.DateCreated, d.DateUpdated = rfc2822(created), rfc2822(updated)
	base := apiPrefix + "/Accounts/" + d.AccountSID + "/SIP/Domains/" + d.SID
	d.URI = base + ".json"
	d.SubresourceURIs = map[string]string{
		"ip_access_control_list_mappings": base + "/IpAccessControlListMappings.json",
		"credential_list_mappings":        base + "/CredentialListMappings.json",
	}
	return seq, d, nil
}

// domainNamePattern is Twilio's rule: one label of letters, digits and '-'
// under sip.twilio.com.
// Compiled on first use: its bounded repetition is costly to compile, and
// every sipctl start (even --version) would pay for it.
var domainNamePattern = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.sip\.twilio\.com$`)
})

func (h *handler) getDomain(c *call, sid string) (domainJSON, error) {
	_, d, err := scanDomain(h.s.db.QueryRowContext(c.ctx,
		`SELECT `+domainColumns+` FROM domains d WHERE d.sid = ? AND d.account_sid = ?`, sid, c.account))
	if errors.Is(err, sql.ErrNoRows) {
		return d, notFound(c.r)
	}
	return d, err
}

// domainFields maps form fields to columns and validates them.
var domainStringFields = []struct{ form, col string }{
	{"FriendlyName", "friendly_name"},
	{"VoiceUrl", "voice_url"},
	{"VoiceMethod", "voice_method"},
	{"VoiceFallbackUrl", "voice_fallback_url"},
	{"VoiceFallbackMethod", "voice_fallback_method"},
	{"VoiceStatusCallbackUrl", "voice_status_callback_url"},
	{"VoiceStatusCallbackMethod", "voice_status_callback_method"},
	{"ByocTrunkSid", "byoc_trunk_sid"},
	{"EmergencyCallerSid", "emergency_caller_sid"},
}

var domainBoolFields = []struct{ form, col string }{
	{"SipRegistration", "sip_registration"},
	{"Secure", "secure"},
	{"EmergencyCallingEnabled", "emergency_calling_enabled"},
}

// domainChanges reads the form into column values, validating each.
func domainChanges(c *call) (map[string]any, error) {
	set := map[string]any{}
	if v, ok := c.form("DomainName"); ok {
		v = strings.ToLower(strings.TrimSpace(v))
		if !domainNamePattern().MatchString(v) {
			return nil, invalidParam(21232, "Invalid domain name %q: use letters, digits and '-' followed by .sip.twilio.com", v)
		}
		set["domain_name"] = v
	}
	for _, f := range domainStringFields {
		v, ok := c.form(f.form)
		if !ok {
			continue
		}
		if strings.HasSuffix(f.form, "Method") && v != "" {
			v = strings.ToUpper(v)
			if v != "GET" && v != "POST" {
				return nil, invalidParam(21231, "%s must be GET or POST, not %q", f.form, v)
			}
		}
		if strings.HasSuffix(f.form, "Url") && v != "" {
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return nil, invalidParam(21231, "%s must be an absolute http or https URL, not %q", f.form, v)
			}
		}
		set[f.col] = v
	}
	for _, f := range domainBoolFields {
		v, ok := c.form(f.form)
		if !ok {
			continue
		}
		b, err := boolParam(v)
		if err != nil {
			return nil, invalidParam(21231, "%s: %v", f.form, err)
		}
		set[f.col] = b
	}
	return set, nil
}

func (h *handler) domainRoutes() {
	h.handle("GET "+accountPath("SIP/Domains"), true, func(c *call) (int, any, error) {
		p, err := parsePage(c)
		if err != nil {
			return 0, nil, err
		}
		items, seqs, err := queryList(c, h.s.db, p,
			`SELECT `+domainColumns+` FROM domains d WHERE d.account_sid = ? AND d.seq > ?`, []any{c.account},
			func(r *sql.Rows) (int64, any, error) { return scanDomain(r) })
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, listBody(c, p, "domains", items, seqs, nil), nil
	})
	h.handle("POST "+accountPath("SIP/Domains"), true, func(c *call) (int, any, error) {
		set, err := domainChanges(c)
		if err != nil {
			return 0, nil, err
		}
		if _, ok := set["domain_name"]; !ok {
			return 0, nil, invalidParam(21232, "A DomainName is required")
		}
		sid := newSID("SD")
		now := h.s.now().Unix()
		set["sid"], set["account_sid"], set["created"], set["updated"] = sid, c.account, now, now
		cols, marks, args := insertParts(set)
		_, err = h.s.db.ExecContext(c.ctx, `INSERT INTO domains (`+cols+`) VALUES (`+marks+`)`, args...)
		if isUnique(err) {
			return 0, nil, invalidParam(21232, "The domain %s already exists", set["domain_name"])
		}
		if err != nil {
			return 0, nil, err
		}
		d, err := h.getDomain(c, sid)
		return http.StatusCreated, d, err
	})
	h.handle("GET "+accountPath("SIP/Domains/{Sid}"), true, func(c *call) (int, any, error) {
		d, err := h.getDomain(c, c.param("Sid"))
		return http.StatusOK, d, err
	})
	h.handle("POST "+accountPath("SIP/Domains/{Sid}"), true, func(c *call) (int, any, error) {
		set, err := domainChanges(c)
		if err != nil {
			return 0, nil, err
		}
		sid := c.param("Sid")
		err = h.s.tx(c.ctx, func(tx *sql.Tx) error {
			var name string
			err := tx.QueryRowContext(c.ctx, `SELECT domain_name FROM domains WHERE sid = ? AND account_sid = ?`, sid, c.account).Scan(&name)
			if errors.Is(err, sql.ErrNoRows) {
				return notFound(c.r)
			}
			if err != nil {
				return err
			}
			if len(set) == 0 {
				return nil
			}
			set["updated"] = h.s.now().Unix()
			assign, args := updateParts(set)
			_, err = tx.ExecContext(c.ctx, `UPDATE domains SET `+assign+` WHERE sid = ?`, append(args, sid)...)
			if isUnique(err) {
				return invalidParam(21232, "The domain %s already exists", set["domain_name"])
			}
			if err != nil {
				return err
			}
			if n, ok := set["domain_name"]; ok && !strings.EqualFold(n.(string), name) {
				// The realm changed, so every HA1 for this domain is now wrong.
				_, err = tx.ExecContext(c.ctx, `DELETE FROM credential_digests WHERE domain_sid = ?`, sid)
			}
			return err
		})
		if err != nil {
			return 0, nil, err
		}
		d, err := h.getDomain(c, sid)
		return http.StatusOK, d, err
	})
	h.handle("DELETE "+accountPath("SIP/Domains/{Sid}"), true, func(c *call) (int, any, error) {
		return h.deleteWhere(c, `DELETE FROM domains WHERE sid = ? AND account_sid = ?`, c.param("Sid"), c.account)
	})
}

// deleteWhere runs a DELETE and answers 204, or 404 when nothing matched.
func (h *handler) deleteWhere(c *call, query string, args ...any) (int, any, error) {
	res, err := h.s.db.ExecContext(c.ctx, query, args...)
	if err != nil {
		return 0, nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return 0, nil, notFound(c.r)
	}
	return http.StatusNoContent, nil, nil
}

func insertParts(set map[string]any) (cols, marks string, args []any) {
	var cs, ms []string
	for k, v := range set {
		cs = append(cs, k)
		ms = append(ms, "?")
		args = append(args, v)
	}
	return strings.Join(cs, ", "), strings.Join(ms, ", "), args
}

func updateParts(set map[string]any) (assign string, args []any) {
	var as []string
	for k, v := range set {
		as = append(as, k+" = ?")
		args = append(args, v)
	}
	return strings.Join(as, ", "), args
}
