// Package list is `sipctl profile list`.
package list

import (
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/output"
	"github.com/spf13/cobra"
)

// ListOptions are the inputs of `profile list`.
type ListOptions struct {
	IO       *iostreams.IOStreams
	Config   func() (*config.Config, error)
	Exporter cmdutil.Exporter
}

// Item is one row; it never carries a secret.
type Item struct {
	Name            string `json:"name"`
	Provider        string `json:"provider"`
	AccountSID      string `json:"account_sid"`
	APIKeySID       string `json:"api_key_sid"`
	APIURL          string `json:"api_url"`
	DefaultDomain   string `json:"default_domain"`
	Current         bool   `json:"current"`
	BuiltIn         bool   `json:"built_in"`
	InsecureStorage bool   `json:"insecure_storage"`
}

// NewCmdList returns `profile list`; runF replaces the run function in tests.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, Config: f.Config}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List profiles",
		Example: `  $ sipctl profile list
  $ sipctl profile list --json=name,account_sid,current --jq '.[] | select(.current)'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return listRun(opts)
		},
	}
	cmdutil.AddJSONFlags(cmd, &opts.Exporter, Item{})
	cmdutil.AddListFlags(cmd, &opts.Exporter)
	return cmd
}

// Items lists every profile in the file plus the built-in sandbox.
func Items(cfg *config.Config) []Item {
	current := cfg.CurrentProfile
	if current == "" {
		current = config.SandboxProfile
	}
	var items []Item
	for _, n := range cfg.ProfileNames() {
		p, err := cfg.Profile(n)
		if err != nil {
			continue
		}
		items = append(items, Item{
			Name: n, Provider: p.Provider, AccountSID: p.AccountSID, APIKeySID: p.APIKeySID, APIURL: p.APIURL,
			DefaultDomain: p.DefaultDomain, Current: n == current, BuiltIn: p.BuiltIn, InsecureStorage: p.InsecureSecret != "",
		})
	}
	return items
}

func listRun(opts *ListOptions) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	items := Items(cfg)
	seq := func(yield func(Item, error) bool) {
		for _, it := range items {
			if !yield(it, nil) {
				return
			}
		}
	}
	marker := func(it Item) output.Cell {
		if it.Current {
			return output.Text("*")
		}
		return output.Text("")
	}
	_, err = output.PrintList(opts.IO, &opts.Exporter, seq, []output.Column[Item]{
		{Header: "CURRENT", Value: marker},
		{Header: "NAME", Value: func(it Item) output.Cell { return output.Text(it.Name) }, Keep: true}, // `profile use NAME`
		{Header: "PROVIDER", Value: func(it Item) output.Cell { return output.Text(it.Provider) }},
		{Header: "ACCOUNT SID", Value: func(it Item) output.Cell { return output.Text(it.AccountSID) }},
		{Header: "DEFAULT DOMAIN", Value: func(it Item) output.Cell { return output.Text(it.DefaultDomain) }},
		{Header: "API URL", Value: func(it Item) output.Cell { return output.Text(it.APIURL) }},
	})
	return err
}
