// Package status is `sipctl sandbox status`.
package status

import (
	"fmt"
	"time"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/output"
	"github.com/sipctl/sipctl/internal/sandbox"
	"github.com/spf13/cobra"
)

// StatusOptions are the inputs of `sandbox status`.
type StatusOptions struct {
	IO       *iostreams.IOStreams
	StateDir func() (string, error)
	Exporter *cmdutil.Exporter
}

// Status is what `sandbox status --json` prints. The auth token is the
// sandbox's local test secret; scripts need it to point a Twilio library at
// `sandbox serve`.
type Status struct {
	Database   string  `json:"database"`
	AccountSID string  `json:"account_sid"`
	AuthToken  string  `json:"auth_token"`
	Serving    bool    `json:"serving"`
	PID        *int    `json:"pid"`
	HTTPAddr   *string `json:"http_addr"`
	APIURL     *string `json:"api_url"`
	SIPAddr    *string `json:"sip_addr"`
	// TelnyxAPIKey is the bearer key of the Telnyx face, served under
	// TelnyxAPIURL (api_url + /v2), for the Telnyx provider or library.
	TelnyxAPIKey string  `json:"telnyx_api_key"`
	TelnyxAPIURL *string `json:"telnyx_api_url"`
	// PlivoAuthID and PlivoAuthToken are the Plivo face's main account,
	// served under PlivoAPIURL (the origin; paths begin /v1/Account/), for
	// the Plivo provider's api_url or a Plivo library.
	PlivoAuthID    string  `json:"plivo_auth_id"`
	PlivoAuthToken string  `json:"plivo_auth_token"`
	PlivoAPIURL    *string `json:"plivo_api_url"`
	// The SignalWire face: HTTP Basic with the project ID and API token,
	// its REST API under SignalWireAPIURL (api_url: paths start /api/), its
	// endpoints registering at SignalWireSIPDomain.
	SignalWireProjectID string  `json:"signalwire_project_id"`
	SignalWireAPIToken  string  `json:"signalwire_api_token"`
	SignalWireSpace     string  `json:"signalwire_space"`
	SignalWireSIPDomain string  `json:"signalwire_sip_domain"`
	SignalWireAPIURL    *string `json:"signalwire_api_url"`
	// Servers is every running `sandbox serve`, the most recent first (the
	// fields above describe that one).
	Servers []Server `json:"servers"`
}

// Server is one running `sandbox serve`.
type Server struct {
	PID      int       `json:"pid"`
	APIURL   string    `json:"api_url"`
	HTTPAddr string    `json:"http_addr"`
	SIPAddr  string    `json:"sip_addr,omitempty"`
	Started  time.Time `json:"started"`
}

// NewCmdStatus is `sandbox status`.
func NewCmdStatus(f *cmdutil.Factory, runF func(*StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{IO: f.IOStreams, StateDir: config.EnsureStateDir, Exporter: &cmdutil.Exporter{}}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the sandbox's database, account and running server",
		Long: `Show where the sandbox keeps its data, its account SID, and the addresses of a
running ` + "`sipctl sandbox serve`" + `. --json adds the account's auth token, the Telnyx
face's API key, the Plivo face's Auth ID and Auth Token, and the SignalWire face's project ID
and API token (space "sandbox"), for pointing a Twilio, Telnyx, Plivo or SignalWire library or
curl at the served API.`,
		Example: `  sipctl sandbox status
  sipctl sandbox status --json --jq .api_url`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return statusRun(opts)
		},
	}
	cmdutil.AddJSONFlags(cmd, opts.Exporter, Status{})
	return cmd
}

func statusRun(opts *StatusOptions) error {
	dir, err := opts.StateDir()
	if err != nil {
		return fmt.Errorf("creating the state directory: %w", err)
	}
	sb, err := sandbox.Open(dir)
	if err != nil {
		return err
	}
	defer sb.Close()
	sid, token := sb.Account()
	st := Status{Database: sb.Path(), AccountSID: sid, AuthToken: token, TelnyxAPIKey: sb.TelnyxAPIKey(),
		PlivoAuthID: sb.PlivoAuthID(), PlivoAuthToken: sb.PlivoAuthToken(), Servers: []Server{},
		SignalWireSpace: sandbox.SignalWireSpace, SignalWireSIPDomain: sandbox.SignalWireRealm}
	st.SignalWireProjectID, st.SignalWireAPIToken = sb.SignalWireProject()
	for i, rec := range sandbox.RunningServers(dir) {
		st.Servers = append(st.Servers, Server{PID: rec.PID, APIURL: rec.APIURL(), HTTPAddr: rec.HTTPAddr, SIPAddr: rec.SIPAddr, Started: rec.Started})
		if i > 0 {
			continue
		}
		st.Serving = true
		apiURL := rec.APIURL()
		st.PID, st.HTTPAddr, st.APIURL = &rec.PID, &rec.HTTPAddr, &apiURL
		telnyxURL := apiURL + sandbox.TelnyxPrefix
		st.TelnyxAPIURL = &telnyxURL
		plivoURL := apiURL
		st.PlivoAPIURL = &plivoURL
		st.SignalWireAPIURL = &apiURL
		if rec.SIPAddr != "" {
			st.SIPAddr = &rec.SIPAddr
		}
	}
	if opts.Exporter.Enabled() {
		return opts.Exporter.Write(opts.IO.Out, st)
	}
	fields := []output.Field{
		{Label: "Database", Value: output.Text(st.Database)},
		{Label: "Account", Value: output.Text(st.AccountSID)},
	}
	if !st.Serving {
		fields = append(fields, output.Field{Label: "Serving", Value: output.Text("no (start with `sipctl sandbox serve`)")})
	}
	for _, srv := range st.Servers {
		fields = append(fields,
			output.Field{Label: "Serving", Value: output.Text(fmt.Sprintf("yes (pid %d)", srv.PID))},
			output.Field{Label: "API", Value: output.Text(srv.APIURL + " (Twilio), " + srv.APIURL + sandbox.TelnyxPrefix + " (Telnyx), " + srv.APIURL + sandbox.PlivoPrefix + " (Plivo), " + srv.APIURL + "/api (SignalWire)")})
		if srv.SIPAddr != "" {
			fields = append(fields, output.Field{Label: "Registrar", Value: output.Text(srv.SIPAddr + " (UDP and TCP)")})
		}
	}
	return output.PrintObject(opts.IO, nil, st, fields)
}
