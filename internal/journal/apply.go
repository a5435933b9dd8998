package journal

import (
	"context"
	"errors"
	"fmt"

	"github.com/sipctl/sipctl/internal/provider"
)

// Apply gives the provider an entry's journaled password. It is idempotent,
// which is what makes --resume safe: setting the same password twice is
// harmless, and a create that may or may not have reached the provider is
// looked up by username and updated, or created when absent.
func Apply(ctx context.Context, p provider.CredentialLists, e Entry) (provider.Credential, error) {
	sid := e.CredentialSID
	if e.Op == OpCreate && sid == "" {
		found, err := findByUsername(ctx, p, e.CredentialListSID, e.Username)
		if err != nil {
			return provider.Credential{}, err
		}
		if found == "" {
			return p.CreateCredential(ctx, e.CredentialListSID, e.Username, e.Password)
		}
		sid = found
	}
	if sid == "" {
		return provider.Credential{}, fmt.Errorf("journal entry %d (%s) has no credential SID", e.ID, e.Username)
	}
	c, err := p.UpdateCredentialPassword(ctx, e.CredentialListSID, sid, e.Password)
	if errors.Is(err, provider.ErrNotFound) && e.Op == OpCreate {
		// Deleted since: create it again with the journaled password.
		return p.CreateCredential(ctx, e.CredentialListSID, e.Username, e.Password)
	}
	return c, err
}

func findByUsername(ctx context.Context, p provider.CredentialLists, listSID, username string) (string, error) {
	for c, err := range p.ListCredentials(ctx, listSID) {
		if err != nil {
			return "", err
		}
		if c.Username == username {
			return c.SID, nil
		}
	}
	return "", nil
}
