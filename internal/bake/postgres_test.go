package bake_test

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/prebake/prebake/internal/bake"
	"github.com/prebake/prebake/internal/generators/maptiles"
	"github.com/prebake/prebake/internal/postcode"
	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/testkit/pgtest"
	"github.com/prebake/prebake/internal/testkit/shareddata"
	"github.com/prebake/prebake/internal/testkit/treetest"
	"github.com/prebake/prebake/internal/writer"
	"github.com/prebake/prebake/manifest"
)

// reportLines reads a JSON Lines report as maps.
func reportLines(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// districtsOf writes to out the rows of the Code-Point Open table whose
// district a location of rows mentions: every unit of those districts, so
// units, sector and district centroids are those of the whole table, and the
// bakes load (and the locations generator walks) 1/20 of it.
func districtsOf(t *testing.T, table string, rows []json.RawMessage, out string) string {
	t.Helper()
	want := map[string]bool{}
	for _, raw := range rows {
		var r struct {
			Location string `json:"Location and Post Code"`
		}
		_ = json.Unmarshal(raw, &r) // a null location is ""
		for _, m := range postcode.Mentions(r.Location) {
			want[m.Outcode] = true
		}
	}
	f, err := os.Open(table)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	sc := bufio.NewScanner(zr)
	for first := true; sc.Scan(); first = false {
		line := sc.Text()
		pc, _, _ := strings.Cut(line, ",")
		if out, _, ok := strings.Cut(pc, " "); first || ok && want[out] {
			b.WriteString(line + "\n")
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// sourceNamed is the source entry with path p (the manifest sorts them).
func sourceNamed(srcs []manifest.Source, p string) manifest.Source {
	for _, s := range srcs {
		if s.Path == p {
			return s
		}
	}
	return manifest.Source{}
}

// TestBakeFromDatabase loads part of ../shared's register into the app's table as the
// app's crawler does and bakes it from the database (through env:, as the
// app's deploys know it) and from a file of the same rows: the outputs are
// byte-identical, the accounting and the report the same but for the source's
// name; a rebuild of the unchanged table writes nothing, a changed row is
// noticed; the app's positions place components offline geocoding cannot, and
// those outside GB or far from the row's own evidence are reported.
func TestBakeFromDatabase(t *testing.T) {
	reg := shareddata.Path(t, "data/register")
	pcs := shareddata.Path(t, "data/postcodes/postcodes-en.csv.gz")
	start := time.Now()
	s := pgtest.Start(t)
	// A fifth of the register (4,000 rows, 800 of them without a grid
	// reference) keeps three bakes within the suite's time; the whole
	// register's accounting is source.TestPostgresSource's.
	files, _ := filepath.Glob(filepath.Join(reg, "components_[0-9AB].json"))
	if len(files) != 12 {
		t.Fatalf("%d register files components_[0-9AB].json; want 12", len(files))
	}
	ld := s.LoadRegister(t, files)
	t.Logf("server and load: %s", time.Since(start))
	dir := t.TempDir()
	eq := filepath.Join(dir, "loaded.json")
	b, _ := json.Marshal(ld.Rows)
	if err := os.WriteFile(eq, b, 0o644); err != nil {
		t.Fatal(err)
	}
	pcs = districtsOf(t, pcs, ld.Rows, filepath.Join(dir, "postcodes.csv"))
	t.Setenv("PREBAKE_TEST_DATABASE_URL", s.URL(pgtest.DB))
	const db = "env:PREBAKE_TEST_DATABASE_URL"
	cfgFor := func(name string, sources ...string) bake.Config {
		cfg := config(filepath.Join(dir, name), sources...)
		cfg.Postcodes = []string{pcs}
		// Fewer zooms than the default: the comparison is the same, the bakes faster.
		cfg.Maptiles = maptiles.Options{MinZoom: 0, MaxZoom: 6, Radius: 60, Extent: 512, MinPoints: 2}
		return cfg
	}
	fileCfg, dbCfg := cfgFor("file", eq), cfgFor("db", db)
	fromFile, err := bake.Run(fileCfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("file bake: %s %v", time.Since(start), fromFile.Stages)
	fromDB, err := bake.Run(dbCfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("db bake: %s %v", time.Since(start), fromDB.Stages)

	// The same bake.
	if a, b := treetest.Hashes(t, fileCfg.OutDir, writer.StateDir), treetest.Hashes(t, dbCfg.OutDir, writer.StateDir); len(a) == 0 || len(treetest.Diff(a, b)) > 0 {
		t.Errorf("the outputs differ: %d files from the file, %d from the database; differing: %.5q", len(a), len(b), treetest.Diff(a, b))
	}
	mf, err := manifest.Load(fileCfg.ManifestPath)
	if err != nil {
		t.Fatal(err)
	}
	md, err := manifest.Load(dbCfg.ManifestPath)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(mf.Assets, md.Assets) || !reflect.DeepEqual(mf.TileSets, md.TileSets) || !reflect.DeepEqual(mf.ShardSets, md.ShardSets) {
		t.Error("the manifests name different files")
	}
	name := fmt.Sprintf("postgresql://127.0.0.1:%d/%s#checker_component", s.Port, pgtest.DB)
	dsrc, fsrc := sourceNamed(md.Sources, name), sourceNamed(mf.Sources, eq)
	if dsrc.Path != name || dsrc.Format != "postgres" || len(dsrc.SHA256) != 64 {
		t.Errorf("the database's source entry %+v; want path %s", dsrc, name)
	}
	if !reflect.DeepEqual(dsrc.Counts, fsrc.Counts) || fromDB.Located != fromFile.Located || fromDB.Components != fromFile.Components || fromDB.CMUs != fromFile.CMUs {
		t.Errorf("counts from the database %+v (%d located), from the file %+v (%d located)", dsrc.Counts, fromDB.Located, fsrc.Counts, fromFile.Located)
	}
	fileReport, dbReport := reportLines(t, fileCfg.ReportPath), reportLines(t, dbCfg.ReportPath)
	if len(fileReport) != len(dbReport) {
		t.Fatalf("report lines: %d from the file, %d from the database", len(fileReport), len(dbReport))
	}
	for i := range fileReport {
		a, b := fileReport[i], dbReport[i]
		if a["file"] == eq {
			a["file"] = name
		}
		delete(a, "build_id")
		delete(b, "build_id")
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("report line %d:\nfile     %v\ndatabase %v", i, a, b)
		}
	}
	// No credential anywhere it writes.
	sum, _ := json.Marshal(fromDB)
	for what, data := range map[string][]byte{"manifest": read(t, dbCfg.ManifestPath), "report": read(t, dbCfg.ReportPath), "summary": sum,
		"last build": read(t, filepath.Join(dbCfg.OutDir, writer.StateDir, "last-build.json"))} {
		if strings.Contains(string(data), pgtest.Password) {
			t.Errorf("the %s shows the database password", what)
		}
	}

	// A rebuild of the unchanged table writes nothing.
	again, err := bake.Run(dbCfg)
	if err != nil || !again.Unchanged {
		t.Fatalf("a rebuild of the unchanged table: unchanged %v, %v", again != nil && again.Unchanged, err)
	}

	// The app's positions: 20 unlocated components placed, one outside GB,
	// one far from its grid reference; a hand edit reported.
	var unlocated []int64
	for _, l := range dbReport {
		if l["status"] == "unlocated" && len(unlocated) < 21 {
			unlocated = append(unlocated, int64(l["id"].(float64)))
		}
	}
	if len(unlocated) < 21 {
		t.Fatalf("only %d unlocated components", len(unlocated))
	}
	conn := s.Conn(t, pgtest.DB)
	ctx := context.Background()
	for i, id := range unlocated[:20] {
		if _, err := conn.Exec(ctx, "UPDATE checker_component SET latitude = $1, longitude = -1.2427 WHERE component_id = $2", 53.7+float64(i)*0.001, fmt.Sprint(id)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := conn.Exec(ctx, `UPDATE checker_component SET latitude = 53.3498, longitude = -6.2603 WHERE component_id = $1`, fmt.Sprint(unlocated[20])); err != nil {
		t.Fatal(err)
	}
	// A component placed at its 100 m grid reference in London, given Inverness.
	tag, err := conn.Exec(ctx, `UPDATE checker_component SET latitude = 57.48, longitude = -4.22, company_name = 'Hand Edited Ltd'
		WHERE id = (SELECT min(id) FROM checker_component WHERE additional_data->>'OS Grid Reference' LIKE 'TQ 3__ 8__')`)
	if err != nil || tag.RowsAffected() != 1 {
		t.Fatalf("no TQ row to edit: %v", err)
	}
	placed, err := bake.Run(dbCfg)
	if err != nil {
		t.Fatal(err)
	}
	if placed.Unchanged {
		t.Fatal("a bake after rows changed was skipped as unchanged")
	}
	want := map[string]int{"used": 20, record.AppOutsideGB: 1, record.AppDisagrees: 1}
	if !reflect.DeepEqual(placed.AppPositions, want) || placed.Located != fromFile.Located+20 {
		t.Errorf("app positions %v, %d located; want %v, %d", placed.AppPositions, placed.Located, want, fromFile.Located+20)
	}
	if !reflect.DeepEqual(placed.ColumnDifferences, map[string]int{"company_name": 1}) {
		t.Errorf("column differences %v; want company_name 1", placed.ColumnDifferences)
	}
	if n := sourceNamed(placed.Sources, name).Counts.Geocoded[record.GeoApp+":"+record.PrecisionApp]; n != 20 {
		t.Errorf("%d components geocoded by the app's positions; want 20", n)
	}
	got := map[string]string{}
	for _, l := range reportLines(t, dbCfg.ReportPath) {
		switch l["status"] {
		case "app_position":
			got[l["reason"].(string)] = l["detail"].(string)
		case "column_differs":
			got["column_differs"] = fmt.Sprint(l["kept"], l["dropped"])
		}
	}
	for reason, part := range map[string]string{
		record.AppOutsideGB: "(53.34980, -6.26030) is outside Great Britain",
		record.AppDisagrees: "km from TQ 3",
		"column_differs":    "Hand Edited Ltd",
	} {
		if !strings.Contains(got[reason], part) {
			t.Errorf("report %s: %q does not say %q", reason, got[reason], part)
		}
	}
}

// TestBakeFromDatabaseFailsCleanly: a database that cannot be read fails
// the bake with an error naming it without the password, and the bake in
// force (manifest, report, files) stays as it was.
func TestBakeFromDatabaseFailsCleanly(t *testing.T) {
	s := pgtest.Start(t)
	s.Exec(t, pgtest.DB, pgtest.AppTable)
	s.Exec(t, pgtest.DB, `INSERT INTO checker_component (component_id, additional_data)
		SELECT g::text, jsonb_build_object('_id', g, 'CMU ID', 'CMU'||g, 'Location and Post Code', '1 Mill Lane, Knottingley, WF11 8DX')
		FROM generate_series(1, 50) g`)
	dir := t.TempDir()
	cfg := config(dir, s.URL(pgtest.DB))
	cfg.Postcodes = []string{postcodes(t, dir, "postcode,lat,lng", "")}
	if _, err := bake.Run(cfg); err != nil {
		t.Fatal(err)
	}
	before := treetest.Hashes(t, dir)
	wrong := strings.Replace(s.URL(pgtest.DB), pgtest.Password, "not-the-password", 1)
	for _, c := range []struct {
		name, source, want string
		setup              func() func()
	}{
		{"wrong password", wrong, "authentication failed", nil},
		{"missing column", s.URL(pgtest.DB), `has no column "latitude"`, func() func() {
			s.Exec(t, pgtest.DB, "ALTER TABLE checker_component RENAME COLUMN latitude TO lat")
			return func() { s.Exec(t, pgtest.DB, "ALTER TABLE checker_component RENAME COLUMN lat TO latitude") }
		}},
		{"statement timeout", s.URL(pgtest.DB), "statement timeout 200ms", func() func() {
			conn := s.Conn(t, pgtest.DB)
			tx, err := conn.Begin(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tx.Exec(context.Background(), "LOCK TABLE checker_component IN ACCESS EXCLUSIVE MODE"); err != nil {
				t.Fatal(err)
			}
			return func() { tx.Rollback(context.Background()) }
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.setup != nil {
				defer c.setup()()
			}
			cfg := cfg
			cfg.Sources = []string{c.source}
			cfg.DBTimeout = 200 * time.Millisecond
			cfg.Force = true
			_, err := bake.Run(cfg)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v; want one saying %q", err, c.want)
			}
			for _, secret := range []string{pgtest.Password, "not-the-password"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q shows the password", err)
				}
			}
			if after := treetest.Hashes(t, dir); !reflect.DeepEqual(before, after) {
				t.Errorf("a failed bake changed the files in %s", dir)
			}
		})
	}
}
