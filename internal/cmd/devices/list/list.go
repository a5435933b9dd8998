// Package list is `sipctl devices list`.
package list

import (
	"strconv"
	"strings"
	"time"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/output"
	"github.com/sipctl/sipctl/internal/provision"
	"github.com/spf13/cobra"
)

// ListOptions are the command's inputs.
type ListOptions struct {
	IO       *iostreams.IOStreams
	Exporter cmdutil.Exporter
	Dir      string
}

// Item is one device as the list prints it.
type Item struct {
	Device     string    `json:"device"`
	Vendor     string    `json:"vendor"`
	Model      string    `json:"model"`
	Lines      []string  `json:"lines"`
	Generation int       `json:"generation"`
	Written    time.Time `json:"written"`
	// LastFetch is when the device last fetched one of its files; zero
	// when never. FetchedCurrent says that fetch got the files' current
	// content.
	LastFetch      time.Time `json:"last_fetch,omitzero"`
	FetchedCurrent bool      `json:"fetched_current"`
	LastRemote     string    `json:"last_remote,omitempty"`
}

// NewCmdList is `devices list`.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the provisioned devices: their lines, file generation and last fetch",
		Long: `List the devices of a provisioning directory (what ` + "`sipctl provision render`" + ` wrote): each
device's lines, the generation of its file (it goes up each time the content changes), and
when the device last fetched it from ` + "`sipctl provision serve`" + `, and whether that fetch got
the current generation.`,
		Example: `  sipctl devices list --dir ./prov
  sipctl devices list --dir ./prov --json --jq '.[] | select(.fetched_current | not) | .device'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return listRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Dir, "dir", "", "The provisioning `directory` (default: the state directory's provision/)")
	cmdutil.AddJSONFlags(cmd, &opts.Exporter, Item{})
	cmdutil.AddListFlags(cmd, &opts.Exporter)
	return cmd
}

// Items reads a provisioning directory's devices and their fetches.
func Items(dir string) ([]Item, error) {
	idx, err := provision.ReadIndex(dir)
	if err != nil {
		return nil, err
	}
	fetches, err := provision.ReadFetches(dir)
	if err != nil {
		return nil, err
	}
	var items []Item
	for _, d := range idx.Sorted() {
		it := Item{Device: d.Display, Vendor: d.Vendor, Model: d.Model, Lines: d.Lines, Generation: d.Generation, Written: d.Written}
		if it.Lines == nil {
			it.Lines = []string{}
		}
		current := len(d.Files) > 0
		for _, f := range d.Files {
			fe, ok := fetches[d.Name][f.Name]
			if !ok || fe.SHA256 != f.SHA256 {
				current = false
			}
			if ok && fe.Time.After(it.LastFetch) {
				it.LastFetch, it.LastRemote = fe.Time, fe.Remote
			}
		}
		it.FetchedCurrent = current
		items = append(items, it)
	}
	return items, nil
}

func listRun(opts *ListOptions) error {
	dir := opts.Dir
	if dir == "" {
		dir = provision.DefaultDir(config.StateDir())
	}
	items, err := Items(dir)
	if err != nil {
		return err
	}
	seq := func(yield func(Item, error) bool) {
		for _, it := range items {
			if !yield(it, nil) {
				return
			}
		}
	}
	fetched := func(it Item) output.Cell {
		switch {
		case it.LastFetch.IsZero():
			return output.Text("never")
		case it.FetchedCurrent:
			return output.Text("current")
		}
		return output.Text("older")
	}
	_, err = output.PrintList(opts.IO, &opts.Exporter, seq, []output.Column[Item]{
		{Header: "DEVICE", Value: func(it Item) output.Cell { return output.Text(it.Device) }},
		{Header: "VENDOR", Value: func(it Item) output.Cell { return output.Text(it.Vendor + " " + it.Model) }},
		{Header: "LINES", Value: func(it Item) output.Cell { return output.Text(strings.Join(it.Lines, ",")) }},
		{Header: "GENERATION", Value: func(it Item) output.Cell { return output.Text(strconv.Itoa(it.Generation)) }},
		{Header: "FETCHED", Value: fetched},
		{Header: "LAST FETCH", Value: func(it Item) output.Cell { return output.Time(it.LastFetch) }},
	})
	return err
}
