package cmu

import (
	"fmt"
	"math"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/prebake/prebake/internal/generators/cmu/table"
	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/testkit/dataset"
	"github.com/prebake/prebake/internal/testkit/duckcheck"
	"github.com/prebake/prebake/internal/testkit/realbake"
	"github.com/prebake/prebake/internal/testkit/shareddata"
	"github.com/prebake/prebake/manifest"
)

var real struct {
	bakeOnce sync.Once
	out      string
	m        *manifest.Manifest
}

// realBake returns the CMU outputs of the test run's shared real-data bake
// (internal/testkit/realbake: register, postcode table and boundaries baked once by
// `prebake build` for every package and pytest), linked into a directory of
// their own so that the tests that walk the output see only this generator's
// files. The bake runs cmu.Generate with Options{} as these tests did.
func realBake(t *testing.T) (string, *manifest.Manifest) {
	t.Helper()
	b := realbake.Get(t)
	real.bakeOnce.Do(func() {
		dir, err := os.MkdirTemp("", "prebake-cmu-real-")
		if err != nil {
			t.Fatal(err)
		}
		if real.out, err = b.Link(filepath.Join(dir, "output"), "cmu"); err != nil {
			t.Fatal(err)
		}
		real.m = b.Manifest
	})
	if real.m == nil {
		t.Fatal("linking the shared real bake failed in an earlier test")
	}
	return real.out, real.m
}

func TestMain(m *testing.M) {
	code := m.Run()
	if real.out != "" {
		os.RemoveAll(filepath.Dir(real.out))
	}
	os.Exit(code)
}

// TestRealTablesIndependentReader reads every Parquet and Arrow table of the real
// bake with DuckDB (and apache-arrow) and checks row counts, column names,
// types, nullability and every column's checksum against the Go tables, and the
// manifest's rows and columns.
func TestRealTablesIndependentReader(t *testing.T) {
	ds := dataset.Real(t)
	out, m := realBake(t)
	comps, err := componentsTable(ds.Components)
	if err != nil {
		t.Fatal(err)
	}
	cmus, err := appFrameTable(appFrame(ds.Components))
	if err != nil {
		t.Fatal(err)
	}
	companies, err := companiesTable(buildCompanyIndex(ds.Components, cmuRows(ds)))
	if err != nil {
		t.Fatal(err)
	}
	tables := map[string]*table.Table{"cmu/components": comps, "cmu/cmus": cmus, "cmu/companies": companies}
	if comps.Rows() != len(ds.Components) || comps.Rows() != 18879 {
		t.Errorf("components table has %d rows, want all 18,879 components", comps.Rows())
	}
	var files []string
	for name := range tables {
		files = append(files, assetPath(t, out, m, name+".parquet"), assetPath(t, out, m, name+".arrow"))
	}
	got := duckcheck.Read(t, files...)
	for name, tb := range tables {
		for _, ext := range []string{".parquet", ".arrow"} {
			a := m.Assets[name+ext]
			if a.Rows == nil || *a.Rows != int64(tb.Rows()) || !reflect.DeepEqual(a.Columns, tb.ManifestColumns()) {
				t.Errorf("%s%s: manifest rows %v columns %v, want %d and %v", name, ext, a.Rows, a.Columns, tb.Rows(), tb.ManifestColumns())
			}
			compareWithReader(t, tb, got[assetPath(t, out, m, name+ext)], name+ext)
		}
		g := got[assetPath(t, out, m, name+".parquet")]
		if !reflect.DeepEqual(g.Compression, []string{"ZSTD"}) || len(g.RowGroups) != (tb.Rows()+table.RowGroupRows-1)/table.RowGroupRows {
			t.Errorf("%s.parquet: compression %v, row groups %v", name, g.Compression, g.RowGroups)
		}
		strs := map[string]bool{}
		for _, c := range tb.Columns {
			strs[c.Name] = c.Type == table.String
		}
		for _, c := range g.ColumnChunks {
			if !c.HasStats {
				t.Errorf("%s.parquet: row group %d column %q has no statistics", name, c.RowGroup, c.Column)
			}
			if strs[c.Column] && !strings.Contains(c.Encodings, "RLE_DICTIONARY") {
				t.Errorf("%s.parquet: row group %d column %q is not dictionary-encoded (%s)", name, c.RowGroup, c.Column, c.Encodings)
			}
		}
		if g.KeyValue["prebake.sort_key"] != strings.Join(tb.SortKey, ",") {
			t.Errorf("%s.parquet: sort key metadata %q", name, g.KeyValue["prebake.sort_key"])
		}
	}
	// The JSON files carry the same rows; the components table has none.
	for name, tb := range tables {
		if _, ok := m.Assets[name+".json"]; ok != (name != "cmu/components") {
			t.Errorf("%s.json written: %v", name, ok)
			continue
		}
		if rows := readTableRows(t, out, m, name); len(rows) != tb.Rows() {
			t.Errorf("%s: %d rows, want %d", name, len(rows), tb.Rows())
		}
	}
}

func compareWithReader(t *testing.T, tb *table.Table, got duckcheck.File, what string) {
	t.Helper()
	if got.Rows != tb.Rows() {
		t.Errorf("%s: reader found %d rows, want %d", what, got.Rows, tb.Rows())
	}
	if len(got.Columns) != len(tb.Columns) {
		t.Fatalf("%s: reader found columns %v, want %d", what, got.Columns, len(tb.Columns))
	}
	want := tb.Checksums()
	for i, c := range tb.Columns {
		g := got.Columns[i]
		if g.Name != c.Name || g.Type != string(c.Type) || g.Nullable != c.Nullable {
			t.Errorf("%s: column %d is %+v, want %s %s nullable=%v", what, i, g, c.Name, c.Type, c.Nullable)
		}
		if gc := got.Checksums[c.Name]; gc != want[c.Name] {
			t.Errorf("%s: column %q checksum %+v, want %+v", what, c.Name, gc, want[c.Name])
		}
	}
}

// pickleBase64Size is the size of base64(pickle.dumps(DataFrame)) of a JSON
// records file, computed by Debian's pandas, as the app stores
// cmu_dataframe_v1 in Redis.
func pickleBase64Size(t testing.TB, jsonPath string) int {
	t.Helper()
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import pandas").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s cannot import pandas (scripts/setup-peers.sh installs python3-pandas): %v", py, err)
		}
		t.Skipf("%s cannot import pandas (scripts/setup-peers.sh installs python3-pandas)", py)
	}
	script := filepath.Join(shareddata.Root(), "internal", "generators", "cmu", "testdata", "pickle_size.py")
	b, err := exec.Command(py, script, jsonPath).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("pickle_size.py: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	n, err := strconv.Atoi(strings.Fields(string(b))[0])
	if err != nil {
		t.Fatalf("pickle_size.py printed %q", b)
	}
	return n
}

// TestRealCMUsParquetVsPickle: the app's dataframe as Parquet is at most a tenth
// of its pickle+base64 form.
func TestRealCMUsParquetVsPickle(t *testing.T) {
	out, m := realBake(t)
	pq := m.Assets["cmu/cmus.parquet"].Size
	pickled := pickleBase64Size(t, assetPath(t, out, m, "cmu/cmus.json"))
	t.Logf("cmu/cmus: %d rows; Parquet %d bytes, pickle+base64 %d bytes (%.1fx)", *m.Assets["cmu/cmus.parquet"].Rows, pq, pickled, float64(pickled)/float64(pq))
	if pq*10 > int64(pickled) {
		t.Errorf("cmu/cmus.parquet is %d bytes, more than a tenth of pickle+base64 (%d bytes)", pq, pickled)
	}
}

// sqlCompanyID is the app's normalize() (appview.Normalize) in DuckDB SQL:
// lower-cased, white space removed.
func sqlCompanyID(col string) string {
	return `regexp_replace(lower(` + col + `), '\s', '', 'g')`
}

// TestRealStatisticsMatchDuckDB recomputes the statistics of every component
// and of each category with DuckDB SQL over the components Parquet file.
func TestRealStatisticsMatchDuckDB(t *testing.T) {
	out, m := realBake(t)
	pq := duckcheck.SQLString(assetPath(t, out, m, "cmu/components.parquet"))
	check := func(t *testing.T, asset, where string) {
		var st Statistics
		readAsset(t, out, m, asset, &st)
		// The app's build_statistics_cache queries, in DuckDB: companies are exact
		// names, null classes and years are left out of the lists.
		src := `(SELECT *, company_name AS norm, coalesce(derated_capacity_mw, 0) AS mw FROM read_parquet(` + pq + `) WHERE ` + where + `)`
		res := duckcheck.Query(t,
			`SELECT count(*) AS n, count(DISTINCT nullif(norm, '')) AS companies, count(DISTINCT coalesce(technology, '\x00')) AS techs, round(sum(mw), 3) AS mw FROM `+src,
			`SELECT norm, count(*) AS n FROM `+src+` WHERE norm <> '' GROUP BY norm ORDER BY n DESC, norm LIMIT 25`,
			`SELECT norm, round(sum(mw), 3) AS mw FROM `+src+` WHERE norm <> '' GROUP BY norm HAVING round(sum(mw), 3) > 0 ORDER BY mw DESC, norm LIMIT 25`,
			`SELECT technology, count(*) AS n FROM `+src+` WHERE technology <> '' GROUP BY technology ORDER BY n DESC, technology LIMIT 25`,
			`SELECT technology, round(sum(mw), 3) AS mw FROM `+src+` WHERE technology <> '' GROUP BY technology HAVING round(sum(mw), 3) > 0 ORDER BY mw DESC, technology LIMIT 25`,
			`SELECT CAST(delivery_year AS VARCHAR) AS delivery_year, count(*) AS n FROM `+src+` WHERE delivery_year IS NOT NULL GROUP BY delivery_year ORDER BY delivery_year`,
			`SELECT id, derated_capacity_mw FROM `+src+` WHERE derated_capacity_mw > 0 ORDER BY derated_capacity_mw DESC, id LIMIT 20`,
		)
		num := func(v any) float64 {
			switch x := v.(type) {
			case float64:
				return x
			case string:
				f, _ := strconv.ParseFloat(x, 64)
				return f
			case nil:
				return 0
			}
			t.Fatalf("unexpected %T %v", v, v)
			return 0
		}
		near := func(a, b float64) bool { return math.Abs(a-b) <= 0.0015 }
		s := res[0][0]
		if int(num(s["n"])) != st.Summary.TotalComponents || int(num(s["companies"])) != st.Summary.TotalCompanies ||
			int(num(s["techs"])) != st.Summary.TotalTechnologies || !near(num(s["mw"]), st.Summary.TotalCapacity) {
			t.Errorf("%s summary %+v, DuckDB %v", asset, st.Summary, s)
		}
		if len(res[1]) != len(st.TopCompaniesCount) {
			t.Errorf("%s: %d top companies by count, DuckDB %d", asset, len(st.TopCompaniesCount), len(res[1]))
		}
		for i, r := range res[1] {
			if i < len(st.TopCompaniesCount) && (st.TopCompaniesCount[i].CompanyName != r["norm"] || st.TopCompaniesCount[i].Count != int(num(r["n"]))) {
				t.Errorf("%s top_companies_count[%d] = %+v, DuckDB %v", asset, i, st.TopCompaniesCount[i], r)
			}
		}
		if len(res[2]) != len(st.TopCompaniesCapacity) {
			t.Errorf("%s: %d top companies by capacity, DuckDB %d", asset, len(st.TopCompaniesCapacity), len(res[2]))
		}
		for i, r := range res[2] {
			if i < len(st.TopCompaniesCapacity) && (st.TopCompaniesCapacity[i].CompanyName != r["norm"] || !near(st.TopCompaniesCapacity[i].TotalCapacity, num(r["mw"]))) {
				t.Errorf("%s top_companies_capacity[%d] = %+v, DuckDB %v", asset, i, st.TopCompaniesCapacity[i], r)
			}
		}
		tech := func(p string) any { return p }
		if len(res[3]) != len(st.TechByCount) {
			t.Errorf("%s: %d technologies by count, DuckDB %d", asset, len(st.TechByCount), len(res[3]))
		}
		for i, r := range res[3] {
			if i < len(st.TechByCount) && (tech(st.TechByCount[i].Technology) != r["technology"] || st.TechByCount[i].Count != int(num(r["n"]))) {
				t.Errorf("%s tech_by_count[%d] = %+v, DuckDB %v", asset, i, st.TechByCount[i], r)
			}
		}
		if len(res[4]) != len(st.TechByCapacity) {
			t.Errorf("%s: %d technologies by capacity, DuckDB %d", asset, len(st.TechByCapacity), len(res[4]))
		}
		for i, r := range res[4] {
			if i < len(st.TechByCapacity) && (tech(st.TechByCapacity[i].Technology) != r["technology"] || !near(st.TechByCapacity[i].TotalCapacity, num(r["mw"]))) {
				t.Errorf("%s tech_by_capacity[%d] = %+v, DuckDB %v", asset, i, st.TechByCapacity[i], r)
			}
		}
		if len(res[5]) != len(st.ComponentsByYear) {
			t.Errorf("%s: %d years, DuckDB %d", asset, len(st.ComponentsByYear), len(res[5]))
		}
		for i, r := range res[5] {
			if i >= len(st.ComponentsByYear) {
				break
			}
			y := st.ComponentsByYear[i]
			if y.DeliveryYear != r["delivery_year"] || y.Count != int(num(r["n"])) {
				t.Errorf("%s components_by_year[%d] = %v %d, DuckDB %v", asset, i, y.DeliveryYear, y.Count, r)
			}
		}
		if len(res[6]) != len(st.TopComponentsCapacity) {
			t.Errorf("%s: %d top components, DuckDB %d", asset, len(st.TopComponentsCapacity), len(res[6]))
		}
		for i, r := range res[6] {
			if i < len(st.TopComponentsCapacity) && (st.TopComponentsCapacity[i].ID != int64(num(r["id"])) || st.TopComponentsCapacity[i].DeratedCapacityMW != num(r["derated_capacity_mw"])) {
				t.Errorf("%s top_components_capacity[%d] = %+v, DuckDB %v", asset, i, st.TopComponentsCapacity[i], r)
			}
		}
		if st.Summary.TotalComponents > 0 && len(st.TopCompaniesCount) == 0 {
			t.Errorf("%s: no top companies", asset)
		}
	}
	t.Run("all", func(t *testing.T) { check(t, "cmu/statistics.json", "true") })
	for _, c := range record.Categories {
		t.Run(string(c), func(t *testing.T) {
			check(t, "cmu/statistics/"+string(c)+".json", "category = "+duckcheck.SQLString(string(c)))
		})
	}
}

// TestRealCompanyIndexMatchesDuckDB recomputes every company's CMU ids, years,
// component count and capacity with DuckDB SQL over the components Parquet file
// and the CMU register's own rows, and checks the full index, the shards and the
// prefix index against it.
func TestRealCompanyIndexMatchesDuckDB(t *testing.T) {
	out, m := realBake(t)
	comps := duckcheck.SQLString(assetPath(t, out, m, "cmu/components.parquet"))
	register := duckcheck.SQLString(shareddata.Path(t, "data/register/cmu_register_rows.json"))
	both := duckcheck.Query(t, `
WITH r AS (
  SELECT `+sqlCompanyID(`"Name of Applicant"`)+` AS n, trim("CMU ID") AS cmu, "Delivery Year"::BIGINT AS y, NULL::DOUBLE AS mw, 0 AS comp
  FROM read_json_auto(`+register+`) WHERE trim("CMU ID") <> ''
  UNION ALL
  SELECT `+sqlCompanyID("company_name")+`, cmu_id, delivery_year, coalesce(derated_capacity_mw, 0), 1 FROM read_parquet(`+comps+`)
)
SELECT n, count(DISTINCT cmu) AS num_cmu_ids, sum(comp) AS num_components, round(coalesce(sum(mw), 0), 3) AS mw,
       list_sort(list_distinct(list(y)), 'DESC') AS years, list_sort(list_distinct(list(cmu))) AS cmu_ids
FROM r WHERE n <> '' GROUP BY n ORDER BY n`,
		`SELECT normalized_name AS n, num_cmu_ids, num_components, total_derated_capacity_mw AS mw, first_delivery_year AS first, last_delivery_year AS last, num_delivery_years AS ny
FROM read_parquet(`+duckcheck.SQLString(assetPath(t, out, m, "cmu/companies.parquet"))+`) ORDER BY n`)
	res, tableRows := both[0], both[1]
	// The companies table holds the same numbers, row for row.
	if len(tableRows) != len(res) {
		t.Errorf("companies table has %d rows, DuckDB recomputes %d companies", len(tableRows), len(res))
	}
	for i := 0; i < len(res) && i < len(tableRows); i++ {
		a, b := res[i], tableRows[i]
		years := b["ny"]
		first, last := any(nil), any(nil)
		if ys := a["years"].([]any); len(ys) > 0 {
			first, last = fmt.Sprint(ys[len(ys)-1]), fmt.Sprint(ys[0])
		}
		if a["n"] != b["n"] || fmt.Sprint(a["num_cmu_ids"]) != fmt.Sprint(b["num_cmu_ids"]) || fmt.Sprint(a["num_components"]) != fmt.Sprint(b["num_components"]) ||
			fmt.Sprint(years) != fmt.Sprint(len(a["years"].([]any))) || fmt.Sprint(first) != fmt.Sprint(nilString(b["first"])) || fmt.Sprint(last) != fmt.Sprint(nilString(b["last"])) {
			t.Errorf("companies table row %v, DuckDB recomputes %v", b, a)
		}
	}
	var idx map[string]Company
	readAsset(t, out, m, "cmu/company_index.json", &idx)
	if len(idx) != len(res) || len(idx) < 500 {
		t.Errorf("%d companies in the index, DuckDB finds %d", len(idx), len(res))
	}
	for _, r := range res {
		n := r["n"].(string)
		c, ok := idx[n]
		if !ok {
			t.Errorf("company %q missing from the index", n)
			continue
		}
		var years []string
		for _, y := range r["years"].([]any) {
			years = append(years, fmt.Sprint(y))
		}
		var ids []string
		for _, id := range r["cmu_ids"].([]any) {
			ids = append(ids, id.(string))
		}
		nc, _ := strconv.Atoi(fmt.Sprint(r["num_components"]))
		ncmu, _ := strconv.Atoi(fmt.Sprint(r["num_cmu_ids"]))
		mw, _ := r["mw"].(float64)
		if c.NormalizedName != n || c.NumCMUIDs != ncmu || c.NumComponents != nc || !reflect.DeepEqual(c.YearStrings, years) ||
			!reflect.DeepEqual(c.CMUIDs, ids) || math.Abs(c.TotalDeratedMW-mw) > 0.0015 || c.URL != "/company-list/"+strings.ReplaceAll(url.QueryEscape(n), "+", "%20")+"/" { // quote(n, safe="")
			t.Errorf("company %q = %+v, DuckDB %v", n, c, r)
		}
	}
	// Every shard holds exactly the companies of its first character.
	ss := m.ShardSets["cmu/company_index_shards"]
	seen := 0
	for _, k := range ss.Params["keys"].([]any) {
		var shard map[string]Company
		readShard(t, out, m, "cmu/company_index_shards", k.(string), &shard)
		for n, c := range shard {
			first := n[:1]
			if !(first >= "a" && first <= "z" || first >= "0" && first <= "9") {
				first = "_"
			}
			if first != k || !reflect.DeepEqual(c, idx[n]) {
				t.Errorf("shard %s holds %q (%+v)", k, n, c)
			}
			seen++
		}
	}
	if seen != len(idx) {
		t.Errorf("%d companies in the shards, want %d", seen, len(idx))
	}
	// The prefix index finds, for every 1-3 character prefix, what a scan finds.
	var p PrefixIndex
	readAsset(t, out, m, "cmu/company_prefix_index.json", &p)
	names := make([]string, 0, len(idx))
	for n := range idx {
		names = append(names, n)
	}
	sort.Strings(names)
	for q, rg := range p.Ranges {
		var want []string
		for _, n := range names {
			if strings.HasPrefix(n, q) {
				want = append(want, n)
			}
		}
		var got []string
		for _, e := range p.Companies[rg[0]:rg[1]] {
			got = append(got, e[0].(string))
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("prefix %q gives %v, want %v", q, got, want)
		}
	}
}

func nilString(v any) any {
	if v == nil {
		return nil
	}
	return fmt.Sprint(v)
}

// TestRealDeterministic bakes the real data a second time and compares every file.
func TestRealDeterministic(t *testing.T) {
	out1, _ := realBake(t)
	out2, _ := bakeInto(t, t.TempDir(), dataset.Real(t), Options{})
	f1, f2 := outputFiles(t, out1), outputFiles(t, out2)
	n := 0
	for p, d := range f1 {
		r, _ := filepath.Rel(out1, p)
		if strings.HasPrefix(r, ".") {
			continue
		}
		n++
		if d2, ok := f2[filepath.Join(out2, r)]; !ok || string(d2) != string(d) {
			t.Errorf("%s differs between two bakes of the same data", r)
		}
	}
	if n < 20 {
		t.Errorf("only %d files compared", n)
	}
}

// BenchmarkGenerateReal bakes the real register's CMU outputs.
func BenchmarkGenerateReal(b *testing.B) {
	ds := dataset.Real(b)
	for i := 0; i < b.N; i++ {
		bakeInto(b, b.TempDir(), ds, Options{})
	}
}

// TestRealGeocodedColumns checks that the components table carries the
// geocoding of the real register: most rows located, each located row with a
// source, precision and coordinates in Great Britain, each other row with a
// reason and no coordinates.
func TestRealGeocodedColumns(t *testing.T) {
	out, m := realBake(t)
	rows := readTableRows(t, out, m, "cmu/components")
	located := 0
	for _, r := range rows {
		if r["located"] == true {
			located++
			lat, _ := r["lat"].(float64)
			lng, _ := r["lng"].(float64)
			if r["geocode_source"] == nil || r["geocode_precision"] == nil || r["unlocated_reason"] != nil || lat < 49 || lat > 61 || lng < -9 || lng > 2 {
				t.Errorf("located row %v", r["id"])
			}
		} else if r["lat"] != nil || r["lng"] != nil || r["geocode_source"] != nil || r["unlocated_reason"] == nil {
			t.Errorf("unlocated row %v: lat %v source %v reason %v", r["id"], r["lat"], r["geocode_source"], r["unlocated_reason"])
		}
	}
	if located < len(rows)*8/10 {
		t.Errorf("%d of %d components located", located, len(rows))
	}
}
