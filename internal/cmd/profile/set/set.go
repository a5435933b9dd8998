// Package set is `sipctl profile set KEY VALUE`.
package set

import (
	"fmt"
	"strings"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/spf13/cobra"
)

// SetOptions are the inputs of `profile set`.
type SetOptions struct {
	IO      *iostreams.IOStreams
	Config  func() (*config.Config, error)
	Profile string // --profile
	Key     string
	Value   string
}

// NewCmdSet returns `profile set`; runF replaces the run function in tests.
func NewCmdSet(f *cmdutil.Factory, runF func(*SetOptions) error) *cobra.Command {
	opts := &SetOptions{IO: f.IOStreams, Config: f.Config}
	cmd := &cobra.Command{
		Use:   "set <key> <value>",
		Short: "Change a setting of a profile",
		Long: `Change one setting of the active profile (or the one --profile names), checked before it is
saved. An empty value clears an optional setting.

Settings:
` + SettingsHelp(),
		Example: `  $ sipctl profile set default_domain office
  $ sipctl profile set password_policy strict --profile acme
  $ sipctl profile set registrar 127.0.0.1:5060
  $ sipctl profile set default_domain ""`,
		Args: cobra.ExactArgs(2),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) == 0 {
				return config.SettingKeys(), cobra.ShellCompDirectiveNoFileComp
			}
			return ValueChoices(args[0]), cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Key, opts.Value = args[0], args[1]
			opts.Profile = f.Globals.Profile
			if _, err := config.LookupSetting(opts.Key); err != nil {
				return cmdutil.FlagErrorf("%v", err)
			}
			if runF != nil {
				return runF(opts)
			}
			return setRun(opts)
		},
	}
	return cmd
}

// SettingsHelp lists the settings with what each allows.
func SettingsHelp() string {
	var b strings.Builder
	for _, s := range config.Settings {
		fmt.Fprintf(&b, "  %-16s %s\n  %-16s (%s)\n", s.Key, s.Help, "", s.Allowed)
	}
	return b.String()
}

// ValueChoices are the values the shell offers for a key with fixed choices.
func ValueChoices(key string) []cobra.Completion {
	switch key {
	case "provider":
		return config.ProviderNames
	case "password_policy":
		return passwordPolicies()
	}
	return nil
}

func setRun(opts *SetOptions) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	p, err := cfg.EditableProfile(opts.Profile)
	if err != nil {
		return err
	}
	s, err := config.LookupSetting(opts.Key)
	if err != nil {
		return cmdutil.FlagErrorf("%v", err)
	}
	if err := s.Set(p, opts.Value); err != nil {
		return cmdutil.FlagErrorf("%v", err)
	}
	cfg.SetProfile(p)
	if err := cfg.ProfileFixed(p); err != nil {
		// Saved anyway: one fix at a time; the next bad value is named.
		fmt.Fprintf(opts.IO.ErrOut, "warning: %v\n", err)
	}
	if err := cfg.Save(); err != nil {
		return err
	}
	if v := s.Get(p); v == "" {
		fmt.Fprintf(opts.IO.ErrOut, "Cleared %s of profile %q\n", s.Key, p.Name)
	} else {
		fmt.Fprintf(opts.IO.ErrOut, "Set %s of profile %q to %s\n", s.Key, p.Name, v)
	}
	return nil
}
