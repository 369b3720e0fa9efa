package source

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/manifest"
)

// The app's database as a source (issue 27). A --source "postgres://...",
// "postgresql://..." or "env:NAME" (a variable holding such a URL, so that the
// secret is on no command line) reads the app's table checker_component
// (../shared/docs/app-integration.md, "Observed running the app"): each row's
// additional_data is the register row verbatim, read as a JSON row of a file
// source with the same accounting; the stored latitude/longitude go to the
// geocoder as the app's position (record.Component.App); the columns the app
// edits by hand are compared with the register row (ColumnDiff).

// FormatPostgres is the format of a database source in its manifest entry.
const FormatPostgres = "postgres"

// Table is the app's component table (checker/models.py).
const Table = "checker_component"

// DefaultStatementTimeout bounds every statement of a database read (each
// FETCH of a batch, the schema check), as the transaction's statement_timeout:
// a batch takes milliseconds, so a minute means a locked table or a server in
// trouble, and the bake fails rather than hang.
const DefaultStatementTimeout = time.Minute

// dbConnectTimeout bounds connecting when the URL sets no connect_timeout.
const dbConnectTimeout = 15 * time.Second

// dbBatch is how many rows each FETCH returns: memory holds one batch.
const dbBatch = 1000

// dbColumns are the columns read; a table without one of them is an error
// naming it.
var dbColumns = []string{"id", "component_id", "additional_data", "technology", "company_name", "location", "latitude", "longitude"}

// handEdited maps the columns the app edits by hand to the register column
// they copy. The register row (additional_data) wins: see ColumnDiff.
// The order is that of the values addDBRow compares.
var handEdited = [...]struct{ column, register string }{
	{"technology", colTechClass},
	{"company_name", colCompany},
	{"location", colLocation},
}

// Options tunes a Read.
type Options struct {
	// StatementTimeout is a database source's statement_timeout; 0 means
	// DefaultStatementTimeout.
	StatementTimeout time.Duration
}

// ColumnDiff is a column the app edits by hand (technology, company_name,
// location) that differs from the register row's field in additional_data,
// compared as text the way the reader reads it (trimmed, NFC). The register
// row wins, always: it is what the register publishes and what a bake of the
// register's files reads, so a bake of the database equals a bake of the
// files; the hand edit is listed so the operator can take it to the register
// (docs/geocoding.md has no part in it; README.md, "The app's database").
type ColumnDiff struct {
	File     string // the database source's name
	Row      int    // 1-based row number in id order
	ID       int64  // the database's id (primary key)
	Column   string // the database column
	Field    string // the register column it copies
	Database string // the column's value
	Register string // the register row's value, which is used
}

// IsDatabase reports whether a --source names a database rather than files:
// a postgres:// or postgresql:// URL, or env:NAME.
func IsDatabase(source string) bool {
	return strings.HasPrefix(source, "postgres://") || strings.HasPrefix(source, "postgresql://") ||
		strings.HasPrefix(source, "env:")
}

// dbSource is a database source resolved: its connection settings and the
// name it goes by in manifests, reports and errors, which holds no secret.
type dbSource struct {
	name    string
	cfg     *pgx.ConnConfig
	secrets []string // strings an error must never show
}

// DatabaseName is the name a database source goes by in the manifest and
// reports: postgresql://HOST:PORT/DB#checker_component, without user,
// password or any other URL parameter.
func DatabaseName(source string) (string, error) {
	db, err := openSpec(source)
	if err != nil {
		return "", err
	}
	return db.name, nil
}

// openSpec resolves env:NAME and parses the URL. Its errors never show the
// URL: it may hold a password, in its user part or its query string.
func openSpec(source string) (*dbSource, error) {
	raw, label := source, "database source: cannot parse the database URL"
	if name, ok := strings.CutPrefix(source, "env:"); ok {
		label = "database source " + source + ": cannot parse the URL in $" + name
		raw = os.Getenv(name)
		if name == "" || raw == "" {
			return nil, fmt.Errorf("--source %s: the environment variable %s is not set or empty", source, name)
		}
		if !strings.HasPrefix(raw, "postgres://") && !strings.HasPrefix(raw, "postgresql://") {
			return nil, fmt.Errorf("--source %s: $%s is not a postgres:// or postgresql:// URL (not shown: it may hold a password)", source, name)
		}
	}
	secrets := []string{raw}
	if u, err := url.Parse(raw); err == nil {
		if p, ok := u.User.Password(); ok {
			secrets = append(secrets, p)
		}
		if p := u.Query().Get("password"); p != "" {
			secrets = append(secrets, p)
		}
	}
	cfg, err := pgx.ParseConfig(raw)
	if err != nil {
		var inner string
		if u := errors.Unwrap(err); u != nil {
			inner = ": " + u.Error()
		}
		return nil, errors.New(redact(label+" (not shown: it may hold a password)"+inner, secrets))
	}
	if cfg.Password != "" {
		secrets = append(secrets, cfg.Password)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = dbConnectTimeout
	}
	port := strconv.Itoa(int(cfg.Port))
	host := net.JoinHostPort(cfg.Host, port)
	if strings.HasPrefix(cfg.Host, "/") {
		host = url.PathEscape(cfg.Host) + ":" + port // a unix socket's directory, as libpq's URLs write it
	}
	name := "postgresql://" + host + "/" + url.PathEscape(cfg.Database) + "#" + Table
	return &dbSource{name: name, cfg: cfg, secrets: secrets}, nil
}

// redact replaces every secret in msg.
func redact(msg string, secrets []string) string {
	for _, s := range secrets {
		if s == "" {
			continue
		}
		for _, v := range []string{s, url.QueryEscape(s), url.PathEscape(s)} {
			msg = strings.ReplaceAll(msg, v, "[redacted]")
		}
	}
	return msg
}

// DBError is a database source that cannot be read: it names the database
// (without credentials), what was being done, and how many rows had been read.
type DBError struct {
	Source string // the database's name (DatabaseName)
	Stage  string // "connect", "check the table", "read"
	Rows   int    // rows read before the error
	Msg    string // the cause, with every secret redacted
	Err    error  // the cause, for errors.Is/As (its text may hold no secret either: pgx's does not)
}

func (e *DBError) Error() string {
	s := fmt.Sprintf("database source %s: %s", e.Source, e.Stage)
	if e.Stage == "read" {
		s += fmt.Sprintf(" (after %d rows)", e.Rows)
	}
	return s + ": " + e.Msg
}

func (e *DBError) Unwrap() error { return e.Err }

// fail wraps err as a DBError, in words an operator can act on.
func (db *dbSource) fail(stage string, rows int, err error, timeout time.Duration) error {
	msg := err.Error()
	var pe *pgconn.PgError
	var ce *pgconn.ConnectError
	switch {
	case errors.As(err, &pe):
		msg = fmt.Sprintf("%s (SQLSTATE %s)", pe.Message, pe.Code)
		switch pe.Code {
		case "28P01":
			msg = "authentication failed: wrong user name or password (SQLSTATE 28P01; the credentials are not shown)"
		case "28000": // pg_hba.conf: this host, user, database or encryption is not allowed
			msg = fmt.Sprintf("the server refuses the connection: %s (SQLSTATE 28000; sslmode in the URL chooses TLS)", pe.Message)
		case "57014":
			msg = fmt.Sprintf("a statement ran longer than the statement timeout %s (--db-timeout) and was cancelled (SQLSTATE 57014): the table may be locked or the server overloaded", timeout)
		case "57P01", "57P02", "57P03":
			msg = fmt.Sprintf("the server closed the connection: %s (SQLSTATE %s)", pe.Message, pe.Code)
		}
	case errors.As(err, &ce):
		msg = errors.Unwrap(ce).Error() // without pgx's "user=... database=..." prefix
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF), strings.Contains(msg, "conn closed"):
		msg = "the connection was lost: " + msg
	}
	return &DBError{Source: db.name, Stage: stage, Rows: rows, Msg: redact(msg, db.secrets), Err: err}
}

// readDB reads a database source into fs: every row read is counted used,
// duplicate or rejected like a file's record, in id order. It reads in a
// read-only REPEATABLE READ transaction (one snapshot, so the digest is of one
// state of the table) through a server-side cursor, dbBatch rows per FETCH,
// so memory does not grow with the table. fs.src.SHA256 is the digest of
// every column read, row by row, so an unchanged table gives the same digest
// and any changed row another.
func (r *reader) readDB(fs *fileState, source string) error {
	db, err := openSpec(source)
	if err != nil {
		return err
	}
	fs.path, fs.format, fs.kind = db.name, FormatPostgres, KindComponents
	fs.src = manifest.Source{Path: db.name, Format: FormatPostgres, Kind: KindComponents}
	timeout := r.opt.StatementTimeout
	if timeout <= 0 {
		timeout = DefaultStatementTimeout
	}
	// Everything happens in one transaction, with no prepared statement and
	// no startup parameter but application_name, so that the read also works
	// through a transaction-mode pooler (PgBouncer, Supabase's), where a
	// session's settings and prepared statements do not survive a transaction.
	cfg := db.cfg.Copy()
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	if cfg.RuntimeParams["application_name"] == "" {
		cfg.RuntimeParams["application_name"] = "prebake"
	}
	ctx := context.Background()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return db.fail("connect", 0, err, timeout)
	}
	defer conn.Close(ctx)
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return db.fail("connect", 0, err, timeout)
	}
	defer tx.Rollback(ctx) // read only: nothing to commit
	if _, err := tx.Exec(ctx, "SET LOCAL statement_timeout = "+strconv.FormatInt(max(1, timeout.Milliseconds()), 10)); err != nil {
		return db.fail("connect", 0, err, timeout)
	}
	if err := db.checkTable(ctx, tx, timeout); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DECLARE prebake_rows NO SCROLL CURSOR FOR SELECT id, component_id, additional_data::text,
		technology, company_name, location, latitude, longitude FROM `+Table+` ORDER BY id`); err != nil {
		return db.fail("read", 0, err, timeout)
	}
	h := sha256.New()
	rec := 0
	for {
		if testHookBatch != nil {
			testHookBatch(rec)
		}
		rows, err := tx.Query(ctx, "FETCH FORWARD "+strconv.Itoa(dbBatch)+" FROM prebake_rows")
		if err != nil {
			return db.fail("read", rec, err, timeout)
		}
		n := 0
		for rows.Next() {
			var row dbRow
			if err := rows.Scan(&row.id, &row.componentID, &row.data, &row.technology, &row.company, &row.location, &row.lat, &row.lng); err != nil {
				rows.Close()
				return db.fail("read", rec, err, timeout)
			}
			n++
			rec++
			row.digest(h)
			if err := r.addDBRow(fs, rec, &row); err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return db.fail("read", rec, err, timeout)
		}
		if n < dbBatch {
			break
		}
	}
	if fs.src.Counts.Read == 0 {
		return &DBError{Source: db.name, Stage: "read", Msg: "the table " + Table + " has no rows"}
	}
	fs.src.SHA256 = hex.EncodeToString(h.Sum(nil))
	return nil
}

// testHookBatch, when set (by tests only), runs before each FETCH with the
// rows read so far: the test of a connection dropped mid-read ends the
// server's backend there.
var testHookBatch func(rowsRead int)

// checkTable names a missing table or missing columns before reading.
func (db *dbSource) checkTable(ctx context.Context, conn pgx.Tx, timeout time.Duration) error {
	var have []string
	err := conn.QueryRow(ctx, `SELECT coalesce(array_agg(attname::text), '{}') FROM pg_attribute
		WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped`, Table).Scan(&have)
	if err != nil {
		return db.fail("check the table", 0, err, timeout)
	}
	if len(have) == 0 {
		return &DBError{Source: db.name, Stage: "check the table", Msg: fmt.Sprintf("table %s does not exist (or is not visible on the search_path): is this the app's database?", Table)}
	}
	got := map[string]bool{}
	for _, c := range have {
		got[c] = true
	}
	var missing []string
	for _, c := range dbColumns {
		if !got[c] {
			missing = append(missing, strconv.Quote(c))
		}
	}
	if len(missing) > 0 {
		return &DBError{Source: db.name, Stage: "check the table", Msg: fmt.Sprintf("table %s has no column %s (prebake reads %s)", Table, strings.Join(missing, ", "), strings.Join(dbColumns, ", "))}
	}
	return nil
}

// dbRow is one row of checker_component as read.
type dbRow struct {
	id                            int64
	componentID, data             *string
	technology, company, location *string
	lat, lng                      *float64
}

// digest adds every column of the row to h, each length-prefixed (null
// distinct from ""), so that no two different tables give the same digest.
func (row *dbRow) digest(h io.Writer) {
	var b [9]byte
	binary.BigEndian.PutUint64(b[:8], uint64(row.id))
	h.Write(b[:8])
	for _, s := range []*string{row.componentID, row.data, row.technology, row.company, row.location} {
		if s == nil {
			h.Write([]byte{0})
			continue
		}
		b[0] = 1
		binary.BigEndian.PutUint64(b[1:], uint64(len(*s)))
		h.Write(b[:])
		io.WriteString(h, *s)
	}
	for _, f := range []*float64{row.lat, row.lng} {
		if f == nil {
			h.Write([]byte{0})
			continue
		}
		b[0] = 1
		binary.BigEndian.PutUint64(b[1:], math.Float64bits(*f))
		h.Write(b[:])
	}
}

// addDBRow accounts for one database row: its register row (additional_data)
// is read as a JSON row of a file, carrying the stored position, and the
// hand-edited columns are compared with it.
func (r *reader) addDBRow(fs *fileState, rec int, row *dbRow) error {
	if row.data == nil {
		fs.src.Counts.Read++
		r.reject(fs, rec, "additional_data", ReasonNotARow, fmt.Sprintf("id %d: additional_data is null: no register row", row.id))
		return nil
	}
	raw := []byte(*row.data)
	// Compared only for a row that can be read: a rejected row says why.
	var obj *rawRow
	valid := json.Valid(raw)
	if len(raw) > 0 && raw[0] == '{' && valid {
		obj, _ = splitObject(raw) // nil when a name repeats
	}
	if obj != nil {
		for i, col := range [...]*string{row.technology, row.company, row.location} {
			he := handEdited[i]
			reg, err := obj.text(he.register)
			if err != nil {
				continue // the row is rejected for it, naming the field
			}
			var v string
			if col != nil {
				v, _ = cell{kind: cellString, raw: []byte(*col), str: true}.text()
			}
			if v != reg {
				fs.diffs = append(fs.diffs, ColumnDiff{File: fs.path, Row: rec, ID: row.id, Column: he.column, Field: he.register, Database: v, Register: reg})
			}
		}
	}
	if row.lat != nil && row.lng != nil && !math.IsNaN(*row.lat) && !math.IsNaN(*row.lng) {
		r.app = &record.Position{Lat: *row.lat, Lng: *row.lng}
	}
	err := r.addJSONRow(fs, rec, raw, valid) // validated once
	r.app = nil
	return err
}
