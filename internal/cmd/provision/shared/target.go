package shared

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/custody"
	"github.com/sipctl/sipctl/internal/devices"
	"github.com/sipctl/sipctl/internal/handover"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/journal"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/provision"
	"github.com/sipctl/sipctl/internal/rotate"
)

// Target is the provisioning target of a custody run (`password rotate
// --provision-dir DIR --devices FILE`): once the provider has the new
// passwords, the files of the devices that carry those accounts are
// rewritten, durably, before the journal closes.
type Target struct {
	Dir      string
	Devices  []devices.Device
	Handover string // the run's merged handover ("" none): other lines' passwords
	Provider func() (provider.SIPAccounts, error)
	Profile  *config.Profile
	StateDir string
	Out      *iostreams.IOStreams
}

var _ custody.Target = (*Target)(nil)

// NewTarget reads and checks the inventory before anything changes:
// every problem at once, exit 2.
func NewTarget(ios *iostreams.IOStreams, dir, devicesPath string, p provider.SIPAccounts, getProvider func() (provider.SIPAccounts, error), prof *config.Profile, stateDir, handover string) (*Target, error) {
	if err := provision.CheckDir(dir); err != nil {
		return nil, fmt.Errorf("--provision-dir: %w", err)
	}
	active := ""
	if prof != nil {
		active = prof.Provider
	}
	var canon func(string) (string, error)
	if p != nil {
		canon = p.CanonicalDomain
	}
	// Lines name accounts as USER@DOMAIN; which of them this run changes
	// is known only once it has run.
	any := func(account string) (string, error) {
		user, domain, ok := strings.Cut(account, "@")
		if !ok {
			return "", fmt.Errorf("account %s: write USER@DOMAIN", account)
		}
		return devices.AccountKey(user, domain), nil
	}
	devs, err := ReadDevices(ios, devicesPath, active, Canonical(canon, any), "nothing was changed")
	if err != nil {
		return nil, err
	}
	return &Target{Dir: dir, Devices: devs, Handover: handover, Provider: getProvider, Profile: prof, StateDir: stateDir, Out: ios}, nil
}

// String names the target in custody's messages.
func (t *Target) String() string { return "provisioning directory " + t.Dir }

// Check refuses a directory others can read, before any change.
func (t *Target) Check() error { return provision.CheckDir(t.Dir) }

// Takes every entry: Write picks the devices that carry them.
func (t *Target) Takes(journal.Entry) bool { return true }

// Write rewrites the files of the devices with a line among rs, durably
// (custody.Target). Each other line's password comes from the run's
// handover; a device with a line whose password is in neither is not
// written (an error, so the journal keeps the run).
func (t *Target) Write(_ context.Context, rs []handover.Record) error {
	accts := map[string]provision.Account{}
	if t.Handover != "" {
		if old, err := rotate.ReadHandover(t.Handover); err == nil {
			for _, r := range old {
				if r.Username != "" && r.Password != "" {
					accts[devices.AccountKey(r.Username, r.Domain)] = provision.Account{Username: r.Username, Domain: r.Domain, Password: r.Password}
				}
			}
		}
	}
	changed := map[string]bool{}
	for _, r := range rs {
		k := devices.AccountKey(r.Username, r.Domain)
		accts[k] = provision.Account{Username: r.Username, Domain: r.Domain, Password: r.Password}
		changed[k] = true
	}
	var affected []devices.Device
	var missing []string
	for _, d := range t.Devices {
		hit := false
		for _, l := range d.Lines {
			hit = hit || changed[l.Account]
		}
		if !hit {
			continue
		}
		ok := true
		for _, l := range d.Lines {
			if _, known := accts[l.Account]; !known {
				missing = append(missing, fmt.Sprintf("%s line %s", d.Display(), l.Account))
				ok = false
			}
		}
		if ok {
			affected = append(affected, d)
		}
	}
	if len(affected) > 0 {
		if err := Registrars(context.Background(), "", "", t.Profile, t.StateDir, t.Provider, affected, accts); err != nil {
			return err
		}
		res, err := provision.WriteAll(t.Dir, affected, accts, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(t.Out.ErrOut, "Provisioning: %d devices' files rewritten in %s (%d unchanged)\n", len(res.Changed), t.Dir, res.Unchanged)
	}
	if len(missing) > 0 {
		return fmt.Errorf("no password on record for %s: give the run an --output handover that holds them, or render them with `sipctl provision render`", strings.Join(missing, ", "))
	}
	return nil
}
