package sandbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

const writesPerWorker = 40

// writeDomains creates n domains and, in one credential list per worker, n
// credentials through the API, as a sipctl command would.
func writeDomains(s *Sandbox, worker string, n int) error {
	sid, tok := s.Account()
	h := s.Handler()
	post := func(path string, form url.Values) (int, string) {
		req := httptest.NewRequest("POST", "/2010-04-01/Accounts/"+sid+"/"+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(sid, tok)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code, w.Body.String()
	}
	code, body := post("SIP/CredentialLists.json", url.Values{"FriendlyName": {"list-" + worker}})
	if code != http.StatusCreated {
		return fmt.Errorf("worker %s: create list: %d %s", worker, code, body)
	}
	listSID := body[strings.Index(body, `"sid":"`)+7:][:34]
	for i := range n {
		name := fmt.Sprintf("w%s-%d.sip.twilio.com", worker, i)
		if code, body := post("SIP/Domains.json", url.Values{"DomainName": {name}}); code != http.StatusCreated {
			return fmt.Errorf("worker %s: create %s: %d %s", worker, name, code, body)
		}
		cred := url.Values{"Username": {fmt.Sprintf("u%d", i)}, "Password": {"Concurrent-Pass-" + strconv.Itoa(i) + "x"}}
		if code, body := post("SIP/CredentialLists/"+listSID+"/Credentials.json", cred); code != http.StatusCreated {
			return fmt.Errorf("worker %s: create credential: %d %s", worker, code, body)
		}
	}
	return nil
}

// checkStore verifies the database after concurrent writers: intact, one
// main account, and every write present.
func checkStore(t *testing.T, dir string, domains int) {
	t.Helper()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var ok string
	if err := s.db.QueryRow("PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("integrity_check = %q, %v", ok, err)
	}
	var mains, n, creds int
	s.db.QueryRow("SELECT COUNT(*) FROM accounts WHERE owner_sid IS NULL").Scan(&mains)
	s.db.QueryRow("SELECT COUNT(*) FROM domains").Scan(&n)
	s.db.QueryRow("SELECT COUNT(*) FROM credentials").Scan(&creds)
	if mains != 1 || n != domains || creds != domains {
		t.Fatalf("main accounts = %d, domains = %d, credentials = %d; want 1, %d, %d", mains, n, creds, domains, domains)
	}
}

// Several Sandbox instances on one file, opened at the same moment (so the
// schema creation races too), writing at once.
func TestConcurrentInstances(t *testing.T) {
	dir := t.TempDir()
	const workers = 6
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	accounts := make(chan string, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(dir)
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			sid, _ := s.Account()
			accounts <- sid
			errs <- writeDomains(s, strconv.Itoa(w), writesPerWorker)
		}()
	}
	wg.Wait()
	close(errs)
	close(accounts)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	first := <-accounts
	for sid := range accounts {
		if sid != first {
			t.Fatalf("instances disagree on the account: %s vs %s", sid, first)
		}
	}
	checkStore(t, dir, workers*writesPerWorker)
}

// Several processes on one file: SQLite's locks between processes are not
// the ones between connections of one process, so this re-runs the test
// binary as writers.
func TestConcurrentProcesses(t *testing.T) {
	if dir := os.Getenv("SIPCTL_SANDBOX_WRITER_DIR"); dir != "" {
		s, err := Open(dir)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if err := writeDomains(s, os.Getenv("SIPCTL_SANDBOX_WRITER"), writesPerWorker); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		s.Close()
		os.Exit(0)
	}
	dir := t.TempDir()
	const workers = 4
	var cmds []*exec.Cmd
	var outs []*strings.Builder
	for w := range workers {
		cmd := exec.Command(os.Args[0], "-test.run=^TestConcurrentProcesses$")
		cmd.Env = append(os.Environ(), "SIPCTL_SANDBOX_WRITER_DIR="+dir, "SIPCTL_SANDBOX_WRITER=p"+strconv.Itoa(w))
		out := &strings.Builder{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs = append(cmds, cmd), append(outs, out)
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("writer %d: %v\n%s", i, err, outs[i])
		}
	}
	checkStore(t, dir, workers*writesPerWorker)
}

func TestNewerSchemaRefused(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec(fmt.Sprintf("PRAGMA user_version = %d", schemaVersion+1)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = Open(dir)
	if !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("Open(newer) err = %v, want ErrNewerSchema", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, filepath.Join(dir, DBName)) || !strings.Contains(msg, "upgrade sipctl") || strings.Contains(msg, "\n") {
		t.Fatalf("message %q should name the file and the fix on one line", msg)
	}
}

func TestNotADatabase(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, DBName), []byte(strings.Repeat("not sqlite ", 200)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir); err == nil {
		t.Fatal("Open accepted a file that is not a SQLite database")
	}
}

func TestResetKeepsAccount(t *testing.T) {
	s := openTest(t)
	if err := writeDomains(s, "r", 3); err != nil {
		t.Fatal(err)
	}
	sid, tok := s.Account()
	if err := s.Reset(); err != nil {
		t.Fatal(err)
	}
	var n int
	s.db.QueryRow("SELECT COUNT(*) FROM domains").Scan(&n)
	var gotTok string
	err := s.db.QueryRowContext(context.Background(), "SELECT auth_token FROM accounts WHERE sid = ?", sid).Scan(&gotTok)
	if n != 0 || errors.Is(err, sql.ErrNoRows) || gotTok != tok {
		t.Fatalf("after reset: %d domains, account err %v", n, err)
	}
}
