// Package shared holds what the outbound-profiles commands share: the flags
// that set a profile's restrictions, and how a profile is printed.
package shared

import (
	"strconv"
	"strings"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/output"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/spf13/cobra"
)

// Flags are the restriction flags of create and update.
type Flags struct {
	countries []string
	spend     string
	enabled   bool
}

// Add registers --countries, --daily-spend-limit and --enabled on cmd.
func (f *Flags) Add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringSliceVar(&f.countries, "countries", nil, "Countries calls may reach: ISO 3166-1 alpha-2 `codes`, e.g. US,CA")
	fl.StringVar(&f.spend, "daily-spend-limit", "", "Stop outbound calls after this `amount` a day (e.g. 100.00), or none")
	fl.BoolVar(&f.enabled, "enabled", true, "Allow outbound calls at all (--enabled=false stops them)")
}

// Params reads the flags the user named into p, checking every value
// before any request.
func (f *Flags) Params(cmd *cobra.Command, p *provider.OutboundProfileParams) error {
	fl := cmd.Flags()
	if fl.Changed("countries") {
		codes, err := Countries(f.countries)
		if err != nil {
			return err
		}
		p.Countries = codes
	}
	if fl.Changed("daily-spend-limit") {
		v := strings.TrimSpace(f.spend)
		on := !strings.EqualFold(v, "none")
		if on {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil || n < 0 {
				return cmdutil.FlagErrorf("--daily-spend-limit %q: give an amount of 0 or more (e.g. 100.00), or none", f.spend)
			}
			p.DailySpendLimit = &v
		}
		p.DailySpendLimitEnabled = &on
	}
	if fl.Changed("enabled") {
		p.Enabled = &f.enabled
	}
	return nil
}

// Countries checks and normalises a --countries value: at least one ISO
// 3166-1 alpha-2 code, each known.
func Countries(list []string) ([]string, error) {
	var codes []string
	for _, c := range list {
		if strings.TrimSpace(c) != "" {
			codes = append(codes, c)
		}
	}
	if len(codes) == 0 {
		return nil, cmdutil.FlagErrorf("--countries: name at least one ISO country code, e.g. US,CA")
	}
	out, err := provider.CountryCodes(codes)
	if err != nil {
		return nil, &cmdutil.FlagError{Err: err}
	}
	return out, nil
}

// Columns are a profile's cells in a table.
var Columns = []output.Column[provider.OutboundProfile]{
	{Header: "ID", Value: func(o provider.OutboundProfile) output.Cell { return output.Text(o.ID) }},
	{Header: "NAME", Value: func(o provider.OutboundProfile) output.Cell { return output.Text(o.Name) }},
	{Header: "ENABLED", Value: func(o provider.OutboundProfile) output.Cell { return output.Text(strconv.FormatBool(o.Enabled)) }},
	{Header: "COUNTRIES", Value: func(o provider.OutboundProfile) output.Cell { return output.Text(strings.Join(o.Countries, ",")) }},
	{Header: "DAILY LIMIT", Value: func(o provider.OutboundProfile) output.Cell { return output.Text(SpendText(o)) }},
	{Header: "ACCOUNTS", Value: func(o provider.OutboundProfile) output.Cell { return output.Text(strconv.Itoa(o.Accounts)) }},
}

// SpendText is the daily spend limit, or "none" when it is off.
func SpendText(o provider.OutboundProfile) string {
	if !o.DailySpendLimitEnabled || o.DailySpendLimit == "" {
		return "none"
	}
	return o.DailySpendLimit
}

// Fields is how one profile is shown as labelled lines.
func Fields(o provider.OutboundProfile) []output.Field {
	return []output.Field{
		{Label: "Name", Value: output.Text(o.Name)},
		{Label: "ID", Value: output.Text(o.ID)},
		{Label: "Enabled", Value: output.Text(strconv.FormatBool(o.Enabled))},
		{Label: "Countries", Value: output.Text(strings.Join(o.Countries, ", "))},
		{Label: "Daily spend limit", Value: output.Text(SpendText(o))},
		{Label: "Accounts", Value: output.Text(strconv.Itoa(o.Accounts))},
		{Label: "Created", Value: output.Time(o.Created)},
	}
}
