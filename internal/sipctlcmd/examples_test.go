package sipctlcmd

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/cmd/root"
	"github.com/sipctl/sipctl/internal/journal"
	"github.com/sipctl/sipctl/internal/sandbox"
	"github.com/sipctl/sipctl/internal/testenv"
	"github.com/spf13/cobra"
)

// example is one line of a command's Example help.
type example struct {
	command string // the command whose help shows it
	line    string // as shown, without the "$ " prompt
}

// helpExamples extracts every example line of every command in the tree.
func helpExamples(t *testing.T) []example {
	tree := root.NewCmdRoot(walkFactory(t, false))
	var out []example
	for _, c := range append([]*cobra.Command{tree}, allCommands(tree)...) {
		pending := ""
		for _, l := range strings.Split(c.Example, "\n") {
			l = strings.TrimPrefix(strings.TrimSpace(l), "$ ")
			if l == "" || strings.HasPrefix(l, "#") {
				continue
			}
			// A line ending in a backslash continues on the next one.
			if cont, ok := strings.CutSuffix(l, "\\"); ok {
				pending += strings.TrimSpace(cont) + " "
				continue
			}
			out = append(out, example{command: c.CommandPath(), line: pending + l})
			pending = ""
		}
	}
	return out
}

// exampleCase says how one example runs: what it presumes, and how it ends.
type exampleCase struct {
	setup []string          // shell lines run first (sipctl is on PATH)
	env   map[string]string // variables the example uses ($PW, $TOKEN)
	code  int               // its documented exit code
	serve bool              // needs a running `sandbox serve`: 127.0.0.1:5060 and :8080 become its addresses
	// server: the example is a server; it must come up serving (on free
	// ports instead of those shown), then stop cleanly on Ctrl-C.
	server bool
	// telnyx: the example is a Telnyx profile's; it runs (after its setup)
	// against the running `sandbox serve`'s Telnyx face, with
	// TELNYX_API_KEY and SIPCTL_API_URL set as a Telnyx user's CI would.
	telnyx bool
	skip   string // why it cannot run here
	// state prepares the state directory before the setup lines run.
	state func(t *testing.T, stateDir string)
}

// withDesks makes credential connections desk01 to desk03 on the Telnyx face.
var withDesks = []string{"sipctl accounts create desk01", "sipctl accounts create desk02", "sipctl accounts create desk03"}

// A password that meets every built-in policy, for examples that pipe one in.
const examplePassword = "Example-Pass-4-Sandbox"

const withAlice = "sipctl accounts create alice --domain office --json > alice-created.json"

// withAlicePassword creates alice with the password in $PW.
const withAlicePassword = `printf '%s\n' "$PW" | sipctl accounts create alice --domain office --password-stdin`

// withOfficeYAML writes the manifest the apply and plan examples read: the
// seeded domain office with accounts alice and bob.
const withOfficeYAML = `printf 'domains:\n  - name: office\n    accounts: [alice, bob]\n' > office.yaml`

// withExpired makes ci1 on office with a TTL that ended long before the
// real clock.
const withExpired = "SIPCTL_NOW=2026-01-01T00:00:00Z sipctl accounts create ci1 --domain office --ttl 1h --json > ci1-created.json"

// withProfile makes a saved Twilio-provider profile NAME that reaches the
// running `sandbox serve` with the sandbox's account (the sandbox
// equivalent of a real account); $SANDBOX_SID, $SANDBOX_API, $SANDBOX_TOKEN
// are set by the runner when serve is on.
func withProfile(name string) string {
	return "sipctl auth login --profile " + name + ` --account-sid "$SANDBOX_SID" --api-url "$SANDBOX_API" --with-token --insecure-storage <<<"$SANDBOX_TOKEN"`
}

// exampleRunID is the run the `password runs` examples name.
const exampleRunID = "20260101T120000.000000Z-0123abcd"

// interruptedRun leaves in the state directory what a rotation of alice
// that died after journaling its new password leaves: the journal (written
// by the journal package, as custody writes it) with the entry pending and
// no lock held. The run's ID is the one the examples show.
func interruptedRun(t *testing.T, stateDir string) {
	t.Helper()
	h := journal.Header{RunID: exampleRunID, Command: "password rotate", Profile: "sandbox", Provider: "sandbox"}
	j, err := journal.Create(journal.Dir(stateDir), h, []journal.Entry{{Op: journal.OpRotate, Provider: "sandbox", Profile: "sandbox",
		Username: "alice", Domain: "office.sip.twilio.com", Password: examplePassword}})
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
}

// withCustomer is a reseller's customer: a subaccount with a registrable
// domain and one account.
var withCustomer = []string{
	`sipctl subaccounts create "Acme Dental"`,
	`sipctl --subaccount "Acme Dental" domains create dental --sip-registration`,
	`sipctl --subaccount "Acme Dental" accounts create reception --domain dental --json > reception.json`,
}

// exampleCases: every example not listed runs on the seeded sandbox and
// must exit 0.
var exampleCases = map[string]exampleCase{
	"sipctl accounts create alice --domain office":                                                                 {},
	"sipctl accounts list --domain office":                                                                         {setup: []string{withAlice}},
	"sipctl accounts list --domain office --json":                                                                  {setup: []string{withAlice}},
	"sipctl accounts list --domain office --json=username,credential_list":                                         {setup: []string{withAlice}},
	"sipctl accounts show alice --domain office":                                                                   {setup: []string{withAlice}},
	"sipctl accounts show alice@office.sip.twilio.com --json":                                                      {setup: []string{withAlice}},
	"sipctl accounts delete alice --domain office":                                                                 {setup: []string{withAlice}, code: 2}, // no terminal, no --yes
	"sipctl accounts delete alice@office.sip.twilio.com --yes":                                                     {setup: []string{withAlice}},
	"sipctl accounts delete 101 102 103 --domain office --yes":                                                     {setup: []string{"sipctl accounts create 101 102 103 --domain office --output h.csv"}},
	"sipctl accounts delete --from-handover handover.csv --ignore-not-found --yes":                                 {setup: []string{"sipctl accounts create 101 102 --domain office --output handover.csv"}},
	`printf '%s\n' "$PW" | sipctl accounts create carol --domain office --password-stdin --json`:                   {env: map[string]string{"PW": examplePassword}},
	"sipctl accounts create dave --domain office --verify --registrar 127.0.0.1:5060":                              {serve: true},
	"sipctl accounts check alice@office.sip.twilio.com --password-stdin < pw.txt":                                  {serve: true, setup: []string{"sipctl accounts create alice --domain office --jq .password > pw.txt"}},
	`printf '%s\n' "$PW" | sipctl accounts check alice@office.sip.twilio.com --password-stdin`:                     {serve: true, env: map[string]string{"PW": examplePassword}, setup: []string{withAlicePassword}},
	"sipctl accounts check alice@office.sip.twilio.com --from-handover handover.json --transport tls":              {skip: "the sandbox registrar serves UDP and TCP, not TLS; `accounts check --from-handover handover.json` runs the same check over UDP"},
	"sipctl accounts check alice@office.sip.twilio.com --from-journal --registrar 127.0.0.1:5060 --json":           {serve: true, state: interruptedRun, env: map[string]string{"PW": examplePassword}, setup: []string{withAlicePassword}}, // the interrupted run journaled $PW for alice
	"sipctl auth login --account-sid AC0123456789abcdef0123456789abcdef":                                           {code: 2},                                                                                                               // asks for the token on a terminal
	"sipctl auth login --profile acme --account-sid AC… --api-key SK… --with-token < key-secret.txt":               {skip: "AC… and SK… stand for a real Twilio account and API key; the sandbox has no API keys"},
	`sipctl auth login --profile local --account-sid AC… --api-url http://127.0.0.1:8080 --with-token <<<"$TOKEN"`: {serve: true, code: 4}, // run with no Secret Service: refused, nothing saved (the keyring path is internal/cmd/auth's Secret Service test)
	"sipctl auth logout --profile acme --yes":                                                                      {serve: true, setup: []string{withProfile("acme")}},
	"sipctl detach credlist staff --domain office --for registrations --yes":                                       {setup: []string{"sipctl attach credlist staff --domain office"}},
	"sipctl detach ipacl office-ips --domain office --yes":                                                         {setup: []string{"sipctl attach ipacl office-ips --domain office"}},
	"sipctl auth token --profile acme | other-tool --token-stdin":                                                  {skip: "other-tool stands for the program that takes the token"},
	"sipctl callerid remove +14155550100 --yes":                                                                    {setup: []string{`sipctl callerid add +14155550100 --name "front desk"`}},
	`sipctl callerid rename +14155550100 "reception"`:                                                              {setup: []string{`sipctl callerid add +14155550100 --name "front desk"`}},
	"sipctl credlists create staff":                                                                                {setup: []string{"sipctl credlists delete staff --yes"}},
	"pass show sip/bob | sipctl credlists credentials add staff bob --password-stdin":                              {skip: "pass (the password store) stands for wherever the password comes from"},
	"sipctl domains check":        {setup: []string{withAlice, "sipctl attach credlist staff --domain office", "sipctl attach credlist trunk-users --domain office"}},
	"sipctl domains check office": {setup: []string{withAlice}},
	`sipctl domains check --json --jq '.[] | select(.severity == "error") | .fix'`:          {setup: []string{withAlice}},
	"sipctl domains create office --sip-registration --voice-url https://example.com/voice": {setup: []string{"sipctl domains delete office --yes"}},
	"sipctl ipacls create office-ips":                                                       {setup: []string{"sipctl ipacls delete office-ips --yes"}},
	"sipctl subaccounts create acme":                                                        {setup: []string{"sipctl subaccounts close acme --yes"}, code: 1}, // a closed name stays taken
	"sipctl --subaccount acme accounts create alice --domain acme-office":                   {setup: []string{"sipctl --subaccount acme domains create acme-office --sip-registration"}},
	"sipctl password rotate --domain office --output handover.csv":                          {setup: []string{withAlice}, code: 2}, // no terminal, no --yes
	"sipctl password rotate alice@office.sip.twilio.com --output alice.json":                {setup: []string{withAlice}, code: 2},
	"sipctl password rotate --domain office.sip.twilio.com --dry-run":                       {setup: []string{withAlice}},
	`sipctl password rotate --all --subaccount "Acme Dental" --policy device-safe --output acme.csv -y`: {setup: []string{
		`sipctl subaccounts create "Acme Dental"`,
		`sipctl --subaccount "Acme Dental" domains create dental --sip-registration`,
		`sipctl --subaccount "Acme Dental" accounts create reception --domain dental --json > reception.json`}},
	"sipctl password rotate alice@office.sip.twilio.com --output alice.json --verify": {setup: []string{withAlice}, serve: true, code: 2},
	"sipctl password rotate --all-subaccounts --dry-run":                              {setup: withCustomer},
	"sipctl password rotate --all-subaccounts --output-dir handovers -y":              {setup: withCustomer},
	"sipctl profile delete old-customer --yes":                                        {serve: true, setup: []string{withProfile("old-customer")}},
	"sipctl profile get api_url --profile acme":                                       {serve: true, setup: []string{withProfile("acme")}},
	"sipctl profile set password_policy strict --profile acme":                        {serve: true, setup: []string{withProfile("acme")}},
	"sipctl profile show acme --json":                                                 {serve: true, setup: []string{withProfile("acme")}},
	"sipctl profile use acme":                                                         {serve: true, setup: []string{withProfile("acme")}},
	"sipctl auth login --profile pbx --provider asterisk --db-url mysql://asterisk@db.example.com/asterisk --registrar pbx.example.com:5060 --ami 127.0.0.1:5038 --ami-user sipctl": {skip: "needs an Asterisk database on MariaDB and its AMI; internal/providers/asterisk's TestAsteriskCLI runs auth login against a real SQLite database and a scripted AMI"},
	"sipctl auth login --profile pbx --provider kamailio --db-url postgres://kamailio@db.example.com/kamailio --rpc-url http://127.0.0.1:5071/RPC --registrar sip.example.com:5060": {skip: "needs a Kamailio with its PostgreSQL database; internal/kamailio's tests run that login against real ones"},
	`sipctl auth login --provider telnyx --profile tx --with-token <<<"$TELNYX_API_KEY"`:                                                                                            {skip: "needs a Telnyx API key; internal/sip's Telnyx end-to-end logs in against the sandbox's Telnyx face"},
	`sipctl auth login --provider plivo --auth-id MA2025RK4E639VJFZAGV --profile pl --with-token <<<"$PLIVO_AUTH_TOKEN"`:                                                            {skip: "needs a Plivo account; internal/cmd/auth/login's Plivo tests log in against the sandbox's Plivo face"},
	`sipctl auth login --provider signalwire --profile sw --space example --project 1b5a0c6e-7d1f-4f5e-9c1a-2b3c4d5e6f70 --with-token <<<"$SIGNALWIRE_API_TOKEN"`:                   {skip: "needs a SignalWire space; TestSignalWireLoginAgainstTheSandbox logs in against the sandbox's SignalWire face"},
	"sipctl accounts check --from-handover handover.json":                                               {serve: true, setup: []string{withAlice, "sipctl password rotate alice@office.sip.twilio.com --output handover.json --yes"}},
	"sipctl apply -f office.yaml --output office-passwords.csv":                                         {setup: []string{withOfficeYAML}},
	"sipctl apply -f office.yaml --prune --yes --output office-passwords.csv":                           {setup: []string{withOfficeYAML, "sipctl accounts create carol --domain office --json > carol.json"}},
	"sipctl apply -f office.yaml --dry-run":                                                             {setup: []string{withOfficeYAML}, code: 7}, // changes pending
	"sipctl password runs discard 20260101T120000.000000Z-0123abcd":                                     {code: 2, state: interruptedRun},           // no terminal, no --yes
	"sipctl password runs list --json=run_id,live":                                                      {state: interruptedRun},
	"sipctl password runs salvage 20260101T120000.000000Z-0123abcd --output salvaged.json":              {state: interruptedRun},
	"sipctl password runs show 20260101T120000.000000Z-0123abcd":                                        {state: interruptedRun},
	"sipctl plan -f office.yaml":                                                                        {setup: []string{withOfficeYAML}, code: 7},
	"sipctl plan -f office.yaml --prune --json":                                                         {setup: []string{withOfficeYAML, withAlice, "sipctl accounts create carol --domain office --json > carol.json"}, code: 7},
	"sipctl accounts update desk01 --inbound-channel-limit 2 --outbound-channel-limit 1":                {telnyx: true, setup: withDesks},
	"sipctl accounts update desk01 desk02 desk03 --caller-id +14155550123":                              {telnyx: true, setup: withDesks},
	"sipctl accounts update desk01 --caller-id none --outbound-voice-profile 1293384261075731499":       {telnyx: true, setup: withDesks},
	"sipctl accounts update frontdesk131031145958 --alias front-desk":                                   {skip: "needs a Plivo account; internal/cmd/sandbox's TestPlivoCommandsAgainstTheSandbox runs accounts update --alias against the sandbox's Plivo face"},
	`sipctl accounts update desk01 --caller-name "Front desk" --codecs OPUS,PCMU --encryption required`: {skip: "a SignalWire profile's; internal/cmd/sandbox's TestSignalWireCommandsThroughPrism runs accounts update with these settings against the sandbox's SignalWire face"},
	"sipctl accounts restrict desk01 desk02 --countries US,CA":                                          {telnyx: true, setup: withDesks},
	"sipctl accounts restrict --from-handover handover.json --countries GB": {telnyx: true,
		setup: append(append([]string{}, withDesks...), "sipctl password rotate desk01 desk02 --output handover.json --yes")},
	"sipctl outbound-profiles list":                                                                    {telnyx: true},
	"sipctl outbound-profiles list --json=name,whitelisted_destinations":                               {telnyx: true},
	`sipctl outbound-profiles show "North America"`:                                                    {telnyx: true, setup: []string{`sipctl outbound-profiles create "North America" --countries US,CA`}},
	`sipctl outbound-profiles create "North America" --countries US,CA`:                                {telnyx: true},
	`sipctl outbound-profiles delete "North America" --yes`:                                            {telnyx: true, setup: []string{`sipctl outbound-profiles create "North America" --countries US,CA`}},
	`sipctl outbound-profiles create "UK desks" --countries GB --daily-spend-limit 25.00`:              {telnyx: true},
	`sipctl outbound-profiles update "North America" --countries US,CA,MX`:                             {telnyx: true, setup: []string{`sipctl outbound-profiles create "North America" --countries US,CA`}},
	`sipctl outbound-profiles update "UK desks" --daily-spend-limit none --enabled=false --yes`:        {telnyx: true, setup: []string{`sipctl outbound-profiles create "UK desks" --countries GB --daily-spend-limit 25.00`}},
	"sipctl accounts create --from-file extensions.csv --domain office --output office-passwords.json": {setup: []string{`printf 'username,domain\n201,\n202,office\n' > extensions.csv`}},
	"sipctl sandbox reset": {code: 2}, // no terminal, no --yes

	// Throwaway accounts: made an hour long at a past clock (SIPCTL_NOW), so they have
	// expired by the real one the cleanup reads.
	"sipctl accounts cleanup --expired --domain office --dry-run":                 {setup: []string{withExpired}},
	"sipctl accounts cleanup --expired --domain office --yes":                     {setup: []string{withExpired}},
	"sipctl accounts cleanup --expired --all --yes --json=username,domain,result": {setup: []string{withExpired}},

	// Phone provisioning: alice and bob on office with a handover, one Yealink carrying both.
	"sipctl provision render --devices phones.csv --from-handover handover.csv --dir ./prov": {setup: withPhones},
	"sipctl provision render --devices phones.csv --from-handover handover.json --dir ./prov --registrar pbx.example.com:5060 --transport tcp": {setup: []string{
		"sipctl accounts create alice bob --domain office --output handover.json", withPhonesCSV}},
	"sipctl provision serve --dir ./prov --addr 0.0.0.0:8443":                                       {server: true, setup: withProvDir},
	"sipctl provision serve --dir ./prov --addr 127.0.0.1:8080 --insecure-http":                     {server: true, setup: withProvDir},
	"sipctl devices list --dir ./prov":                                                              {setup: withProvDir},
	"sipctl devices list --dir ./prov --json --jq '.[] | select(.fetched_current | not) | .device'": {setup: withProvDir},
	"sipctl devices resync --dir ./prov":                                                            {setup: withProvDir, code: 3}, // no phone is registered: not one NOTIFY can be sent
	"sipctl devices resync --dir ./prov --devices floor2.csv --wait 2m":                             {skip: "needs phones that register and fetch their files; internal/cmd/devices/resync's tests run sipp as one"},
	"sipctl devices resync --dir ./prov --wait 90s --json":                                          {skip: "needs phones that register and fetch their files; internal/cmd/devices/resync's tests run sipp as one"},
}

// withPhonesCSV is an inventory: one Yealink with alice and bob on its lines.
const withPhonesCSV = `printf 'mac,vendor,model,account\n00:15:65:12:34:ab,yealink,T54W,alice@office\n00:15:65:12:34:ab,yealink,T54W,bob@office\n' > phones.csv`

// withPhones makes alice and bob with a handover, and the inventory.
var withPhones = []string{"sipctl accounts create alice bob --domain office --output handover.csv", withPhonesCSV}

// withProvDir also renders the phone's file into ./prov.
var withProvDir = append(append([]string{}, withPhones...), "sipctl provision render --devices phones.csv --from-handover handover.csv --dir ./prov")

// seedSandbox is what every example may presume: the sandbox with a domain
// office (registration on), credential lists staff and trunk-users, an IP ACL
// office-ips and a subaccount acme.
var seedSandbox = []string{
	"sipctl domains create office --sip-registration",
	"sipctl credlists create staff",
	"sipctl credlists create trunk-users",
	"sipctl ipacls create office-ips",
	"sipctl subaccounts create acme",
}

// TestHelpExamplesRun runs every Example of every command's help, as written,
// with the built binary in a fresh home holding the seeded sandbox.
func TestHelpExamplesRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every help example")
	}
	bin := testenv.Binary(t)
	seed := testenv.NewEnv(t).Set("SIPCTL_QUIET", "1")
	for _, line := range seedSandbox {
		if out, code := shell(t, seed, bin, t.TempDir(), line, nil); code != 0 {
			t.Fatalf("seeding: %s: exit %d\n%s", line, code, out)
		}
	}
	examples := helpExamples(t)
	if len(examples) < 60 {
		t.Fatalf("found only %d examples", len(examples))
	}
	seen := map[string]bool{}
	for _, ex := range examples {
		seen[ex.line] = true
		t.Run(strings.ReplaceAll(ex.command+"/"+ex.line, " ", "_"), func(t *testing.T) {
			c := exampleCases[ex.line]
			if c.skip != "" {
				t.Skipf("%s: %s", ex.line, c.skip)
			}
			env := copyEnv(t, seed)
			dir := t.TempDir()
			line := ex.line
			vars := map[string]string{}
			for k, v := range c.env {
				vars[k] = v
			}
			setup := append([]string(nil), c.setup...)
			if c.serve || c.telnyx {
				api, sip := serveSandbox(t, env, bin)
				sid, token := sandboxAccount(t, env, bin, dir)
				vars["SANDBOX_SID"], vars["SANDBOX_API"], vars["SANDBOX_TOKEN"], vars["TOKEN"] = sid, api, token, token
				if c.telnyx {
					vars["TELNYX_API_KEY"], vars["SIPCTL_API_URL"] = telnyxKey(t, env, bin, dir), api+"/v2"
				}
				r := strings.NewReplacer("127.0.0.1:5060", sip, "http://127.0.0.1:8080", api, "AC…", sid)
				line = r.Replace(line)
				for i := range setup {
					setup[i] = r.Replace(setup[i])
				}
			}
			if c.state != nil {
				c.state(t, filepath.Join(env.StateHome, "sipctl"))
			}
			for _, s := range setup {
				if out, code := shell(t, env, bin, dir, s, vars); code != 0 {
					t.Fatalf("setup of %q: %s: exit %d\n%s", ex.line, s, code, out)
				}
			}
			if c.server || strings.HasPrefix(line, "sipctl sandbox serve") {
				runServerExample(t, env, bin, dir, line)
				return
			}
			out, code := shell(t, env, bin, dir, line, vars)
			if code != c.code {
				t.Errorf("example of `%s` failed:\n  $ %s\nexit %d, want %d; output:\n%s", ex.command, ex.line, code, c.code, out)
			}
		})
	}
	for line := range exampleCases {
		if !seen[line] {
			t.Errorf("exampleCases has %q, which no command's help shows any more", line)
		}
	}
}

// shell runs a line with bash in dir, sipctl being the built binary.
func shell(t *testing.T, env *testenv.Env, bin, dir, line string, vars map[string]string) (string, int) {
	t.Helper()
	// A hang guard, not a timing: an example that waits for input it
	// will never get must fail, not stall the suite.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-o", "pipefail", "-c", line)
	cmd.Dir = dir
	cmd.Env = append(env.Environ(), "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"))
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		cmd.Env = append(cmd.Env, k+"="+vars[k])
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Stdin = strings.NewReader("")
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return out.String(), ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return out.String(), 0
}

// sandboxAccount is the sandbox's account SID and auth token.
func sandboxAccount(t *testing.T, env *testenv.Env, bin, dir string) (string, string) {
	t.Helper()
	out, code := shell(t, env, bin, dir, "sipctl sandbox status --json --jq '.account_sid + \" \" + .auth_token'", nil)
	sid, token, ok := strings.Cut(strings.TrimSpace(out), " ")
	if code != 0 || !ok {
		t.Fatalf("sandbox status: exit %d: %s", code, out)
	}
	return sid, token
}

// telnyxKey is the API key of the sandbox's Telnyx face.
func telnyxKey(t *testing.T, env *testenv.Env, bin, dir string) string {
	t.Helper()
	out, code := shell(t, env, bin, dir, "sipctl sandbox status --json --jq .telnyx_api_key", nil)
	if code != 0 || strings.TrimSpace(out) == "" {
		t.Fatalf("sandbox status: exit %d: %s", code, out)
	}
	return strings.TrimSpace(out)
}

// copyEnv is a fresh home holding a copy of seed's configuration and state.
func copyEnv(t *testing.T, seed *testenv.Env) *testenv.Env {
	t.Helper()
	// No session bus: nothing an example does can reach the machine's keyring.
	env := testenv.NewEnv(t).Set("SIPCTL_QUIET", "1").Set("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
	for _, pair := range [][2]string{{seed.ConfigHome, env.ConfigHome}, {seed.StateHome, env.StateHome}} {
		if out, err := exec.Command("cp", "-a", pair[0]+"/.", pair[1]).CombinedOutput(); err != nil {
			t.Fatalf("copying the seed: %v %s", err, out)
		}
	}
	return env
}

// serveSandbox starts `sipctl sandbox serve` on free loopback ports for env.
func serveSandbox(t *testing.T, env *testenv.Env, bin string) (apiURL, sipAddr string) {
	t.Helper()
	serve := exec.Command(bin, "sandbox", "serve", "--http-addr", "127.0.0.1:0", "--sip-addr", "127.0.0.1:0")
	serve.Env = env.Environ()
	stderr, err := serve.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { serve.Process.Kill(); serve.Wait() })
	buf := make([]byte, 0, 4096)
	tmp := make([]byte, 512)
	for !bytes.Contains(buf, []byte("Press Ctrl-C")) {
		n, err := stderr.Read(tmp)
		if err != nil {
			t.Fatalf("sandbox serve ended: %v\n%s", err, buf)
		}
		buf = append(buf, tmp[:n]...)
	}
	go func() {
		for {
			if _, err := stderr.Read(tmp); err != nil {
				return
			}
		}
	}()
	for _, l := range strings.Split(string(buf), "\n") {
		if a, ok := strings.CutPrefix(l, "Sandbox API on "); ok {
			apiURL, _, _ = strings.Cut(a, " ")
		}
		if a, ok := strings.CutPrefix(l, "SIP registrar on "); ok {
			sipAddr, _, _ = strings.Cut(a, " ")
		}
	}
	if apiURL == "" || sipAddr == "" {
		t.Fatalf("sandbox serve did not report its addresses:\n%s", buf)
	}
	return apiURL, sipAddr
}

// runServerExample starts a `sandbox serve` example on free ports, waits for
// it to serve, and stops it as Ctrl-C would: it must exit 0.
func runServerExample(t *testing.T, env *testenv.Env, bin, dir, line string) {
	t.Helper()
	args := strings.Fields(strings.TrimPrefix(line, "sipctl "))
	for i := 0; i+1 < len(args); i++ {
		if args[i] == "--http-addr" || args[i] == "--sip-addr" || args[i] == "--addr" {
			args[i+1] = "127.0.0.1:0"
		}
	}
	if strings.HasPrefix(line, "sipctl sandbox serve") && !strings.Contains(line, "--http-addr") {
		args = append(args, "--http-addr", "127.0.0.1:0")
	}
	if strings.HasPrefix(line, "sipctl sandbox serve") && !strings.Contains(line, "--sip-addr") {
		args = append(args, "--sip-addr", "127.0.0.1:0")
	}
	if slices.Contains(args, "--background") {
		runBackgroundExample(t, env, bin, line, args)
		return
	}
	serve := exec.Command(bin, args...)
	serve.Env = env.Environ()
	serve.Dir = dir
	var out syncBuffer
	serve.Stdout, serve.Stderr = &out, &out
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- serve.Wait() }()
	for !strings.Contains(out.String(), "Press Ctrl-C") {
		select {
		case err := <-done:
			t.Fatalf("example %q ended before serving: %v\n%s", line, err, out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	serve.Process.Signal(os.Interrupt)
	if err := <-done; err != nil {
		t.Errorf("example %q did not stop cleanly on Ctrl-C: %v\n%s", line, err, out.String())
	}
}

// runBackgroundExample runs `sandbox serve --background …`, which must exit 0
// once serving, then stops the serve it started.
func runBackgroundExample(t *testing.T, env *testenv.Env, bin, line string, args []string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env.Environ()
	out, err := cmd.CombinedOutput()
	servers := sandbox.RunningServers(filepath.Join(env.StateHome, "sipctl"))
	for _, rec := range servers {
		if p, err := os.FindProcess(rec.PID); err == nil {
			p.Signal(syscall.SIGTERM)
			for deadline := time.Now().Add(10 * time.Second); p.Signal(syscall.Signal(0)) == nil && time.Now().Before(deadline); {
				time.Sleep(20 * time.Millisecond)
			}
		}
	}
	if err != nil || len(servers) != 1 {
		t.Fatalf("example %q: %v, %d serves running\n%s", line, err, len(servers), out)
	}
}

// syncBuffer is a bytes.Buffer safe for a process writing while a test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }
