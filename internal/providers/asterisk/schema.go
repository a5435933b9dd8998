package asterisk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/sipctl/sipctl/internal/sqldb"
)

// required are the tables and columns sipctl reads and writes, as Asterisk's
// alembic migrations name them; a database missing one is refused before
// any change.
var required = map[string][]string{
	"ps_endpoints": {"id", "auth", "aors"},
	"ps_auths":     {"id", "auth_type", "md5_cred", "password", "realm", "username"},
	"ps_aors":      {"id", "max_contacts", "remove_existing"},
}

// optional tables: registration status, IP authentication, domain aliases,
// the migration version, and sipctl's own expiry table.
var optional = map[string][]string{
	"ps_contacts":        {"id", "uri", "expiration_time", "user_agent"},
	"ps_endpoint_id_ips": {"id", "endpoint", "match"},
	"ps_domain_aliases":  {"id", "domain"},
	"alembic_version":    {"version_num"},
	expiryTable:          {"id", "expires_at"},
}

// schema is what readSchema found.
type schema struct {
	columns map[string][]string // table → columns, for the tables present
	version string              // alembic_version.version_num, "" when absent
}

func (s schema) has(table string) bool { _, ok := s.columns[table]; return ok }

func (s schema) hasColumn(table, col string) bool { return slices.Contains(s.columns[table], col) }

// Schema describes what Open found: the migration version and the tables.
func (c *Client) Schema() string {
	var tables []string
	for t := range c.schema.columns {
		if t != "alembic_version" {
			tables = append(tables, t)
		}
	}
	slices.Sort(tables)
	v := "no alembic_version table"
	if c.schema.version != "" {
		v = "alembic version " + c.schema.version
	}
	return fmt.Sprintf("PJSIP realtime (%s; tables %s)", v, strings.Join(tables, ", "))
}

// columnsOf reads a table's column names, or reports it missing.
func (c *Client) columnsOf(ctx context.Context, table string) ([]string, bool, error) {
	rows, err := c.db.QueryContext(ctx, "SELECT * FROM "+table+" WHERE 1 = 0")
	if err != nil {
		if sqldb.IsMissingTable(err) {
			return nil, false, nil
		}
		return nil, false, c.dbError(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, false, c.dbError(err)
	}
	for i := range cols {
		cols[i] = strings.ToLower(cols[i])
	}
	return cols, true, nil
}

func (c *Client) readSchema(ctx context.Context) error {
	c.schema = schema{columns: map[string][]string{}}
	var missing []string
	for _, set := range []map[string][]string{required, optional} {
		names := make([]string, 0, len(set))
		for t := range set {
			names = append(names, t)
		}
		slices.Sort(names)
		for _, t := range names {
			cols, ok, err := c.columnsOf(ctx, t)
			if err != nil {
				return err
			}
			if !ok {
				if _, req := required[t]; req {
					missing = append(missing, t)
				}
				continue
			}
			var lacks []string
			for _, want := range set[t] {
				if !slices.Contains(cols, want) {
					lacks = append(lacks, want)
				}
			}
			if len(lacks) > 0 {
				return fmt.Errorf("database %s has a %s table of a schema sipctl does not know (no column %s); refusing to write to it",
					c.url, t, strings.Join(lacks, ", "))
			}
			c.schema.columns[t] = cols
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("database %s has no PJSIP realtime table %s: create them with Asterisk's alembic migrations (contrib/ast-db-manage, `alembic upgrade head` with config.ini)",
			c.url, strings.Join(missing, ", "))
	}
	if c.schema.has("alembic_version") {
		err := c.db.QueryRowContext(ctx, "SELECT version_num FROM alembic_version").Scan(&c.schema.version)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return c.dbError(err)
		}
	}
	return nil
}
