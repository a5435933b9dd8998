// Package credentials is `sipctl provision credentials`: the credentials
// phones fetch their files with.
package credentials

import (
	"fmt"
	"time"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/devices"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/password"
	"github.com/sipctl/sipctl/internal/provision"
	"github.com/spf13/cobra"
)

// NewCmdCredentials is `provision credentials`.
func NewCmdCredentials(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "credentials <command>",
		Short: "Make the credentials phones fetch their provisioning files with",
	}
	cmd.AddCommand(NewCmdCreate(f, nil))
	return cmd
}

// CreateOptions are the inputs of `credentials create`.
type CreateOptions struct {
	IO       *iostreams.IOStreams
	StateDir func() (string, error)
	Device   string
	Shared   bool
	Now      func() time.Time
}

// NewCmdCreate is `provision credentials create MAC|ID`.
func NewCmdCreate(f *cmdutil.Factory, runF func(*CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{IO: f.IOStreams, StateDir: config.EnsureStateDir, Now: time.Now}
	cmd := &cobra.Command{
		Use:   "create {MAC | ID | --shared}",
		Short: "Make a device's provisioning credential (shown once, stored as a hash)",
		Long: `Make the username and password a device fetches its provisioning file with from
` + "`sipctl provision serve`" + `: the username is the device's name (its MAC as 12 hex digits, or a
softphone's id) and the password is generated. The password is shown once, here; sipctl keeps
only its digest hashes (RFC 7616, MD5 and SHA-256) in the state directory. Running it again
replaces the device's credential.

A device with its own credential gets only its own files. --shared makes one credential
(username "provisioning") that fetches every device's files instead: simpler for a lab, but
any phone holding it can read every other phone's passwords.`,
		Example: `  sipctl provision credentials create 00:15:65:12:34:ab
  sipctl provision credentials create alice-laptop
  sipctl provision credentials create --shared`,
		Args: func(cmd *cobra.Command, args []string) error {
			if opts.Shared {
				if len(args) > 0 {
					return cmdutil.FlagErrorf("--shared makes the one shared credential: give no device")
				}
				return nil
			}
			if len(args) != 1 {
				return cmdutil.FlagErrorf("give one device: its MAC (00:15:65:12:34:ab) or a softphone's id, or --shared")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if !opts.Shared {
				name, err := DeviceName(args[0])
				if err != nil {
					return err
				}
				opts.Device = name
			}
			if runF != nil {
				return runF(opts)
			}
			return createRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Shared, "shared", false, "Make the one shared credential that fetches every device's files")
	return cmd
}

// DeviceName is a MAC in any usual spelling (as 12 hex digits) or an id.
func DeviceName(s string) (string, error) {
	if mac, err := devices.NormalizeMAC(s); err == nil {
		return mac, nil
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			return "", cmdutil.FlagErrorf("%q is neither a MAC (00:15:65:12:34:ab) nor a softphone id (letters, digits, . - _)", s)
		}
	}
	if s == "" || s == provision.SharedUser {
		return "", cmdutil.FlagErrorf("%q cannot name a device", s)
	}
	return s, nil
}

func createRun(opts *CreateOptions) error {
	dir, err := opts.StateDir()
	if err != nil {
		return fmt.Errorf("creating the state directory: %w", err)
	}
	pol, err := password.Builtin("device-safe")
	if err != nil {
		return err
	}
	pw, err := pol.Generate()
	if err != nil {
		return err
	}
	user := opts.Device
	if opts.Shared {
		user = provision.SharedUser
	}
	if err := provision.SetCredential(provision.CredentialsPath(dir), user, provision.NewCredential(user, pw, opts.Now())); err != nil {
		return fmt.Errorf("storing the credential: %w", err)
	}
	if opts.IO.IsStdoutTTY() {
		fmt.Fprintf(opts.IO.Out, "Username\t%s\nPassword\t%s\n", user, pw)
		fmt.Fprintln(opts.IO.ErrOut, "The password is shown once: enter it in the phone's provisioning settings now (sipctl keeps only its hash).")
		return nil
	}
	fmt.Fprintf(opts.IO.Out, "%s\t%s\n", user, pw)
	return nil
}
