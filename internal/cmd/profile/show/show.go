// Package show is `sipctl profile show`.
package show

import (
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/output"
	"github.com/spf13/cobra"
	"strings"
)

// ShowOptions are the inputs of `profile show`.
type ShowOptions struct {
	IO       *iostreams.IOStreams
	Config   func() (*config.Config, error)
	Exporter cmdutil.Exporter
	Name     string // the argument, else --profile, else the active profile
}

// View is what show prints; it has no secret field.
type View struct {
	Name            string `json:"name"`
	Provider        string `json:"provider"`
	AccountSID      string `json:"account_sid"`
	APIKeySID       string `json:"api_key_sid"`
	APIURL          string `json:"api_url"`
	DefaultDomain   string `json:"default_domain"`
	PasswordPolicy  string `json:"password_policy"`
	Registrar       string `json:"registrar"`
	Current         bool   `json:"current"`
	BuiltIn         bool   `json:"built_in"`
	FromEnv         bool   `json:"from_env"`
	InsecureStorage bool   `json:"insecure_storage"`
	// Kamailio profiles.
	DBURL  string `json:"db_url,omitempty"`
	RPCURL string `json:"rpc_url,omitempty"`
}

// NewCmdShow returns `profile show`; runF replaces the run function in tests.
func NewCmdShow(f *cmdutil.Factory, runF func(*ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{IO: f.IOStreams, Config: f.Config}
	cmd := &cobra.Command{
		Use:     "show [<name>]",
		Aliases: []string{"view"},
		Short:   "Show a profile's settings (never its secret)",
		Long:    "Show a profile's settings: the named one, else --profile, else the active profile.\n`sipctl auth status` says where its secret comes from and whether it works.",
		Example: `  $ sipctl profile show
  $ sipctl profile show acme --json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Name = args[0]
			} else if f.Globals != nil {
				opts.Name = f.Globals.Profile
			}
			if runF != nil {
				return runF(opts)
			}
			return showRun(opts)
		},
	}
	cmdutil.AddJSONFlags(cmd, &opts.Exporter, View{})
	return cmd
}

func showRun(opts *ShowOptions) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	p, err := cfg.ActiveProfile(opts.Name)
	if err != nil {
		return err
	}
	current := cfg.CurrentProfile
	if current == "" {
		current = config.SandboxProfile
	}
	v := View{
		Name: p.Name, Provider: p.Provider, AccountSID: p.AccountSID, APIKeySID: p.APIKeySID, APIURL: p.APIURL,
		DefaultDomain: p.DefaultDomain, PasswordPolicy: p.PasswordPolicy, Registrar: p.Registrar, Current: p.Name == current,
		BuiltIn: p.BuiltIn, FromEnv: p.FromEnv, InsecureStorage: p.InsecureSecret != "",
		DBURL: p.DBURL, RPCURL: p.RPCURL,
	}
	fields := []output.Field{
		{Label: "Name", Value: output.Text(v.Name)},
		{Label: "Provider", Value: output.Text(v.Provider)},
	}
	// A provider's own settings, where the profile has them: Twilio's
	// account and key, a database's URLs; none is shown empty for another.
	for _, f := range []output.Field{
		{Label: "Account SID", Value: output.Text(v.AccountSID)},
		{Label: "API key SID", Value: output.Text(v.APIKeySID)},
		{Label: "Database URL", Value: output.Text(v.DBURL)},
		{Label: "RPC URL", Value: output.Text(v.RPCURL)},
	} {
		if f.Value != output.Text("") {
			fields = append(fields, f)
		}
	}
	fields = append(fields, []output.Field{
		{Label: "API URL", Value: output.Text(v.APIURL)},
		{Label: "Default domain", Value: output.Text(v.DefaultDomain)},
		{Label: "Password policy", Value: output.Text(v.PasswordPolicy)},
		{Label: "Registrar", Value: output.Text(v.Registrar)},
		{Label: "Current", Value: output.Bool(v.Current)},
		{Label: "Insecure storage", Value: output.Bool(v.InsecureStorage)},
	}...)
	// Asterisk's own settings, where the profile has them.
	for _, f := range []output.Field{
		{Label: "Realm", Value: output.Text(p.Realm)},
		{Label: "AMI", Value: output.Text(strings.TrimSpace(p.AMIUser + " " + p.AMI))},
		{Label: "Endpoint template", Value: output.Text(p.EndpointTemplate)},
	} {
		if f.Value != output.Text("") {
			fields = append(fields, f)
		}
	}
	return output.PrintObject(opts.IO, &opts.Exporter, v, fields)
}
