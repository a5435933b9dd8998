package login

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/sipctl/sipctl/internal/build"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/httpapi"
	"github.com/sipctl/sipctl/internal/providers/signalwire"
	"github.com/spf13/cobra"
)

var signalWireFlags = []string{"space", "project"}

func addSignalWireFlags(cmd *cobra.Command, opts *LoginOptions) {
	fl := cmd.Flags()
	fl.StringVar(&opts.Space, "space", "", "SignalWire space `NAME` (of NAME.signalwire.com), for --provider signalwire")
	fl.StringVar(&opts.Project, "project", "", "SignalWire project `ID` (a UUID), for --provider signalwire")
}

// signalWireLogin is `auth login --provider signalwire --space NAME
// --project ID`: the secret is the API token (hidden input or
// --with-token), checked with one listing request before it is stored.
func signalWireLogin(ctx context.Context, cmd *cobra.Command, opts *LoginOptions, runF func(*LoginOptions) error) error {
	if opts.AccountSID != "" || opts.APIKeySID != "" {
		return cmdutil.FlagErrorf("--account-sid and --api-key are Twilio's; a SignalWire login takes --space and --project, and the API token on standard input with --with-token")
	}
	for _, name := range kamailioFlags {
		if cmd.Flags().Changed(name) {
			return cmdutil.FlagErrorf("--%s is for --provider kamailio", name)
		}
	}
	if err := config.ValidateNewProfileName(opts.Profile); err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	if opts.Space == "" || opts.Project == "" {
		return cmdutil.FlagErrorf("--provider signalwire needs --space NAME (of NAME.signalwire.com) and --project ID (the space's API page)")
	}
	if err := signalwire.ValidSpace(opts.Space); err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	if err := signalwire.ValidProjectID(opts.Project); err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	if opts.APIURL != "" {
		if _, err := httpapi.ParseBaseURL(opts.APIURL); err != nil {
			return &cmdutil.FlagError{Err: err}
		}
	}
	if runF != nil {
		return runF(opts)
	}
	if ctx == nil {
		ctx = context.Background()
	}
	cfg, prof, err := loginProfile(opts, config.ProviderSignalWire, "the SignalWire project")
	if err != nil {
		return err
	}
	prof.Space, prof.ProjectID = opts.Space, opts.Project
	if opts.APIURL != "" {
		prof.APIURL = opts.APIURL
	}
	// The space's one SIP domain: commands need no --domain.
	prof.DefaultDomain = opts.Space + signalwire.SIPDomainSuffix
	token, err := readSecret(opts, bufio.NewReader(opts.IO.In), "SignalWire API token")
	if err != nil {
		return err
	}
	apiURL := prof.APIURL
	if u := os.Getenv("SIPCTL_API_URL"); u != "" && opts.APIURL == "" {
		apiURL = u
	}
	c, err := signalwire.New(signalwire.Options{Space: prof.Space, BaseURL: apiURL, ProjectID: prof.ProjectID, Token: token,
		HTTPClient: opts.HTTPClient, UserAgent: "sipctl/" + build.Version, MaxRetries: 1})
	if err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	// One endpoint of one page proves the project ID and token.
	for _, err := range c.ListEndpoints(ctx, signalwire.EndpointQuery{PageSize: 1}) {
		var ae *signalwire.APIError
		if errors.As(err, &ae) && ae.Unauthorized() {
			return cmdutil.WithHint(&cmdutil.AuthError{Err: fmt.Errorf("SignalWire refused the project ID and API token for space %s; nothing saved", prof.Space)},
				"check the space, the project ID and the token (with the Voice scope) on the space's API page")
		}
		if err != nil {
			return fmt.Errorf("could not verify the API token, nothing saved: %w", err)
		}
		break
	}

	entry, err := signalwireSecret.save(opts, cfg, prof, token)
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.Out, "Logged in to SignalWire space %s (project %s) as profile %q\n", prof.Space, prof.ProjectID, prof.Name)
	signalwireSecret.report(opts, cfg, entry)
	return nil
}
