package twiliotest

import (
	"encoding/json"
	"fmt"
	"strings"
)

// SID makes a well-formed SID: a two-letter prefix and n as 32 hex digits.
func SID(prefix string, n int) string { return fmt.Sprintf("%s%032x", prefix, n) }

func obj(fields map[string]any) string {
	fields["account_sid"] = AccountSID
	fields["date_created"] = Date
	fields["date_updated"] = Date
	b, _ := json.Marshal(fields)
	return string(b)
}

// Domain is a SIP domain as Twilio returns it; with sets extra fields.
func Domain(sid, name string, with map[string]any) string {
	f := map[string]any{"sid": sid, "domain_name": name, "friendly_name": strings.TrimSuffix(name, ".sip.twilio.com"),
		"voice_method": "POST", "voice_url": nil, "sip_registration": false, "secure": false, "emergency_calling_enabled": false}
	for k, v := range with {
		f[k] = v
	}
	return obj(f)
}

// CredentialList is a credential list as Twilio returns it.
func CredentialList(sid, name string) string {
	return obj(map[string]any{"sid": sid, "friendly_name": name})
}

// Credential is a SIP credential as Twilio returns it (never a password).
func Credential(sid, listSID, username string) string {
	return obj(map[string]any{"sid": sid, "credential_list_sid": listSID, "username": username})
}

// IPACL is an IP access control list as Twilio returns it.
func IPACL(sid, name string) string {
	return obj(map[string]any{"sid": sid, "friendly_name": name})
}

// IPAddress is an IP ACL entry as Twilio returns it.
func IPAddress(sid, aclSID, name, ip string, prefix int) string {
	if prefix == 0 {
		prefix = 32
	}
	return obj(map[string]any{"sid": sid, "ip_access_control_list_sid": aclSID, "friendly_name": name, "ip_address": ip, "cidr_prefix_length": prefix})
}

// Mapping is a credential list or IP ACL mapping: its SID and friendly name
// are the attached list's.
func Mapping(sid, name string) string {
	return obj(map[string]any{"sid": sid, "friendly_name": name})
}

// Page is one page of a list resource; next is the next page's URI or "".
func Page(key, next string, items ...string) string {
	n := "null"
	if next != "" {
		b, _ := json.Marshal(next)
		n = string(b)
	}
	return fmt.Sprintf(`{%q:[%s],"next_page_uri":%s,"page":0,"page_size":%d}`, key, strings.Join(items, ","), n, len(items))
}

// NextPage is the next_page_uri Twilio gives for page n of path.
func NextPage(path string, n int) string {
	return fmt.Sprintf("/2010-04-01/Accounts/%s/%s?PageSize=1000&Page=%d&PageToken=PA%d", AccountSID, path, n, n)
}

// Error is Twilio's error body.
func Error(status, code int, message string) string {
	return fmt.Sprintf(`{"code":%d,"message":%q,"more_info":"https://www.twilio.com/docs/errors/%d","status":%d}`, code, message, code, status)
}
