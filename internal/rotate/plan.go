package rotate

import (
	"github.com/sipctl/sipctl/internal/journal"
	"github.com/sipctl/sipctl/internal/password"
)

// Plan generates a new password per target and returns the journal entries
// to record before anything is sent. One user on one domain gets one
// password even when the provider keeps it more than once (Twilio: on
// several of the domain's lists), since the phone registers with one.
// A generated password never starts with a formula character, so a CSV
// handover holds it as it is.
func Plan(targets []Target, pol password.Policy, provider, profile string) ([]journal.Entry, error) {
	shared := map[string]string{}
	out := make([]journal.Entry, 0, len(targets))
	for _, t := range targets {
		// Per account too: two customers may have the same username on a
		// shared domain (Telnyx's sip.telnyx.com), and must not share a
		// password.
		key := t.AccountSID + "\x00" + t.Domain + "\x00" + t.Username
		pw, ok := shared[key]
		if !ok || t.Domain == "" {
			var err error
			if pw, err = pol.Generate(); err != nil {
				return nil, err
			}
			if t.Domain != "" {
				shared[key] = pw
			}
		}
		listSID := ""
		if t.SID != "" && len(t.Ref) > len(t.SID) {
			listSID = t.Ref[:len(t.Ref)-len(t.SID)-1]
		}
		out = append(out, journal.Entry{
			Op: journal.OpRotate, Provider: provider, Profile: profile, AccountSID: t.AccountSID,
			Ref: t.Ref, CredentialListSID: listSID, CredentialSID: t.SID, Username: t.Username, Domain: t.Domain,
			Password: pw,
		})
	}
	return out, nil
}
