// Package get is `sipctl profile get KEY`.
package get

import (
	"fmt"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/spf13/cobra"
)

// GetOptions are the inputs of `profile get`.
type GetOptions struct {
	IO      *iostreams.IOStreams
	Config  func() (*config.Config, error)
	Profile string // --profile
	Key     string
}

// NewCmdGet returns `profile get`; runF replaces the run function in tests.
func NewCmdGet(f *cmdutil.Factory, runF func(*GetOptions) error) *cobra.Command {
	opts := &GetOptions{IO: f.IOStreams, Config: f.Config}
	cmd := &cobra.Command{
		Use:   "get <key>",
		Short: "Print a setting of a profile",
		Long: `Print one setting of the active profile (or the one --profile names): nothing when it is
unset. The settings are those of ` + "`sipctl profile set`" + `.`,
		Example: `  $ sipctl profile get default_domain
  $ sipctl profile get api_url --profile acme`,
		Args: cobra.ExactArgs(1),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) == 0 {
				return config.SettingKeys(), cobra.ShellCompDirectiveNoFileComp
			}
			return nil, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Key = args[0]
			opts.Profile = f.Globals.Profile
			if _, err := config.LookupSetting(opts.Key); err != nil {
				return cmdutil.FlagErrorf("%v", err)
			}
			if runF != nil {
				return runF(opts)
			}
			return getRun(opts)
		},
	}
	return cmd
}

func getRun(opts *GetOptions) error {
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
	if v := s.Get(p); v != "" {
		fmt.Fprintln(opts.IO.Out, v)
	}
	return nil
}
