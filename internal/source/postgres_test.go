package source

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prebake/prebake/internal/testkit/pgtest"
	"github.com/prebake/prebake/internal/testkit/shareddata"
)

// TestPostgresSource runs the database source's tests against one real
// PostgreSQL server, each in its own database.
func TestPostgresSource(t *testing.T) {
	s := pgtest.Start(t)
	t.Run("Errors", func(t *testing.T) { testPostgresErrors(t, s) })
	t.Run("ColumnDiffsAndDigest", func(t *testing.T) { testPostgresDiffs(t, s) })
	t.Run("RealRegister", func(t *testing.T) { testPostgresReal(t, s) })
}

// smallDB creates database name holding the app's table with n synthetic
// register rows (ids 1..n, each its own _id, a location with a postcode).
func smallDB(t *testing.T, s *pgtest.Server, name string, n int) {
	t.Helper()
	s.Exec(t, "postgres", "CREATE DATABASE "+name)
	s.Exec(t, name, pgtest.AppTable)
	s.Exec(t, name, `INSERT INTO checker_component (component_id, technology, company_name, location, additional_data)
		SELECT g::text, 'Gas', 'Co '||g, 'Site '||g||', LS1 1AA',
			jsonb_build_object('_id', g, 'CMU ID', 'CMU'||g, 'Component ID', 'C'||g, 'Company Name', 'Co '||g,
				'Generating Technology Class', 'Gas', 'Location and Post Code', 'Site '||g||', LS1 1AA', 'Delivery Year', 2024)
		FROM generate_series(1, $1::int) g`, n)
}

func dbURL(s *pgtest.Server, db, query string) string {
	return fmt.Sprintf("postgres://%s:%s@127.0.0.1:%d/%s?%s", pgtest.User, pgtest.Password, s.Port, db, query)
}

// mustFailClearly checks err is a clear error holding want and no secret.
func mustFailClearly(t *testing.T, err error, want string, secrets ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want one saying %q", want)
	}
	msg := err.Error()
	if !strings.Contains(msg, want) {
		t.Errorf("error %q does not say %q", msg, want)
	}
	if !strings.Contains(msg, "database source") && !strings.Contains(msg, "--source") {
		t.Errorf("error %q does not name the source", msg)
	}
	for _, s := range append(secrets, pgtest.Password) {
		if strings.Contains(msg, s) {
			t.Errorf("error %q shows the secret %q", msg, s)
		}
	}
}

func testPostgresErrors(t *testing.T, s *pgtest.Server) {
	smallDB(t, s, "small", 3000)
	read := func(src string, opt Options) (*Result, error) { return ReadWith([]string{src}, "", opt) }

	t.Run("reads", func(t *testing.T) {
		res, err := read(dbURL(s, "small", "sslmode=disable"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		src := res.Sources[0]
		want := fmt.Sprintf("postgresql://127.0.0.1:%d/small#checker_component", s.Port)
		if src.Path != want || src.Format != FormatPostgres || src.Kind != KindComponents || len(src.SHA256) != 64 {
			t.Errorf("source %+v; want path %s, format postgres, a digest", src, want)
		}
		if c := src.Counts; c.Read != 3000 || c.Used != 3000 || c.Duplicate+c.Rejected != 0 || len(res.Components) != 3000 {
			t.Errorf("counts %+v, %d components; want 3000 read and used", c, len(res.Components))
		}
		if c := res.Components[2999]; c.ID != 3000 || c.CMUID != "CMU3000" || c.SourceFile != want || c.SourceRow != 3000 || c.App != nil {
			t.Errorf("last component %+v", c)
		}
	})
	t.Run("unix socket", func(t *testing.T) {
		q := url.Values{"host": {s.Socket}, "port": {strconv.Itoa(s.Port)}, "password": {pgtest.Password}}
		res, err := read("postgresql://"+pgtest.User+"@/small?"+q.Encode(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("postgresql://%s:%d/small#checker_component", url.PathEscape(s.Socket), s.Port)
		if got := res.Sources[0].Path; got != want || res.Sources[0].Counts.Used != 3000 {
			t.Errorf("source %s, %d used; want %s, 3000", got, res.Sources[0].Counts.Used, want)
		}
	})
	t.Run("password in the query string", func(t *testing.T) {
		secret := pgtest.Password
		res, err := read(fmt.Sprintf("postgresql://%s@127.0.0.1:%d/small?sslmode=disable&password=%s", pgtest.User, s.Port, secret), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := json.Marshal(res.Sources); strings.Contains(string(b), secret) {
			t.Errorf("the source entry shows the password: %s", b)
		}
		_, err = read(fmt.Sprintf("postgresql://%s@127.0.0.1:%d/small?sslmode=disable&password=%s", pgtest.User, s.Port, "wrong-QS-secret"), Options{})
		mustFailClearly(t, err, "authentication failed", "wrong-QS-secret")
	})
	t.Run("wrong password", func(t *testing.T) {
		for _, pw := range []string{"wrong-secret", "p@ss:w/rd%20x"} {
			u := (&url.URL{Scheme: "postgres", User: url.UserPassword(pgtest.User, pw), Host: fmt.Sprintf("127.0.0.1:%d", s.Port), Path: "/small", RawQuery: "sslmode=disable"}).String()
			_, err := read(u, Options{})
			mustFailClearly(t, err, "authentication failed", pw, "wrong-secret")
		}
	})
	t.Run("env", func(t *testing.T) {
		t.Setenv("PREBAKE_TEST_DATABASE_URL", dbURL(s, "small", "sslmode=disable"))
		res, err := read("env:PREBAKE_TEST_DATABASE_URL", Options{})
		if err != nil || res.Sources[0].Counts.Used != 3000 {
			t.Fatalf("env source: %v", err)
		}
		_, err = read("env:PREBAKE_TEST_UNSET_VARIABLE", Options{})
		mustFailClearly(t, err, "PREBAKE_TEST_UNSET_VARIABLE is not set")
		t.Setenv("PREBAKE_TEST_DATABASE_URL", "mysql://u:"+pgtest.Password+"@h/db")
		_, err = read("env:PREBAKE_TEST_DATABASE_URL", Options{})
		mustFailClearly(t, err, "not a postgres:// or postgresql:// URL")
	})
	t.Run("unparseable URL", func(t *testing.T) {
		_, err := read("postgres://u:"+pgtest.Password+"@127.0.0.1:notaport/db", Options{})
		mustFailClearly(t, err, "cannot parse the database URL")
	})
	t.Run("missing database, table and column", func(t *testing.T) {
		_, err := read(dbURL(s, "nosuchdb", "sslmode=disable"), Options{})
		mustFailClearly(t, err, `"nosuchdb" does not exist`)
		s.Exec(t, "postgres", "CREATE DATABASE notable")
		_, err = read(dbURL(s, "notable", "sslmode=disable"), Options{})
		mustFailClearly(t, err, "table checker_component does not exist")
		smallDB(t, s, "nocolumn", 3)
		s.Exec(t, "nocolumn", "ALTER TABLE checker_component DROP COLUMN latitude, DROP COLUMN additional_data")
		_, err = read(dbURL(s, "nocolumn", "sslmode=disable"), Options{})
		mustFailClearly(t, err, `has no column "additional_data", "latitude"`)
	})
	t.Run("sslmode", func(t *testing.T) {
		// The test server has no TLS: a URL that requires it fails, never
		// falling back to plain text.
		_, err := read(dbURL(s, "small", "sslmode=require"), Options{})
		mustFailClearly(t, err, "connect")
		if err != nil && !strings.Contains(strings.ToLower(err.Error()), "ssl") && !strings.Contains(strings.ToLower(err.Error()), "tls") {
			t.Errorf("error %q does not say TLS was refused", err)
		}
	})
	t.Run("statement timeout", func(t *testing.T) {
		// Another session holds the table locked: every statement of the read
		// waits, and the timeout ends it.
		ctx := context.Background()
		lock := s.Conn(t, "small")
		tx, err := lock.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		if _, err := tx.Exec(ctx, "LOCK TABLE checker_component IN ACCESS EXCLUSIVE MODE"); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err = read(dbURL(s, "small", "sslmode=disable"), Options{StatementTimeout: 300 * time.Millisecond})
		mustFailClearly(t, err, "statement timeout 300ms")
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("the read took %s with a 300ms statement timeout", d)
		}
	})
	t.Run("connection dropped mid-read", func(t *testing.T) {
		killer := s.Conn(t, "postgres")
		dropped := 0
		testHookBatch = func(n int) {
			if n == 2*dbBatch && dropped == 0 {
				var ok bool
				if err := killer.QueryRow(context.Background(),
					`SELECT bool_and(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'prebake-drop-test'`).Scan(&ok); err != nil || !ok {
					t.Errorf("pg_terminate_backend: %v %v", ok, err)
				}
				dropped = n
				// Wait for the backend to be gone, so that the next FETCH is the one that fails.
				for i := 0; i < 500; i++ {
					var left int
					if err := killer.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity WHERE application_name = 'prebake-drop-test'`).Scan(&left); err != nil || left == 0 {
						break
					}
					time.Sleep(10 * time.Millisecond)
				}
			}
		}
		defer func() { testHookBatch = nil }()
		_, err := read(dbURL(s, "small", "sslmode=disable&application_name=prebake-drop-test"), Options{})
		mustFailClearly(t, err, "(after 2000 rows)")
		var de *DBError
		if !errors.As(err, &de) || de.Stage != "read" || dropped != 2000 {
			t.Errorf("error %v: want a DBError of the read after 2000 rows", err)
		}
	})
}

// testPostgresDiffs checks the hand-edited columns are compared with the
// register row, the app's positions reach the components, and the digest
// follows the table.
func testPostgresDiffs(t *testing.T, s *pgtest.Server) {
	smallDB(t, s, "diffs", 10)
	u := dbURL(s, "diffs", "sslmode=disable")
	read := func() *Result {
		t.Helper()
		res, err := Read([]string{u}, "")
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	first := read()
	if len(first.ColumnDiffs) != 0 {
		t.Errorf("diffs before any edit: %+v", first.ColumnDiffs)
	}
	if again := read(); again.Sources[0].SHA256 != first.Sources[0].SHA256 {
		t.Errorf("the digest of an unchanged table changed: %s, %s", first.Sources[0].SHA256, again.Sources[0].SHA256)
	}
	s.Exec(t, "diffs", `UPDATE checker_component SET technology = 'OCGT' WHERE id = 3;
		UPDATE checker_component SET company_name = 'Hand Edited Ltd', location = NULL WHERE id = 7;
		UPDATE checker_component SET latitude = 53.8, longitude = -1.55 WHERE id = 9;
		UPDATE checker_component SET company_name = '  Co 5 ' WHERE id = 5`) // only space: the same text
	res := read()
	if res.Sources[0].SHA256 == first.Sources[0].SHA256 {
		t.Error("the digest did not change with the rows")
	}
	var got []string
	for _, d := range res.ColumnDiffs {
		got = append(got, fmt.Sprintf("%d %d %s/%s %q->%q", d.Row, d.ID, d.Column, d.Field, d.Database, d.Register))
	}
	want := []string{
		`3 3 technology/Generating Technology Class "OCGT"->"Gas"`,
		`7 7 company_name/Company Name "Hand Edited Ltd"->"Co 7"`,
		`7 7 location/Location and Post Code ""->"Site 7, LS1 1AA"`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("column diffs\n got %q\nwant %q", got, want)
	}
	// The register row wins: the components are those of the unedited table.
	for i := range res.Components {
		c, c0 := res.Components[i], first.Components[i]
		c.App, c0.App = nil, nil
		if !reflect.DeepEqual(c, c0) {
			t.Errorf("component %d changed with a hand edit: %+v", c.ID, c)
		}
	}
	if app := res.Components[8].App; app == nil || app.Lat != 53.8 || app.Lng != -1.55 {
		t.Errorf("component 9's stored position %+v; want 53.8, -1.55", app)
	}
	// Rows the reader rejects are counted like a file's.
	s.Exec(t, "diffs", `UPDATE checker_component SET additional_data = NULL WHERE id = 1;
		UPDATE checker_component SET additional_data = '[1]' WHERE id = 2;
		UPDATE checker_component SET additional_data = additional_data || '{"_id": 4}' WHERE id = 6;
		UPDATE checker_component SET additional_data = additional_data || '{"Delivery Year": "abc"}' WHERE id = 8`)
	res = read()
	c := res.Sources[0].Counts
	if c.Read != 10 || c.Used != 6 || c.Duplicate != 1 || c.Rejected != 3 ||
		!reflect.DeepEqual(c.RejectedBy, map[string]int{ReasonNotARow: 2, ReasonBadValue: 1}) {
		t.Errorf("counts %+v; want 10 read = 6 used + 1 duplicate + 3 rejected (2 not_a_row, 1 bad_value)", c)
	}
}

// testPostgresReal loads ../shared's register into the app's table as the
// app's crawler does and checks the database source accounts for it as the
// file source does for the same rows.
func testPostgresReal(t *testing.T, s *pgtest.Server) {
	files, err := filepath.Glob(filepath.Join(shareddata.Path(t, "data/register"), "components_*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no register files: %v", err)
	}
	ld := s.LoadRegister(t, files) // Glob sorts
	// app-integration.md: 71 components have locations the table cannot hold.
	if ld.TooLong == 0 || ld.Duplicates == 0 || len(ld.Rows)+ld.TooLong+ld.Duplicates != ld.Read {
		t.Fatalf("loaded %d of %d rows, %d duplicates, %d too long", len(ld.Rows), ld.Read, ld.Duplicates, ld.TooLong)
	}
	t.Logf("loaded %d of %d register rows (%d duplicates, %d locations over 255 characters)", len(ld.Rows), ld.Read, ld.Duplicates, ld.TooLong)
	file := filepath.Join(t.TempDir(), "loaded.json")
	b, _ := json.Marshal(ld.Rows)
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	fromFile, err := Read([]string{file}, "")
	if err != nil {
		t.Fatal(err)
	}
	fromDB, err := Read([]string{dbURL(s, pgtest.DB, "sslmode=disable")}, "")
	if err != nil {
		t.Fatal(err)
	}
	fc, dc := fromFile.Sources[0].Counts, fromDB.Sources[0].Counts
	if !reflect.DeepEqual(fc, dc) || dc.Read != len(ld.Rows) {
		t.Errorf("counts from the database %+v; from the file %+v", dc, fc)
	}
	if len(fromDB.ColumnDiffs) != 0 {
		t.Errorf("%d column diffs on the crawler's load, first %+v", len(fromDB.ColumnDiffs), fromDB.ColumnDiffs[0])
	}
	if len(fromDB.Components) != len(fromFile.Components) {
		t.Fatalf("%d components from the database, %d from the file", len(fromDB.Components), len(fromFile.Components))
	}
	for i := range fromDB.Components {
		a, b := fromDB.Components[i], fromFile.Components[i]
		a.SourceFile, b.SourceFile = "", ""
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("component %d differs:\ndatabase %+v\n    file %+v", i, a, b)
		}
	}
	if len(fromDB.Problems) != len(fromFile.Problems) {
		t.Errorf("%d problems from the database, %d from the file", len(fromDB.Problems), len(fromFile.Problems))
	}
}

// TestPostgresMemoryBounded reads a table of synthetic rows (additional_data
// about 340 bytes each) and checks the heap grows by far less than the table:
// the rows come through a cursor, a batch at a time. The rows repeat 1,000
// register ids with identical content, so what the result keeps is small and
// the growth measured is the read's own. The suite reads 300,000 rows (about
// 100 MB); scripts/bench-postgres.sh reads 1M (PREBAKE_PG_MEMORY_ROWS), too
// slow for the suite on a busy machine (1M rows: 344 MB read in 32-40 s,
// the heap 10 MB above its start).
func TestPostgresMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: a large table")
	}
	n := 300_000
	if v := os.Getenv("PREBAKE_PG_MEMORY_ROWS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 100_000 {
			t.Fatalf("PREBAKE_PG_MEMORY_ROWS=%q: want a row count of 100000 or more", v)
		}
	}
	s := pgtest.Start(t)
	s.Exec(t, pgtest.DB, pgtest.AppTable)
	fill := time.Now()
	// 1,000 distinct rows, copied a thousand times into an unlogged table
	// (no WAL): filling it is then a copy, not 1M JSON builds.
	s.Exec(t, pgtest.DB, `ALTER TABLE checker_component SET UNLOGGED;
		CREATE TABLE distinct_rows AS SELECT k, 'Synthetic Company '||k AS company,
			'Synthetic site number '||k||', Leeds LS1 1AA, a long enough location text' AS location
			FROM generate_series(0, 999) k`)
	s.Exec(t, pgtest.DB, `INSERT INTO checker_component (component_id, technology, company_name, location, additional_data, latitude, longitude)
		SELECT g::text, 'Gas', d.company, d.location, d.data, 53.8, -1.55
		FROM generate_series(1, $1::int) g JOIN (SELECT k, company, location, jsonb_build_object('_id', k + 1, 'CMU ID', 'CMU'||k, 'Component ID', 'C'||k,
			'Company Name', company, 'Generating Technology Class', 'Gas', 'Location and Post Code', location,
			'Description of CMU Components', 'A synthetic component row for the memory test of the database source', 'Delivery Year', 2024) AS data
			FROM distinct_rows) d ON d.k = g % 1000`, n)
	conn := s.Conn(t, pgtest.DB)
	var tableBytes int64
	if err := conn.QueryRow(context.Background(), "SELECT sum(octet_length(additional_data::text)) FROM checker_component").Scan(&tableBytes); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	heap := func() int64 { metrics.Read(sample); return int64(sample[0].Value.Uint64()) }
	base := heap()
	var peak atomic.Int64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			if h := heap(); h > peak.Load() {
				peak.Store(h)
			}
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	t.Logf("table filled in %s", time.Since(fill).Round(time.Millisecond))
	start := time.Now()
	res, err := Read([]string{s.URL(pgtest.DB)}, "")
	close(stop)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	c := res.Sources[0].Counts
	if c.Read != n || c.Used != 1000 || c.Duplicate != n-1000 || len(res.ColumnDiffs) != 0 {
		t.Fatalf("counts %+v", c)
	}
	growth := peak.Load() - base
	t.Logf("%d rows (%d MB of additional_data) read in %s; heap grew by at most %d MB", n, tableBytes>>20, time.Since(start).Round(time.Millisecond), growth>>20)
	const bound = 32 << 20
	if tableBytes < 3*bound {
		t.Fatalf("the table holds only %d MB: too small to tell", tableBytes>>20)
	}
	if growth > bound {
		t.Errorf("the heap grew by %d MB reading %d MB: want under %d MB", growth>>20, tableBytes>>20, bound>>20)
	}
}

// TestPostgresTLS: TLS is what the URL's sslmode says, against a server that
// accepts TCP over TLS only: verify-full with the server's certificate and
// require read; disable is refused by the server, and verify-full without
// the certificate refuses the server; each a clear error without the password.
func TestPostgresTLS(t *testing.T) {
	s := pgtest.StartTLS(t)
	s.Exec(t, pgtest.DB, pgtest.AppTable)
	s.Exec(t, pgtest.DB, `INSERT INTO checker_component (component_id, additional_data)
		SELECT g::text, jsonb_build_object('_id', g, 'CMU ID', 'CMU'||g) FROM generate_series(1, 20) g`)
	for _, u := range []string{s.URL(pgtest.DB), dbURL(s, pgtest.DB, "sslmode=require")} {
		res, err := Read([]string{u}, "")
		if err != nil || res.Sources[0].Counts.Used != 20 {
			t.Fatalf("over TLS: %v", err)
		}
	}
	_, err := Read([]string{dbURL(s, pgtest.DB, "sslmode=disable")}, "")
	mustFailClearly(t, err, "no encryption")
	_, err = Read([]string{dbURL(s, pgtest.DB, "sslmode=verify-full")}, "")
	mustFailClearly(t, err, "certificate")
}
