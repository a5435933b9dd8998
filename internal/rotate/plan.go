package rotate

import (
	"github.com/sipctl/sipctl/internal/journal"
	"github.com/sipctl/sipctl/internal/password"
)

// Plan generates a new password per target and returns the journal entries
// to record before anything is sent. One user on one domain gets one
// password even when listed on several of the domain's lists, since the
// phone registers with one.
func Plan(targets []Target, pol password.Policy, provider, profile string) ([]journal.Entry, error) {
	shared := map[string]string{}
	out := make([]journal.Entry, 0, len(targets))
	for _, t := range targets {
		key := t.Domain + "\x00" + t.Username
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
		out = append(out, journal.Entry{
			Op: journal.OpRotate, Provider: provider, Profile: profile, AccountSID: t.AccountSID,
			CredentialListSID: t.ListSID, CredentialSID: t.CredentialSID, Username: t.Username, Domain: t.Domain,
			Password: pw,
		})
	}
	return out, nil
}
