// Package sandbox is sipctl's built-in provider: a local, persistent store in
// SQLite that speaks the subset of Twilio's 2010-04-01 REST API sipctl uses,
// and answers the SIP registrar's credential lookups.
//
// Several sipctl processes may open the same database at once (in-process
// commands and a `sandbox serve`): the database runs in WAL mode with a busy
// timeout, and every write is one IMMEDIATE transaction.
//
// Passwords are never stored. Like Twilio, the sandbox keeps only digest HA1
// values (MD5 of "username:realm:password"); the realm is the SIP domain name,
// so a credential gets one HA1 per domain of its account that exists when its
// password is set (see LookupHA1).
package sandbox

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver (pure Go, no cgo)
)

// DBName is the database file's name inside the state directory.
const DBName = "sandbox.db"

// schemaVersion is written to PRAGMA user_version. Bump it with a migration
// step in migrate; an older sipctl refuses a newer database instead of
// misreading it.
const schemaVersion = 5

// maxIdleConns is how many open connections the pool keeps.
const maxIdleConns = 64

// ErrNewerSchema is returned by Open for a database written by a newer sipctl.
var ErrNewerSchema = errors.New("sandbox database is from a newer sipctl")

// Sandbox is an open sandbox database. It is safe for concurrent use.
type Sandbox struct {
	db   *sql.DB
	path string
	sid  string
	tok  string
	now  func() time.Time
	// writeMu lets one of this process's connections write at a time:
	// SQLite serializes writers anyway, and connections contending for
	// its lock wait in its busy handler's sleeps (up to 100 ms each),
	// which under a hundred concurrent requests costs more than the
	// writes. Other processes still wait through busy_timeout.
	writeMu sync.Mutex
	// queue holds the writes waiting for the next group commit (tx).
	queueMu sync.Mutex
	queue   []*write
	// committing says a drain is running: it takes what is queued.
	committing bool
	// stmts are the prepared statements of the requests every bulk run
	// sends (authentication, credential writes): parsing them anew for
	// each request was a sixth of the sandbox's time.
	stmts sync.Map // query -> *sql.Stmt
	// stopCheckpoints ends a server's checkpoint loop (OpenServer).
	stopCheckpoints, checkpointsDone chan struct{}
}

// Open opens (creating if needed) dir/sandbox.db. The file is created 0600
// because it holds the sandbox account's auth token.
func Open(dir string) (*Sandbox, error) { return open(dir, openOptions{}) }

// OpenServer is Open for `sandbox serve`: its commits do not checkpoint the
// write-ahead log (a checkpoint writes the log back into the database and
// syncs both, holding up every request queued behind that commit); a
// background loop does it instead, until Close. Other processes on the same
// file checkpoint as usual.
func OpenServer(dir string) (*Sandbox, error) {
	s, err := open(dir, openOptions{server: true})
	if err != nil {
		return nil, err
	}
	s.stopCheckpoints = make(chan struct{})
	s.checkpointsDone = make(chan struct{})
	go s.checkpoints(checkpointEvery)
	return s, nil
}

// checkpointEvery is how often a server checkpoints: a busy second of
// creates writes a few thousand pages to the log.
const checkpointEvery = 500 * time.Millisecond

type openOptions struct{ server bool }

func (s *Sandbox) checkpoints(every time.Duration) {
	defer close(s.checkpointsDone)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stopCheckpoints:
			return
		case <-t.C:
			// PASSIVE: copies what no reader still needs, waiting on no
			// one; a busy database is checkpointed at the next tick.
			s.db.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
		}
	}
}

func open(dir string, o openOptions) (*Sandbox, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the sandbox directory: %w", err)
	}
	path := filepath.Join(dir, DBName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening the sandbox database: %w", err)
	}
	if info, err := f.Stat(); err == nil && info.Mode().Perm()&0o077 != 0 {
		// SQLite gives the -wal and -shm files the database's mode.
		f.Chmod(0o600)
	}
	f.Close()

	// busy_timeout first, so the WAL switch itself waits for other processes.
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	if o.server {
		q.Add("_pragma", "wal_autocheckpoint(0)")
	}
	// IMMEDIATE takes the write lock at BEGIN, where the busy timeout applies;
	// a deferred transaction upgrading to write would fail with SQLITE_BUSY.
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("opening the sandbox database: %w", err)
	}
	// database/sql keeps 2 idle connections by default: a hundred
	// concurrent requests would open (and apply the pragmas to) a new
	// connection for nearly every query, which costs more than the query.
	db.SetMaxIdleConns(maxIdleConns)
	s := &Sandbox{db: db, path: path, now: time.Now}
	// The first opens of a new file race to switch it to WAL; SQLite answers
	// the loser SQLITE_BUSY at once, without the busy handler (waiting could
	// deadlock). Retry then, for as long as the busy timeout.
	err = errBusyRetry(func() error {
		if err := s.migrate(context.Background()); err != nil {
			return err
		}
		if err := s.migratePlivo(context.Background()); err != nil {
			return err
		}
		return s.ensureAccount(context.Background())
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func errBusyRetry(f func() error) error {
	deadline := time.Now().Add(10 * time.Second)
	for delay := 5 * time.Millisecond; ; delay = min(2*delay, 100*time.Millisecond) {
		err := f()
		if err == nil || !strings.Contains(err.Error(), "SQLITE_BUSY") || time.Now().After(deadline) {
			return err
		}
		time.Sleep(delay)
	}
}

// Close closes the database.
func (s *Sandbox) Close() error {
	if s.stopCheckpoints != nil {
		close(s.stopCheckpoints)
		<-s.checkpointsDone
		s.db.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
	}
	s.stmts.Range(func(_, st any) bool {
		st.(*sql.Stmt).Close()
		return true
	})
	return s.db.Close()
}

// Path is the database file.
func (s *Sandbox) Path() string { return s.path }

// Account is the sandbox's main account: its SID and auth token, created at
// random on first open. The token is a local test secret.
func (s *Sandbox) Account() (sid, token string) { return s.sid, s.tok }

// Reset empties the sandbox: every subaccount and SIP resource goes; the main
// account stays, so profiles and running servers keep working.
func (s *Sandbox) Reset() error {
	return s.tx(context.Background(), func(tx *sql.Tx) error {
		for _, t := range append([]string{"cl_mappings", "ipacl_mappings", "credential_digests", "credentials",
			"credential_lists", "ip_addresses", "ip_acls", "domains", "caller_ids", "telnyx_connections", "telnyx_profiles", "telnyx_managed_accounts", "telnyx_ips", "telnyx_ip_connections", "signalwire_endpoints"}, plivoTables...) {
			if _, err := tx.Exec("DELETE FROM " + t); err != nil {
				return err
			}
		}
		_, err := tx.Exec("DELETE FROM accounts WHERE owner_sid IS NOT NULL")
		return err
	})
}

func (s *Sandbox) migrate(ctx context.Context) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var v int
		if err := tx.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
			return fmt.Errorf("reading the sandbox database %s: %w (is it a SQLite file?)", s.path, err)
		}
		if v > schemaVersion {
			return fmt.Errorf("%w: %s has schema version %d, this sipctl knows %d; upgrade sipctl, or move the file aside to start an empty sandbox",
				ErrNewerSchema, s.path, v, schemaVersion)
		}
		if v == schemaVersion {
			return nil
		}
		if v == 0 {
			if _, err := tx.Exec(schemaV1); err != nil {
				return fmt.Errorf("creating the sandbox schema: %w", err)
			}
		}
		if v < 2 {
			if _, err := tx.Exec(schemaTelnyx); err != nil {
				return fmt.Errorf("adding the Telnyx face to the sandbox schema: %w", err)
			}
		}
		if v < 3 {
			if _, err := tx.Exec(schemaTelnyxProfiles); err != nil {
				return fmt.Errorf("adding outbound voice profiles to the sandbox schema: %w", err)
			}
		}
		if v < 4 {
			if _, err := tx.Exec(schemaTelnyxAccounts); err != nil {
				return fmt.Errorf("adding managed accounts and IP connections to the sandbox schema: %w", err)
			}
		}
		if v < 5 {
			if _, err := tx.Exec(schemaSignalWire); err != nil {
				return fmt.Errorf("adding the SignalWire face to the sandbox schema: %w", err)
			}
		}
		_, err := tx.Exec(fmt.Sprintf("PRAGMA user_version = %d", schemaVersion))
		return err
	})
}

func (s *Sandbox) ensureAccount(ctx context.Context) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRow(`SELECT sid, auth_token FROM accounts WHERE owner_sid IS NULL ORDER BY seq LIMIT 1`).Scan(&s.sid, &s.tok)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		s.sid, s.tok = newSID("AC"), randomHex(16)
		now := s.now().Unix()
		_, err = tx.Exec(`INSERT INTO accounts (sid, owner_sid, friendly_name, status, auth_token, created, updated)
			VALUES (?, NULL, 'sipctl sandbox', 'active', ?, ?, ?)`, s.sid, s.tok, now, now)
		return err
	})
}

// tx runs fn in an IMMEDIATE transaction, as one savepoint of a group
// commit: the writes that queue while another batch commits go in the next
// transaction together, each in its own savepoint, so fn failing rolls back
// fn's writes alone, and tx returns only once the batch is committed. One
// commit per batch rather than per request is what lets a hundred
// concurrent creates through at the rate the bulk commands send them.
func (s *Sandbox) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	w := &write{ctx: ctx, fn: fn, done: make(chan error, 1)}
	s.queueMu.Lock()
	s.queue = append(s.queue, w)
	if !s.committing {
		s.committing = true
		go s.drain()
	}
	s.queueMu.Unlock()
	return <-w.done
}

// drain commits the queued writes batch by batch until none is left. One
// drain runs at a time; the callers only wait for their outcome, so a
// hundred of them do not hand a lock from one to the next just to learn
// that their batch is done.
func (s *Sandbox) drain() {
	for {
		s.queueMu.Lock()
		batch := s.queue
		s.queue = nil
		if len(batch) == 0 {
			s.committing = false
			s.queueMu.Unlock()
			return
		}
		s.queueMu.Unlock()
		s.writeMu.Lock()
		s.commit(batch)
		s.writeMu.Unlock()
	}
}

// stmt is query prepared (once per connection, by database/sql). Inside a
// transaction use tx.Stmt of it.
func (s *Sandbox) stmt(query string) (*sql.Stmt, error) {
	if st, ok := s.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := s.db.Prepare(query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := s.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// txExec and txQueryRow run a prepared query in tx.
func (s *Sandbox) txExec(tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	st, err := s.stmt(query)
	if err != nil {
		return nil, err
	}
	return tx.Stmt(st).Exec(args...)
}

func (s *Sandbox) txQueryRow(tx *sql.Tx, query string, args ...any) *sql.Row {
	st, err := s.stmt(query)
	if err != nil {
		// A *sql.Row carrying err: the same query unprepared fails alike.
		return tx.QueryRow(query, args...)
	}
	return tx.Stmt(st).QueryRow(args...)
}

// queryRow runs a prepared query outside any transaction.
func (s *Sandbox) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := s.stmt(query)
	if err != nil {
		return s.db.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// write is one caller's transaction waiting for its batch.
type write struct {
	ctx  context.Context
	fn   func(*sql.Tx) error
	done chan error
}

// commit runs a batch of writes in one transaction and tells each caller
// its outcome. The transaction itself is not bound to any caller's
// context: one client going away must not roll back the others.
func (s *Sandbox) commit(batch []*write) {
	tx, err := s.db.BeginTx(context.Background(), nil)
	if err != nil {
		for _, w := range batch {
			w.done <- err
		}
		return
	}
	var kept []*write
	fail := func(err error) {
		tx.Rollback()
		for _, w := range kept {
			w.done <- err
		}
	}
	for i, w := range batch {
		if err := w.ctx.Err(); err != nil {
			w.done <- err
			continue
		}
		if _, err := s.txExec(tx, `SAVEPOINT w`); err != nil {
			kept = append(kept, batch[i:]...)
			fail(err)
			return
		}
		if err := w.fn(tx); err != nil {
			w.done <- err
			if _, rerr := s.txExec(tx, `ROLLBACK TO w`); rerr != nil {
				kept = append(kept, batch[i+1:]...)
				fail(rerr)
				return
			}
		} else {
			kept = append(kept, w)
		}
		if _, err := s.txExec(tx, `RELEASE w`); err != nil {
			kept = append(kept, batch[i+1:]...)
			fail(err)
			return
		}
	}
	err = tx.Commit()
	for _, w := range kept {
		w.done <- err
	}
}

const schemaV1 = `
CREATE TABLE accounts (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	sid TEXT NOT NULL UNIQUE,
	owner_sid TEXT REFERENCES accounts(sid) ON DELETE CASCADE,
	friendly_name TEXT NOT NULL,
	status TEXT NOT NULL,
	auth_token TEXT NOT NULL,
	created INTEGER NOT NULL,
	updated INTEGER NOT NULL
);
CREATE TABLE domains (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	sid TEXT NOT NULL UNIQUE,
	account_sid TEXT NOT NULL REFERENCES accounts(sid) ON DELETE CASCADE,
	domain_name TEXT NOT NULL UNIQUE COLLATE NOCASE,
	friendly_name TEXT NOT NULL DEFAULT '',
	voice_url TEXT NOT NULL DEFAULT '',
	voice_method TEXT NOT NULL DEFAULT 'POST',
	voice_fallback_url TEXT NOT NULL DEFAULT '',
	voice_fallback_method TEXT NOT NULL DEFAULT 'POST',
	voice_status_callback_url TEXT NOT NULL DEFAULT '',
	voice_status_callback_method TEXT NOT NULL DEFAULT 'POST',
	sip_registration INTEGER NOT NULL DEFAULT 0,
	secure INTEGER NOT NULL DEFAULT 0,
	emergency_calling_enabled INTEGER NOT NULL DEFAULT 0,
	byoc_trunk_sid TEXT NOT NULL DEFAULT '',
	emergency_caller_sid TEXT NOT NULL DEFAULT '',
	created INTEGER NOT NULL,
	updated INTEGER NOT NULL
);
CREATE INDEX domains_account ON domains(account_sid, seq);
CREATE TABLE credential_lists (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	sid TEXT NOT NULL UNIQUE,
	account_sid TEXT NOT NULL REFERENCES accounts(sid) ON DELETE CASCADE,
	friendly_name TEXT NOT NULL,
	created INTEGER NOT NULL,
	updated INTEGER NOT NULL,
	UNIQUE (account_sid, friendly_name)
);
CREATE TABLE credentials (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	sid TEXT NOT NULL UNIQUE,
	account_sid TEXT NOT NULL,
	list_sid TEXT NOT NULL REFERENCES credential_lists(sid) ON DELETE CASCADE,
	username TEXT NOT NULL,
	created INTEGER NOT NULL,
	updated INTEGER NOT NULL,
	UNIQUE (list_sid, username)
);
CREATE INDEX credentials_username ON credentials(username);
-- One HA1 per (credential, domain): the digest realm is the domain name.
CREATE TABLE credential_digests (
	credential_sid TEXT NOT NULL REFERENCES credentials(sid) ON DELETE CASCADE,
	domain_sid TEXT NOT NULL REFERENCES domains(sid) ON DELETE CASCADE,
	ha1 TEXT NOT NULL,
	PRIMARY KEY (credential_sid, domain_sid)
);
CREATE TABLE ip_acls (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	sid TEXT NOT NULL UNIQUE,
	account_sid TEXT NOT NULL REFERENCES accounts(sid) ON DELETE CASCADE,
	friendly_name TEXT NOT NULL,
	created INTEGER NOT NULL,
	updated INTEGER NOT NULL,
	UNIQUE (account_sid, friendly_name)
);
CREATE TABLE ip_addresses (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	sid TEXT NOT NULL UNIQUE,
	account_sid TEXT NOT NULL,
	acl_sid TEXT NOT NULL REFERENCES ip_acls(sid) ON DELETE CASCADE,
	friendly_name TEXT NOT NULL,
	ip_address TEXT NOT NULL,
	cidr_prefix_length INTEGER NOT NULL,
	created INTEGER NOT NULL,
	updated INTEGER NOT NULL
);
-- kind is 'calls' or 'registrations'.
CREATE TABLE cl_mappings (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	account_sid TEXT NOT NULL,
	domain_sid TEXT NOT NULL REFERENCES domains(sid) ON DELETE CASCADE,
	list_sid TEXT NOT NULL REFERENCES credential_lists(sid) ON DELETE CASCADE,
	kind TEXT NOT NULL,
	created INTEGER NOT NULL,
	updated INTEGER NOT NULL,
	UNIQUE (domain_sid, kind, list_sid)
);
CREATE TABLE ipacl_mappings (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	account_sid TEXT NOT NULL,
	domain_sid TEXT NOT NULL REFERENCES domains(sid) ON DELETE CASCADE,
	acl_sid TEXT NOT NULL REFERENCES ip_acls(sid) ON DELETE CASCADE,
	created INTEGER NOT NULL,
	updated INTEGER NOT NULL,
	UNIQUE (domain_sid, acl_sid)
);
CREATE TABLE caller_ids (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	sid TEXT NOT NULL UNIQUE,
	account_sid TEXT NOT NULL REFERENCES accounts(sid) ON DELETE CASCADE,
	phone_number TEXT NOT NULL,
	friendly_name TEXT NOT NULL,
	created INTEGER NOT NULL,
	updated INTEGER NOT NULL,
	UNIQUE (account_sid, phone_number)
);
`

// newSID is a Twilio SID: a two-letter prefix and 32 lowercase hex digits.
func newSID(prefix string) string { return prefix + randomHex(16) }

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}
