// Package resync is `sipctl devices resync`.
package resync

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/sipctl/sipctl/internal/cmd/devices/list"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/devices"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/output"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/provision"
	"github.com/sipctl/sipctl/internal/sip"
	"github.com/spf13/cobra"
)

// ResyncOptions are the command's inputs.
type ResyncOptions struct {
	IO       *iostreams.IOStreams
	Exporter cmdutil.Exporter
	Provider func() (provider.SIPAccounts, error)

	Dir     string
	Devices string
	Wait    time.Duration
	// Poll is how often --wait looks again; tests shorten it.
	Poll time.Duration
	Now  func() time.Time
}

// Result is one device's outcome, as the table and --json print it.
type Result struct {
	Device   string   `json:"device"`
	Accounts []string `json:"accounts"`
	Event    string   `json:"event,omitempty"`
	// Notify is the phone's answer to the NOTIFY: "200 OK", "no-answer",
	// "not-registered", "not-sent" (the provider holds the registration,
	// or the device acts on no event).
	Notify string `json:"notify"`
	// Fetched says the device fetched its current file after it was
	// written; Registered says each of its accounts registered after that.
	Fetched    bool      `json:"fetched"`
	Registered bool      `json:"registered"`
	FetchedAt  time.Time `json:"fetched_at,omitzero"`
	Todo       string    `json:"todo,omitempty"`
}

// NewCmdResync is `devices resync`.
func NewCmdResync(f *cmdutil.Factory, runF func(*ResyncOptions) error) *cobra.Command {
	opts := &ResyncOptions{IO: f.IOStreams, Provider: f.Provider, Poll: 500 * time.Millisecond, Now: time.Now}
	cmd := &cobra.Command{
		Use:   "resync [--devices FILE] [--wait DURATION]",
		Short: "Ask phones to fetch their provisioning files now, and wait until they are back",
		Long: `Send each provisioned device a SIP NOTIFY with its vendor's event (check-sync for most, resync
for Cisco) to the contact it is registered from, as the provider's registration status tells
(the sandbox's registrar, Kamailio's location table). The phone answers 200 and fetches its file
from ` + "`sipctl provision serve`" + `. Providers that hold the registration themselves (Telnyx) cannot be
asked to send it: there resync only waits. Softphones act on no NOTIFY: restart them.

With --wait it then waits until each device has fetched its current file (the fetch log) and
each of its accounts has registered again since the file was written (registration status),
and prints DEVICE, ACCOUNTS, NOTIFY, FETCHED, REGISTERED. A device not back in time is named
with what to do, and the command exits 5.

The devices are those of the provisioning directory (--dir), or only those of --devices FILE.`,
		Example: `  sipctl devices resync --dir ./prov
  sipctl devices resync --dir ./prov --devices floor2.csv --wait 2m
  sipctl devices resync --dir ./prov --wait 90s --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Wait < 0 {
				return cmdutil.FlagErrorf("--wait must not be negative")
			}
			if runF != nil {
				return runF(opts)
			}
			return resyncRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Dir, "dir", "", "The provisioning `directory` (default: the state directory's provision/)")
	fl.StringVar(&opts.Devices, "devices", "", "Only the devices of this inventory `file` (CSV)")
	fl.DurationVar(&opts.Wait, "wait", 0, "Wait up to `duration` for each device to fetch its file and register again")
	cmdutil.AddJSONFlags(cmd, &opts.Exporter, Result{})
	return cmd
}

type target struct {
	entry    *provision.IndexDevice
	accounts []provider.SIPAccount
}

func resyncRun(ctx context.Context, opts *ResyncOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	dir := opts.Dir
	if dir == "" {
		dir = provision.DefaultDir(config.StateDir())
	}
	idx, err := provision.ReadIndex(dir)
	if err != nil {
		return err
	}
	entries := idx.Sorted()
	if opts.Devices != "" {
		devs, probs, err := devices.ReadFile(opts.Devices)
		if err != nil {
			return err
		}
		if err := probs.Err(); err != nil {
			for _, pr := range probs.List {
				fmt.Fprintln(opts.IO.ErrOut, probs.Format(pr))
			}
			return &cmdutil.ExitError{Code: cmdutil.ExitUsage, Err: fmt.Errorf("%s: %d problems; nothing was sent", opts.Devices, len(probs.List))}
		}
		want := map[string]bool{}
		var unknown []string
		for _, d := range devs {
			want[d.Name()] = true
			if idx.Devices[d.Name()] == nil {
				unknown = append(unknown, d.Display())
			}
		}
		if len(unknown) > 0 {
			return &cmdutil.ExitError{Code: cmdutil.ExitUsage, Err: cmdutil.WithHint(
				fmt.Errorf("%d devices of %s have no file in %s: %s; nothing was sent", len(unknown), opts.Devices, dir, strings.Join(unknown, ", ")),
				"write their files first with `sipctl provision render`")}
		}
		kept := entries[:0]
		for _, e := range entries {
			if want[e.Name] {
				kept = append(kept, e)
			}
		}
		entries = kept
	}
	if len(entries) == 0 {
		return cmdutil.WithHint(fmt.Errorf("no device in %s", dir), "write their files with `sipctl provision render --devices FILE --from-handover HANDOVER --dir DIR`")
	}
	p, err := opts.Provider()
	if err != nil {
		return err
	}
	reg, hasStatus := provider.Lookup[provider.Registrations](p)
	held := false
	if h, ok := p.(interface{ HoldsRegistrations() bool }); ok {
		held = h.HoldsRegistrations()
	}

	targets := make([]target, len(entries))
	for i, e := range entries {
		targets[i].entry = e
		for _, key := range e.Lines {
			user, domain, _ := strings.Cut(key, "@")
			a, err := p.GetSIPAccount(ctx, user, domain)
			if err != nil {
				return fmt.Errorf("device %s line %s: %w", e.Display, key, err)
			}
			targets[i].accounts = append(targets[i].accounts, a)
		}
	}
	status := func() (map[string]provider.Registration, error) {
		if !hasStatus {
			return map[string]provider.Registration{}, nil
		}
		var all []provider.SIPAccount
		for _, t := range targets {
			all = append(all, t.accounts...)
		}
		out := map[string]provider.Registration{}
		for i := 0; i < len(all); i += 100 {
			m, err := reg.RegistrationStatus(ctx, all[i:min(i+100, len(all))])
			if err != nil {
				return nil, err
			}
			for k, v := range m {
				out[k] = v
			}
		}
		return out, nil
	}

	regs, err := status()
	if err != nil {
		return err
	}
	results := make([]Result, len(targets))
	for i, t := range targets {
		r := &results[i]
		r.Device = t.entry.Display
		r.Accounts = append([]string{}, t.entry.Lines...)
		r.Event = devices.EventFor(devices.Device{Vendor: t.entry.Vendor})
		switch {
		case held:
			r.Notify = "not-sent"
		case r.Event == "":
			r.Notify = "not-sent"
		case !hasStatus:
			r.Notify = "not-sent"
		default:
			r.Notify = notifyDevice(ctx, t, regs, r.Event)
		}
	}

	deadline := opts.Now().Add(opts.Wait)
	for {
		done := check(dir, targets, results, regs)
		if opts.Wait == 0 || done || !opts.Now().Before(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(opts.Poll):
		}
		if regs, err = status(); err != nil {
			return err
		}
	}

	if err := print(opts, results); err != nil {
		return err
	}
	if opts.Wait == 0 {
		var failed int
		for _, r := range results {
			if r.Notify != "200 OK" && r.Notify != "not-sent" {
				failed++
			}
		}
		if failed > 0 {
			return &cmdutil.PartialError{Failed: failed, Total: len(results)}
		}
		return nil
	}
	var late []string
	for i, r := range results {
		if r.Fetched && r.Registered {
			continue
		}
		results[i].Todo = todo(r, held, hasStatus)
		fmt.Fprintf(opts.IO.ErrOut, "device %s is not back: %s\n", r.Device, results[i].Todo)
		late = append(late, r.Device)
	}
	if len(late) > 0 {
		return &cmdutil.ExitError{Code: cmdutil.ExitRejected, Err: cmdutil.WithHint(
			fmt.Errorf("%d of %d devices did not come back within %s: %s", len(late), len(results), opts.Wait, strings.Join(late, ", ")),
			"see each device's line above; `sipctl devices list` shows their last fetch")}
	}
	return nil
}

func todo(r Result, held, hasStatus bool) string {
	switch {
	case !r.Fetched && r.Notify == "not-sent" && r.Event == "":
		return "a softphone acts on no NOTIFY: restart it (it fetches its file on start)"
	case !r.Fetched && held:
		return "the provider holds the registration and cannot forward a NOTIFY: reboot the phone, or wait for its periodic check"
	case !r.Fetched && r.Notify == "not-registered":
		return "it is not registered, so no NOTIFY could reach it: reboot it, or enter the new password by hand"
	case !r.Fetched && r.Notify != "200 OK":
		return "it did not answer the NOTIFY (" + r.Notify + "): check that it allows NOTIFY-triggered resync, or reboot it"
	case !r.Fetched:
		return "it answered the NOTIFY but has not fetched its file: check its provisioning URL and credential against `sipctl provision serve`"
	case !hasStatus:
		return "the provider tells no registration status: check the phone by hand"
	}
	return "it fetched its file but has not registered again: check its password, or `sipctl accounts check` it"
}

// notifyDevice sends one NOTIFY to each distinct contact of the device's
// accounts and reports the first answer.
func notifyDevice(ctx context.Context, t target, regs map[string]provider.Registration, event string) string {
	sent := map[string]bool{}
	answer := "not-registered"
	for _, a := range t.accounts {
		rg, ok := regs[a.Ref]
		if !ok || rg.State != provider.Registered || rg.Contact == "" || sent[rg.Contact] {
			continue
		}
		sent[rg.Contact] = true
		res, err := sip.Notify(ctx, sip.NotifyOptions{Contact: rg.Contact, User: a.Username, Domain: a.Domain, Event: event,
			Destination: rg.Source, Transport: rg.Transport})
		switch {
		case err != nil:
			answer = "error: " + err.Error()
		case res.Outcome == sip.NoAnswer:
			answer = "no-answer"
		default:
			answer = fmt.Sprintf("%d %s", res.StatusCode, res.Reason)
		}
		if answer == "200 OK" {
			return answer
		}
	}
	return answer
}

// check fills each result's FETCHED and REGISTERED and says whether all are
// back.
func check(dir string, targets []target, results []Result, regs map[string]provider.Registration) bool {
	items, err := list.Items(dir)
	if err != nil {
		return false
	}
	byName := map[string]list.Item{}
	for _, it := range items {
		byName[it.Device] = it
	}
	all := true
	for i, t := range targets {
		it := byName[t.entry.Display]
		r := &results[i]
		r.Fetched = it.FetchedCurrent && !it.LastFetch.Before(t.entry.Written)
		r.FetchedAt = it.LastFetch
		r.Registered = len(t.accounts) > 0
		for _, a := range t.accounts {
			rg, ok := regs[a.Ref]
			if !ok || rg.State != provider.Registered || rg.LastSeen.Before(t.entry.Written) {
				r.Registered = false
			}
		}
		if !r.Fetched || !r.Registered {
			all = false
		}
	}
	return all
}

func print(opts *ResyncOptions, results []Result) error {
	if opts.Exporter.Enabled() {
		return opts.Exporter.Write(opts.IO.Out, results)
	}
	yes := func(b bool) output.Cell {
		if b {
			return output.Text("yes")
		}
		return output.Text("no")
	}
	seq := func(yield func(Result, error) bool) {
		for _, r := range results {
			if !yield(r, nil) {
				return
			}
		}
	}
	_, err := output.PrintList(opts.IO, &opts.Exporter, seq, []output.Column[Result]{
		{Header: "DEVICE", Value: func(r Result) output.Cell { return output.Text(r.Device) }},
		{Header: "ACCOUNTS", Value: func(r Result) output.Cell { return output.Text(strings.Join(r.Accounts, ",")) }},
		{Header: "NOTIFY", Value: func(r Result) output.Cell { return output.Text(r.Notify) }},
		{Header: "FETCHED", Value: func(r Result) output.Cell { return yes(r.Fetched) }},
		{Header: "REGISTERED", Value: func(r Result) output.Cell { return yes(r.Registered) }},
	})
	return err
}
