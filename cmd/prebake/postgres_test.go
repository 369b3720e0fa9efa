package main

import (
	"bytes"
	"compress/gzip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/testkit/pgtest"
	"github.com/prebake/prebake/internal/testkit/shareddata"
	"github.com/prebake/prebake/manifest"
)

// TestPostCompileFromDatabase runs the migration guide's step 0
// (python/docs/post_compile.sh) in its database variant, PREBAKE_FROM_DATABASE=1
// with the app's DATABASE_URL, against a real PostgreSQL: it bakes the table,
// the app's stored positions place the rows without a location, the password
// shows nowhere, a second build is skipped, and a wrong password fails the
// build and leaves the bake in force.
func TestPostCompileFromDatabase(t *testing.T) {
	bin := buildBinary(t)
	s := pgtest.Start(t)
	s.Exec(t, pgtest.DB, pgtest.AppTable)
	s.Exec(t, pgtest.DB, `INSERT INTO checker_component (component_id, location, additional_data, latitude, longitude)
		SELECT g::text, CASE WHEN g <= 40 THEN '1 Mill Lane, Knottingley, WF11 8DX' END,
			jsonb_build_object('_id', g, 'CMU ID', 'CMU'||(g % 7), 'Component ID', 'C'||g, 'Delivery Year', 2025,
				'Location and Post Code', CASE WHEN g <= 40 THEN '1 Mill Lane, Knottingley, WF11 8DX' END),
			CASE WHEN g > 40 THEN 53.7 END, CASE WHEN g > 40 THEN -1.24 END
		FROM generate_series(1, 50) g`)
	tmp := t.TempDir()
	repo, cache := filepath.Join(tmp, "cm-search"), filepath.Join(tmp, "cache")
	for _, d := range []string{repo, cache} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// A fresh cached Code-Point Open table (headerless, as step 0 writes it):
	// the script downloads nothing.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("\"WF11 8DX\",10,447500,424500,\"E92000001\"\n\"WF10 1AA\",10,442000,425500,\"E92000001\"\n"))
	zw.Close()
	if err := os.WriteFile(filepath.Join(cache, "codepo_gb.csv.gz"), gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(shareddata.Root(), "python", "docs", "post_compile.sh")
	step0 := func(url string) (string, error) {
		cmd := exec.Command("bash", script)
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "BUILD_DIR="+repo, "CACHE_DIR="+cache, "PREBAKE_BIN="+bin,
			"PREBAKE_FROM_DATABASE=1", "DATABASE_URL="+url, "SOURCE_DATE_EPOCH=1767225600")
		out, err := cmd.CombinedOutput()
		if strings.Contains(string(out), pgtest.Password) || strings.Contains(string(out), "not-the-password") {
			t.Errorf("step 0 printed the password:\n%s", out)
		}
		return string(out), err
	}
	if out, err := step0(s.URL(pgtest.DB)); err != nil {
		t.Fatalf("step 0: %v\n%s", err, out)
	}
	mpath := filepath.Join(repo, "prebake_output", "manifest.json")
	m, err := manifest.Load(mpath)
	if err != nil {
		t.Fatal(err)
	}
	var src manifest.Source
	for _, x := range m.Sources {
		if x.Format == "postgres" {
			src = x
		}
	}
	c := src.Counts
	if !strings.HasSuffix(src.Path, "/"+pgtest.DB+"#checker_component") || c.Read != 50 || c.Used != 50 ||
		c.Geocoded["postcode:postcode_unit"] != 40 || c.Geocoded["app_database:app_geocoder"] != 10 {
		t.Errorf("the database's source entry %+v", src)
	}
	before, _ := os.ReadFile(mpath)
	if b, _ := os.ReadFile(filepath.Join(repo, "prebake_output", "prebake-report.jsonl")); bytes.Contains(append(before, b...), []byte(pgtest.Password)) {
		t.Error("the manifest or the report shows the password")
	}
	// The unchanged table: skipped, the manifest not even rewritten.
	st, _ := os.Stat(mpath)
	if out, err := step0(s.URL(pgtest.DB)); err != nil {
		t.Fatalf("step 0 again: %v\n%s", err, out)
	}
	if st2, _ := os.Stat(mpath); !st2.ModTime().Equal(st.ModTime()) {
		t.Error("the build of an unchanged table rewrote the manifest")
	}
	// A wrong password: the build fails, the bake in force stays.
	out, err := step0(strings.Replace(s.URL(pgtest.DB), pgtest.Password, "not-the-password", 1))
	if err == nil || !strings.Contains(out, "authentication failed") {
		t.Errorf("step 0 with a wrong password: %v\n%s", err, out)
	}
	if after, _ := os.ReadFile(mpath); !bytes.Equal(before, after) {
		t.Error("a failed build changed the manifest")
	}
}
